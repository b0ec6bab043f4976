#include "compiler/lower/gather.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "compiler/lower/data_movement.h"
#include "compiler/lower/op_requirements.h"

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
    std::optional<Operand> given;
    if (index_value->is_constant) {
      ctx.Dma(idx, ctx.View(indices, i0, p, 1, {Dim{1, 1}}));
    } else {
      // Runtime indices may be negative (counted from the end): wrap them
      // on chip, idx + (idx < 0) * rows, in fp32 (exact below 2^24 rows),
      // then convert back to an integer index tile.
      auto fb = ctx.Sbuf("idx_f32", p, 4);
      auto wb = ctx.Sbuf("wrap", p, 4);
      auto gb = ctx.Sbuf("idx_given", p, 8);
      if (!fb.ok()) return fb.status();
      if (!wb.ok()) return wb.status();
      if (!gb.ok()) return gb.status();
      // The fp32 index below is exact only below 2^24 and saturates in
      // i32: the index as given goes to the gather for its error message.
      given = ctx.TypedTile(*gb, indices.dtype, p, 1);
      ctx.Dma(*given, ctx.View(indices, i0, p, 1, {Dim{1, 1}}));
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
      Operand table =
          ctx.View(data, o * rows * inner, static_cast<int>(rows), inner, {Dim{1, inner}});
      ctx.Gather(dst, table, idx, given ? &*given : nullptr);
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
  if (axis < -rank || axis >= rank) {
    return Unsupported(absl::StrCat("axis ", axis, " out of range"));
  }
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
  const Operand table =
      ctx.View(data, 0, static_cast<int>(ir::NumElements(data.shape)), 1, {Dim{1, 1}});
  const int64_t part = ctx.spec().partitions;
  for (int64_t i0 = 0; i0 < count; i0 += part) {
    const int p = static_cast<int>(std::min(part, count - i0));
    auto fb = ctx.Sbuf("index", p, 4), bb = ctx.Sbuf("base", p, 4), vb = ctx.Sbuf("valid", p, 4);
    auto wb = ctx.Sbuf("scratch", p, 4), nb = ctx.Sbuf("invalid", p, 4),
         ib = ctx.Sbuf("offset", p, 4);
    auto db = ctx.Sbuf("gathered", p, 8), gb = ctx.Sbuf("index_given", p, 8);
    for (auto* b : {&fb, &bb, &vb, &wb, &nb, &ib, &db, &gb}) {
      if (!b->ok()) return b->status();
    }
    Operand f = ctx.Tile(*fb, p, 1), b = ctx.Tile(*bb, p, 1), valid = ctx.Tile(*vb, p, 1);
    Operand scratch = ctx.Tile(*wb, p, 1), invalid = ctx.Tile(*nb, p, 1);
    ctx.Dma(f, ctx.View(indices, i0, p, 1, {Dim{1, 1}}));
    ctx.Dma(b, ctx.View(base_table, i0, p, 1, {Dim{1, 1}}));
    // The index as given, for the gather's error message (f is rewritten).
    const Operand given = ctx.TypedTile(*gb, indices.dtype, p, 1);
    ctx.Dma(given, ctx.View(indices, i0, p, 1, {Dim{1, 1}}));
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
                                 static_cast<float>(data_strides[axis]), neff::AluOp::ADD, &b,
                                 0.0f);
    ctx.Memset(invalid, -1.0f);
    ctx.Select(f, valid, f, invalid);
    Operand offset = ctx.TypedTile(*ib, neff::DType::I32, p, 1);
    ctx.TensorCopy(offset, f);
    Operand gathered = ctx.TypedTile(*db, data.dtype, p, 1);
    ctx.Gather(gathered, table, offset, &given);
    ctx.Dma(ctx.View(y, i0, p, 1, {Dim{1, 1}}), gathered);
  }
  return absl::OkStatus();
}

namespace {

// GatherND's view of data as rows: [batch, indexed positions, slice].
struct GatherNdLayout {
  int64_t batch_dims, index_depth;  // b, m = indices.shape[-1]
  int64_t batches, positions_per_batch, slice, rows_per_batch;
};

constexpr int64_t kMaxGatherSlice = 16384;

absl::StatusOr<GatherNdLayout> GatherNdRows(const ir::Op& op) {
  const ir::Shape& data = op.input(0)->shape;
  const ir::Shape& indices = op.input(1)->shape;
  GatherNdLayout l;
  l.batch_dims = op.GetInt("batch_dims", 0);
  const int64_t r = static_cast<int64_t>(data.size()), q = static_cast<int64_t>(indices.size());
  if (q < 1 || r < 1) return Unsupported("data and indices need rank >= 1");
  l.index_depth = indices.back();
  if (l.batch_dims < 0 || l.batch_dims >= std::min(r, q) || l.index_depth < 1 ||
      l.index_depth > r - l.batch_dims) {
    return Unsupported(
        "batch_dims and indices.shape[-1] must satisfy b < min(r, q), 1 <= m <= r - b");
  }
  l.batches = 1;
  for (int64_t d = 0; d < l.batch_dims; ++d) {
    if (data[d] != indices[d]) return Unsupported("batch dims of data and indices differ");
    l.batches *= data[d];
  }
  l.positions_per_batch = 1;
  for (int64_t d = l.batch_dims; d < q - 1; ++d) l.positions_per_batch *= indices[d];
  l.rows_per_batch = 1;
  for (int64_t d = l.batch_dims; d < l.batch_dims + l.index_depth; ++d) l.rows_per_batch *= data[d];
  l.slice = 1;
  for (int64_t d = l.batch_dims + l.index_depth; d < r; ++d) l.slice *= data[d];
  if (l.slice > kMaxGatherSlice) {
    return Unsupported(absl::StrCat("slices of ", l.slice, " elements"));
  }
  if (l.batches * l.rows_per_batch >= (int64_t{1} << 24)) return Unsupported("more than 2^24 rows");
  return l;
}

}  // namespace

absl::Status CheckGatherNd(const ir::Op& op) {
  const ir::Value* data = op.input(0);
  const ir::Value* indices = op.input(1);
  if (data == nullptr || indices == nullptr) return Unsupported("needs data and indices");
  if (indices->dtype != ir::DType::kI64 && indices->dtype != ir::DType::kI32) {
    return Unsupported("indices must be i32 or i64");
  }
  auto layout = GatherNdRows(op);
  return layout.ok() ? absl::OkStatus() : layout.status();
}

absl::Status LowerGatherNd(const ir::Op& op, LowerContext& ctx) {
  auto layout = GatherNdRows(op);
  if (!layout.ok()) return layout.status();
  const GatherNdLayout& l = *layout;
  const DramTensor& data = ctx.Tensor(op.input(0));
  const DramTensor& indices = ctx.Tensor(op.input(1));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t m = l.index_depth;
  // Per index component: the axis size (to wrap negatives and bound-check)
  // and the row stride; per position: its batch's first row.
  std::vector<float> sizes(m), strides(m);
  int64_t stride = 1;
  for (int64_t j = m - 1; j >= 0; --j) {
    sizes[j] = static_cast<float>(data.shape[l.batch_dims + j]);
    strides[j] = static_cast<float>(stride);
    stride *= data.shape[l.batch_dims + j];
  }
  const int64_t positions = l.batches * l.positions_per_batch;
  std::vector<float> batch_base(positions);
  for (int64_t p = 0; p < positions; ++p) {
    batch_base[p] = static_cast<float>(p / l.positions_per_batch * l.rows_per_batch);
  }
  const DramTensor size_table = ctx.F32Weights("sizes", {m}, sizes);
  const DramTensor stride_table = ctx.F32Weights("strides", {m}, strides);
  const DramTensor base_table = ctx.F32Weights("batch_base", {positions}, batch_base);
  const Operand table =
      ctx.View(data, 0, static_cast<int>(l.batches * l.rows_per_batch), l.slice, {Dim{1, l.slice}});
  const int64_t part = ctx.spec().partitions;
  for (int64_t p0 = 0; p0 < positions; p0 += part) {
    const int p = static_cast<int>(std::min(part, positions - p0));
    auto xb = ctx.Sbuf("index", p, m * 4), zb = ctx.Sbuf("sizes", p, m * 4);
    auto sb = ctx.Sbuf("strides", p, m * 4), wb = ctx.Sbuf("scratch", p, m * 4);
    auto rb = ctx.Sbuf("row", p, 4), bb = ctx.Sbuf("base", p, 4), vb = ctx.Sbuf("valid", p, 4);
    auto nb = ctx.Sbuf("invalid", p, 4), ob = ctx.Sbuf("offset", p, 4);
    auto gb = ctx.Sbuf("gathered", p, l.slice * 8), kb = ctx.Sbuf("index_given", p, m * 8);
    for (auto* b : {&xb, &zb, &sb, &wb, &rb, &bb, &vb, &nb, &ob, &gb, &kb}) {
      if (!b->ok()) return b->status();
    }
    Operand index = ctx.Tile(*xb, p, m), size = ctx.Tile(*zb, p, m), strd = ctx.Tile(*sb, p, m);
    Operand scratch = ctx.Tile(*wb, p, m), row = ctx.Tile(*rb, p, 1), base = ctx.Tile(*bb, p, 1);
    Operand valid = ctx.Tile(*vb, p, 1), invalid = ctx.Tile(*nb, p, 1);
    ctx.Dma(index, ctx.View(indices, p0 * m, p, m, {Dim{1, m}}));
    // The index as given, for the gather's error message (index is rewritten).
    const Operand given = ctx.TypedTile(*kb, indices.dtype, p, m);
    ctx.Dma(given, ctx.View(indices, p0 * m, p, m, {Dim{1, m}}));
    ctx.Dma(size, ctx.View(size_table, 0, p, 0, {Dim{1, m}}));
    ctx.Dma(strd, ctx.View(stride_table, 0, p, 0, {Dim{1, m}}));
    ctx.Dma(base, ctx.View(base_table, p0, p, 1, {Dim{1, 1}}));
    // Negative components count from the end of their axis.
    ctx.TensorScalar(scratch, index, neff::AluOp::IS_LT, 0.0f);
    ctx.TensorTensor(scratch, scratch, size, neff::AluOp::MULTIPLY);
    ctx.TensorTensor(index, index, scratch, neff::AluOp::ADD);
    // Valid when every component is in [0, size): the product of the checks.
    ctx.TensorTensor(scratch, index, size, neff::AluOp::IS_LT);
    ctx.TensorReduce(valid, scratch, neff::AluOp::MINIMUM);
    ctx.TensorScalar(scratch, index, neff::AluOp::IS_GE, 0.0f);
    ctx.TensorReduce(row, scratch, neff::AluOp::MINIMUM);
    ctx.TensorTensor(valid, valid, row, neff::AluOp::MULTIPLY);
    // row = batch base + sum_j index_j * stride_j; an invalid one is row -1,
    // which stops the execution with the gather's bounds error.
    ctx.TensorTensor(scratch, index, strd, neff::AluOp::MULTIPLY);
    ctx.TensorReduce(row, scratch, neff::AluOp::ADD);
    ctx.TensorTensor(row, row, base, neff::AluOp::ADD);
    ctx.Memset(invalid, -1.0f);
    ctx.Select(row, valid, row, invalid);
    Operand offset = ctx.TypedTile(*ob, neff::DType::I32, p, 1);
    ctx.TensorCopy(offset, row);
    Operand gathered = ctx.TypedTile(*gb, data.dtype, p, l.slice);
    ctx.Gather(gathered, table, offset, &given);
    ctx.Dma(ctx.View(y, p0 * l.slice, p, l.slice, {Dim{1, l.slice}}), gathered);
  }
  return absl::OkStatus();
}

absl::Status CheckReverseSequence(const ir::Op& op) {
  const ir::Value* x = op.input(0);
  const ir::Value* lens = op.input(1);
  if (x == nullptr || lens == nullptr) return Unsupported("needs input and sequence_lens");
  if (lens->dtype != ir::DType::kI64 && lens->dtype != ir::DType::kI32) {
    return Unsupported("sequence_lens must be i32 or i64");
  }
  const int64_t time_axis = op.GetInt("time_axis", 0), batch_axis = op.GetInt("batch_axis", 1);
  if (x->shape.size() < 2 || time_axis + batch_axis != 1 || std::min(time_axis, batch_axis) != 0) {
    return Unsupported(
        "time_axis and batch_axis must be 0 and 1 (in either order) of a rank >= 2 input");
  }
  return absl::OkStatus();
}

absl::Status LowerReverseSequence(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& lens = ctx.Tensor(op.input(1));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t time_axis = op.GetInt("time_axis", 0), batch_axis = op.GetInt("batch_axis", 1);
  const int64_t steps = x.shape[time_axis], batches = x.shape[batch_axis];
  const int64_t row = ir::NumElements(x.shape) / (steps * batches);
  const std::vector<int64_t> strides = RowMajorStrides(x.shape);
  const int64_t time_stride = strides[time_axis], batch_stride = strides[batch_axis];
  const int64_t part = ctx.spec().partitions;
  // Per batch entry, time steps on partitions: step t reads step
  // L - 1 - t when t < L (L = sequence_lens[b]), else t itself. An L above
  // the time axis points past it, which stops the execution with the
  // gather's bounds error.
  for (int64_t b = 0; b < batches; ++b) {
    const Operand table =
        ctx.View(x, b * batch_stride, static_cast<int>(steps), time_stride, {Dim{1, row}});
    for (int64_t t0 = 0; t0 < steps; t0 += part) {
      const int p = static_cast<int>(std::min(part, steps - t0));
      auto tb = ctx.Sbuf("step", p, 4), lb = ctx.Sbuf("length", p, 4),
           rb = ctx.Sbuf("reversed", p, 4);
      auto mb = ctx.Sbuf("inside", p, 4), ib = ctx.Sbuf("source", p, 4),
           gb = ctx.Sbuf("rows", p, row * 8);
      for (auto* buf : {&tb, &lb, &rb, &mb, &ib, &gb}) {
        if (!buf->ok()) return buf->status();
      }
      Operand step = ctx.Tile(*tb, p, 1), length = ctx.Tile(*lb, p, 1);
      Operand reversed = ctx.Tile(*rb, p, 1), inside = ctx.Tile(*mb, p, 1);
      ctx.Iota(step, static_cast<float>(t0), 1.0f, 0.0f);
      ctx.Dma(length, ctx.View(lens, b, p, 0, {Dim{1, 1}}));
      ctx.TensorTensor(inside, step, length, neff::AluOp::IS_LT);
      ctx.TensorScalar(length, length, neff::AluOp::SUBTRACT, 1.0f);
      ctx.TensorScalarPerPartition(reversed, step, neff::AluOp::MULTIPLY, nullptr, -1.0f,
                                   neff::AluOp::ADD, &length, 0.0f);
      ctx.Select(reversed, inside, reversed, step);
      Operand source = ctx.TypedTile(*ib, neff::DType::I32, p, 1);
      ctx.TensorCopy(source, reversed);
      Operand rows = ctx.TypedTile(*gb, x.dtype, p, row);
      ctx.Gather(rows, table, source);
      ctx.Dma(ctx.View(y, b * batch_stride + t0 * time_stride, p, time_stride, {Dim{1, row}}),
              rows);
    }
  }
  return absl::OkStatus();
}

namespace {

// OneHot's depth axis as an output axis; its length (the output's static
// shape) is the depth, whatever computed the depth input.
constexpr int64_t kMaxDepth = 4096;

int64_t OneHotAxis(const ir::Op& op) {
  const int64_t out_rank = static_cast<int64_t>(op.outputs[0]->shape.size());
  const int64_t axis = op.GetInt("axis", -1);
  return axis < 0 ? axis + out_rank : axis;
}

}  // namespace

absl::Status CheckOneHot(const ir::Op& op) {
  const ir::Value* indices = op.input(0);
  const ir::Value* depth = op.input(1);
  const ir::Value* values = op.input(2);
  if (indices == nullptr || depth == nullptr || values == nullptr) {
    return Unsupported("needs indices, depth and values");
  }
  if (indices->dtype != ir::DType::kI64 && indices->dtype != ir::DType::kI32 &&
      indices->dtype != ir::DType::kF32) {
    return Unsupported(
        absl::StrCat("indices are ", ir::DTypeName(indices->dtype), " (i32, i64 or f32)"));
  }
  // The select runs in fp32 (integers exact below 2^24); the load and the
  // store DMAs convert values of any other type.
  if (values->dtype == ir::DType::kF64 || op.outputs[0]->dtype != values->dtype) {
    return Unsupported(absl::StrCat("values are ", ir::DTypeName(values->dtype), ", output is ",
                                    ir::DTypeName(op.outputs[0]->dtype),
                                    " (the output takes the values' type; no f64)"));
  }
  if (values->num_elements() != 2) return Unsupported("values must hold [off_value, on_value]");
  const int64_t rank = static_cast<int64_t>(op.outputs[0]->shape.size());
  const int64_t axis = OneHotAxis(op);
  if (axis < 0 || axis >= rank) return Unsupported("axis out of range");
  const int64_t n = op.outputs[0]->shape[axis];
  if (n < 1 || n > kMaxDepth) {
    return Unsupported(absl::StrCat("depth ", n, " (1 to ", kMaxDepth, ")"));
  }
  if (depth->is_constant && depth->num_elements() == 1) {
    double d = 0;
    if (depth->dtype == ir::DType::kF32) d = depth->data_as<float>()[0];
    if (depth->dtype == ir::DType::kI64) d = static_cast<double>(depth->data_as<int64_t>()[0]);
    if (depth->dtype == ir::DType::kI32) d = depth->data_as<int32_t>()[0];
    if (static_cast<int64_t>(d) != n) {
      return Unsupported(
          absl::StrCat("depth input ", d, " disagrees with the output's axis size ", n));
    }
  }
  return absl::OkStatus();
}

absl::Status LowerOneHot(const ir::Op& op, LowerContext& ctx) {
  const ir::Value* index_value = op.input(0);
  const DramTensor& indices = ctx.Tensor(index_value);
  const DramTensor& values = ctx.Tensor(op.input(2));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t axis = OneHotAxis(op);
  const int64_t depth = y.shape[axis];
  const int64_t positions = ir::NumElements(indices.shape);
  int64_t inner = 1;
  for (size_t d = axis + 1; d < y.shape.size(); ++d) inner *= y.shape[d];
  const int64_t outer = positions / inner;
  const int64_t part = ctx.spec().partitions;
  // One index per partition, the depth on the free axis. With the depth
  // innermost (inner == 1) rows are contiguous in y; otherwise each outer
  // block puts its inner positions on partitions and the depth `inner` apart.
  struct Block {
    int64_t first, rows, y_offset, y_partition_stride, y_depth_stride;
  };
  std::vector<Block> blocks;
  if (inner == 1) {
    for (int64_t p0 = 0; p0 < positions; p0 += part) {
      blocks.push_back({p0, std::min(part, positions - p0), p0 * depth, depth, 1});
    }
  } else {
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i0 = 0; i0 < inner; i0 += part) {
        blocks.push_back(
            {o * inner + i0, std::min(part, inner - i0), o * depth * inner + i0, 1, inner});
      }
    }
  }
  const int max_rows =
      static_cast<int>(std::min(part, std::max(inner == 1 ? positions : inner, int64_t{1})));
  auto ib = ctx.Sbuf("iota", max_rows, depth * 4);
  if (!ib.ok()) return ib.status();
  ctx.Iota(ctx.Tile(*ib, max_rows, depth), 0.0f, 0.0f, 1.0f);
  for (const Block& block : blocks) {
    const int rows = static_cast<int>(block.rows);
    auto xb = ctx.Sbuf("index", rows, 4), sb = ctx.Sbuf("scratch", rows, 4);
    auto vb = ctx.Sbuf("values", rows, 8), eb = ctx.Sbuf("match", rows, depth * 4);
    auto ob = ctx.Sbuf("on", rows, depth * 4), fb = ctx.Sbuf("off", rows, depth * 4);
    for (auto* b : {&xb, &sb, &vb, &eb, &ob, &fb}) {
      if (!b->ok()) return b->status();
    }
    Operand index = ctx.Tile(*xb, rows, 1), scratch = ctx.Tile(*sb, rows, 1);
    Operand off_value = ctx.Tile(*vb, rows, 1), on_value = ctx.Tile(*vb, rows, 1, 4);
    Operand match = ctx.Tile(*eb, rows, depth), on = ctx.Tile(*ob, rows, depth);
    Operand off = ctx.Tile(*fb, rows, depth), iota = ctx.Tile(*ib, rows, depth);
    ctx.Dma(index, ctx.View(indices, block.first, rows, 1, {Dim{1, 1}}));
    ctx.Dma(ctx.Tile(*vb, rows, 2), ctx.View(values, 0, rows, 0, {Dim{1, 2}}));
    if (index_value->dtype == ir::DType::kF32) {
      // Float indices are truncated toward zero: sign(x) * floor(|x|).
      ctx.Activation(scratch, index, neff::ActivationFunction::SIGN, 1.0f, nullptr);
      ctx.Activation(index, index, neff::ActivationFunction::ABS, 1.0f, nullptr);
      ctx.Activation(index, index, neff::ActivationFunction::FLOOR, 1.0f, nullptr);
      ctx.TensorTensor(index, index, scratch, neff::AluOp::MULTIPLY);
    }
    // Negative indices count from the end; any index still outside
    // [0, depth) matches no column, giving a row of off_value as ONNX asks.
    ctx.TensorScalarPerPartition(scratch, index, neff::AluOp::IS_LT, nullptr, 0.0f,
                                 neff::AluOp::MULTIPLY, nullptr, static_cast<float>(depth));
    ctx.TensorTensor(index, index, scratch, neff::AluOp::ADD);
    ctx.TensorScalarPerPartition(match, iota, neff::AluOp::IS_EQUAL, &index, 0.0f,
                                 neff::AluOp::BYPASS, nullptr, 0.0f);
    // Full tiles of each value (0 * iota + v), so the select copies them exactly.
    ctx.TensorScalarPerPartition(on, iota, neff::AluOp::MULTIPLY, nullptr, 0.0f, neff::AluOp::ADD,
                                 &on_value, 0.0f);
    ctx.TensorScalarPerPartition(off, iota, neff::AluOp::MULTIPLY, nullptr, 0.0f, neff::AluOp::ADD,
                                 &off_value, 0.0f);
    ctx.Select(match, match, on, off);
    ctx.Dma(ctx.View(y, block.y_offset, rows, block.y_partition_stride,
                     {Dim{block.y_depth_stride, depth}}),
            match);
  }
  return absl::OkStatus();
}

}  // namespace ncc::lower
