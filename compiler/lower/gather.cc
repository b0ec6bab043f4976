#include "compiler/lower/gather.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
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

}  // namespace ncc::lower
