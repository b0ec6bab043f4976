// Internal to //runtime/sim:sim. The decoded program and one execution's
// core state, shared by simulator.cc (decoding, the scheduler and its
// timeline) and instructions.cc (what each instruction does to the core's
// memories).
#ifndef NCC_RUNTIME_SIM_CORE_H_
#define NCC_RUNTIME_SIM_CORE_H_

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "neff/access_pattern.h"
#include "neff/neff_generated.h"
#include "neff/verifier.h"
#include "runtime/kernels/matmul.h"
#include "runtime/sim/simulator.h"
#include "runtime/sim/worker_pool.h"
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
  // Bytes of each SBUF / PSUM partition that any operand may touch, from 0:
  // only these need zeroing before an execution.
  int64_t sbuf_used = 0, psum_used = 0;

  // Model.load_queues, decoded like `queues` and run once by Decode.
  std::vector<DecodedQueue> load_queues;
  // The SBUF they keep resident, and its contents after the load: partition
  // p's bytes [resident.lo(p), resident.hi(p)), partition after partition.
  // Every execution starts with them in SBUF.
  neff::ResidentSbuf resident{0};
  std::vector<uint8_t> resident_image;
  LoadStats load_stats;
  // This decoding's number, never reused: a thread whose SBUF still holds
  // this program's resident bytes need not copy them again.
  uint64_t id = 0;
};

// One execution's core state: memories, semaphores and engine timelines.
// Run (simulator.cc) schedules the queues on the timeline; Exec and the
// instruction methods (instructions.cc) compute the results.
class Core {
 public:
  // SBUF and PSUM are the executing thread's, zeroed where the previous
  // execution on this thread may have written.
  // With the program's resident SBUF (if any) in place.
  Core(const DecodedProgram& program, uint8_t* dram, WorkerPool* pool,
       const ExecuteOptions& options);
  // On the given memories (the load queues' run: SBUF only).
  Core(const DecodedProgram& program, uint8_t* sbuf, uint8_t* psum, uint8_t* dram, WorkerPool* pool,
       const ExecuteOptions& options);

  // Runs `queues` (program.queues, or program.load_queues) to completion.
  absl::Status Run(const std::vector<DecodedQueue>& queues, ExecutionStats* stats,
                   ExecutionTrace* trace);

 private:
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

  // Executes one instruction; errors only for data-dependent faults.
  absl::Status Exec(const neff::Instruction& inst, neff::EngineType engine, const Resolved& o);
  void Copy(const ApGeometry& dst, const ApGeometry& src);
  void Matmul(const neff::Instruction& inst, const ApGeometry& dst, const ApGeometry& st,
              const ApGeometry& mv);
  bool MatmulBf16Direct(const neff::Instruction& inst, const ApGeometry& dst, const ApGeometry& st,
                        const ApGeometry& mv);
  void Elementwise(const neff::Instruction& inst, const Resolved& o);
  void Memset(const neff::Instruction& inst, const ApGeometry& dst);
  void Reduce(const neff::Instruction& inst, const Resolved& o);
  void Transpose(const Resolved& o);
  void Iota(const neff::Instruction& inst, const ApGeometry& dst);
  void Select(const Resolved& o);
  absl::Status Gather(const Resolved& o);

  void RunMatmulF32(const kernels::MatmulArgs& args);
  void RunMatmulBf16(const kernels::MatmulBf16Args& args);

  const DecodedProgram& program_;
  const neff::Model& model_;
  uint8_t* dram_;
  WorkerPool* pool_;  // null: one thread
  uint8_t* sbuf_;
  uint8_t* psum_;
  neff::SpaceSizes sizes_;
  int64_t max_instructions_ = 0;  // ExecuteOptions bounds, 0 for none
  int64_t max_elements_ = 0;
  std::vector<uint8_t> raw_, raw2_, raw3_;
  std::vector<float> a_, b_, c_, out_, st_, mv_, acc_;
  std::vector<uint16_t> st16_, mv16_;
};

}  // namespace ncc::sim

#endif  // NCC_RUNTIME_SIM_CORE_H_
