#include "runtime/sim/neff_builder_for_tests.h"

#include <cstring>

#include "neff/format.h"

namespace ncc::sim::neff_test {
namespace {

Ap MakeAp(neff::MemorySpace space, uint64_t offset, uint32_t start_partition,
          uint32_t num_partitions, int64_t partition_stride, std::vector<D> dims,
          neff::DType dtype) {
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

flatbuffers::Offset<neff::AccessPattern> WriteAp(flatbuffers::FlatBufferBuilder& fbb,
                                                 const std::optional<Ap>& ap) {
  if (!ap.has_value()) return 0;
  std::vector<neff::Dim> dims;
  for (const D& d : ap->dims) dims.emplace_back(d.stride, d.size);
  auto dims_off = fbb.CreateVectorOfStructs(dims);
  neff::AccessPatternBuilder b(fbb);
  b.add_space(ap->space);
  b.add_dtype(ap->dtype);
  b.add_offset(ap->offset);
  b.add_start_partition(ap->start_partition);
  // Written explicitly: FlatBuffers omits fields equal to the default, and
  // 0 must stay 0 (the schema's default is 1).
  fbb.ForceDefaults(true);
  b.add_num_partitions(ap->num_partitions);
  fbb.ForceDefaults(false);
  b.add_partition_stride(ap->partition_stride);
  b.add_dims(dims_off);
  return b.Finish();
}

}  // namespace

Ap Sbuf(uint32_t p0, uint32_t np, uint64_t offset, std::vector<D> dims, neff::DType dtype) {
  return MakeAp(neff::MemorySpace::SBUF, offset, p0, np, 0, std::move(dims), dtype);
}
Ap Psum(uint32_t p0, uint32_t np, uint64_t offset, std::vector<D> dims, neff::DType dtype) {
  return MakeAp(neff::MemorySpace::PSUM, offset, p0, np, 0, std::move(dims), dtype);
}
Ap Dram(uint64_t offset, uint32_t np, int64_t pstride, std::vector<D> dims, neff::DType dtype) {
  return MakeAp(neff::MemorySpace::DRAM, offset, 0, np, pstride, std::move(dims), dtype);
}
Ap Weights(uint64_t offset, uint32_t np, int64_t pstride, std::vector<D> dims, neff::DType dtype) {
  return MakeAp(neff::MemorySpace::WEIGHTS, offset, 0, np, pstride, std::move(dims), dtype);
}

Inst DmaCopy(Ap dst, Ap src) {
  Inst i;
  i.opcode = neff::Opcode::DMA_COPY;
  i.dst = std::move(dst);
  i.src0 = std::move(src);
  return i;
}

Inst Matmul(Ap dst, Ap stationary, Ap moving, bool start, bool stop) {
  Inst i;
  i.opcode = neff::Opcode::MATMUL;
  i.dst = std::move(dst);
  i.src0 = std::move(stationary);
  i.src1 = std::move(moving);
  i.accumulate_start = start;
  i.accumulate_stop = stop;
  return i;
}

Inst Activation(Ap dst, Ap src, neff::ActivationFunction func, float scale,
                std::optional<Ap> bias) {
  Inst i;
  i.opcode = neff::Opcode::ACTIVATION;
  i.dst = std::move(dst);
  i.src0 = std::move(src);
  i.act = func;
  i.scale = scale;
  i.bias = std::move(bias);
  return i;
}

Inst TensorTensor(Ap dst, Ap a, Ap b, neff::AluOp op) {
  Inst i;
  i.opcode = neff::Opcode::TENSOR_TENSOR;
  i.dst = std::move(dst);
  i.src0 = std::move(a);
  i.src1 = std::move(b);
  i.alu = op;
  return i;
}

Inst TensorScalar(Ap dst, Ap a, neff::AluOp op, float imm) {
  Inst i;
  i.opcode = neff::Opcode::TENSOR_SCALAR;
  i.dst = std::move(dst);
  i.src0 = std::move(a);
  i.alu = op;
  i.imm = imm;
  return i;
}

Inst TensorCopy(Ap dst, Ap src) {
  Inst i;
  i.opcode = neff::Opcode::TENSOR_COPY;
  i.dst = std::move(dst);
  i.src0 = std::move(src);
  return i;
}

Inst Memset(Ap dst, float imm) {
  Inst i;
  i.opcode = neff::Opcode::MEMSET;
  i.dst = std::move(dst);
  i.imm = imm;
  return i;
}

Inst TensorReduce(Ap dst, Ap src, neff::AluOp op) {
  Inst i;
  i.opcode = neff::Opcode::TENSOR_REDUCE;
  i.dst = std::move(dst);
  i.src0 = std::move(src);
  i.alu = op;
  return i;
}

Inst Transpose(Ap dst, Ap src) {
  Inst i;
  i.opcode = neff::Opcode::TRANSPOSE;
  i.dst = std::move(dst);
  i.src0 = std::move(src);
  return i;
}

Inst Iota(Ap dst, float start, float partition_step, float free_step) {
  Inst i;
  i.opcode = neff::Opcode::IOTA;
  i.dst = std::move(dst);
  i.imm = start;
  i.scale = partition_step;
  i.imm2 = free_step;
  return i;
}

Inst Select(Ap dst, Ap predicate, Ap on_true, Ap on_false) {
  Inst i;
  i.opcode = neff::Opcode::SELECT;
  i.dst = std::move(dst);
  i.src0 = std::move(predicate);
  i.src1 = std::move(on_true);
  i.src2 = std::move(on_false);
  return i;
}

Inst DmaGather(Ap dst, Ap table, Ap indices) {
  Inst i;
  i.opcode = neff::Opcode::DMA_GATHER;
  i.dst = std::move(dst);
  i.src0 = std::move(table);
  i.src1 = std::move(indices);
  return i;
}

int NeffBuilder::AddQueue(neff::EngineType engine, uint32_t index) {
  queues_.push_back({engine, index, {}});
  return static_cast<int>(queues_.size()) - 1;
}

NeffBuilder& NeffBuilder::Add(int queue, Inst inst) {
  queues_.at(queue).insts.push_back(std::move(inst));
  return *this;
}

void NeffBuilder::AddInput(std::string name, neff::DType dtype, std::vector<int64_t> shape,
                           uint64_t offset) {
  inputs_.push_back({std::move(name), dtype, std::move(shape), offset});
}

void NeffBuilder::AddOutput(std::string name, neff::DType dtype, std::vector<int64_t> shape,
                            uint64_t offset) {
  outputs_.push_back({std::move(name), dtype, std::move(shape), offset});
}

void NeffBuilder::set_weights_f32(const std::vector<float>& weights) {
  weights_.resize(weights.size() * sizeof(float));
  std::memcpy(weights_.data(), weights.data(), weights_.size());
}

std::string NeffBuilder::Build() const {
  flatbuffers::FlatBufferBuilder fbb;
  auto tensors = [&](const std::vector<Tensor>& list) {
    std::vector<flatbuffers::Offset<neff::TensorInfo>> out;
    for (const Tensor& t : list) {
      out.push_back(neff::CreateTensorInfo(fbb, fbb.CreateString(t.name), t.dtype,
                                           fbb.CreateVector(t.shape), t.offset));
    }
    return fbb.CreateVector(out);
  };
  auto inputs = tensors(inputs_);
  auto outputs = tensors(outputs_);
  std::vector<flatbuffers::Offset<neff::Queue>> queues;
  for (const Queue& q : queues_) {
    std::vector<flatbuffers::Offset<neff::Instruction>> insts;
    for (const Inst& i : q.insts) {
      auto dst = WriteAp(fbb, i.dst);
      auto src0 = WriteAp(fbb, i.src0);
      auto src1 = WriteAp(fbb, i.src1);
      auto bias = WriteAp(fbb, i.bias);
      auto src2 = WriteAp(fbb, i.src2);
      auto accum = WriteAp(fbb, i.accum);
      std::vector<neff::SemaphoreWait> waits;
      for (const auto& w : i.waits) waits.emplace_back(w.first, w.second);
      auto waits_off = fbb.CreateVectorOfStructs(waits);
      insts.push_back(neff::CreateInstruction(
          fbb, i.opcode, dst, src0, src1, bias, i.act, i.alu, i.scale, i.imm, i.accumulate_start,
          i.accumulate_stop, waits_off, i.signal, i.node, src2, accum, i.alu2, i.imm2));
    }
    queues.push_back(neff::CreateQueue(fbb, q.engine, q.index, fbb.CreateVector(insts)));
  }
  auto queues_off = fbb.CreateVector(queues);
  auto nodes_off = fbb.CreateVectorOfStrings(nodes_);
  // FlatBufferBuilder::ForceVectorAlignment asserts alignment <= 32 in
  // flatbuffers 2.0 (FLATBUFFERS_MAX_ALIGNMENT), so pre-align by hand: the
  // data then ends up 64-byte aligned from the (64-byte padded) buffer start.
  fbb.PreAlign(weights_.size(), neff::kWeightsAlignment);
  auto weights = fbb.CreateVector(weights_);
  neff::ModelBuilder mb(fbb);
  mb.add_version_major(version_set_ ? version_major_ : neff::kVersionMajor);
  mb.add_version_minor(neff::kVersionMinor);
  mb.add_inputs(inputs);
  mb.add_outputs(outputs);
  mb.add_dram_size(dram_size_);
  mb.add_num_semaphores(num_semaphores_);
  mb.add_queues(queues_off);
  mb.add_nodes(nodes_off);
  mb.add_weights(weights);
  neff::FinishSizePrefixedModelBuffer(fbb, mb.Finish());
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

}  // namespace ncc::sim::neff_test
