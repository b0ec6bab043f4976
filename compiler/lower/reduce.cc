#include "compiler/lower/reduce.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "compiler/lower/op_requirements.h"
#include "compiler/lower/rows.h"

namespace ncc::lower {
namespace {

absl::StatusOr<std::vector<int64_t>> ReduceAxes(const ir::Op& op) {
  std::vector<int64_t> axes = op.GetInts("axes", {});
  if (const ir::Value* a = op.input(1); a != nullptr) {
    if (!a->is_constant || a->dtype != ir::DType::kI64) {
      return Unsupported("axes must be a compile-time constant i64 tensor");
    }
    axes.assign(a->data_as<int64_t>(), a->data_as<int64_t>() + a->num_elements());
  }
  const int64_t rank = static_cast<int64_t>(op.input(0)->shape.size());
  if (axes.empty()) {
    if (op.GetInt("noop_with_empty_axes", 0) != 0) return axes;
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  for (int64_t& a : axes) a = NormalizeAxis(a, rank);
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  for (int64_t a : axes) {
    if (a < 0 || a >= rank) return Unsupported("axis out of range");
  }
  return axes;
}

bool Adjacent(const std::vector<int64_t>& axes) {
  for (size_t i = 1; i < axes.size(); ++i) {
    if (axes[i] != axes[i - 1] + 1) return false;
  }
  return true;
}

std::vector<bool> AxisMask(const std::vector<int64_t>& axes, size_t rank) {
  std::vector<bool> mask(rank, false);
  for (int64_t a : axes) mask[a] = true;
  return mask;
}

}  // namespace

absl::Status CheckReduce(const ir::Op& op) {
  if (op.input(0) == nullptr) return Unsupported("missing input");
  if (op.input(0)->dtype != ir::DType::kF32 || op.outputs[0]->dtype != ir::DType::kF32) {
    return Unsupported("only f32 reductions are lowered so far");
  }
  auto axes = ReduceAxes(op);
  if (!axes.ok()) return axes.status();
  if (Adjacent(*axes)) return absl::OkStatus();
  auto rows = RowsOfSlices(op.input(0)->shape, AxisMask(*axes, op.input(0)->shape.size()));
  return rows.ok() ? absl::OkStatus() : rows.status();
}

namespace {

neff::AluOp ReduceAlu(const std::string& t) {
  if (t == "ReduceMax" || t == "ReduceLogSumExp") return neff::AluOp::MAXIMUM;
  if (t == "ReduceMin") return neff::AluOp::MINIMUM;
  if (t == "ReduceProd") return neff::AluOp::MULTIPLY;
  return neff::AluOp::ADD;
}

// Reduces each partition's row of xt (clobbered) into `part`, one element per
// partition, before the final step of FinishReduce.
absl::Status ReduceRows(LowerContext& ctx, const std::string& t, const Operand& xt,
                        const Operand& part) {
  if (t == "ReduceSumSquare" || t == "ReduceL2") {
    ctx.ActivationAccumulate(xt, xt, neff::ActivationFunction::SQUARE, 1.0f, nullptr, part);
  } else if (t == "ReduceL1") {
    ctx.ActivationAccumulate(xt, xt, neff::ActivationFunction::ABS, 1.0f, nullptr, part);
  } else if (t == "ReduceLogSumExp") {
    auto mb = ctx.Sbuf("negmax", xt.num_partitions, 4);
    if (!mb.ok()) return mb.status();
    Operand negmax = ctx.Tile(*mb, xt.num_partitions, 1);
    ctx.TensorReduce(negmax, xt, neff::AluOp::MAXIMUM);
    ctx.TensorScalar(negmax, negmax, neff::AluOp::MULTIPLY, -1.0f);
    ctx.ActivationAccumulate(xt, xt, neff::ActivationFunction::EXP, 1.0f, &negmax, part);
    ctx.Activation(part, part, neff::ActivationFunction::LOG, 1.0f, nullptr);
    ctx.TensorScalarPerPartition(part, part, neff::AluOp::SUBTRACT, &negmax, 0.0f,
                                 neff::AluOp::BYPASS, nullptr, 0.0f);
  } else {
    ctx.TensorReduce(part, xt, ReduceAlu(t));
  }
  return absl::OkStatus();
}

// The last step over the combined result of `length` elements.
void FinishReduce(LowerContext& ctx, const std::string& t, const Operand& result, int64_t length) {
  if (t == "ReduceMean") {
    ctx.TensorScalar(result, result, neff::AluOp::MULTIPLY, 1.0f / static_cast<float>(length));
  } else if (t == "ReduceL2") {
    ctx.Activation(result, result, neff::ActivationFunction::SQRT, 1.0f, nullptr);
  } else if (t == "ReduceLogSum") {
    ctx.Activation(result, result, neff::ActivationFunction::LOG, 1.0f, nullptr);
  }
}

// Non-adjacent axes: rows of strided slices (at most kMaxRow elements).
absl::Status LowerReduceSlices(const ir::Op& op, LowerContext& ctx, const SliceRows& l) {
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t part = ctx.spec().partitions;
  for (size_t g = 0; g < l.row_offsets.size(); ++g) {
    for (int64_t r0 = 0; r0 < l.rows.size; r0 += part) {
      const int rows = static_cast<int>(std::min(part, l.rows.size - r0));
      auto xb = ctx.Sbuf("x", rows, l.length * 4), rb = ctx.Sbuf("result", rows, 4);
      if (!xb.ok()) return xb.status();
      if (!rb.ok()) return rb.status();
      Operand xt = ctx.Tile(*xb, rows, l.length), result = ctx.Tile(*rb, rows, 1);
      ctx.Dma(xt,
              ctx.View(x, l.row_offsets[g] + r0 * l.rows.stride, rows, l.rows.stride, l.reduced));
      if (auto s = ReduceRows(ctx, op.type, xt, result); !s.ok()) return s;
      FinishReduce(ctx, op.type, result, l.length);
      // Output rows are the kept axes in row-major order.
      ctx.Dma(ctx.View(y, static_cast<int64_t>(g) * l.rows.size + r0, rows, 1, {Dim{1, 1}}),
              result);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LowerReduce(const ir::Op& op, LowerContext& ctx) {
  auto axes = ReduceAxes(op);
  if (!axes.ok()) return axes.status();
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  if (axes->empty()) {  // noop_with_empty_axes
    ctx.Dma(ctx.View(y, 0, 1, 0, {Dim{1, ir::NumElements(y.shape)}}),
            ctx.View(x, 0, 1, 0, {Dim{1, ir::NumElements(x.shape)}}));
    return absl::OkStatus();
  }
  if (!Adjacent(*axes)) {
    auto slices = RowsOfSlices(x.shape, AxisMask(*axes, x.shape.size()));
    if (!slices.ok()) return slices.status();
    return LowerReduceSlices(op, ctx, *slices);
  }
  RowLayout r = Rows(x.shape, axes->front(), axes->back() + 1, ctx.spec().partitions);
  const std::string& t = op.type;
  const bool simple = t == "ReduceSum" || t == "ReduceMean" || t == "ReduceMax" ||
                      t == "ReduceMin" || t == "ReduceProd";
  if (r.length > kMaxRow && !simple) {
    return Unsupported(absl::StrCat(t, " over ", r.length, " elements (limit ", kMaxRow, ")"));
  }
  const neff::AluOp alu = ReduceAlu(t);
  const int64_t chunks = (r.length + kMaxRow - 1) / kMaxRow;
  for (const RowTile& tile : r.tiles) {
    auto rb = ctx.Sbuf("result", tile.rows, chunks * 4);
    if (!rb.ok()) return rb.status();
    Operand result = ctx.Tile(*rb, tile.rows, 1);
    for (int64_t k = 0; k < chunks; ++k) {
      const int64_t len = std::min(kMaxRow, r.length - k * kMaxRow);
      auto xb = ctx.Sbuf("x", tile.rows, len * 4);
      if (!xb.ok()) return xb.status();
      Operand xt = ctx.Tile(*xb, tile.rows, len);
      ctx.Dma(xt, ctx.View(x, tile.in_offset + k * kMaxRow * RowStride(r), tile.rows,
                           tile.in_partition_stride, {Dim{RowStride(r), len}}));
      if (auto s = ReduceRows(ctx, t, xt, ctx.Tile(*rb, tile.rows, 1, k * 4)); !s.ok()) return s;
    }
    if (chunks > 1) ctx.TensorReduce(result, ctx.Tile(*rb, tile.rows, chunks), alu);
    FinishReduce(ctx, t, result, r.length);
    ctx.Dma(ReducedView(ctx, y, tile), result);
  }
  return absl::OkStatus();
}
absl::Status CheckArgReduce(const ir::Op& op) {
  if (op.input(0) == nullptr || op.input(0)->dtype != ir::DType::kF32) {
    return Unsupported("only f32 inputs");
  }
  const int64_t rank = static_cast<int64_t>(op.input(0)->shape.size());
  const int64_t axis = NormalizeAxis(op.GetInt("axis", op.type == "Hardmax" ? -1 : 0), rank);
  if (axis < 0 || axis >= rank) return Unsupported("axis out of range");
  if (op.input(0)->shape[axis] > kMaxRow) return Unsupported("reduced axis too long");
  return absl::OkStatus();
}

absl::Status LowerArgReduce(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const bool hardmax = op.type == "Hardmax";
  // Hardmax before opset 13 works on the input flattened to 2-D at `axis`
  // (default 1); from 13 on, along `axis` (default -1).
  const bool legacy = hardmax && ctx.opset() > 0 && ctx.opset() < 13;
  const int64_t axis = NormalizeAxis(op.GetInt("axis", hardmax ? (legacy ? 1 : -1) : 0), rank);
  const bool is_max = op.type != "ArgMin";
  const bool last = op.GetInt("select_last_index", 0) != 0;
  RowLayout r = Rows(x.shape, axis, legacy ? rank : axis + 1, ctx.spec().partitions);
  if (r.length > kMaxRow) return Unsupported(absl::StrCat("rows of ", r.length, " elements"));
  const int max_rows = r.tiles.empty() ? 1 : r.tiles[0].rows;
  // Column indices and the "no match" filler, shared by all tiles.
  auto ib = ctx.Sbuf("iota", max_rows, r.length * 4);
  auto fb = ctx.Sbuf("filler", max_rows, r.length * 4);
  if (!ib.ok()) return ib.status();
  if (!fb.ok()) return fb.status();
  ctx.Iota(ctx.Tile(*ib, max_rows, r.length), 0.0f, 0.0f, 1.0f);
  ctx.Memset(ctx.Tile(*fb, max_rows, r.length), last ? -1.0f : static_cast<float>(r.length));
  for (const RowTile& tile : r.tiles) {
    auto xb = ctx.Sbuf("x", tile.rows, r.length * 4);
    auto mb = ctx.Sbuf("extreme", tile.rows, 4);
    auto rb = ctx.Sbuf("index", tile.rows, 4);
    for (auto* b : {&xb, &mb, &rb}) {
      if (!b->ok()) return b->status();
    }
    Operand xt = ctx.Tile(*xb, tile.rows, r.length), extreme = ctx.Tile(*mb, tile.rows, 1);
    Operand index = ctx.Tile(*rb, tile.rows, 1);
    ctx.Dma(xt, RowView(ctx, x, tile, r));
    ctx.TensorReduce(extreme, xt, is_max ? neff::AluOp::MAXIMUM : neff::AluOp::MINIMUM);
    // Where x equals the extreme keep the column index, elsewhere the filler;
    // the first (or last) match is then the min (or max).
    ctx.TensorScalarPerPartition(xt, xt, neff::AluOp::IS_EQUAL, &extreme, 0.0f, neff::AluOp::BYPASS,
                                 nullptr, 0.0f);
    ctx.Select(xt, xt, ctx.Tile(*ib, tile.rows, r.length), ctx.Tile(*fb, tile.rows, r.length));
    ctx.TensorReduce(index, xt, last ? neff::AluOp::MAXIMUM : neff::AluOp::MINIMUM);
    if (hardmax) {
      // One-hot of the first maximum along the row.
      ctx.TensorScalarPerPartition(xt, ctx.Tile(*ib, tile.rows, r.length), neff::AluOp::IS_EQUAL,
                                   &index, 0.0f, neff::AluOp::BYPASS, nullptr, 0.0f);
      ctx.Dma(RowView(ctx, y, tile, r), xt);
    } else {
      ctx.Dma(ReducedView(ctx, y, tile), index);
    }
  }
  return absl::OkStatus();
}

namespace {

// TopK's k is fixed by its outputs' static shape (the k input may be computed
// at run time, as in ONNX's tests); a constant k input must agree.
constexpr int64_t kMaxTopK = 128;

absl::StatusOr<int64_t> TopKAxis(const ir::Op& op) {
  const int64_t rank = static_cast<int64_t>(op.input(0)->shape.size());
  const int64_t axis = NormalizeAxis(op.GetInt("axis", -1), rank);
  if (axis < 0 || axis >= rank) return Unsupported("axis out of range");
  return axis;
}

}  // namespace

absl::Status CheckTopK(const ir::Op& op) {
  const ir::Value* x = op.input(0);
  if (x == nullptr || x->dtype != ir::DType::kF32) return Unsupported("only f32 inputs");
  if (op.outputs.size() != 2 || op.outputs[0] == nullptr || op.outputs[1] == nullptr) {
    return Unsupported("needs both the Values and the Indices outputs");
  }
  if (op.outputs[0]->dtype != ir::DType::kF32 || op.outputs[1]->dtype != ir::DType::kI64) {
    return Unsupported("Values must be f32 and Indices i64");
  }
  auto axis = TopKAxis(op);
  if (!axis.ok()) return axis.status();
  const int64_t k = op.outputs[0]->shape[*axis];
  if (k < 1 || k > kMaxTopK) return Unsupported(absl::StrCat("k = ", k, " (1 to ", kMaxTopK, ")"));
  if (const ir::Value* kv = op.input(1); kv != nullptr && kv->is_constant &&
                                         kv->dtype == ir::DType::kI64 && kv->num_elements() == 1 &&
                                         kv->data_as<int64_t>()[0] != k) {
    return Unsupported(absl::StrCat("k input ", kv->data_as<int64_t>()[0],
                                    " disagrees with the output's axis size ", k));
  }
  if (x->shape[*axis] > kMaxRow) return Unsupported("axis too long");
  return absl::OkStatus();
}

absl::Status LowerTopK(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& values = ctx.Tensor(op.outputs[0]);
  const DramTensor& indices = ctx.Tensor(op.outputs[1]);
  auto axis = TopKAxis(op);
  if (!axis.ok()) return axis.status();
  const bool largest = op.GetInt("largest", 1) != 0;
  const neff::AluOp extreme_op = largest ? neff::AluOp::MAXIMUM : neff::AluOp::MINIMUM;
  RowLayout r = Rows(x.shape, *axis, *axis + 1, ctx.spec().partitions);
  RowLayout rk = Rows(values.shape, *axis, *axis + 1, ctx.spec().partitions);
  const int64_t k = rk.length;
  const int max_rows = r.tiles.empty() ? 1 : r.tiles[0].rows;
  // Shared by all tiles: column indices, the "no match" filler and the value
  // that retires a selected element.
  auto ib = ctx.Sbuf("iota", max_rows, r.length * 4);
  auto fb = ctx.Sbuf("filler", max_rows, r.length * 4);
  auto rb = ctx.Sbuf("retired", max_rows, r.length * 4);
  for (auto* b : {&ib, &fb, &rb}) {
    if (!b->ok()) return b->status();
  }
  ctx.Iota(ctx.Tile(*ib, max_rows, r.length), 0.0f, 0.0f, 1.0f);
  ctx.Memset(ctx.Tile(*fb, max_rows, r.length), static_cast<float>(r.length));
  ctx.Memset(ctx.Tile(*rb, max_rows, r.length), largest ? -INFINITY : INFINITY);
  for (size_t t = 0; t < r.tiles.size(); ++t) {
    const RowTile& tile = r.tiles[t];
    auto xb = ctx.Sbuf("x", tile.rows, r.length * 4);
    auto mb = ctx.Sbuf("match", tile.rows, r.length * 4);
    auto vb = ctx.Sbuf("values", tile.rows, k * 4);
    auto nb = ctx.Sbuf("indices", tile.rows, k * 4);
    for (auto* b : {&xb, &mb, &vb, &nb}) {
      if (!b->ok()) return b->status();
    }
    Operand xt = ctx.Tile(*xb, tile.rows, r.length), match = ctx.Tile(*mb, tile.rows, r.length);
    Operand iota = ctx.Tile(*ib, tile.rows, r.length), filler = ctx.Tile(*fb, tile.rows, r.length);
    Operand retired = ctx.Tile(*rb, tile.rows, r.length);
    ctx.Dma(xt, RowView(ctx, x, tile, r));
    // k rounds of: the extreme, its first position (ties go to the lower
    // index, as ONNX asks), then that position retired.
    for (int64_t j = 0; j < k; ++j) {
      Operand value = ctx.Tile(*vb, tile.rows, 1, j * 4),
              index = ctx.Tile(*nb, tile.rows, 1, j * 4);
      ctx.TensorReduce(value, xt, extreme_op);
      ctx.TensorScalarPerPartition(match, xt, neff::AluOp::IS_EQUAL, &value, 0.0f,
                                   neff::AluOp::BYPASS, nullptr, 0.0f);
      ctx.Select(match, match, iota, filler);
      ctx.TensorReduce(index, match, neff::AluOp::MINIMUM);
      if (j + 1 == k) break;
      ctx.TensorScalarPerPartition(match, iota, neff::AluOp::IS_EQUAL, &index, 0.0f,
                                   neff::AluOp::BYPASS, nullptr, 0.0f);
      ctx.Select(xt, match, retired, xt);
    }
    const RowTile& out = rk.tiles[t];
    ctx.Dma(RowView(ctx, values, out, rk), ctx.Tile(*vb, tile.rows, k));
    ctx.Dma(RowView(ctx, indices, out, rk), ctx.Tile(*nb, tile.rows, k));
  }
  return absl::OkStatus();
}

absl::Status CheckTrilu(const ir::Op& op) {
  const ir::Value* x = op.input(0);
  if (x == nullptr || x->shape.size() < 2) return Unsupported("input rank < 2");
  const ir::Value* k = op.input(1);
  if (k != nullptr && (k->dtype != ir::DType::kI64 || k->num_elements() != 1)) {
    return Unsupported("k must be an int64 scalar");
  }
  if (x->shape.back() > kMaxRow) return Unsupported("rows too long");
  return absl::OkStatus();
}

absl::Status LowerTrilu(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t rows = x.shape[x.shape.size() - 2], cols = x.shape.back();
  const ir::Value* k_value = op.input(1);
  const bool constant_k = k_value == nullptr || k_value->is_constant;
  // A constant k beyond the matrix keeps or drops everything: clamped, it is
  // exact in fp32.
  const float k_imm = constant_k
                          ? static_cast<float>(std::clamp<int64_t>(
                                k_value ? k_value->data_as<int64_t>()[0] : 0, -rows - 1, cols + 1))
                          : 0.0f;
  // Element (i, j) is kept when j - i >= k (upper) or j - i <= k (lower).
  const neff::AluOp keep_op = op.GetInt("upper", 1) != 0 ? neff::AluOp::IS_GE : neff::AluOp::IS_LE;
  const int64_t batch = ir::NumElements(x.shape) / (rows * cols);
  const int64_t part = ctx.spec().partitions;
  const int zero_rows = static_cast<int>(std::min(part, rows));
  auto zb = ctx.Sbuf("zeros", zero_rows, cols * 4);
  if (!zb.ok()) return zb.status();
  ctx.Memset(ctx.Tile(*zb, zero_rows, cols), 0.0f);
  Operand k_tile;
  if (!constant_k) {
    // A runtime k, the same on every partition (int64 -> fp32 by the DMA;
    // rounding cannot move it across any j - i, which is below 2^24).
    auto kb = ctx.Sbuf("k", zero_rows, 4);
    if (!kb.ok()) return kb.status();
    k_tile = ctx.Tile(*kb, zero_rows, 1);
    ctx.Dma(k_tile, ctx.View(ctx.Tensor(k_value), 0, zero_rows, 0, {Dim{1, 1}}));
  }
  for (int64_t i0 = 0; i0 < rows; i0 += part) {
    const int p = static_cast<int>(std::min(part, rows - i0));
    auto mb = ctx.Sbuf("keep", p, cols * 4);
    if (!mb.ok()) return mb.status();
    Operand m = ctx.Tile(*mb, p, cols);
    ctx.Iota(m, static_cast<float>(-i0), -1.0f, 1.0f);  // j - i
    Operand k_rows = k_tile;
    k_rows.num_partitions = p;
    ctx.TensorScalarPerPartition(m, m, keep_op, constant_k ? nullptr : &k_rows, k_imm,
                                 neff::AluOp::BYPASS, nullptr, 0.0f);
    for (int64_t b = 0; b < batch; ++b) {
      auto xb = ctx.Sbuf("x", p, cols * 4);
      if (!xb.ok()) return xb.status();
      Operand t = ctx.TypedTile(*xb, neff::DType::F32, p, cols);
      const int64_t off = (b * rows + i0) * cols;
      ctx.Dma(t, ctx.View(x, off, p, cols, {Dim{1, cols}}));
      // A SELECT against zeros, not a mask multiply: kept elements pass
      // through unchanged, so integers are exact wherever fp32 holds them
      // (below 2^24); the DMAs convert to and from the tensor's dtype.
      ctx.Select(t, m, t, ctx.Tile(*zb, p, cols));
      ctx.Dma(ctx.View(y, off, p, cols, {Dim{1, cols}}), t);
    }
  }
  return absl::OkStatus();
}

}  // namespace ncc::lower
