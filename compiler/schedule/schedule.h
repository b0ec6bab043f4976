// Scheduling: a list scheduler that orders the tile instructions within a
// window of program order and assigns each to an engine queue (DMA
// transfers to the DMA queue that can start them earliest), derives the
// dependencies from the memory each instruction reads and writes, and
// inserts a semaphore wait only where a dependency crosses queues. It also
// produces the compiler's estimate of device time on the shared cost model.
#ifndef NCC_COMPILER_SCHEDULE_SCHEDULE_H_
#define NCC_COMPILER_SCHEDULE_SCHEDULE_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/lower/tile_program.h"
#include "target/neuroncore.h"

namespace ncc::schedule {

struct SemaphoreWait {
  int semaphore = 0;
  int64_t value = 0;
};

struct ScheduledInst {
  int inst = 0;  // index into TileProgram::insts
  std::vector<SemaphoreWait> waits;
  int signal = -1;
  double start_ns = 0, end_ns = 0;  // estimates
};

struct Queue {
  target::Engine engine = target::Engine::kDma;
  int index = 0;
  int semaphore = 0;  // signalled by every instruction of this queue
  std::vector<ScheduledInst> insts;
};

struct Schedule {
  std::vector<Queue> queues;
  int num_semaphores = 0;
  double estimated_ns = 0;  // estimated device latency
  // Busy time per engine (Tensor, Vector, Scalar, GpSimd, DMA summed over
  // queues), estimates.
  std::array<double, 5> busy_ns{};
  std::array<int64_t, 5> instruction_counts{};
  int64_t semaphore_waits = 0;
  int64_t dependencies = 0;
  int64_t dma_bytes = 0;
  // The critical path (the chain of instructions, each started by the end of
  // the one before it through a dependency or its queue, that ends last):
  // time and instructions per engine, as busy_ns. Estimates.
  std::array<double, 5> critical_ns{};
  std::array<int64_t, 5> critical_count{};
};

// Estimated cost of one instruction on the target (target::InstructionCostNs,
// as the simulator times it). A DMA's contiguous runs depend on its buffers'
// spaces, which only the program knows: without it a DMA is costed as if
// on-chip, so pass the program for DMAs.
double InstructionCostNs(const lower::TileInst& inst, const target::CoreSpec& spec);
double InstructionCostNs(const lower::TileInst& inst, const lower::TileProgram& program,
                         const target::CoreSpec& spec);

struct ScheduleOptions {
  // How many instructions of program order the list scheduler looks ahead
  // (1 keeps program order). Measured estimates (bert_small / ResNet-50 /
  // MobileNetV2, us): window 1: 1697 / 4987 / 3832; 64: 1682 / 4835 / 3491;
  // 256: 1682 / 4695 / 3490; 1024: 1684 / 4691 / 3490.
  int window = 256;
};

// Requires allocated buffers (alloc::Allocate).
absl::StatusOr<Schedule> ScheduleProgram(const lower::TileProgram& program,
                                         const target::CoreSpec& spec,
                                         const ScheduleOptions& options = {});

// Independent check of a schedule (O(n^2), for tests and --verify builds):
// every pair of instructions whose memory accesses conflict (overlapping
// bytes of the same space, at least one a write) must be ordered, either by
// their queue or through semaphore waits (vector clocks). Returns the first
// unordered pair.
absl::Status VerifySchedule(const lower::TileProgram& program, const Schedule& schedule);

}  // namespace ncc::schedule

#endif  // NCC_COMPILER_SCHEDULE_SCHEDULE_H_
