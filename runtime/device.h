// The NeuronCore device interface: what the runtime (nrt_*) needs from one
// core to run a NEFF. The simulator implements it (runtime/sim/sim_device.h);
// a hardware driver would be another kind behind the same calls, and several
// cores are several devices (nrt creates one per NeuronCore).
#ifndef NCC_RUNTIME_DEVICE_H_
#define NCC_RUNTIME_DEVICE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "neff/neff_generated.h"
#include "target/neuroncore.h"

namespace ncc::runtime {

inline constexpr int kNumDeviceEngines = 5;  // indexed by target::Engine

// Timing of one execution. On the simulator every figure except
// host_wall_ns is an estimate of device time, not a measurement.
struct ExecutionTiming {
  // End of the last instruction (ns).
  double estimated_latency_ns = 0;
  // Busy time per engine (ns); the DMA entry sums all DMA queues.
  std::array<double, kNumDeviceEngines> busy_ns{};
  // Instructions executed per engine.
  std::array<int64_t, kNumDeviceEngines> instructions{};
  // Bytes written by DMA queues.
  int64_t dma_bytes = 0;
  // Time engines sat idle waiting on semaphores (ns).
  double semaphore_wait_ns = 0;
  // Tensor engine busy fraction of the latency, in [0, 1].
  double tensor_utilization = 0;
  // Host wall-clock time of the program's run (ns, measured), without the
  // copies of inputs and outputs.
  double host_wall_ns = 0;

  double BusyNs(target::Engine e) const { return busy_ns[static_cast<int>(e)]; }
  int64_t Instructions(target::Engine e) const { return instructions[static_cast<int>(e)]; }
};

// How a program is loaded.
struct ProgramOptions {
  // Host threads a simulated core may split one execution across (>= 1);
  // results are identical for every value. Hardware ignores it.
  int host_threads = 1;
};

// A NEFF program prepared for execution (decoded, or placed in device
// memory). It runs on the device that loaded it and on every other device
// of the same kind, so a model bound to several cores is loaded once.
class Program {
 public:
  virtual ~Program() = default;
};

// One NeuronCore.
class Device {
 public:
  virtual ~Device() = default;

  // Prepares `model`, which passed the NEFF verifier and must outlive the
  // program. Fails when the device cannot run it (e.g. the NEFF's target is
  // another core). May be called while the device executes.
  virtual absl::StatusOr<std::shared_ptr<const Program>> Load(const neff::Model& model,
                                                              const ProgramOptions& options) = 0;

  // Runs `program` once on fresh device memory. `inputs` and `outputs` are
  // the model's inputs and outputs in Model order, each exactly its tensor's
  // size. ResourceExhausted when device memory cannot be allocated; any
  // other error is a fault of the execution. `timing` may be null. One
  // execution at a time: callers serialize the executions of one device.
  virtual absl::Status Execute(const Program& program,
                               absl::Span<const absl::Span<const uint8_t>> inputs,
                               absl::Span<const absl::Span<uint8_t>> outputs,
                               ExecutionTiming* timing) = 0;
};

// Creates the device of physical NeuronCore `core`.
using DeviceFactory = std::function<std::unique_ptr<Device>(int core)>;

// Registers the device kind `kind` (at static initialization, from the
// kind's library). Returns true, so that it can initialize a constant.
bool RegisterDeviceKind(absl::string_view kind, DeviceFactory factory);

// The device of kind `kind` for physical NeuronCore `core`; NotFound naming
// the registered kinds when `kind` is not one of them.
absl::StatusOr<std::unique_ptr<Device>> CreateDevice(absl::string_view kind, int core);

}  // namespace ncc::runtime

#endif  // NCC_RUNTIME_DEVICE_H_
