#include "compiler/schedule/schedule.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "text/printable.h"
#include "target/cost.h"

namespace ncc::schedule {
namespace {

using lower::ByteRange;
using lower::Operand;
using lower::Space;
using lower::TileInst;
using lower::TileProgram;

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

// The cost model's view of one operand; without the program (its buffers'
// spaces) the contiguous run leaves out the partition dimension.
target::OperandCostShape OperandShape(const Operand& op, const TileProgram* program) {
  target::OperandCostShape shape;
  if (!op.valid()) return shape;
  shape.free_size = op.free_size();
  shape.num_partitions = op.num_partitions;
  shape.elem_bytes = lower::ElemSize(op.dtype);
  shape.contiguous_bytes =
      ContiguousRun(op, program != nullptr ? program->buffers[op.buffer].space : Space::SBUF);
  return shape;
}

target::InstructionCostShape CostShape(const TileInst& inst, const TileProgram* program) {
  target::InstructionCostShape shape;
  shape.opcode = inst.opcode;
  shape.engine = inst.engine;
  shape.dst = OperandShape(inst.dst, program);
  shape.src0 = OperandShape(inst.src0, program);
  shape.src1 = OperandShape(inst.src1, program);
  return shape;
}

int EngineSlot(target::Engine e) { return static_cast<int>(e); }

struct Access {
  int64_t lo, hi;
  int inst;
  bool write;
  // Taken over from a buffer whose space this one reuses: every access of
  // this buffer already follows it.
  bool inherited = false;
};

// Tracks, per buffer, the accesses later ones may conflict with.
class HazardTracker {
 public:
  // `queue_of` maps already scheduled instructions to their queue; null when
  // dependencies are found before any queue is chosen.
  HazardTracker(const TileProgram& program, const std::vector<int>* queue_of, int num_queues)
      : program_(program),
        queue_of_(queue_of),
        num_queues_(num_queues),
        accesses_(program.buffers.size()),
        touched_(program.buffers.size(), false) {}

  // Adds to `deps` every earlier instruction that `inst` must follow when it
  // accesses `op`, and records the access.
  void Access(const Operand& op, bool write, int inst, std::vector<int>* deps) {
    if (!op.valid()) return;
    const lower::Buffer& buf = program_.buffers[op.buffer];
    if (buf.space == Space::WEIGHTS) return;  // read-only
    if (!touched_[op.buffer]) {
      touched_[op.buffer] = true;
      // Reused space: every access of this buffer (not only the first, which
      // may touch a disjoint part) follows everything the last holders did,
      // so their accesses enter this buffer's list as whole-buffer writes.
      // Queues run in order, so the latest such access per queue suffices.
      std::vector<int> latest(queue_of_ != nullptr ? num_queues_ : 0, -1);
      for (int prev : buf.reuses) {
        for (const auto& a : accesses_[prev]) {
          if (queue_of_ == nullptr) {
            // Queues not known yet: every own access of the last holder
            // (what it inherited, its own accesses already follow).
            if (!a.inherited) {
              accesses_[op.buffer].push_back(
                  {0, std::numeric_limits<int64_t>::max(), a.inst, true, true});
            }
            continue;
          }
          int& slot = latest[(*queue_of_)[a.inst]];
          slot = std::max(slot, a.inst);
        }
      }
      for (int inst : latest) {
        if (inst >= 0) {
          accesses_[op.buffer].push_back({0, std::numeric_limits<int64_t>::max(), inst, true});
        }
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
  const std::vector<int>* queue_of_;
  int num_queues_;
  std::vector<std::vector<struct Access>> accesses_;
  std::vector<bool> touched_;
};

}  // namespace

double InstructionCostNs(const TileInst& inst, const target::CoreSpec& spec) {
  return target::InstructionCostNs(spec, CostShape(inst, nullptr));
}

double InstructionCostNs(const TileInst& inst, const TileProgram& program,
                         const target::CoreSpec& spec) {
  return target::InstructionCostNs(spec, CostShape(inst, &program));
}

absl::StatusOr<Schedule> ScheduleProgram(const TileProgram& program, const target::CoreSpec& spec,
                                         const ScheduleOptions& options) {
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
  // Dependencies of every instruction on earlier ones (program order is a
  // topological order), from the memory each reads and writes.
  std::vector<std::vector<int>> deps(n);
  std::vector<std::vector<int>> users(n);
  {
    HazardTracker hazards(program, nullptr, num_queues);
    for (size_t i = 0; i < n; ++i) {
      const TileInst& inst = program.insts[i];
      std::vector<int>& d = deps[i];
      const bool accumulates = inst.opcode == neff::Opcode::MATMUL && !inst.accumulate_start;
      const int id = static_cast<int>(i);
      hazards.Access(inst.src0, false, id, &d);
      hazards.Access(inst.src1, false, id, &d);
      hazards.Access(inst.bias, false, id, &d);
      hazards.Access(inst.src2, false, id, &d);
      if (accumulates) hazards.Access(inst.dst, false, id, &d);
      hazards.Access(inst.dst, true, id, &d);
      hazards.Access(inst.accum, true, id, &d);
      std::sort(d.begin(), d.end());
      d.erase(std::unique(d.begin(), d.end()), d.end());
      d.erase(std::remove(d.begin(), d.end(), id), d.end());
      for (int p : d) users[p].push_back(id);
    }
  }
  std::vector<double> cost(n);
  for (size_t i = 0; i < n; ++i) {
    cost[i] = InstructionCostNs(program.insts[i], program, spec);
  }
  // Priority: the longest chain of costs from an instruction to the end.
  std::vector<double> tail(n, 0);
  for (size_t k = n; k-- > 0;) {
    double longest = 0;
    for (int u : users[k]) longest = std::max(longest, tail[u]);
    tail[k] = cost[k] + longest;
  }

  std::vector<int> queue_of(n, -1);
  std::vector<int64_t> position(n, -1);
  std::vector<double> end_ns(n, 0);
  std::vector<double> queue_free(num_queues, 0);
  // satisfied[q][p]: semaphore value of queue p that queue q already waited for.
  std::vector<std::vector<int64_t>> satisfied(num_queues, std::vector<int64_t>(num_queues, 0));
  std::vector<int> pending(n);          // unscheduled dependencies
  std::vector<double> deps_done(n, 0);  // when the scheduled ones end
  for (size_t i = 0; i < n; ++i) pending[i] = static_cast<int>(deps[i].size());
  auto best_queue = [&](size_t i) {
    const TileInst& inst = program.insts[i];
    if (inst.engine != target::Engine::kDma) return EngineSlot(inst.engine);
    // The DMA queue that can start this transfer first.
    int q = 4;
    for (int c = 4; c < num_queues; ++c) {
      if (std::max(deps_done[i], queue_free[c]) < std::max(deps_done[i], queue_free[q])) q = c;
    }
    return q;
  };
  // What decided each instruction's start: its latest dependency, or the
  // instruction before it on its queue (-1: it started at time 0).
  std::vector<int> gate(n, -1);
  std::vector<int> queue_last(num_queues, -1);
  auto commit = [&](size_t i, int q) {
    const TileInst& inst = program.insts[i];
    Queue& queue = sched.queues[q];
    if (queue_free[q] >= deps_done[i]) {
      gate[i] = queue_last[q];
    } else {
      for (int d : deps[i]) {
        if (end_ns[d] == deps_done[i]) gate[i] = d;
      }
    }
    queue_last[q] = static_cast<int>(i);
    ScheduledInst si;
    si.inst = static_cast<int>(i);
    si.signal = queue.semaphore;
    // One wait per producing queue: for its latest producer.
    std::vector<int64_t> need(num_queues, 0);
    for (int d : deps[i]) {
      if (queue_of[d] != q) need[queue_of[d]] = std::max(need[queue_of[d]], position[d] + 1);
    }
    for (int p = 0; p < num_queues; ++p) {
      if (need[p] > satisfied[q][p]) {
        si.waits.push_back({sched.queues[p].semaphore, need[p]});
        satisfied[q][p] = need[p];
      }
    }
    si.start_ns = std::max(deps_done[i], queue_free[q]);
    si.end_ns = si.start_ns + cost[i];
    queue_free[q] = si.end_ns;
    end_ns[i] = si.end_ns;
    queue_of[i] = q;
    position[i] = static_cast<int64_t>(queue.insts.size());
    const int slot = EngineSlot(inst.engine);
    sched.busy_ns[slot] += cost[i];
    sched.instruction_counts[slot] += 1;
    sched.semaphore_waits += static_cast<int64_t>(si.waits.size());
    sched.dependencies += static_cast<int64_t>(deps[i].size());
    if (inst.engine == target::Engine::kDma) {
      sched.dma_bytes += inst.dst.num_elements() * lower::ElemSize(inst.dst.dtype);
    }
    sched.estimated_ns = std::max(sched.estimated_ns, si.end_ns);
    queue.insts.push_back(std::move(si));
    for (int u : users[i]) {
      --pending[u];
      deps_done[u] = std::max(deps_done[u], end_ns[i]);
    }
  };

  // List scheduling over a window of the program: among the ready
  // instructions (all dependencies placed) in the next `window` of program
  // order, place the one that can start first on its queue, preferring the
  // longer remaining chain on ties. Queues run in order, so placement order
  // is queue order. The window bounds how far work (weight prefetches) moves
  // ahead of the program; window 1 is program order.
  const size_t window = std::max<size_t>(1, options.window);
  std::vector<bool> done(n, false);
  size_t first = 0;
  while (first < n) {
    size_t pick = n;
    double pick_start = 0;
    int pick_queue = 0;
    const size_t last = std::min(n, first + window);
    for (size_t i = first; i < last; ++i) {
      if (done[i] || pending[i] != 0) continue;
      const int q = best_queue(i);
      const double start = std::max(deps_done[i], queue_free[q]);
      if (pick == n || start < pick_start || (start == pick_start && tail[i] > tail[pick])) {
        pick = i;
        pick_start = start;
        pick_queue = q;
      }
    }
    if (pick == n) return absl::InternalError("scheduler: no ready instruction in the window");
    commit(pick, pick_queue);
    done[pick] = true;
    while (first < n && done[first]) ++first;
  }
  // The critical path: back from the last instruction to end along gates.
  int last_inst = -1;
  for (size_t i = 0; i < n; ++i) {
    if (last_inst < 0 || end_ns[i] > end_ns[last_inst]) last_inst = static_cast<int>(i);
  }
  for (int i = last_inst; i >= 0; i = gate[i]) {
    const int slot = EngineSlot(program.insts[i].engine);
    sched.critical_ns[slot] += cost[i];
    sched.critical_count[slot] += 1;
  }
  // Drop queues that received nothing; semaphore ids stay as assigned.
  sched.queues.erase(std::remove_if(sched.queues.begin(), sched.queues.end(),
                                    [](const Queue& q) { return q.insts.empty(); }),
                     sched.queues.end());
  sched.num_semaphores = num_queues;
  return sched;
}

absl::Status VerifySchedule(const TileProgram& program, const Schedule& schedule) {
  const size_t nq = schedule.queues.size();
  std::vector<int> sem_queue(schedule.num_semaphores, -1);
  for (size_t q = 0; q < nq; ++q) sem_queue[schedule.queues[q].semaphore] = static_cast<int>(q);
  // clock[q][k]: per queue, how many instructions of each queue are known to
  // have completed before instruction k of q starts.
  std::vector<std::vector<std::vector<int64_t>>> clock(nq);
  for (size_t q = 0; q < nq; ++q) clock[q].resize(schedule.queues[q].insts.size());
  // Resolve in a topological order: repeatedly process queue heads whose
  // waits refer to already-processed instructions.
  std::vector<size_t> next(nq, 0);
  bool progress = true;
  while (progress) {
    progress = false;
    for (size_t q = 0; q < nq; ++q) {
      while (next[q] < schedule.queues[q].insts.size()) {
        const ScheduledInst& si = schedule.queues[q].insts[next[q]];
        std::vector<int64_t> c(nq, 0);
        if (next[q] > 0) c = clock[q][next[q] - 1], c[q] = static_cast<int64_t>(next[q]);
        bool ready = true;
        for (const SemaphoreWait& w : si.waits) {
          const int p = sem_queue[w.semaphore];
          if (static_cast<int64_t>(next[p]) < w.value) {
            ready = false;
            break;
          }
          const std::vector<int64_t>& pc = clock[p][w.value - 1];
          for (size_t k = 0; k < nq; ++k) c[k] = std::max(c[k], pc[k]);
          c[p] = std::max<int64_t>(c[p], w.value);
        }
        if (!ready) break;
        clock[q][next[q]++] = std::move(c);
        progress = true;
      }
    }
  }
  struct Where {
    int queue;
    int64_t position;
  };
  std::vector<Where> where(program.insts.size());
  for (size_t q = 0; q < nq; ++q) {
    for (size_t k = 0; k < schedule.queues[q].insts.size(); ++k) {
      where[schedule.queues[q].insts[k].inst] = {static_cast<int>(q), static_cast<int64_t>(k)};
    }
  }
  auto ordered = [&](int a, int b) {  // a happens before b
    const Where wa = where[a], wb = where[b];
    return clock[wb.queue][wb.position][wa.queue] > wa.position;
  };
  struct Touch {
    Space space;
    int64_t lo, hi;
    bool write;
  };
  auto touches = [&](const TileInst& inst) {
    std::vector<Touch> t;
    auto add = [&](const Operand& op, bool write) {
      if (!op.valid()) return;
      const lower::Buffer& b = program.buffers[op.buffer];
      if (b.space == Space::SBUF || b.space == Space::PSUM) {
        t.push_back({b.space, b.address, b.address + std::max<int64_t>(b.bytes, 1), write});
      } else {
        auto [lo, hi] = ByteRange(op);
        t.push_back({b.space, b.address + lo, b.address + hi, write});
      }
    };
    add(inst.src0, false);
    add(inst.src1, false);
    add(inst.src2, false);
    add(inst.bias, false);
    add(inst.dst, true);
    add(inst.accum, true);
    return t;
  };
  std::vector<std::vector<Touch>> all(program.insts.size());
  for (size_t i = 0; i < program.insts.size(); ++i) all[i] = touches(program.insts[i]);
  for (size_t j = 0; j < program.insts.size(); ++j) {
    for (size_t i = 0; i < j; ++i) {
      bool conflict = false;
      for (const Touch& a : all[i]) {
        for (const Touch& b : all[j]) {
          conflict |= a.space == b.space && a.space != Space::WEIGHTS && (a.write || b.write) &&
                      a.lo < b.hi && b.lo < a.hi;
        }
      }
      if (conflict && !ordered(static_cast<int>(i), static_cast<int>(j))) {
        auto describe = [&](size_t k) {
          const TileInst& inst = program.insts[k];
          const int node = inst.node;
          return absl::StrCat(k, " (", neff::EnumNameOpcode(inst.opcode), " of ",
                              node >= 0 && node < static_cast<int>(program.nodes.size())
                                  ? program.nodes[node]
                                  : "?",
                              ", writes '", program.buffers[inst.dst.buffer].name, "')");
        };
        // Node and buffer names come from the model: escaped.
        return absl::InternalError(ncc::text::PrintableName(
            absl::StrCat("schedule race: instructions ", describe(i), " and ", describe(j),
                         " touch the same memory but are not ordered")));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace ncc::schedule
