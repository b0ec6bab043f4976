#include "neff/test_builder.h"

#include <cstring>

#include "neff/writer.h"

namespace neff::test_builder {
namespace {

Ap MakeAp(MemorySpace space, uint64_t offset, uint32_t start_partition, uint32_t num_partitions,
          int64_t partition_stride, std::vector<D> dims, DType dtype) {
  Ap ap;
  ap.space = space;
  ap.dtype = dtype;
  ap.offset = offset;
  ap.start_partition = start_partition;
  ap.num_partitions = num_partitions;
  ap.partition_stride = partition_stride;
  ap.dims = std::move(dims);
  return ap;
}

std::optional<AccessPatternSpec> ToSpec(const std::optional<Ap>& ap) {
  if (!ap.has_value()) return std::nullopt;
  AccessPatternSpec spec;
  spec.space = ap->space;
  spec.dtype = ap->dtype;
  spec.offset = ap->offset;
  spec.start_partition = ap->start_partition;
  spec.num_partitions = ap->num_partitions;
  spec.partition_stride = ap->partition_stride;
  for (const D& d : ap->dims) spec.dims.emplace_back(d.stride, d.size);
  return spec;
}

}  // namespace

Ap Sbuf(uint32_t p0, uint32_t np, uint64_t offset, std::vector<D> dims, DType dtype) {
  return MakeAp(MemorySpace::SBUF, offset, p0, np, 0, std::move(dims), dtype);
}
Ap Psum(uint32_t p0, uint32_t np, uint64_t offset, std::vector<D> dims, DType dtype) {
  return MakeAp(MemorySpace::PSUM, offset, p0, np, 0, std::move(dims), dtype);
}
Ap Dram(uint64_t offset, uint32_t np, int64_t pstride, std::vector<D> dims, DType dtype) {
  return MakeAp(MemorySpace::DRAM, offset, 0, np, pstride, std::move(dims), dtype);
}
Ap Weights(uint64_t offset, uint32_t np, int64_t pstride, std::vector<D> dims, DType dtype) {
  return MakeAp(MemorySpace::WEIGHTS, offset, 0, np, pstride, std::move(dims), dtype);
}

Inst DmaCopy(Ap dst, Ap src) {
  Inst i;
  i.opcode = Opcode::DMA_COPY;
  i.dst = std::move(dst);
  i.src0 = std::move(src);
  return i;
}

Inst Matmul(Ap dst, Ap stationary, Ap moving, bool start, bool stop) {
  Inst i;
  i.opcode = Opcode::MATMUL;
  i.dst = std::move(dst);
  i.src0 = std::move(stationary);
  i.src1 = std::move(moving);
  i.accumulate_start = start;
  i.accumulate_stop = stop;
  return i;
}

Inst Activation(Ap dst, Ap src, ActivationFunction func, float scale, std::optional<Ap> bias) {
  Inst i;
  i.opcode = Opcode::ACTIVATION;
  i.dst = std::move(dst);
  i.src0 = std::move(src);
  i.act = func;
  i.scale = scale;
  i.bias = std::move(bias);
  return i;
}

Inst TensorTensor(Ap dst, Ap a, Ap b, AluOp op) {
  Inst i;
  i.opcode = Opcode::TENSOR_TENSOR;
  i.dst = std::move(dst);
  i.src0 = std::move(a);
  i.src1 = std::move(b);
  i.alu = op;
  return i;
}

Inst TensorScalar(Ap dst, Ap a, AluOp op, float imm) {
  Inst i;
  i.opcode = Opcode::TENSOR_SCALAR;
  i.dst = std::move(dst);
  i.src0 = std::move(a);
  i.alu = op;
  i.imm = imm;
  return i;
}

Inst TensorCopy(Ap dst, Ap src) {
  Inst i;
  i.opcode = Opcode::TENSOR_COPY;
  i.dst = std::move(dst);
  i.src0 = std::move(src);
  return i;
}

Inst Memset(Ap dst, float imm) {
  Inst i;
  i.opcode = Opcode::MEMSET;
  i.dst = std::move(dst);
  i.imm = imm;
  return i;
}

Inst TensorReduce(Ap dst, Ap src, AluOp op) {
  Inst i;
  i.opcode = Opcode::TENSOR_REDUCE;
  i.dst = std::move(dst);
  i.src0 = std::move(src);
  i.alu = op;
  return i;
}

Inst Transpose(Ap dst, Ap src) {
  Inst i;
  i.opcode = Opcode::TRANSPOSE;
  i.dst = std::move(dst);
  i.src0 = std::move(src);
  return i;
}

Inst Iota(Ap dst, float start, float partition_step, float free_step) {
  Inst i;
  i.opcode = Opcode::IOTA;
  i.dst = std::move(dst);
  i.imm = start;
  i.scale = partition_step;
  i.imm2 = free_step;
  return i;
}

Inst Select(Ap dst, Ap predicate, Ap on_true, Ap on_false) {
  Inst i;
  i.opcode = Opcode::SELECT;
  i.dst = std::move(dst);
  i.src0 = std::move(predicate);
  i.src1 = std::move(on_true);
  i.src2 = std::move(on_false);
  return i;
}

Inst DmaGather(Ap dst, Ap table, Ap indices) {
  Inst i;
  i.opcode = Opcode::DMA_GATHER;
  i.dst = std::move(dst);
  i.src0 = std::move(table);
  i.src1 = std::move(indices);
  return i;
}

int NeffBuilder::AddQueue(EngineType engine, uint32_t index) {
  queues_.push_back({engine, index, {}});
  return static_cast<int>(queues_.size()) - 1;
}

NeffBuilder& NeffBuilder::Add(int queue, Inst inst) {
  queues_.at(queue).insts.push_back(std::move(inst));
  return *this;
}

void NeffBuilder::AddInput(std::string name, DType dtype, std::vector<int64_t> shape,
                           uint64_t offset) {
  inputs_.push_back({std::move(name), dtype, std::move(shape), offset});
}

void NeffBuilder::AddOutput(std::string name, DType dtype, std::vector<int64_t> shape,
                            uint64_t offset) {
  outputs_.push_back({std::move(name), dtype, std::move(shape), offset});
}

void NeffBuilder::set_weights_f32(const std::vector<float>& weights) {
  weights_.resize(weights.size() * sizeof(float));
  std::memcpy(weights_.data(), weights.data(), weights_.size());
}

int NeffBuilder::AddLoadQueue(EngineType engine, uint32_t index) {
  load_queues_.push_back({engine, index, {}});
  return static_cast<int>(load_queues_.size()) - 1;
}

NeffBuilder& NeffBuilder::AddLoad(int load_queue, Inst inst) {
  load_queues_.at(load_queue).insts.push_back(std::move(inst));
  return *this;
}

void NeffBuilder::AddStage(std::string stage_neff, std::vector<Source> inputs) {
  stages_.push_back({std::move(stage_neff), std::move(inputs)});
}

std::string NeffBuilder::Build() const {
  Writer writer;
  // Before the queues, where the compiler puts them; a pipelined file has
  // none of its own.
  if (stages_.empty() || !weights_.empty()) {
    uint8_t* weights = writer.AddWeights(weights_.size());
    if (!weights_.empty()) std::memcpy(weights, weights_.data(), weights_.size());
  }
  for (const StageSpec& stage : stages_) {
    std::vector<TensorSourceSpec> inputs;
    for (const Source& s : stage.inputs) inputs.push_back({s.stage, s.index});
    writer.AddStage(stage.neff, inputs);
  }
  for (const Source& s : output_sources_) writer.AddOutputSource({s.stage, s.index});
  for (size_t n = 0; n < queues_.size() + load_queues_.size(); ++n) {
    const bool load = n >= queues_.size();
    const Queue& q = load ? load_queues_[n - queues_.size()] : queues_[n];
    if (load) {
      writer.BeginLoadQueue(q.engine, q.index);
    } else {
      writer.BeginQueue(q.engine, q.index);
    }
    for (const Inst& i : q.insts) {
      InstructionSpec spec;
      spec.opcode = i.opcode;
      spec.dst = ToSpec(i.dst);
      spec.src0 = ToSpec(i.src0);
      spec.src1 = ToSpec(i.src1);
      spec.bias = ToSpec(i.bias);
      spec.src2 = ToSpec(i.src2);
      spec.accum = ToSpec(i.accum);
      spec.act_func = i.act;
      spec.alu_op = i.alu;
      spec.scale = i.scale;
      spec.imm = i.imm;
      spec.accumulate_start = i.accumulate_start;
      spec.accumulate_stop = i.accumulate_stop;
      for (const auto& w : i.waits) spec.waits.emplace_back(w.first, w.second);
      spec.signal = i.signal;
      spec.node = i.node;
      spec.alu_op2 = i.alu2;
      spec.imm2 = i.imm2;
      writer.AddInstruction(spec);
    }
    writer.EndQueue();
  }
  for (const Tensor& t : inputs_) writer.AddInput({t.name, t.dtype, t.shape, t.offset});
  for (const Tensor& t : outputs_) writer.AddOutput({t.name, t.dtype, t.shape, t.offset});
  writer.set_nodes(nodes_);
  writer.set_dram_size(dram_size_);
  writer.set_num_semaphores(num_semaphores_);
  if (version_set_) writer.set_version_major(version_major_);
  return writer.Finish(sealed_ ? Writer::Checksums::kSeal : Writer::Checksums::kNone);
}

std::string ReluPlusOneNeff() {
  NeffBuilder b;
  b.set_dram_size(64);
  b.AddInput("x", DType::F32, {2, 4}, 0);
  b.AddOutput("y", DType::F32, {2, 4}, 32);
  int dma = b.AddQueue(EngineType::DMA);
  int act = b.AddQueue(EngineType::SCALAR);
  int vec = b.AddQueue(EngineType::VECTOR);
  b.Add(dma, DmaCopy(Sbuf(0, 2, 0, {{1, 4}}), Dram(0, 2, 4, {{1, 4}})).Signal(0));
  b.Add(act, Activation(Sbuf(0, 2, 16, {{1, 4}}), Sbuf(0, 2, 0, {{1, 4}}), ActivationFunction::RELU)
                 .Wait(0, 1)
                 .Signal(1));
  b.Add(vec, TensorScalar(Sbuf(0, 2, 16, {{1, 4}}), Sbuf(0, 2, 16, {{1, 4}}), AluOp::ADD, 1.0f)
                 .Wait(1, 1)
                 .Signal(2));
  b.Add(dma, DmaCopy(Dram(32, 2, 4, {{1, 4}}), Sbuf(0, 2, 16, {{1, 4}})).Wait(2, 1));
  return b.Build();
}

}  // namespace neff::test_builder
