#include "compiler/schedule/schedule.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ncc::schedule {
namespace {

using lower::Operand;
using lower::Space;
using lower::TileInst;
using lower::TileProgram;

// Byte range [lo, hi) an operand touches relative to its buffer's start
// (free axis only for on-chip buffers, which are tracked whole).
std::pair<int64_t, int64_t> ByteRange(const Operand& op) {
  const int64_t elem = lower::ElemSize(op.dtype);
  int64_t lo = 0, hi = 0;
  auto extend = [&](int64_t stride, int64_t size) {
    if (size <= 0) return;
    const int64_t span = stride * (size - 1);
    if (span < 0) {
      lo += span;
    } else {
      hi += span;
    }
  };
  if (op.partition_stride != 0) extend(op.partition_stride, op.num_partitions);
  for (const lower::Dim& d : op.dims) extend(d.stride, d.size);
  return {op.offset + lo * elem, op.offset + (hi + 1) * elem};
}

// Bytes of the longest contiguous run at the start of an access pattern:
// free dims merged inner to outer while each continues the run, and, off
// chip, the partition dimension too. Must match runtime/sim's rule
// (docs/isa.md, Timing) so that compiler and simulator estimates agree.
int64_t ContiguousRun(const Operand& op, Space space) {
  const int64_t elem = lower::ElemSize(op.dtype);
  int64_t run = elem;
  for (auto d = op.dims.rbegin(); d != op.dims.rend(); ++d) {
    if (d->size == 1) continue;
    if (d->stride * elem != run) return run;
    run *= d->size;
  }
  const bool on_chip = space == Space::SBUF || space == Space::PSUM;
  if (!on_chip && op.num_partitions > 1 && op.partition_stride * elem == run) {
    run *= op.num_partitions;
  }
  return run;
}

// A DMA runs at the rate of the shorter of its two sides' contiguous runs.
int64_t ContiguousBytes(const TileInst& inst, const TileProgram& program) {
  return std::min(ContiguousRun(inst.dst, program.buffers[inst.dst.buffer].space),
                  ContiguousRun(inst.src0, program.buffers[inst.src0.buffer].space));
}

int EngineSlot(target::Engine e) { return static_cast<int>(e); }

struct Access {
  int64_t lo, hi;
  int inst;
  bool write;
};

// Tracks, per buffer, the accesses later ones may conflict with.
class HazardTracker {
 public:
  explicit HazardTracker(const TileProgram& program)
      : program_(program), accesses_(program.buffers.size()),
        touched_(program.buffers.size(), false) {}

  // Adds to `deps` every earlier instruction that `inst` must follow when it
  // accesses `op`, and records the access.
  void Access(const Operand& op, bool write, int inst, std::vector<int>* deps) {
    if (!op.valid()) return;
    const lower::Buffer& buf = program_.buffers[op.buffer];
    if (buf.space == Space::WEIGHTS) return;  // read-only
    if (!touched_[op.buffer]) {
      touched_[op.buffer] = true;
      // First use of reused space: follow everything the last holders did.
      for (int prev : buf.reuses) {
        for (const auto& a : accesses_[prev]) deps->push_back(a.inst);
      }
    }
    int64_t lo = 0, hi = 1;
    if (buf.space == Space::DRAM) std::tie(lo, hi) = ByteRange(op);
    std::vector<struct Access>& list = accesses_[op.buffer];
    for (const auto& a : list) {
      if (a.lo < hi && lo < a.hi && (write || a.write)) deps->push_back(a.inst);
    }
    if (write) {
      // A write covering an earlier access supersedes it.
      list.erase(std::remove_if(list.begin(), list.end(),
                                [&](const struct Access& a) { return lo <= a.lo && a.hi <= hi; }),
                 list.end());
    }
    list.push_back({lo, hi, inst, write});
  }

 private:
  const TileProgram& program_;
  std::vector<std::vector<struct Access>> accesses_;
  std::vector<bool> touched_;
};

}  // namespace

double InstructionCostNs(const TileInst& inst, const target::CoreSpec& spec) {
  const bool gpsimd = inst.engine == target::Engine::kGpSimd;
  switch (inst.opcode) {
    case neff::Opcode::MATMUL:
      return target::MatmulNs(spec, inst.src0.free_size(), inst.src1.free_size(),
                              lower::ElemSize(inst.src1.dtype));
    case neff::Opcode::ACTIVATION:
      return target::ActivationNs(spec, inst.dst.free_size());
    case neff::Opcode::TRANSPOSE:
      if (inst.engine == target::Engine::kTensor) {
        return target::MatmulNs(spec, inst.src0.free_size(), inst.src0.num_partitions,
                                lower::ElemSize(inst.src0.dtype));
      }
      return target::VectorNs(spec, inst.src0.free_size(), 1);
    case neff::Opcode::TENSOR_REDUCE:
      return gpsimd ? target::GpSimdNs(spec, inst.src0.free_size())
                    : target::VectorNs(spec, inst.src0.free_size(), 1);
    case neff::Opcode::IOTA:
      return target::GpSimdNs(spec, inst.dst.free_size());
    case neff::Opcode::TENSOR_TENSOR:
    case neff::Opcode::TENSOR_SCALAR:
    case neff::Opcode::TENSOR_COPY:
    case neff::Opcode::MEMSET:
    case neff::Opcode::SELECT: {
      const int inputs = inst.opcode == neff::Opcode::TENSOR_TENSOR ||
                                 inst.opcode == neff::Opcode::SELECT
                             ? 2
                             : 1;
      if (gpsimd) return target::GpSimdNs(spec, inst.dst.free_size());
      if (inst.engine == target::Engine::kScalar) {
        return target::ActivationNs(spec, inst.dst.free_size());
      }
      return target::VectorNs(spec, inst.dst.free_size(), inputs);
    }
    case neff::Opcode::DMA_COPY:
    case neff::Opcode::DMA_GATHER:
      break;
  }
  return 0;
}

absl::StatusOr<Schedule> ScheduleProgram(const TileProgram& program,
                                         const target::CoreSpec& spec) {
  Schedule sched;
  // Queues: one per compute engine, then the DMA queues.
  const target::Engine kCompute[] = {target::Engine::kTensor, target::Engine::kVector,
                                     target::Engine::kScalar, target::Engine::kGpSimd};
  for (target::Engine e : kCompute) sched.queues.push_back({e, 0, 0, {}});
  for (int d = 0; d < spec.dma_queues; ++d) {
    sched.queues.push_back({target::Engine::kDma, d, 0, {}});
  }
  const int num_queues = static_cast<int>(sched.queues.size());
  if (num_queues > spec.semaphores) {
    return absl::ResourceExhaustedError("more queues than semaphores");
  }
  for (int q = 0; q < num_queues; ++q) sched.queues[q].semaphore = q;

  const size_t n = program.insts.size();
  std::vector<int> queue_of(n, -1);
  std::vector<int64_t> position(n, -1);
  std::vector<double> end_ns(n, 0);
  std::vector<double> queue_free(num_queues, 0);
  // satisfied[q][p]: semaphore value of queue p that queue q already waited for.
  std::vector<std::vector<int64_t>> satisfied(num_queues, std::vector<int64_t>(num_queues, 0));
  HazardTracker hazards(program);

  for (size_t i = 0; i < n; ++i) {
    const TileInst& inst = program.insts[i];
    std::vector<int> deps;
    const bool accumulates = inst.opcode == neff::Opcode::MATMUL && !inst.accumulate_start;
    hazards.Access(inst.src0, false, static_cast<int>(i), &deps);
    hazards.Access(inst.src1, false, static_cast<int>(i), &deps);
    hazards.Access(inst.bias, false, static_cast<int>(i), &deps);
    hazards.Access(inst.src2, false, static_cast<int>(i), &deps);
    if (accumulates) hazards.Access(inst.dst, false, static_cast<int>(i), &deps);
    hazards.Access(inst.dst, true, static_cast<int>(i), &deps);
    hazards.Access(inst.accum, true, static_cast<int>(i), &deps);
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    deps.erase(std::remove(deps.begin(), deps.end(), static_cast<int>(i)), deps.end());

    double ready = 0;
    for (int d : deps) ready = std::max(ready, end_ns[d]);
    int q;
    if (inst.engine == target::Engine::kDma) {
      // The DMA queue that can start this transfer first.
      q = 4;
      for (int c = 4; c < num_queues; ++c) {
        if (std::max(ready, queue_free[c]) < std::max(ready, queue_free[q])) q = c;
      }
    } else {
      q = EngineSlot(inst.engine);
    }
    Queue& queue = sched.queues[q];
    ScheduledInst si;
    si.inst = static_cast<int>(i);
    si.signal = queue.semaphore;
    // One wait per producing queue: for its latest producer.
    std::vector<int64_t> need(num_queues, 0);
    for (int d : deps) {
      if (queue_of[d] != q) need[queue_of[d]] = std::max(need[queue_of[d]], position[d] + 1);
    }
    for (int p = 0; p < num_queues; ++p) {
      if (need[p] > satisfied[q][p]) {
        si.waits.push_back({sched.queues[p].semaphore, need[p]});
        satisfied[q][p] = need[p];
      }
    }
    double cost = InstructionCostNs(inst, spec);
    if (inst.opcode == neff::Opcode::DMA_COPY) {
      cost = target::DmaNs(spec, inst.dst.num_elements() * lower::ElemSize(inst.dst.dtype),
                           ContiguousBytes(inst, program));
    } else if (inst.opcode == neff::Opcode::DMA_GATHER) {
      // One row per partition: the run is a row's bytes.
      cost = target::DmaNs(spec, inst.dst.num_elements() * lower::ElemSize(inst.dst.dtype),
                           inst.dst.free_size() * lower::ElemSize(inst.dst.dtype));
    }
    si.start_ns = std::max(ready, queue_free[q]);
    si.end_ns = si.start_ns + cost;
    queue_free[q] = si.end_ns;
    end_ns[i] = si.end_ns;
    queue_of[i] = q;
    position[i] = static_cast<int64_t>(queue.insts.size());
    const int slot = EngineSlot(inst.engine);
    sched.busy_ns[slot] += cost;
    sched.instruction_counts[slot] += 1;
    sched.semaphore_waits += static_cast<int64_t>(si.waits.size());
    sched.dependencies += static_cast<int64_t>(deps.size());
    if (inst.engine == target::Engine::kDma) {
      sched.dma_bytes += inst.dst.num_elements() * lower::ElemSize(inst.dst.dtype);
    }
    sched.estimated_ns = std::max(sched.estimated_ns, si.end_ns);
    queue.insts.push_back(std::move(si));
  }
  // Drop queues that received nothing; semaphore ids stay as assigned.
  sched.queues.erase(std::remove_if(sched.queues.begin(), sched.queues.end(),
                                    [](const Queue& q) { return q.insts.empty(); }),
                     sched.queues.end());
  sched.num_semaphores = num_queues;
  return sched;
}

}  // namespace ncc::schedule
