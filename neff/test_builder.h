// Builds small NEFF programs in tests: queues, instructions, access patterns,
// semaphores, inputs/outputs, weights, load queues and pipeline stages,
// written through neff::Writer (unsealed unless asked, so tests may damage
// them). Test-only (testonly = True).
//
//   NeffBuilder b;
//   b.set_dram_size(1024);
//   int dma = b.AddQueue(neff::EngineType::DMA);
//   b.Add(dma, DmaCopy(Sbuf(0, 4, 0, {{1, 8}}), Dram(0, 4, 8, {{1, 8}}))
//                  .Signal(0));
//   int load = b.AddLoadQueue();          // run once at load (NEFF 1.0)
//   b.AddLoad(load, DmaCopy(Sbuf(0, 4, 64, {{1, 8}}), Weights(0, 4, 8, {{1, 8}})));
//   std::string bytes = b.Build();
#ifndef NCC_NEFF_TEST_BUILDER_H_
#define NCC_NEFF_TEST_BUILDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "neff/neff_generated.h"

namespace neff::test_builder {

// One free dim: {stride, size} in elements.
struct D {
  int64_t stride;
  uint32_t size;
};

struct Ap {
  MemorySpace space = MemorySpace::SBUF;
  DType dtype = DType::F32;
  uint64_t offset = 0;
  uint32_t start_partition = 0;
  uint32_t num_partitions = 1;
  int64_t partition_stride = 0;
  std::vector<D> dims;
};

// SBUF/PSUM: partitions [start, start + num), byte `offset` in each.
Ap Sbuf(uint32_t start_partition, uint32_t num_partitions, uint64_t offset, std::vector<D> dims,
        DType dtype = DType::F32);
Ap Psum(uint32_t start_partition, uint32_t num_partitions, uint64_t offset, std::vector<D> dims,
        DType dtype = DType::F32);
// DRAM/WEIGHTS: byte `offset`; `num_partitions` rows `partition_stride`
// elements apart.
Ap Dram(uint64_t offset, uint32_t num_partitions, int64_t partition_stride, std::vector<D> dims,
        DType dtype = DType::F32);
Ap Weights(uint64_t offset, uint32_t num_partitions, int64_t partition_stride, std::vector<D> dims,
           DType dtype = DType::F32);

struct Inst {
  Opcode opcode = Opcode::DMA_COPY;
  std::optional<Ap> dst, src0, src1, bias, src2, accum;
  ActivationFunction act = ActivationFunction::IDENTITY;
  AluOp alu = AluOp::ADD;
  float scale = 1.0f;
  float imm = 0.0f;
  AluOp alu2 = AluOp::BYPASS;
  float imm2 = 0.0f;
  int node = -1;
  bool accumulate_start = false;
  bool accumulate_stop = false;
  std::vector<std::pair<uint16_t, uint32_t>> waits;
  int signal = -1;

  Inst& Wait(uint16_t semaphore, uint32_t value) {
    waits.emplace_back(semaphore, value);
    return *this;
  }
  Inst& Signal(int semaphore) {
    signal = semaphore;
    return *this;
  }
  Inst& Node(int index) {
    node = index;
    return *this;
  }
  // ACTIVATION: also write the per-partition sum of the outputs to `ap`.
  Inst& Accum(Ap ap) {
    accum = std::move(ap);
    return *this;
  }
  // TENSOR_SCALAR: per-partition first / second scalar operands.
  Inst& Scalar1(Ap ap) {
    src1 = std::move(ap);
    return *this;
  }
  Inst& Second(AluOp op, float imm_value) {
    alu2 = op;
    imm2 = imm_value;
    return *this;
  }
  Inst& Scalar2(Ap ap) {
    src2 = std::move(ap);
    return *this;
  }
};

Inst DmaCopy(Ap dst, Ap src);
Inst Matmul(Ap dst, Ap stationary, Ap moving, bool accumulate_start, bool accumulate_stop);
Inst Activation(Ap dst, Ap src, ActivationFunction func, float scale = 1.0f,
                std::optional<Ap> bias = std::nullopt);
Inst TensorTensor(Ap dst, Ap a, Ap b, AluOp op);
Inst TensorScalar(Ap dst, Ap a, AluOp op, float imm);
Inst TensorCopy(Ap dst, Ap src);
Inst Memset(Ap dst, float imm);
Inst TensorReduce(Ap dst, Ap src, AluOp op);
Inst Transpose(Ap dst, Ap src);
// dst[p][j] = start + partition_step * p + free_step * j.
Inst Iota(Ap dst, float start, float partition_step, float free_step);
Inst Select(Ap dst, Ap predicate, Ap on_true, Ap on_false);
Inst DmaGather(Ap dst, Ap table, Ap indices);

// Where a stage input or a pipelined model's output comes from: stage -1
// is model input `index`, else output `index` of stage `stage`.
struct Source {
  int stage = -1;
  uint32_t index = 0;
};

class NeffBuilder {
 public:
  // Returns the queue's position in Model.queues.
  int AddQueue(EngineType engine, uint32_t index = 0);
  NeffBuilder& Add(int queue, Inst inst);
  // A queue of Model.load_queues (run once when the model is loaded; valid
  // ones are DMA queues of DMA_COPYs from WEIGHTS to SBUF without waits or
  // signals). Returns its position in Model.load_queues. The file is 1.0.
  int AddLoadQueue(EngineType engine = EngineType::DMA, uint32_t index = 0);
  NeffBuilder& AddLoad(int load_queue, Inst inst);
  // A pipeline stage (Model.stages): `stage_neff` is a whole NEFF (valid
  // ones are sealed single-core files), `inputs` one source per input of
  // it. The file is 1.0.
  void AddStage(std::string stage_neff, std::vector<Source> inputs);
  // With stages: where the next model output comes from.
  void AddOutputSource(Source source) { output_sources_.push_back(source); }
  // Build() seals the file (Model.checksums) as the compiler does.
  void set_sealed(bool sealed) { sealed_ = sealed; }
  void AddInput(std::string name, DType dtype, std::vector<int64_t> shape, uint64_t dram_offset);
  void AddOutput(std::string name, DType dtype, std::vector<int64_t> shape, uint64_t dram_offset);
  void set_dram_size(uint64_t bytes) { dram_size_ = bytes; }
  void set_num_semaphores(uint32_t n) { num_semaphores_ = n; }
  void set_weights(std::vector<uint8_t> weights) { weights_ = std::move(weights); }
  void set_weights_f32(const std::vector<float>& weights);
  void set_nodes(std::vector<std::string> nodes) { nodes_ = std::move(nodes); }
  void set_version_major(uint16_t v) {
    version_major_ = v;
    version_set_ = true;
  }

  // The size-prefixed NEFF file bytes. Weights (possibly empty) are always
  // written, except in a file with stages.
  std::string Build() const;

 private:
  struct Queue {
    EngineType engine;
    uint32_t index;
    std::vector<Inst> insts;
  };
  struct Tensor {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t offset;
  };
  struct StageSpec {
    std::string neff;
    std::vector<Source> inputs;
  };
  std::vector<Queue> queues_, load_queues_;
  std::vector<StageSpec> stages_;
  std::vector<Source> output_sources_;
  bool sealed_ = false;
  std::vector<Tensor> inputs_, outputs_;
  std::vector<uint8_t> weights_;
  std::vector<std::string> nodes_;
  uint64_t dram_size_ = 0;
  uint32_t num_semaphores_ = 8;
  uint16_t version_major_ = 0;
  bool version_set_ = false;
};

// A small valid program the runtime tests share: y = relu(x) + 1 for x: f32 [2, 4] at DRAM 0,
// y at DRAM 32, over a DMA, a Scalar and a Vector queue.
std::string ReluPlusOneNeff();

}  // namespace neff::test_builder

#endif  // NCC_NEFF_TEST_BUILDER_H_
