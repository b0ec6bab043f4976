// The simulator behind the runtime's device interface: one simulated
// NeuronCore (runtime/sim/simulator.h) as a runtime::Device. Linking this
// library registers the device kind kSimulatorDeviceKind.
//
// Load decodes the model (sim::Decode) and runs its load queues, if any,
// once: every Execute of the program then starts with the SBUF they filled,
// and its timing excludes the load. The load's estimate is the program's:
//   const ncc::sim::DecodedProgram* decoded = ncc::sim::DecodedProgramOf(*program);
//   if (decoded != nullptr) load_ns = ncc::sim::LoadStatsOf(*decoded).estimated_ns;
#ifndef NCC_RUNTIME_SIM_SIM_DEVICE_H_
#define NCC_RUNTIME_SIM_SIM_DEVICE_H_

#include <memory>

#include "runtime/device.h"
#include "runtime/sim/simulator.h"

namespace ncc::sim {

inline constexpr char kSimulatorDeviceKind[] = "simulator";

class SimDevice : public runtime::Device {
 public:
  explicit SimDevice(int core) : core_(core) {}

  // The physical NeuronCore this device simulates.
  int core() const { return core_; }

  absl::StatusOr<std::shared_ptr<const runtime::Program>> Load(
      const neff::Model& model, const runtime::ProgramOptions& options) override;
  absl::Status Execute(const runtime::Program& program,
                       absl::Span<const absl::Span<const uint8_t>> inputs,
                       absl::Span<const absl::Span<uint8_t>> outputs,
                       runtime::ExecutionTiming* timing) override;

 private:
  int core_;
};

// The decoded program behind a runtime::Program that a SimDevice loaded
// (valid as long as `program`), or nullptr for a program of another kind.
const DecodedProgram* DecodedProgramOf(const runtime::Program& program);

}  // namespace ncc::sim

#endif  // NCC_RUNTIME_SIM_SIM_DEVICE_H_
