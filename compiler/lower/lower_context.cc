#include "compiler/lower/lower_context.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace ncc::lower {

DramTensor& LowerContext::NewDramTensor(const ir::Value* value) {
  Buffer buffer;
  buffer.name = value->name;
  buffer.space = Space::DRAM;
  buffer.bytes = value->size_bytes();
  DramTensor tensor;
  tensor.buffer = program_->AddBuffer(std::move(buffer));
  tensor.space = Space::DRAM;
  tensor.dtype = ToNeffDType(value->dtype).value_or(neff::DType::F32);
  tensor.shape = value->shape;
  tensors_[value] = tensor;
  return tensors_[value];
}

DramTensor LowerContext::ScratchDram(absl::string_view what, neff::DType dtype, ir::Shape shape) {
  Buffer buffer;
  buffer.name = Name(what);
  buffer.space = Space::DRAM;
  buffer.bytes = ir::NumElements(shape) * ElemSize(dtype);
  DramTensor tensor;
  tensor.buffer = program_->AddBuffer(std::move(buffer));
  tensor.space = Space::DRAM;
  tensor.dtype = dtype;
  tensor.shape = std::move(shape);
  return tensor;
}

DramTensor LowerContext::F32Weights(absl::string_view what, ir::Shape shape,
                                    const std::vector<float>& values) {
  Buffer buffer;
  buffer.name = Name(what);
  buffer.space = Space::WEIGHTS;
  buffer.bytes = static_cast<int64_t>(values.size()) * 4;
  buffer.data.resize(buffer.bytes);
  if (!values.empty()) std::memcpy(buffer.data.data(), values.data(), buffer.bytes);
  DramTensor tensor;
  tensor.buffer = program_->AddBuffer(std::move(buffer));
  tensor.space = Space::WEIGHTS;
  tensor.dtype = neff::DType::F32;
  tensor.shape = std::move(shape);
  return tensor;
}

absl::StatusOr<int> LowerContext::OnChip(Space space, absl::string_view what, int partitions,
                                         int64_t bytes_per_partition) {
  const bool sbuf = space == Space::SBUF;
  const int64_t limit = sbuf ? spec_->sbuf_partition_bytes : spec_->psum_bank_bytes;
  if (bytes_per_partition > limit) {
    // Lower() names the node, once, for every error of its lowering.
    return absl::ResourceExhaustedError(absl::StrCat(
        what, sbuf ? " tile needs " : " accumulator needs ", bytes_per_partition,
        sbuf ? " bytes per partition; SBUF has " : " bytes per partition; a PSUM bank has ",
        limit));
  }
  Buffer buffer;
  buffer.name = Name(what);
  buffer.space = space;
  buffer.partitions = partitions;
  buffer.bytes = bytes_per_partition;
  return program_->AddBuffer(std::move(buffer));
}

absl::StatusOr<int> LowerContext::Sbuf(absl::string_view what, int partitions,
                                       int64_t bytes_per_partition) {
  return OnChip(Space::SBUF, what, partitions, bytes_per_partition);
}

absl::StatusOr<int> LowerContext::Psum(absl::string_view what, int partitions,
                                       int64_t bytes_per_partition) {
  return OnChip(Space::PSUM, what, partitions, bytes_per_partition);
}

Operand LowerContext::Tile(int buffer, int partitions, int64_t free, int64_t byte_offset,
                           int start_partition) const {
  Operand op;
  op.buffer = buffer;
  op.dtype = neff::DType::F32;
  op.offset = byte_offset;
  op.start_partition = start_partition;
  op.num_partitions = partitions;
  op.dims = {Dim{1, free}};
  return op;
}

Operand LowerContext::View(const DramTensor& tensor, int64_t elem_offset, int partitions,
                           int64_t partition_stride, std::vector<Dim> dims) const {
  Operand op;
  op.buffer = tensor.buffer;
  op.dtype = tensor.dtype;
  op.offset = elem_offset * ElemSize(tensor.dtype);
  op.num_partitions = partitions;
  op.partition_stride = partition_stride;
  op.dims = std::move(dims);
  return op;
}

void LowerContext::Emit(TileInst inst) {
  inst.node = node_;
  program_->Emit(std::move(inst));
}

void LowerContext::Dma(const Operand& dst, const Operand& src) {
  TileInst inst;
  inst.opcode = neff::Opcode::DMA_COPY;
  inst.engine = target::Engine::kDma;
  inst.dst = dst;
  inst.src0 = src;
  Emit(std::move(inst));
}

void LowerContext::Memset(const Operand& dst, float value) {
  TileInst inst;
  inst.opcode = neff::Opcode::MEMSET;
  inst.engine = target::Engine::kGpSimd;
  inst.dst = dst;
  inst.imm = value;
  Emit(std::move(inst));
}

void LowerContext::Matmul(const Operand& psum, const Operand& stationary, const Operand& moving,
                          bool start, bool stop) {
  TileInst inst;
  inst.opcode = neff::Opcode::MATMUL;
  inst.engine = target::Engine::kTensor;
  inst.dst = psum;
  inst.src0 = stationary;
  inst.src1 = moving;
  inst.accumulate_start = start;
  inst.accumulate_stop = stop;
  Emit(std::move(inst));
}

void LowerContext::Activation(const Operand& dst, const Operand& src, neff::ActivationFunction func,
                              float scale, const Operand* bias) {
  TileInst inst;
  inst.opcode = neff::Opcode::ACTIVATION;
  inst.engine = target::Engine::kScalar;
  inst.dst = dst;
  inst.src0 = src;
  inst.func = func;
  inst.scale = scale;
  if (bias != nullptr) inst.bias = *bias;
  Emit(std::move(inst));
}

void LowerContext::TensorTensor(const Operand& dst, const Operand& a, const Operand& b,
                                neff::AluOp alu, target::Engine engine) {
  TileInst inst;
  inst.opcode = neff::Opcode::TENSOR_TENSOR;
  inst.engine = engine;
  inst.dst = dst;
  inst.src0 = a;
  inst.src1 = b;
  inst.alu = alu;
  Emit(std::move(inst));
}

void LowerContext::TensorScalar(const Operand& dst, const Operand& a, neff::AluOp alu, float imm) {
  TileInst inst;
  inst.opcode = neff::Opcode::TENSOR_SCALAR;
  inst.engine = target::Engine::kVector;
  inst.dst = dst;
  inst.src0 = a;
  inst.alu = alu;
  inst.imm = imm;
  Emit(std::move(inst));
}

void LowerContext::TensorScalarPerPartition(const Operand& dst, const Operand& a, neff::AluOp alu,
                                            const Operand* s1, float imm, neff::AluOp alu2,
                                            const Operand* s2, float imm2) {
  TileInst inst;
  inst.opcode = neff::Opcode::TENSOR_SCALAR;
  inst.engine = target::Engine::kVector;
  inst.dst = dst;
  inst.src0 = a;
  inst.alu = alu;
  inst.imm = imm;
  inst.alu2 = alu2;
  inst.imm2 = imm2;
  if (s1 != nullptr) inst.src1 = *s1;
  if (s2 != nullptr) inst.src2 = *s2;
  Emit(std::move(inst));
}

void LowerContext::TensorCopy(const Operand& dst, const Operand& src) {
  TileInst inst;
  inst.opcode = neff::Opcode::TENSOR_COPY;
  inst.engine = target::Engine::kVector;
  inst.dst = dst;
  inst.src0 = src;
  Emit(std::move(inst));
}

void LowerContext::TensorReduce(const Operand& dst, const Operand& src, neff::AluOp alu) {
  TileInst inst;
  inst.opcode = neff::Opcode::TENSOR_REDUCE;
  inst.engine = target::Engine::kVector;
  inst.dst = dst;
  inst.src0 = src;
  inst.alu = alu;
  Emit(std::move(inst));
}

void LowerContext::ActivationAccumulate(const Operand& dst, const Operand& src,
                                        neff::ActivationFunction func, float scale,
                                        const Operand* bias, const Operand& accum) {
  TileInst inst;
  inst.opcode = neff::Opcode::ACTIVATION;
  inst.engine = target::Engine::kScalar;
  inst.dst = dst;
  inst.src0 = src;
  inst.func = func;
  inst.scale = scale;
  if (bias != nullptr) inst.bias = *bias;
  inst.accum = accum;
  Emit(std::move(inst));
}

void LowerContext::Transpose(const Operand& psum, const Operand& src) {
  TileInst inst;
  inst.opcode = neff::Opcode::TRANSPOSE;
  inst.engine = target::Engine::kTensor;
  inst.dst = psum;
  inst.src0 = src;
  Emit(std::move(inst));
}

void LowerContext::Iota(const Operand& dst, float base, float partition_step, float free_step) {
  TileInst inst;
  inst.opcode = neff::Opcode::IOTA;
  inst.engine = target::Engine::kGpSimd;
  inst.dst = dst;
  inst.imm = base;
  inst.scale = partition_step;
  inst.imm2 = free_step;
  Emit(std::move(inst));
}

void LowerContext::Select(const Operand& dst, const Operand& predicate, const Operand& on_true,
                          const Operand& on_false) {
  TileInst inst;
  inst.opcode = neff::Opcode::SELECT;
  inst.engine = target::Engine::kVector;
  inst.dst = dst;
  inst.src0 = predicate;
  inst.src1 = on_true;
  inst.src2 = on_false;
  Emit(std::move(inst));
}

void LowerContext::Gather(const Operand& dst, const Operand& table, const Operand& index,
                          const Operand* given) {
  TileInst inst;
  inst.opcode = neff::Opcode::DMA_GATHER;
  inst.engine = target::Engine::kDma;
  inst.dst = dst;
  inst.src0 = table;
  inst.src1 = index;
  if (given != nullptr) inst.src2 = *given;
  Emit(std::move(inst));
}

absl::Status LowerContext::LoadRows(const Operand& dst, const DramTensor& src, int64_t src_offset,
                                    int64_t partition_stride, int64_t rows, int64_t width) {
  const int partitions = dst.num_partitions;
  if (dst.dims.size() != 2 || dst.dims[0].stride == width || rows * width < 64) {
    Dma(dst,
        View(src, src_offset, partitions, partition_stride, {Dim{width, rows}, Dim{1, width}}));
    return absl::OkStatus();
  }
  auto stage = Sbuf("stage", partitions, rows * width * ElemSize(dst.dtype));
  if (!stage.ok()) return stage.status();
  Operand contiguous = Tile(*stage, partitions, rows * width);
  contiguous.dtype = dst.dtype;
  Dma(contiguous, View(src, src_offset, partitions, partition_stride, {Dim{1, rows * width}}));
  contiguous.dims = {Dim{width, rows}, Dim{1, width}};
  TensorCopy(dst, contiguous);
  return absl::OkStatus();
}

void LowerContext::ApplyFusedClip(const Operand& tile) {
  if (op_ == nullptr || !op_->has_attr("fused_clip_max")) return;
  TensorScalar(tile, tile, neff::AluOp::MINIMUM, op_->GetFloat("fused_clip_max", 0.0f));
}

std::string LowerContext::Name(absl::string_view what) const {
  return absl::StrCat(op_ ? op_->name : "", "/", what);
}

bool ActivationFor(absl::string_view name, neff::ActivationFunction* func) {
  if (name == "Relu") {
    *func = neff::ActivationFunction::RELU;
  } else if (name == "Sigmoid") {
    *func = neff::ActivationFunction::SIGMOID;
  } else if (name == "Tanh") {
    *func = neff::ActivationFunction::TANH;
  } else if (name == "Exp") {
    *func = neff::ActivationFunction::EXP;
  } else if (name == "Gelu") {
    *func = neff::ActivationFunction::GELU;
  } else if (name == "GeluTanh") {
    *func = neff::ActivationFunction::GELU_TANH;
  } else if (name == "Identity" || name.empty()) {
    *func = neff::ActivationFunction::IDENTITY;
  } else {
    return false;
  }
  return true;
}

absl::StatusOr<neff::DType> ToNeffDType(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::kF32:
      return neff::DType::F32;
    case ir::DType::kBF16:
      return neff::DType::BF16;
    case ir::DType::kF16:
      return neff::DType::F16;
    case ir::DType::kI32:
      return neff::DType::I32;
    case ir::DType::kI64:
      return neff::DType::I64;
    case ir::DType::kBool:
      return neff::DType::BOOL;
    case ir::DType::kI8:
      return neff::DType::I8;
    case ir::DType::kU8:
      return neff::DType::U8;
    case ir::DType::kF64:
      return neff::DType::F64;
    case ir::DType::kI16:
      return neff::DType::I16;
    case ir::DType::kU16:
      return neff::DType::U16;
    case ir::DType::kU32:
      return neff::DType::U32;
    case ir::DType::kU64:
      return neff::DType::U64;
  }
  return absl::InvalidArgumentError("unknown dtype");
}

}  // namespace ncc::lower
