// The simulated NeuronCore: executes a verified NEFF program functionally
// (docs/isa.md semantics) while accounting each instruction's cost on a
// timing model built from target/ (the core the NEFF's metadata names as its
// target). Every time it reports is an estimate, not a measurement.
#ifndef NCC_RUNTIME_SIM_SIMULATOR_H_
#define NCC_RUNTIME_SIM_SIMULATOR_H_

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "neff/neff_generated.h"
#include "runtime/sim/write_set.h"
#include "target/neuroncore.h"

namespace ncc::sim {

inline constexpr int kNumEngines = 5;  // indexed by target::Engine

// Simulator estimates for one execution.
struct ExecutionStats {
  // Latest instruction end time (ns, estimate).
  double estimated_latency_ns = 0;
  // Busy time per engine (ns, estimate), indexed by target::Engine; the DMA
  // entry sums all DMA queues.
  std::array<double, kNumEngines> busy_ns{};
  // Instructions executed per engine, indexed by target::Engine.
  std::array<int64_t, kNumEngines> instructions{};
  // Bytes written by DMA queues.
  int64_t dma_bytes = 0;
  // Total time instructions' engines sat idle waiting on semaphores (ns).
  double semaphore_wait_ns = 0;
  // Tensor engine busy fraction of the estimated latency, in [0, 1].
  double tensor_utilization = 0;

  double BusyNs(target::Engine e) const { return busy_ns[static_cast<int>(e)]; }
  int64_t Instructions(target::Engine e) const { return instructions[static_cast<int>(e)]; }
};

// One executed instruction on the simulator's timeline (all times are
// estimates, ns from the start of the execution).
struct TraceEvent {
  int queue = 0;  // position in Model.queues
  neff::EngineType engine = neff::EngineType::DMA;
  uint32_t queue_index = 0;  // DMA queue number, 0 for compute engines
  uint32_t instruction = 0;  // position in its queue
  neff::Opcode opcode = neff::Opcode::DMA_COPY;
  int node = -1;        // Instruction.node (index into Model.nodes)
  double ready_ns = 0;  // its engine became free
  double start_ns = 0;  // it started (>= ready_ns)
  double end_ns = 0;
  // The semaphore whose value held it back (start_ns > ready_ns), or -1.
  int wait_semaphore = -1;
  uint32_t wait_value = 0;
};

// Optional per-instruction record of an execution, in execution order.
struct ExecutionTrace {
  std::vector<TraceEvent> events;
};

// How an execution may use the host (never changes results: work split
// across threads is split so that every element is computed exactly as on
// one thread).
struct ExecuteOptions {
  // Host threads for the simulated core (>= 1): large matmuls and copies are
  // split across them.
  int threads = 1;
  // Bounds on one execution, 0 for none: instructions executed, and elements
  // touched (the operands' element counts summed over the instructions
  // executed, a measure of host work). An execution that would pass either
  // stops before that instruction with kResourceExhausted naming the bound,
  // the queue and the instruction. A verified program always terminates;
  // these bound how long it may take (the fuzzer, a service's budget).
  int64_t max_instructions = 0;
  int64_t max_elements = 0;
  // With threads >= 2, the host work (elements touched plus multiply-adds
  // / 8, per execution) from which the Tensor engine gets a thread of its
  // own; smaller programs run on the calling thread alone (a hand-over
  // costs microseconds). -1: the default, 2^26.
  int64_t lane_min_work = -1;
};

// The load of a model with load queues (Model.load_queues), which Decode
// runs once: estimates, never part of an execution's ExecutionStats.
struct LoadStats {
  // End of the last load instruction (ns, estimate), the load queues
  // running in parallel on their DMA queues: the time to load the weights.
  double estimated_ns = 0;
  // The load DMAs' busy time summed over the queues (ns, estimate).
  double dma_busy_ns = 0;
  int64_t instructions = 0;
  // Bytes the load DMAs wrote to SBUF.
  int64_t dma_bytes = 0;
  // SBUF bytes kept resident (neff::ResidentSbuf), summed over partitions.
  int64_t resident_bytes = 0;
};

// A verified model decoded once for repeated execution: every operand's
// access pattern resolved, every instruction's estimated cost and waits
// precomputed, and its load queues run (their SBUF kept, see Decode). It
// points into the model, which must outlive it.
struct DecodedProgram;

// Decodes a model that already passed Verify(). Fails when the NEFF names a
// target core this simulator does not model (target::CoreSpecForTarget).
// Runs the model's load queues once, on a scratch SBUF, with
// `load_options`' threads and limits, and keeps the resident SBUF they
// filled: every execution of the program starts with it in SBUF (the rest
// zeroed), as a core that loaded the model keeps its weights on chip.
absl::StatusOr<std::shared_ptr<const DecodedProgram>> Decode(
    const neff::Model& model, const ExecuteOptions& load_options = {});

// The program's load (all zero without load queues).
const LoadStats& LoadStatsOf(const DecodedProgram& program);

// The DRAM bytes the program's instructions may write: with the inputs, all
// an execution can change in its arena (a caller reusing the arena zeroes
// only these before the next execution).
const std::shared_ptr<const WriteSet>& DramWritesOf(const DecodedProgram& program);

// As ExecuteVerified, for a decoded program (what the runtime calls: the
// decoding is paid once per load, not per execution).
absl::Status ExecuteDecoded(const DecodedProgram& program, uint8_t* dram, ExecutionStats* stats,
                            ExecutionTrace* trace = nullptr, const ExecuteOptions& options = {});

// Runs `model` on a fresh core (SBUF, PSUM and semaphores zeroed; the
// SBUF that load queues fill holds what they wrote, the load itself not
// counted in `stats` or `trace`). `dram`
// holds model.dram_size() bytes: inputs are read from and outputs written to
// it. Verifies the model first (so a hostile model is rejected, never run).
// A program whose queues cannot all finish (a wait that can never be met)
// returns an error naming each blocked queue, its wait and the semaphore
// values. A data-dependent fault (a DMA_GATHER index out of range) fails
// the execution with an error naming the queue and instruction. `stats` and
// `trace` may be null.
absl::Status Execute(const neff::Model& model, uint8_t* dram, ExecutionStats* stats,
                     ExecutionTrace* trace = nullptr, const ExecuteOptions& options = {});

// As Execute, for a model that already passed Verify().
absl::Status ExecuteVerified(const neff::Model& model, uint8_t* dram, ExecutionStats* stats,
                             ExecutionTrace* trace = nullptr, const ExecuteOptions& options = {});

}  // namespace ncc::sim

#endif  // NCC_RUNTIME_SIM_SIMULATOR_H_
