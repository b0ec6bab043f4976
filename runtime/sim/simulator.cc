// The scheduler half of the simulated NeuronCore: a verified program
// decoded once, then its queues run in timeline order (semaphores, engine
// timelines, the estimate). What each instruction computes is in
// instructions.cc.
#include "runtime/sim/simulator.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "neff/access_pattern.h"
#include "neff/format.h"
#include "neff/verifier.h"
#include "runtime/sim/core.h"
#include "runtime/sim/host_memory.h"
#include "runtime/sim/spin.h"
#include "runtime/sim/worker_pool.h"
#include "target/cost.h"

namespace ncc::sim {
namespace {

using neff::ApGeometry;
using neff::SpaceSizes;

target::OperandCostShape CostShape(const ApGeometry* g) {
  target::OperandCostShape shape;
  if (g == nullptr) return shape;
  shape.free_size = g->free_size;
  shape.num_partitions = g->num_partitions;
  shape.elem_bytes = g->elem_size;
  shape.contiguous_bytes = g->contiguous_bytes;
  return shape;
}

// Estimated duration (ns) per docs/isa.md "Timing".
double CostNs(const target::CoreSpec& spec, const neff::Instruction& inst, target::Engine engine,
              const Resolved& o) {
  target::InstructionCostShape shape;
  shape.opcode = inst.opcode();
  shape.engine = engine;
  shape.dst = CostShape(o.dst);
  shape.src0 = CostShape(o.src0);
  shape.src1 = CostShape(o.src1);
  return target::InstructionCostNs(spec, shape);
}

// SBUF and PSUM of the executing thread, kept across executions so that an
// execution zeroes only what the previous one used instead of faulting in
// fresh pages.
struct CoreMemory {
  HostMemory sbuf, psum;
  const target::CoreSpec* spec = nullptr;  // whose sizes sbuf and psum have
  // What the last execution on this thread may have written (null: none
  // since the memories were zeroed).
  std::shared_ptr<const WriteSet> sbuf_dirty, psum_dirty;
  // The DecodedProgram::id whose resident SBUF is in `sbuf` (0: none), and
  // where it is.
  uint64_t resident_id = 0;
  neff::ResidentSbuf resident{0};
};

CoreMemory& ThreadCoreMemory() {
  static thread_local CoreMemory memory;
  return memory;
}

void ZeroResident(uint8_t* base, int64_t part_bytes, const neff::ResidentSbuf& resident) {
  for (int64_t p = 0; p < resident.partitions(); ++p) {
    const int64_t lo = resident.lo(p), hi = resident.hi(p);
    if (lo < hi) std::memset(base + p * part_bytes + lo, 0, hi - lo);
  }
}

// The executing thread's pool of `threads` host threads (null for one),
// kept across executions: an execution starts no thread. Replaced when an
// execution asks for another count.
WorkerPool* ThreadWorkerPool(int threads) {
  static thread_local std::unique_ptr<WorkerPool> pool;
  if (threads <= 1) return nullptr;
  if (pool == nullptr || pool->threads() != threads) pool = std::make_unique<WorkerPool>(threads);
  return pool.get();
}

// The executing thread's lane, kept across executions.
Lane* ThreadLane() {
  static thread_local std::unique_ptr<Lane> lane;
  if (lane == nullptr) lane = std::make_unique<Lane>();
  return lane.get();
}

// Copies the resident bytes of `program` into `sbuf`.
void PlaceResident(const DecodedProgram& program, uint8_t* sbuf, int64_t part_bytes) {
  const neff::ResidentSbuf& resident = program.resident;
  const uint8_t* image = program.resident_image.data();
  for (int64_t p = 0; p < resident.partitions(); ++p) {
    const int64_t n = resident.hi(p) - resident.lo(p);
    if (n <= 0) continue;
    std::memcpy(sbuf + p * part_bytes + resident.lo(p), image, n);
    image += n;
  }
}

// "queue DMA[0]" or "load queue DMA[0]".
std::string QueueLabel(const DecodedQueue& queue) {
  return absl::StrCat(queue.load ? "load queue " : "queue ", QueueName(*queue.queue));
}

target::Engine StatsEngine(neff::EngineType e) {
  switch (e) {
    case neff::EngineType::TENSOR:
      return target::Engine::kTensor;
    case neff::EngineType::VECTOR:
      return target::Engine::kVector;
    case neff::EngineType::SCALAR:
      return target::Engine::kScalar;
    case neff::EngineType::GPSIMD:
      return target::Engine::kGpSimd;
    case neff::EngineType::DMA:
      return target::Engine::kDma;
  }
  return target::Engine::kDma;
}

}  // namespace

Core::Core(const DecodedProgram& program, uint8_t* dram, WorkerPool* pool, Lane* lane,
           const ExecuteOptions& options)
    : program_(program),
      model_(*program.model),
      dram_(dram),
      pool_(pool),
      sizes_(program.sizes),
      max_instructions_(options.max_instructions),
      max_elements_(options.max_elements) {
  lane_ = lane;
  copy_pool_ = lane == nullptr ? pool : nullptr;
  threads_ = options.threads;
  const target::CoreSpec& spec = *program.spec;
  CoreMemory& m = ThreadCoreMemory();
  const bool has_resident = !program.resident.empty();
  // The last execution on this thread was of this program: its resident
  // bytes are still in place (no instruction of `queues` writes them).
  const bool resident_in_place = has_resident && m.resident_id == program.id;
  if (m.sbuf == nullptr || m.spec != &spec) {
    m = CoreMemory();
    m.spec = &spec;
    m.sbuf = AllocateHostMemory(static_cast<size_t>(spec.partitions) * spec.sbuf_partition_bytes);
    m.psum = AllocateHostMemory(static_cast<size_t>(spec.partitions) * spec.psum_partition_bytes);
  } else {
    // Execution queues never write resident bytes (Verify): the write sets
    // leave them alone.
    if (m.sbuf_dirty != nullptr) m.sbuf_dirty->Zero(m.sbuf.get());
    if (m.psum_dirty != nullptr) m.psum_dirty->Zero(m.psum.get());
    if (m.resident_id != 0 && !resident_in_place) {
      ZeroResident(m.sbuf.get(), spec.sbuf_partition_bytes, m.resident);
    }
  }
  if (has_resident && !resident_in_place) {
    PlaceResident(program, m.sbuf.get(), spec.sbuf_partition_bytes);
    m.resident = program.resident;
  }
  m.resident_id = has_resident ? program.id : 0;
  m.sbuf_dirty = program.sbuf_writes;
  m.psum_dirty = program.psum_writes;
  sbuf_ = m.sbuf.get();
  psum_ = m.psum.get();
  defer_weights_ = true;
}

Core::Core(const DecodedProgram& program, uint8_t* sbuf, uint8_t* psum, uint8_t* dram,
           WorkerPool* pool, const ExecuteOptions& options)
    : program_(program),
      model_(*program.model),
      dram_(dram),
      pool_(pool),
      sbuf_(sbuf),
      psum_(psum),
      sizes_(program.sizes),
      max_instructions_(options.max_instructions),
      max_elements_(options.max_elements) {
  copy_pool_ = pool;
}

absl::Status Core::Failed(const DecodedQueue& queue, uint32_t index, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat("execution failed: ", QueueLabel(queue),
                                             " instruction ", index, " (",
                                             neff::EnumNameOpcode(queue.instructions[index].op),
                                             "): ", s.message()));
}

absl::Status Core::Run(const std::vector<DecodedQueue>& queues, ExecutionStats* stats,
                       ExecutionTrace* trace) {
  return RunQueues(queues, stats, trace);
}

absl::Status Core::RunSchedule(ExecutionStats* stats) {
  const std::vector<Step>& steps = program_.schedule;
  const int64_t n = static_cast<int64_t>(steps.size());
  if (stats != nullptr) *stats = program_.schedule_stats;
  if (lane_ == nullptr) {
    for (const Step& step : steps) {
      if (absl::Status s = RunStep(step); !s.ok()) return Failed(*step.queue, step.index, s);
    }
    return absl::OkStatus();
  }
  // Two sides walk the schedule: this thread the steps of every engine but
  // the Tensor engine, the lane the Tensor engine's. Each publishes the last
  // step it finished and waits, before a step, for the other side's step
  // that the schedule orders it after (Step::after).
  constexpr int64_t kFinished = std::numeric_limits<int64_t>::max();
  std::atomic<int64_t> done[2] = {-1, -1};
  std::atomic<bool> failed{false};
  auto side = [&](int me) -> absl::Status {
    std::atomic<int64_t>& mine = done[me];
    const std::atomic<int64_t>& other = done[1 - me];
    for (int64_t i = 0; i < n; ++i) {
      const Step& step = steps[i];
      if (step.lane != (me == 1) || step.prep.done) continue;
      for (int spins = 0; other.load(std::memory_order_acquire) < step.after;) {
        if (failed.load(std::memory_order_relaxed)) {
          mine.store(kFinished, std::memory_order_release);
          return absl::OkStatus();
        }
        // Help the side this one waits for.
        HelpSlot* slot = me == 0 ? help_ : side_help_;
        if (slot != nullptr && slot->TryHelp()) {
          spins = 0;
          continue;
        }
        SpinWait(spins);
      }
      if (absl::Status s = RunStep(step); !s.ok()) {
        failed.store(true, std::memory_order_relaxed);
        mine.store(kFinished, std::memory_order_release);
        return Failed(*step.queue, step.index, s);
      }
      mine.store(i, std::memory_order_release);
    }
    mine.store(kFinished, std::memory_order_release);
    return absl::OkStatus();
  };
  HelpSlot help, side_help;
  help_ = threads_ == 2 ? &help : nullptr;
  side_help_ = threads_ == 2 ? &side_help : nullptr;
  absl::Status lane_status;
  const std::function<void(uint64_t)> lane_task = [&](uint64_t) {
    lane_status = side(1);
    // The lane's steps are done: help this thread with its rows until its
    // side is done too.
    while (done[0].load(std::memory_order_acquire) != kFinished) {
      if (side_help_ == nullptr || !side_help_->TryHelp()) {
        int spins = 0;
        SpinWait(spins);
      }
    }
  };
  lane_->Begin(&lane_task);
  lane_->Reserve();
  lane_->Publish();
  absl::Status status = side(0);
  // The lane's side is over before Run returns: it touches the memories.
  // Until then this thread keeps helping it.
  while (done[1].load(std::memory_order_acquire) != kFinished) {
    if (help_ == nullptr || !help_->TryHelp()) {
      int spins = 0;
      SpinWait(spins);
    }
  }
  lane_->End();
  help_ = nullptr;
  side_help_ = nullptr;
  if (!status.ok()) return status;
  return lane_status;
}

void Core::MakeSchedule(DecodedProgram* program) {
  program->schedule.clear();
  program->view_copies.clear();
  ExecuteOptions options;
  Core core(*program, nullptr, nullptr, nullptr, nullptr, options);
  core.defer_weights_ = true;
  core.record_steps_ = &program->schedule;
  core.record_copies_ = &program->view_copies;
  ExecutionStats stats;
  if (!core.RunQueues(program->queues, &stats, nullptr).ok()) {
    // Executions run the queues themselves and report why they cannot.
    program->schedule.clear();
    program->view_copies.clear();
    return;
  }
  program->schedule_stats = stats;
  int64_t work = 0;
  for (const Step& step : program->schedule) {
    const DecodedInstruction& d = step.queue->instructions[step.index];
    work += d.elements;
    if (d.op == neff::Opcode::MATMUL) {
      work += d.o.src0->num_partitions * d.o.src0->free_size * d.o.src1->free_size / 8;
    }
  }
  program->host_work = work;
  // Step::after: the latest conflicting step of the other side among its
  // last kWindow steps, or the oldest of those when it has more (everything
  // before the window is then done too).
  constexpr size_t kWindow = 48;
  std::vector<int64_t> recent[2];
  std::vector<Step>& steps = program->schedule;
  for (int64_t i = 0; i < static_cast<int64_t>(steps.size()); ++i) {
    Step& step = steps[i];
    if (step.prep.done) continue;
    const int me = step.lane ? 1 : 0;
    const std::vector<int64_t>& others = recent[1 - me];
    const size_t first = others.size() > kWindow ? others.size() - kWindow : 0;
    step.after = first > 0 ? others[first] : -1;
    for (size_t j = others.size(); j-- > first;) {
      if (Conflict(*program, steps[others[j]], step)) {
        step.after = others[j];
        break;
      }
    }
    recent[me].push_back(i);
  }
}

absl::Status Core::RunQueues(const std::vector<DecodedQueue>& queues, ExecutionStats* stats,
                             ExecutionTrace* trace) {
  const int num_queues = static_cast<int>(queues.size());
  const uint32_t num_sems = model_.num_semaphores();
  std::vector<uint64_t> sem_value(num_sems, 0);
  // Sorted completion times of each semaphore's increments: value v was
  // reached at the v-th smallest.
  std::vector<std::vector<double>> sem_times(num_sems);
  constexpr int kTimelines = 4 + 16;
  std::vector<double> timeline_end(kTimelines, 0.0);
  std::vector<uint32_t> head(num_queues, 0);
  ExecutionStats local;
  int64_t executed = 0, elements = 0;

  // Each queue's head candidate (ready? start time, the wait that set it),
  // recomputed only when an input changed: its head moved, its timeline
  // advanced, or a semaphore its head waits on was signalled. Choosing from
  // the cached candidates is the same choice as recomputing all of them.
  struct Candidate {
    double start = 0;
    int wait_sem = -1;
    uint32_t wait_value = 0;
    bool ready = false;
    bool done = false;
    bool dirty = true;
  };
  std::vector<Candidate> cand(num_queues);
  // Semaphores each queue's head waits on, as a bitset over 256.
  std::vector<std::array<uint64_t, 4>> head_sems(num_queues);
  auto refresh = [&](int q) {
    Candidate& c = cand[q];
    c.dirty = false;
    head_sems[q].fill(0);
    const DecodedQueue& queue = queues[q];
    if (head[q] >= queue.instructions.size()) {
      c.done = true;
      c.ready = false;
      return;
    }
    const DecodedInstruction& d = queue.instructions[head[q]];
    double start = timeline_end[queue.timeline];
    bool ready = true;
    int wait_sem = -1;
    uint32_t wait_value = 0;
    for (uint32_t w = d.wait_begin; w < d.wait_end; ++w) {
      const auto [sem, value] = program_.waits[w];
      head_sems[q][sem / 64] |= uint64_t{1} << (sem % 64);
      if (!ready) continue;
      if (sem_value[sem] < value) {
        ready = false;
        continue;
      }
      const double reached = sem_times[sem][value - 1];
      if (reached > start) {
        start = reached;
        wait_sem = static_cast<int>(sem);
        wait_value = value;
      }
    }
    c.ready = ready;
    c.start = start;
    c.wait_sem = wait_sem;
    c.wait_value = wait_value;
  };

  while (true) {
    int best = -1;
    double best_start = 0.0;
    int best_wait_sem = -1;
    uint32_t best_wait_value = 0;
    bool unfinished = false;
    for (int q = 0; q < num_queues; ++q) {
      if (cand[q].dirty) refresh(q);
      const Candidate& c = cand[q];
      if (c.done) continue;
      unfinished = true;
      if (c.ready && (best < 0 || c.start < best_start)) {
        best = q;
        best_start = c.start;
        best_wait_sem = c.wait_sem;
        best_wait_value = c.wait_value;
      }
    }
    if (!unfinished) break;
    if (best < 0) {
      // Deadlock: report every blocked queue and the semaphores involved.
      std::vector<std::string> blocked;
      std::set<int> involved;
      for (int q = 0; q < num_queues; ++q) {
        const neff::Queue* queue = queues[q].queue;
        if (head[q] >= queues[q].instructions.size()) continue;
        const neff::Instruction* inst = queues[q].instructions[head[q]].inst;
        for (const neff::SemaphoreWait* w : *inst->waits()) {
          if (sem_value[w->semaphore()] >= w->value()) continue;
          involved.insert(w->semaphore());
          blocked.push_back(absl::StrCat(QueueName(*queue), " instruction ", head[q], " (",
                                         neff::EnumNameOpcode(inst->opcode()),
                                         ") waits for semaphore ", w->semaphore(),
                                         " >= ", w->value()));
          break;
        }
      }
      std::vector<std::string> values;
      for (int s : involved) {
        values.push_back(absl::StrCat(s, "=", sem_value[s]));
      }
      return absl::FailedPreconditionError(
          absl::StrCat("deadlock: no queue can make progress; ", absl::StrJoin(blocked, "; "),
                       "; semaphore values: ", absl::StrJoin(values, ", ")));
    }

    const DecodedQueue& queue = queues[best];
    const uint32_t index = head[best]++;
    const DecodedInstruction& d = queue.instructions[index];
    const neff::Instruction& inst = *d.inst;
    elements += d.elements;
    if ((max_instructions_ > 0 && ++executed > max_instructions_) ||
        (max_elements_ > 0 && elements > max_elements_)) {
      const bool by_count = max_instructions_ > 0 && executed > max_instructions_;
      return absl::ResourceExhaustedError(absl::StrCat(
          "execution stopped: the limit of ", by_count ? max_instructions_ : max_elements_,
          by_count ? " instructions" : " elements touched", " was reached at ", QueueLabel(queue),
          " instruction ", index, " (", neff::EnumNameOpcode(d.op), ")"));
    }
    if (record_steps_ != nullptr) {
      Step step;
      step.queue = &queue;
      step.index = index;
      step.lane = queue.engine == neff::EngineType::TENSOR;
      step.copy_begin = static_cast<uint32_t>(record_copies_->size());
      step.prep = Issue(d);
      step.copy_end = static_cast<uint32_t>(record_copies_->size());
      record_steps_->push_back(step);
    } else if (const Prepared prep = Issue(d); !prep.done) {
      if (absl::Status s = Perform(d, prep); !s.ok()) return Failed(queue, index, s);
    }

    const double cost = d.cost_ns;
    const int tl = queue.timeline;
    const double end = best_start + cost;
    const double timeline_ready = timeline_end[tl];
    local.semaphore_wait_ns += best_start - timeline_ready;
    timeline_end[tl] = end;
    const int e = static_cast<int>(queue.stats_engine);
    local.busy_ns[e] += cost;
    local.instructions[e] += 1;
    if (queue.engine == neff::EngineType::DMA) {
      local.dma_bytes += d.o.dst->count * d.o.dst->elem_size;
    }
    local.estimated_latency_ns = std::max(local.estimated_latency_ns, end);
    if (trace != nullptr) {
      TraceEvent ev;
      ev.queue = best;
      ev.engine = queue.engine;
      ev.queue_index = queue.queue->index();
      ev.instruction = index;
      ev.opcode = d.op;
      ev.node = inst.node();
      ev.ready_ns = timeline_ready;
      ev.start_ns = best_start;
      ev.end_ns = end;
      ev.wait_semaphore = best_wait_sem;
      ev.wait_value = best_wait_value;
      trace->events.push_back(ev);
    }
    if (d.signal >= 0) {
      auto& times = sem_times[d.signal];
      times.insert(std::upper_bound(times.begin(), times.end(), end), end);
      ++sem_value[d.signal];
    }
    // Invalidate the candidates whose inputs changed.
    cand[best].dirty = true;
    const uint64_t sem_bit = d.signal >= 0 ? uint64_t{1} << (d.signal % 64) : 0;
    for (int q = 0; q < num_queues; ++q) {
      if (queues[q].timeline == tl ||
          (d.signal >= 0 && (head_sems[q][d.signal / 64] & sem_bit) != 0)) {
        cand[q].dirty = true;
      }
    }
  }
  if (local.estimated_latency_ns > 0) {
    local.tensor_utilization = local.BusyNs(target::Engine::kTensor) / local.estimated_latency_ns;
  }
  if (stats != nullptr) *stats = local;
  return absl::OkStatus();
}

namespace {

using QueueList = flatbuffers::Vector<flatbuffers::Offset<neff::Queue>>;

// A load instruction as Verify accepts it: the load runs at decode, on a
// core without DRAM, so this much is checked again.
bool IsLoad(const neff::Queue& queue, const DecodedInstruction& d, const target::CoreSpec& spec) {
  return queue.engine() == neff::EngineType::DMA &&
         queue.index() < static_cast<uint32_t>(spec.dma_queues) && d.op == neff::Opcode::DMA_COPY &&
         d.wait_begin == d.wait_end && d.signal == -1 && d.o.src0 != nullptr &&
         d.o.src0->space == neff::MemorySpace::WEIGHTS && d.o.dst->space == neff::MemorySpace::SBUF;
}

// What execution queues may write, collected while decoding them.
struct Writes {
  WriteSet sbuf, psum, dram;
};

// `writes`: null for load queues.
absl::Status DecodeQueues(const QueueList* queues, bool load, DecodedProgram* program,
                          std::vector<DecodedQueue>* out, Writes* writes) {
  const target::CoreSpec& spec = *program->spec;
  const SpaceSizes& sizes = program->sizes;
  const int num_queues = queues ? static_cast<int>(queues->size()) : 0;
  out->resize(num_queues);
  for (int q = 0; q < num_queues; ++q) {
    const neff::Queue* queue = queues->Get(q);
    DecodedQueue& dq = (*out)[q];
    dq.queue = queue;
    dq.load = load;
    dq.engine = queue->engine();
    dq.stats_engine = StatsEngine(queue->engine());
    dq.timeline = queue->engine() == neff::EngineType::DMA ? 4 + static_cast<int>(queue->index())
                                                           : static_cast<int>(queue->engine());
    const uint32_t count = queue->instructions() ? queue->instructions()->size() : 0u;
    dq.instructions.resize(count);
    for (uint32_t i = 0; i < count; ++i) {
      const neff::Instruction& inst = *queue->instructions()->Get(i);
      DecodedInstruction& d = dq.instructions[i];
      d.inst = &inst;
      d.op = inst.opcode();
      d.signal = inst.signal();
      bool resolved = true;
      auto resolve = [&](const neff::AccessPattern* ap, const ApGeometry** out) {
        if (ap == nullptr) return false;
        auto r = ResolveAccessPattern(*ap, sizes);
        if (!r.ok()) {
          resolved = false;
          return false;
        }
        *out = &program->operands.emplace_back(*r);
        return true;
      };
      Resolved& o = d.o;
      resolve(inst.dst(), &o.dst);
      resolve(inst.src0(), &o.src0);
      o.has_src1 = resolve(inst.src1(), &o.src1);
      if (d.op == neff::Opcode::TENSOR_SCALAR || d.op == neff::Opcode::SELECT ||
          d.op == neff::Opcode::DMA_GATHER) {
        o.has_src2 = resolve(inst.src2(), &o.src2);
      }
      if (d.op == neff::Opcode::ACTIVATION) {
        o.has_bias = resolve(inst.bias(), &o.bias);
        o.has_accum = resolve(inst.accum(), &o.accum);
      }
      if (!resolved || inst.dst() == nullptr) {
        return absl::InternalError(
            absl::StrCat(QueueLabel(dq), " instruction ", i,
                         ": operand failed to resolve (model not verified?)"));
      }
      if (writes != nullptr) {
        for (const ApGeometry* g : {o.dst, o.accum}) {
          if (g == nullptr) continue;
          if (g->space == neff::MemorySpace::SBUF) writes->sbuf.Add(*g);
          if (g->space == neff::MemorySpace::PSUM) writes->psum.Add(*g);
          if (g->space == neff::MemorySpace::DRAM) writes->dram.Add(*g);
        }
      }
      d.cost_ns = CostNs(spec, inst, dq.stats_engine, o);
      for (const ApGeometry* g : {o.dst, o.src0, o.src1, o.src2, o.bias, o.accum}) {
        if (g != nullptr) d.elements += g->count;
      }
      d.wait_begin = static_cast<uint32_t>(program->waits.size());
      if (inst.waits()) {
        for (const neff::SemaphoreWait* w : *inst.waits()) {
          if (w->value() == 0) continue;
          program->waits.emplace_back(w->semaphore(), w->value());
        }
      }
      d.wait_end = static_cast<uint32_t>(program->waits.size());
      if (load && !IsLoad(*queue, d, spec)) {
        return absl::InternalError(
            absl::StrCat(QueueLabel(dq), " instruction ", i,
                         " is not a DMA_COPY from WEIGHTS to SBUF (model not verified?)"));
      }
    }
  }
  return absl::OkStatus();
}

// Runs the load queues on a scratch SBUF and keeps what they made resident.
absl::Status RunLoad(DecodedProgram* program, const ExecuteOptions& options) {
  const target::CoreSpec& spec = *program->spec;
  const int64_t part_bytes = spec.sbuf_partition_bytes;
  HostMemory sbuf = AllocateHostMemory(static_cast<size_t>(spec.partitions) * part_bytes);
  if (sbuf == nullptr) {
    return absl::ResourceExhaustedError("cannot allocate an SBUF to run the load queues on");
  }
  std::unique_ptr<WorkerPool> pool;
  if (options.threads > 1) pool = std::make_unique<WorkerPool>(options.threads);
  ExecutionStats stats;
  Core core(*program, sbuf.get(), /*psum=*/nullptr, /*dram=*/nullptr, pool.get(), options);
  if (absl::Status s = core.Run(program->load_queues, &stats, nullptr); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("loading the model: ", s.message()));
  }
  neff::ResidentSbuf& resident = program->resident;
  resident = neff::ResidentSbuf(spec.partitions);
  for (const DecodedQueue& q : program->load_queues) {
    for (const DecodedInstruction& d : q.instructions) resident.Add(*d.o.dst, part_bytes);
  }
  program->resident_image.resize(resident.bytes());
  uint8_t* image = program->resident_image.data();
  for (int64_t p = 0; p < resident.partitions(); ++p) {
    const int64_t n = resident.hi(p) - resident.lo(p);
    if (n <= 0) continue;
    std::memcpy(image, sbuf.get() + p * part_bytes + resident.lo(p), n);
    image += n;
  }
  LoadStats& load = program->load_stats;
  load.estimated_ns = stats.estimated_latency_ns;
  load.dma_busy_ns = stats.BusyNs(target::Engine::kDma);
  load.instructions = stats.Instructions(target::Engine::kDma);
  load.dma_bytes = stats.dma_bytes;
  load.resident_bytes = resident.bytes();
  return absl::OkStatus();
}

std::atomic<uint64_t> next_program_id{1};

}  // namespace

absl::StatusOr<std::shared_ptr<const DecodedProgram>> Decode(const neff::Model& model,
                                                             const ExecuteOptions& load_options) {
  absl::StatusOr<const target::CoreSpec*> core = target::CoreSpecForTarget(neff::TargetName(model));
  if (!core.ok()) return core.status();
  const target::CoreSpec& spec = **core;
  if (load_options.max_instructions < 0 || load_options.max_elements < 0) {
    return absl::InvalidArgumentError("execution limits must be 0 (none) or positive");
  }
  auto program = std::make_shared<DecodedProgram>();
  program->model = &model;
  program->spec = &spec;
  program->id = next_program_id.fetch_add(1);
  SpaceSizes& sizes = program->sizes;
  sizes.dram = static_cast<int64_t>(model.dram_size());
  sizes.weights = model.weights() ? model.weights()->size() : 0;
  sizes.sbuf_partition = spec.sbuf_partition_bytes;
  sizes.psum_partition = spec.psum_partition_bytes;
  sizes.partitions = spec.partitions;
  Writes writes{WriteSet(spec.partitions, spec.sbuf_partition_bytes),
                WriteSet(spec.partitions, spec.psum_partition_bytes), WriteSet(1, sizes.dram)};
  if (absl::Status s =
          DecodeQueues(model.queues(), false, program.get(), &program->queues, &writes);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = DecodeQueues(model.load_queues(), true, program.get(),
                                    &program->load_queues, nullptr);
      !s.ok()) {
    return s;
  }
  for (WriteSet* w : {&writes.sbuf, &writes.psum, &writes.dram}) w->Finish();
  program->sbuf_writes = std::make_shared<const WriteSet>(std::move(writes.sbuf));
  program->psum_writes = std::make_shared<const WriteSet>(std::move(writes.psum));
  program->dram_writes = std::make_shared<const WriteSet>(std::move(writes.dram));
  if (!program->load_queues.empty()) {
    if (absl::Status s = RunLoad(program.get(), load_options); !s.ok()) return s;
  }
  Core::MakeSchedule(program.get());
  return std::shared_ptr<const DecodedProgram>(std::move(program));
}

const LoadStats& LoadStatsOf(const DecodedProgram& program) { return program.load_stats; }

const std::shared_ptr<const WriteSet>& DramWritesOf(const DecodedProgram& program) {
  return program.dram_writes;
}

absl::Status ExecuteDecoded(const DecodedProgram& program, uint8_t* dram, ExecutionStats* stats,
                            ExecutionTrace* trace, const ExecuteOptions& options) {
  if (dram == nullptr && program.model->dram_size() > 0) {
    return absl::InvalidArgumentError("no DRAM arena given");
  }
  if (trace != nullptr) trace->events.clear();
  if (options.max_instructions < 0 || options.max_elements < 0) {
    return absl::InvalidArgumentError("execution limits must be 0 (none) or positive");
  }
  // Two or more threads: the Tensor engine's instructions on a lane of
  // their own, the rest of the threads splitting its large matmuls.
  const int64_t lane_min_work =
      options.lane_min_work >= 0 ? options.lane_min_work : int64_t{1} << 26;
  Lane* lane =
      options.threads >= 2 && program.host_work >= lane_min_work ? ThreadLane() : nullptr;
  // A program too small for the lane runs on this thread alone: splitting
  // its instructions across a pool costs more than it saves.
  Core core(program, dram, ThreadWorkerPool(lane != nullptr ? options.threads - 1 : 1), lane,
            options);
  // The decoded schedule, unless the caller wants a trace or limits (the
  // scheduler's own run stops at a limit and records each instruction).
  if (!program.schedule.empty() && trace == nullptr && options.max_instructions == 0 &&
      options.max_elements == 0) {
    return core.Replay(stats);
  }
  return core.Run(program.queues, stats, trace);
}

absl::Status ExecuteVerified(const neff::Model& model, uint8_t* dram, ExecutionStats* stats,
                             ExecutionTrace* trace, const ExecuteOptions& options) {
  // The load queues run under the execution's threads and limits too.
  auto program = Decode(model, options);
  if (!program.ok()) return program.status();
  return ExecuteDecoded(**program, dram, stats, trace, options);
}

absl::Status Execute(const neff::Model& model, uint8_t* dram, ExecutionStats* stats,
                     ExecutionTrace* trace, const ExecuteOptions& options) {
  if (auto s = Verify(model); !s.ok()) return s;
  return ExecuteVerified(model, dram, stats, trace, options);
}

}  // namespace ncc::sim
