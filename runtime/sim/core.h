// Internal to //runtime/sim:sim. The decoded program and one execution's
// core state, shared by simulator.cc (decoding, the scheduler and its
// timeline) and instructions.cc (what each instruction does to the core's
// memories).
#ifndef NCC_RUNTIME_SIM_CORE_H_
#define NCC_RUNTIME_SIM_CORE_H_

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "neff/access_pattern.h"
#include "neff/neff_generated.h"
#include "neff/verifier.h"
#include "runtime/kernels/matmul.h"
#include "runtime/sim/lane.h"
#include "runtime/sim/simulator.h"
#include "runtime/sim/worker_pool.h"
#include "runtime/sim/write_set.h"
#include "target/neuroncore.h"

namespace ncc::sim {

// The operands an instruction touches, resolved once.
struct Resolved {
  // Into DecodedProgram::operands; null when the instruction has none.
  const neff::ApGeometry *dst = nullptr, *src0 = nullptr, *src1 = nullptr, *src2 = nullptr,
                         *bias = nullptr, *accum = nullptr;
  bool has_src1 = false, has_src2 = false, has_bias = false, has_accum = false;
};

// One decoded instruction: its operands resolved and its cost computed once.
struct DecodedInstruction {
  const neff::Instruction* inst = nullptr;
  neff::Opcode op = neff::Opcode::DMA_COPY;
  Resolved o;
  double cost_ns = 0;
  // Elements of all its operands (ExecuteOptions::max_elements counts these).
  int64_t elements = 0;
  int signal = -1;
  // Waits with a non-zero value: [wait_begin, wait_end) of program.waits.
  uint32_t wait_begin = 0, wait_end = 0;
};

// What is settled for an instruction before it runs (Core::Issue):
// whether it was a deferred weight copy (nothing left to do), and the
// weights rows that matmul operands src0 / src1 read in place.
struct Prepared {
  bool done = false;
  const uint8_t* rows[2] = {nullptr, nullptr};
  int64_t ld[2] = {0, 0};  // bytes between rows
};

// SBUF partitions [p0, p1), bytes [lo, hi] of each, copied from weights
// byte base + p * row + b (a weight view made real before a step).
struct ViewCopy {
  int64_t p0 = 0, p1 = 0, lo = 0, hi = 0, base = 0, row = 0;
};

struct DecodedQueue;

// One instruction of the program's schedule: the order the timeline
// scheduler runs the queues in, which depends only on the program (costs and
// semaphores), never on the data, so Decode works it out once.
struct Step {
  const DecodedQueue* queue = nullptr;
  uint32_t index = 0;
  bool lane = false;  // a Tensor engine instruction (runs on the lane)
  Prepared prep;
  uint32_t copy_begin = 0, copy_end = 0;  // its ViewCopies, made first
  // The latest earlier step of the other side (lane / not lane) that must be
  // done before this one runs (-1: none): conflicting accesses keep the
  // schedule's order, so running the sides concurrently changes no byte.
  int64_t after = -1;
};

struct DecodedQueue {
  const neff::Queue* queue = nullptr;
  bool load = false;  // one of Model.load_queues
  neff::EngineType engine = neff::EngineType::DMA;
  target::Engine stats_engine = target::Engine::kDma;
  int timeline = 0;
  std::vector<DecodedInstruction> instructions;
};

struct DecodedProgram {
  const neff::Model* model = nullptr;
  // The core the NEFF targets: its memory sizes and instruction costs.
  const target::CoreSpec* spec = nullptr;
  neff::SpaceSizes sizes;
  std::vector<DecodedQueue> queues;
  std::vector<std::pair<uint32_t, uint32_t>> waits;  // semaphore, value
  // Every resolved operand (a deque: Resolved points into it).
  std::deque<neff::ApGeometry> operands;
  // What `queues` may write in SBUF, PSUM and DRAM: all that needs zeroing
  // again after an execution.
  std::shared_ptr<const WriteSet> sbuf_writes, psum_writes, dram_writes;

  // Model.load_queues, decoded like `queues` and run once by Decode.
  std::vector<DecodedQueue> load_queues;
  // The SBUF they keep resident, and its contents after the load: partition
  // p's bytes [resident.lo(p), resident.hi(p)), partition after partition.
  // Every execution starts with them in SBUF.
  neff::ResidentSbuf resident{0};
  std::vector<uint8_t> resident_image;
  LoadStats load_stats;

  // The schedule of `queues` (empty when it could not be made: a program
  // that deadlocks, which the sequential run reports), the weight copies
  // it makes, and its estimates (the same for every execution).
  std::vector<Step> schedule;
  std::vector<ViewCopy> view_copies;
  ExecutionStats schedule_stats;
  // Host work per execution: elements touched plus multiply-adds / 8. An
  // execution with 2+ threads uses the lane only from
  // ExecuteOptions::lane_min_work (2^26 by default): handing work to
  // another thread costs microseconds (more when its core is asleep), and
  // small programs (the tiny models, a 5 ms classifier) gain nothing.
  int64_t host_work = 0;

  // This decoding's number, never reused: a thread whose SBUF still holds
  // this program's resident bytes need not copy them again.
  uint64_t id = 0;
};

// Whether two operands may share a byte (conservative: extents, not the
// exact element sets).
bool MayOverlap(const neff::ApGeometry& a, const neff::ApGeometry& b);

// One execution's core state: memories, semaphores and engine timelines.
// Run (simulator.cc) schedules the queues on the timeline; Exec and the
// instruction methods (instructions.cc) compute the results.
class Core {
 public:
  // SBUF and PSUM are the executing thread's, zeroed where the previous
  // execution on this thread may have written.
  // With the program's resident SBUF (if any) in place.
  // With a `lane`, the Tensor engine's instructions run on it, beside the
  // other engines' on the caller's thread, and `pool` splits only the
  // lane's matmuls.
  Core(const DecodedProgram& program, uint8_t* dram, WorkerPool* pool, Lane* lane,
       const ExecuteOptions& options);
  // On the given memories (the load queues' run: SBUF only). Every copy is
  // made when its instruction runs: the SBUF is read after the run.
  Core(const DecodedProgram& program, uint8_t* sbuf, uint8_t* psum, uint8_t* dram, WorkerPool* pool,
       const ExecuteOptions& options);

  // Runs `queues` (program.queues, or program.load_queues) to completion.
  absl::Status Run(const std::vector<DecodedQueue>& queues, ExecutionStats* stats,
                   ExecutionTrace* trace);
  // Runs program.schedule (a decoded program with one, executed without a
  // trace or limits): the same bytes and estimates as Run, without
  // scheduling again.
  absl::Status Replay(ExecutionStats* stats) { return RunSchedule(stats); }
  // Decode's dry run: fills the program's schedule, view copies and
  // schedule_stats from the timeline scheduler, running nothing.
  static void MakeSchedule(DecodedProgram* program);

 private:
  // The scheduler: Run without the lane's set-up.
  absl::Status RunQueues(const std::vector<DecodedQueue>& queues, ExecutionStats* stats,
                         ExecutionTrace* trace);
  // `s` (an instruction's failure) naming the queue and instruction.
  static absl::Status Failed(const DecodedQueue& queue, uint32_t index, const absl::Status& s);
  using ApGeometry = neff::ApGeometry;

  uint8_t* Base(const ApGeometry& g);
  // Row p of `g` as fp32: a pointer into memory when it is already dense
  // fp32, else unpacked into `scratch`.
  const float* RowF32(const ApGeometry& g, int64_t p, std::vector<float>& scratch);
  void LoadRow(const ApGeometry& g, const uint8_t* row, std::vector<float>& out);
  void StoreRow(const ApGeometry& g, int64_t p, const float* in);
  // dst row p to write fp32 results into: memory itself when dense fp32.
  float* OutRow(const ApGeometry& g, int64_t p);
  // fp32 value of the first element of partition p (per-partition scalars).
  float ScalarAt(const ApGeometry& g, int64_t p);
  void StoreScalarAt(const ApGeometry& g, int64_t p, float v);

  // In program order, before the instruction runs: the weight views it
  // touches (copies them, or records the copies, or trims them).
  Prepared Issue(const DecodedInstruction& d);
  // Executes one issued instruction, on any thread; errors only for
  // data-dependent faults.
  absl::Status Perform(const DecodedInstruction& d, const Prepared& prep);
  void Copy(const ApGeometry& dst, const ApGeometry& src);
  void Matmul(const neff::Instruction& inst, const ApGeometry& dst, const ApGeometry& st,
              const ApGeometry& mv, const Prepared& prep);
  bool MatmulBf16Direct(const neff::Instruction& inst, const ApGeometry& dst, const ApGeometry& st,
                        const ApGeometry& mv, const Prepared& prep);
  void Elementwise(const neff::Instruction& inst, const Resolved& o);
  void ElementwiseRows(const neff::Instruction& inst, const Resolved& o, int64_t p_begin,
                       int64_t p_end);
  // rows(0, partitions), or its two halves shared with the lane when it is
  // idle (side_help_) and the work is large enough. The caller makes sure
  // partitions are independent.
  void SplitRows(int64_t partitions, int64_t elements,
                 const std::function<void(int64_t, int64_t)>& rows);
  void Memset(const neff::Instruction& inst, const ApGeometry& dst);
  void Reduce(const neff::Instruction& inst, const Resolved& o);
  void Transpose(const Resolved& o);
  void Iota(const neff::Instruction& inst, const ApGeometry& dst);
  void Select(const Resolved& o);
  absl::Status Gather(const Resolved& o);

  void RunMatmulF32(const kernels::MatmulArgs& args);
  void RunMatmulBf16(const kernels::MatmulBf16Args& args);

  // Deferred weight copies. A DMA_COPY of dense rows from WEIGHTS (never
  // written) into dense SBUF rows is recorded instead of made: the SBUF
  // bytes it would write become a "weight view" of the weights until
  // something else touches them. A matmul operand that views cover reads the
  // weights in place; any other read of view bytes first copies them
  // (Cut); a dense write trims the bytes it overwrites from the
  // views (nothing read them), any other write copies them first. Views are
  // disjoint rectangles, so every byte an instruction reads is the byte the
  // copy would have put there: results are identical, and the weights a
  // ResNet-50 execution streams through SBUF (~100 MB) are not copied.
  //
  // SBUF byte b of partition p, p in [p0, p0 + np) and b in [lo, hi], holds
  // weights byte base + p * row + b.
  struct WeightView {
    int64_t p0 = 0, np = 0, lo = 0, hi = 0;
    int64_t base = 0, row = 0;
  };
  // Partitions [p0, p1) and bytes [lo, hi] of each, the SBUF an operand may
  // touch (all of SBUF when its partitions are not whole ones apart).
  struct Rect {
    int64_t p0 = 0, p1 = 0, lo = 0, hi = 0;
  };
  Rect RectOf(const ApGeometry& g) const;
  // Whether the copy dst <- src was deferred (else the caller makes it).
  bool DeferWeightCopy(const ApGeometry& dst, const ApGeometry& src);
  // Before an instruction reads / writes `g`.
  void BeforeRead(const ApGeometry& g);
  void BeforeWrite(const ApGeometry& g);
  // Removes `r` from every view, first copying the bytes of it the views
  // hold when `copy`.
  void Cut(const Rect& r, bool copy);
  // The weights bytes of SBUF operand `g` when views cover all of it (row p
  // of `g` at the result + p * *ld bytes), else null.
  const uint8_t* WeightRows(const ApGeometry& g, int64_t* ld) const;

  // Whether running `a` and `b` in either order could differ: one writes
  // bytes the other reads or writes (conservatively, by extents). A step's
  // view copies count as its writes.
  static bool Conflict(const DecodedProgram& program, const Step& a, const Step& b);
  // Runs the schedule: steps in order, or split between this thread and the
  // lane. Makes each step's view copies first.
  absl::Status RunSchedule(ExecutionStats* stats);
  absl::Status RunStep(const Step& step);
  // Records the order RunQueues runs the instructions in instead of running
  // them, and the view copies Issue would make (Decode's dry run).
  std::vector<Step>* record_steps_ = nullptr;
  std::vector<ViewCopy>* record_copies_ = nullptr;

  Lane* lane_ = nullptr;
  // With a lane and two threads: the lane's large matmuls are shared with
  // the schedule's other side while it waits (null otherwise).
  HelpSlot* help_ = nullptr;
  // And the other way: this thread's large row-wise instructions shared with
  // the lane while it waits.
  HelpSlot* side_help_ = nullptr;
  int threads_ = 1;
  WorkerPool* copy_pool_ = nullptr;  // pool_, when no lane runs beside Copy
  bool defer_weights_ = false;
  std::vector<WeightView> views_;

  const DecodedProgram& program_;
  const neff::Model& model_;
  uint8_t* dram_;
  WorkerPool* pool_;  // null: one thread
  uint8_t* sbuf_;
  uint8_t* psum_;
  neff::SpaceSizes sizes_;
  int64_t max_instructions_ = 0;  // ExecuteOptions bounds, 0 for none
  int64_t max_elements_ = 0;
};

}  // namespace ncc::sim

#endif  // NCC_RUNTIME_SIM_CORE_H_
