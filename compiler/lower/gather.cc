#include "compiler/lower/gather.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/lower/data_movement.h"
#include "compiler/lower/support.h"

namespace ncc::lower {

absl::Status CheckGather(const ir::Op& op) {
  const ir::Value* data = op.input(0);
  const ir::Value* indices = op.input(1);
  if (data == nullptr || indices == nullptr) return Unsupported("needs data and indices");
  if (indices->dtype != ir::DType::kI64 && indices->dtype != ir::DType::kI32) {
    return Unsupported("indices must be i32 or i64");
  }
  if (data->shape.empty()) return Unsupported("scalar data");
  // Negative indices wrap in ONNX: constant ones are normalised at compile
  // time; a negative runtime index fails the execution with a clear error
  // (the indirect DMA's bounds check) rather than reading out of bounds.
  return absl::OkStatus();
}

absl::Status LowerGather(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& data = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const ir::Value* index_value = op.input(1);
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  int64_t axis = op.GetInt("axis", 0);
  if (axis < 0) axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= data.shape[i];
  for (int64_t i = axis + 1; i < rank; ++i) inner *= data.shape[i];
  const int64_t rows = data.shape[axis];
  const int64_t count = index_value->num_elements();

  DramTensor indices = ctx.Tensor(index_value);
  if (index_value->is_constant) {
    // Wrap negative constant indices now.
    Buffer buf;
    buf.name = ctx.Name("indices");
    buf.space = Space::WEIGHTS;
    buf.bytes = count * 8;
    buf.data.resize(buf.bytes);
    for (int64_t i = 0; i < count; ++i) {
      int64_t v = index_value->dtype == ir::DType::kI64 ? index_value->data_as<int64_t>()[i]
                                                        : index_value->data_as<int32_t>()[i];
      if (v < 0) v += rows;
      std::memcpy(buf.data.data() + i * 8, &v, 8);
    }
    indices.buffer = ctx.program().AddBuffer(std::move(buf));
    indices.space = Space::WEIGHTS;
    indices.dtype = neff::DType::I64;
  }
  const int64_t part = ctx.spec().partitions;
  for (int64_t i0 = 0; i0 < count; i0 += part) {
    const int p = static_cast<int>(std::min(part, count - i0));
    auto ib = ctx.Sbuf("idx", p, 8);
    if (!ib.ok()) return ib.status();
    Operand idx = ctx.Tile(*ib, p, 1);
    idx.dtype = indices.dtype;
    if (index_value->is_constant) {
      ctx.Dma(idx, ctx.View(indices, i0, p, 1, {Dim{1, 1}}));
    } else {
      // Runtime indices may be negative (counted from the end): wrap them
      // on chip, idx + (idx < 0) * rows, in fp32 (exact below 2^24 rows),
      // then convert back to an integer index tile.
      auto fb = ctx.Sbuf("idx_f32", p, 4);
      auto wb = ctx.Sbuf("wrap", p, 4);
      if (!fb.ok()) return fb.status();
      if (!wb.ok()) return wb.status();
      Operand f = ctx.Tile(*fb, p, 1), wrap = ctx.Tile(*wb, p, 1);
      ctx.Dma(f, ctx.View(indices, i0, p, 1, {Dim{1, 1}}));
      ctx.TensorScalarPerPartition(wrap, f, neff::AluOp::IS_LT, nullptr, 0.0f,
                                   neff::AluOp::MULTIPLY, nullptr, static_cast<float>(rows));
      ctx.TensorTensor(f, f, wrap, neff::AluOp::ADD);
      idx.dtype = neff::DType::I32;
      ctx.TensorCopy(idx, f);
    }
    for (int64_t o = 0; o < outer; ++o) {
      auto rb = ctx.Sbuf("rows", p, inner * 4);
      if (!rb.ok()) return rb.status();
      Operand dst = ctx.Tile(*rb, p, inner);
      dst.dtype = data.dtype;
      Operand table = ctx.View(data, o * rows * inner, static_cast<int>(rows), inner, {Dim{1, inner}});
      ctx.Gather(dst, table, idx);
      // Output layout: [outer, count, inner].
      ctx.Dma(ctx.View(y, (o * count + i0) * inner, p, inner, {Dim{1, inner}}), dst);
    }
  }
  return absl::OkStatus();
}

absl::Status CheckGatherElements(const ir::Op& op) {
  const ir::Value* data = op.input(0);
  const ir::Value* indices = op.input(1);
  if (data == nullptr || indices == nullptr) return Unsupported("needs data and indices");
  if (indices->dtype != ir::DType::kI64 && indices->dtype != ir::DType::kI32) {
    return Unsupported("indices must be i32 or i64");
  }
  const int64_t rank = static_cast<int64_t>(data->shape.size());
  if (rank == 0 || static_cast<int64_t>(indices->shape.size()) != rank) {
    return Unsupported("data and indices must have the same rank (at least 1)");
  }
  int64_t axis = op.GetInt("axis", 0);
  if (axis < -rank || axis >= rank) return Unsupported(absl::StrCat("axis ", axis, " out of range"));
  // Element offsets are computed in fp32: exact below 2^24.
  if (data->num_elements() >= (int64_t{1} << 24)) {
    return Unsupported(absl::StrCat("data of ", data->num_elements(), " elements (limit 2^24)"));
  }
  return absl::OkStatus();
}

absl::Status LowerGatherElements(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& data = ctx.Tensor(op.input(0));
  const DramTensor& indices = ctx.Tensor(op.input(1));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  int64_t axis = op.GetInt("axis", 0);
  if (axis < 0) axis += rank;
  const std::vector<int64_t> data_strides = RowMajorStrides(data.shape);
  const ir::Shape& out_shape = y.shape;
  const int64_t count = ir::NumElements(out_shape), n = data.shape[axis];
  // One element per partition: element p of the output reads data's element
  // base[p] + index[p] * stride(axis), base[p] being p's offset with the axis
  // coordinate zeroed (a compile-time table).
  std::vector<float> base(count);
  for (int64_t p = 0; p < count; ++p) {
    int64_t rem = p, offset = 0;
    for (int64_t d = rank - 1; d >= 0; --d) {
      const int64_t coordinate = rem % out_shape[d];
      rem /= out_shape[d];
      if (d != axis) offset += coordinate * data_strides[d];
    }
    base[p] = static_cast<float>(offset);
  }
  const DramTensor base_table = ctx.F32Weights("base", {count}, base);
  const Operand table = ctx.View(data, 0, static_cast<int>(ir::NumElements(data.shape)), 1, {Dim{1, 1}});
  const int64_t part = ctx.spec().partitions;
  for (int64_t i0 = 0; i0 < count; i0 += part) {
    const int p = static_cast<int>(std::min(part, count - i0));
    auto fb = ctx.Sbuf("index", p, 4), bb = ctx.Sbuf("base", p, 4), vb = ctx.Sbuf("valid", p, 4);
    auto wb = ctx.Sbuf("scratch", p, 4), nb = ctx.Sbuf("invalid", p, 4), ib = ctx.Sbuf("offset", p, 4);
    auto db = ctx.Sbuf("gathered", p, 8);
    for (auto* b : {&fb, &bb, &vb, &wb, &nb, &ib, &db}) {
      if (!b->ok()) return b->status();
    }
    Operand f = ctx.Tile(*fb, p, 1), b = ctx.Tile(*bb, p, 1), valid = ctx.Tile(*vb, p, 1);
    Operand scratch = ctx.Tile(*wb, p, 1), invalid = ctx.Tile(*nb, p, 1);
    ctx.Dma(f, ctx.View(indices, i0, p, 1, {Dim{1, 1}}));
    ctx.Dma(b, ctx.View(base_table, i0, p, 1, {Dim{1, 1}}));
    // Negative indices count from the end: idx + (idx < 0) * n.
    ctx.TensorScalarPerPartition(scratch, f, neff::AluOp::IS_LT, nullptr, 0.0f,
                                 neff::AluOp::MULTIPLY, nullptr, static_cast<float>(n));
    ctx.TensorTensor(f, f, scratch, neff::AluOp::ADD);
    // An index still outside [0, n) points at row -1, which stops the
    // execution with the gather's bounds error instead of reading a
    // neighbouring element.
    ctx.TensorScalar(valid, f, neff::AluOp::IS_GE, 0.0f);
    ctx.TensorScalar(scratch, f, neff::AluOp::IS_LT, static_cast<float>(n));
    ctx.TensorTensor(valid, valid, scratch, neff::AluOp::MULTIPLY);
    ctx.TensorScalarPerPartition(f, f, neff::AluOp::MULTIPLY, nullptr,
                                 static_cast<float>(data_strides[axis]), neff::AluOp::ADD, &b, 0.0f);
    ctx.Memset(invalid, -1.0f);
    ctx.Select(f, valid, f, invalid);
    Operand offset = ctx.TypedTile(*ib, neff::DType::I32, p, 1);
    ctx.TensorCopy(offset, f);
    Operand gathered = ctx.TypedTile(*db, data.dtype, p, 1);
    ctx.Gather(gathered, table, offset);
    ctx.Dma(ctx.View(y, i0, p, 1, {Dim{1, 1}}), gathered);
  }
  return absl::OkStatus();
}

}  // namespace ncc::lower
