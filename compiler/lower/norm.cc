#include "compiler/lower/norm.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "compiler/lower/op_requirements.h"
#include "compiler/lower/rows.h"

namespace ncc::lower {
namespace {

absl::StatusOr<std::pair<int64_t, int64_t>> SoftmaxBlock(const ir::Op& op, int64_t opset) {
  const int64_t rank = static_cast<int64_t>(op.input(0)->shape.size());
  const bool legacy = opset > 0 && opset < 13;
  const int64_t axis = NormalizeAxis(op.GetInt("axis", legacy ? 1 : -1), rank);
  if (axis < 0 || axis >= rank) return Unsupported("axis out of range");
  return std::make_pair(axis, legacy ? rank : axis + 1);
}

// InstanceNormalization) or 1 / (sqrt(var) + eps) (MeanVarianceNormalization).
enum class Epsilon { kInsideSqrt, kOutsideSqrt };

// Normalises each partition's row of `length` elements in place:
// xt = (xt - mean) * rstd, leaving the row's mean and rstd in the
// one-element-per-partition tiles `mean` and `rstd`.
void NormalizeRows(LowerContext& ctx, const Operand& xt, const Operand& scratch,
                   const Operand& mean, const Operand& rstd, int64_t length, float eps,
                   Epsilon placement) {
  const float inv_len = 1.0f / static_cast<float>(length);
  ctx.ActivationAccumulate(scratch, xt, neff::ActivationFunction::IDENTITY, inv_len, nullptr, mean);
  ctx.TensorScalarPerPartition(xt, xt, neff::AluOp::SUBTRACT, &mean, 0.0f, neff::AluOp::BYPASS,
                               nullptr, 0.0f);
  // var = sum((x - mean)^2 / length), the square of (x - mean) * sqrt(1 / length).
  ctx.ActivationAccumulate(scratch, xt, neff::ActivationFunction::SQUARE, std::sqrt(inv_len),
                           nullptr, rstd);
  if (placement == Epsilon::kInsideSqrt) {
    ctx.TensorScalarPerPartition(rstd, rstd, neff::AluOp::ADD, nullptr, eps, neff::AluOp::POW,
                                 nullptr, -0.5f);
  } else {
    ctx.Activation(rstd, rstd, neff::ActivationFunction::SQRT, 1.0f, nullptr);
    ctx.TensorScalar(rstd, rstd, neff::AluOp::ADD, eps);
    ctx.Activation(rstd, rstd, neff::ActivationFunction::RECIPROCAL, 1.0f, nullptr);
  }
  ctx.TensorScalarPerPartition(xt, xt, neff::AluOp::MULTIPLY, &rstd, 0.0f, neff::AluOp::BYPASS,
                               nullptr, 0.0f);
}

// Softmax over rows longer than a tile, in chunks of kMaxRow columns read
// three times: the row maximum, then the sum of exp(s*x - s*max), then the
// outputs (exp(...) / sum, or s*x - s*max - log(sum)).
absl::Status LowerLongSoftmax(LowerContext& ctx, const DramTensor& x, const DramTensor& y,
                              const RowLayout& r, bool log, float scale) {
  const int64_t stride = RowStride(r);
  const int max_rows = static_cast<int>(std::min<int64_t>(ctx.spec().partitions, r.outer * r.inner));
  auto xb = ctx.Sbuf("x", max_rows, kMaxRow * 4);
  auto eb = ctx.Sbuf("exp", max_rows, kMaxRow * 4);
  auto mb = ctx.Sbuf("negmax", max_rows, 4), cb = ctx.Sbuf("chunk", max_rows, 4);
  auto sb = ctx.Sbuf("sum", max_rows, 4);
  for (auto* b : {&xb, &eb, &mb, &cb, &sb}) {
    if (!b->ok()) return b->status();
  }
  auto chunk_view = [&](const DramTensor& t, const RowTile& tile, int64_t c0, int64_t len) {
    return ctx.View(t, tile.in_offset + c0 * stride, tile.rows, tile.in_partition_stride,
                    {Dim{stride, len}});
  };
  for (const RowTile& tile : r.tiles) {
    Operand negmax = ctx.Tile(*mb, tile.rows, 1), part = ctx.Tile(*cb, tile.rows, 1);
    Operand sum = ctx.Tile(*sb, tile.rows, 1);
    // The row maximum, chunk by chunk.
    for (int64_t c0 = 0; c0 < r.length; c0 += kMaxRow) {
      const int64_t len = std::min(kMaxRow, r.length - c0);
      Operand xt = ctx.Tile(*xb, tile.rows, len);
      ctx.Dma(xt, chunk_view(x, tile, c0, len));
      ctx.TensorReduce(c0 == 0 ? negmax : part, xt, neff::AluOp::MAXIMUM);
      if (c0 > 0) ctx.TensorTensor(negmax, negmax, part, neff::AluOp::MAXIMUM);
    }
    ctx.TensorScalar(negmax, negmax, neff::AluOp::MULTIPLY, -scale);
    // The sum of exp(s*x - s*max).
    for (int64_t c0 = 0; c0 < r.length; c0 += kMaxRow) {
      const int64_t len = std::min(kMaxRow, r.length - c0);
      Operand xt = ctx.Tile(*xb, tile.rows, len), et = ctx.Tile(*eb, tile.rows, len);
      ctx.Dma(xt, chunk_view(x, tile, c0, len));
      ctx.ActivationAccumulate(et, xt, neff::ActivationFunction::EXP, scale, &negmax,
                               c0 == 0 ? sum : part);
      if (c0 > 0) ctx.TensorTensor(sum, sum, part, neff::AluOp::ADD);
    }
    if (log) {
      ctx.Activation(sum, sum, neff::ActivationFunction::LOG, 1.0f, nullptr);
    } else {
      ctx.Activation(sum, sum, neff::ActivationFunction::RECIPROCAL, 1.0f, nullptr);
    }
    // The outputs.
    for (int64_t c0 = 0; c0 < r.length; c0 += kMaxRow) {
      const int64_t len = std::min(kMaxRow, r.length - c0);
      Operand xt = ctx.Tile(*xb, tile.rows, len), et = ctx.Tile(*eb, tile.rows, len);
      ctx.Dma(xt, chunk_view(x, tile, c0, len));
      if (log) {
        if (scale != 1.0f) ctx.TensorScalar(xt, xt, neff::AluOp::MULTIPLY, scale);
        ctx.TensorScalarPerPartition(xt, xt, neff::AluOp::ADD, &negmax, 0.0f,
                                     neff::AluOp::SUBTRACT, &sum, 0.0f);
        ctx.Dma(chunk_view(y, tile, c0, len), xt);
      } else {
        ctx.Activation(et, xt, neff::ActivationFunction::EXP, scale, &negmax);
        ctx.TensorScalarPerPartition(et, et, neff::AluOp::MULTIPLY, &sum, 0.0f,
                                     neff::AluOp::BYPASS, nullptr, 0.0f);
        ctx.Dma(chunk_view(y, tile, c0, len), et);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckSoftmax(const ir::Op& op) {
  if (auto s = RequireF32(op); !s.ok()) return s;
  if (op.input(0) == nullptr) return Unsupported("missing input");
  if (const float s = op.GetFloat("input_scale", 1.0f); !(s > 0) || !std::isfinite(s)) {
    return Unsupported("input_scale must be positive and finite");
  }
  return absl::OkStatus();
}

absl::Status LowerSoftmax(const ir::Op& op, LowerContext& ctx) {
  auto block = SoftmaxBlock(op, ctx.opset());
  if (!block.ok()) return block.status();
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  RowLayout r = Rows(x.shape, block->first, block->second, ctx.spec().partitions);
  const bool log = op.type == "LogSoftmax";
  const float scale = op.GetFloat("input_scale", 1.0f);
  if (r.length > kMaxRow) return LowerLongSoftmax(ctx, x, y, r, log, scale);
  for (const RowTile& tile : r.tiles) {
    auto xb = ctx.Sbuf("x", tile.rows, r.length * 4);
    auto eb = ctx.Sbuf("exp", tile.rows, r.length * 4);
    auto mb = ctx.Sbuf("negmax", tile.rows, 4);
    auto sb = ctx.Sbuf("sum", tile.rows, 4);
    for (auto* b : {&xb, &eb, &mb, &sb}) {
      if (!b->ok()) return b->status();
    }
    Operand xt = ctx.Tile(*xb, tile.rows, r.length), et = ctx.Tile(*eb, tile.rows, r.length);
    Operand negmax = ctx.Tile(*mb, tile.rows, 1), sum = ctx.Tile(*sb, tile.rows, 1);
    ctx.Dma(xt, RowView(ctx, x, tile, r));
    // exp(s*x - s*max(x)), summed per row; s > 0 (fuse-softmax-scale).
    ctx.TensorReduce(negmax, xt, neff::AluOp::MAXIMUM);
    ctx.TensorScalar(negmax, negmax, neff::AluOp::MULTIPLY, -scale);
    ctx.ActivationAccumulate(et, xt, neff::ActivationFunction::EXP, scale, &negmax, sum);
    if (log) {
      // s*x - s*max - log(sum)
      if (scale != 1.0f) ctx.TensorScalar(xt, xt, neff::AluOp::MULTIPLY, scale);
      ctx.Activation(sum, sum, neff::ActivationFunction::LOG, 1.0f, nullptr);
      ctx.TensorScalarPerPartition(xt, xt, neff::AluOp::ADD, &negmax, 0.0f, neff::AluOp::SUBTRACT,
                                   &sum, 0.0f);
      ctx.Dma(RowView(ctx, y, tile, r), xt);
    } else {
      ctx.Activation(sum, sum, neff::ActivationFunction::RECIPROCAL, 1.0f, nullptr);
      ctx.TensorScalarPerPartition(et, et, neff::AluOp::MULTIPLY, &sum, 0.0f, neff::AluOp::BYPASS,
                                   nullptr, 0.0f);
      ctx.Dma(RowView(ctx, y, tile, r), et);
    }
  }
  return absl::OkStatus();
}
absl::Status CheckLayerNorm(const ir::Op& op) {
  if (auto s = RequireF32(op); !s.ok()) return s;
  if (op.input(0) == nullptr || op.input(1) == nullptr) return Unsupported("needs X and Scale");
  const ir::Shape& x = op.input(0)->shape;
  const int64_t axis = NormalizeAxis(op.GetInt("axis", -1), static_cast<int64_t>(x.size()));
  int64_t length = 1;
  for (size_t i = axis; i < x.size(); ++i) length *= x[i];
  if (length > kMaxRow) return Unsupported(absl::StrCat("normalising ", length, " elements"));
  for (int i = 1; i <= 2; ++i) {
    if (op.input(i) != nullptr && op.input(i)->num_elements() != length) {
      return Unsupported("Scale/B must cover the normalised axes exactly");
    }
  }
  // fuse-residual-norm's form: X + R normalised, R the fourth input.
  if (op.GetInt("fused_residual", 0) != 0 && (op.input(3) == nullptr || op.input(3)->shape != x ||
                                              op.input(3)->dtype != ir::DType::kF32)) {
    return Unsupported("a fused residual must be an f32 tensor of X's shape");
  }
  return absl::OkStatus();
}

absl::Status LowerLayerNorm(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const int64_t axis = NormalizeAxis(op.GetInt("axis", -1), rank);
  const float eps = op.GetFloat("epsilon", 1e-5f);
  RowLayout r = Rows(x.shape, axis, rank, ctx.spec().partitions);
  const int max_rows = static_cast<int>(std::min<int64_t>(ctx.spec().partitions, r.outer));
  // Scale and B broadcast to every row once, reused by all tiles.
  Operand gamma, beta;
  for (int i = 1; i <= 2; ++i) {
    if (op.input(i) == nullptr) continue;
    auto b = ctx.Sbuf(i == 1 ? "scale" : "bias", max_rows, r.length * 4);
    if (!b.ok()) return b.status();
    Operand t = ctx.Tile(*b, max_rows, r.length);
    ctx.Dma(t, ctx.View(ctx.Tensor(op.input(i)), 0, max_rows, 0, {Dim{1, r.length}}));
    (i == 1 ? gamma : beta) = t;
  }
  for (const RowTile& tile : r.tiles) {
    auto xb = ctx.Sbuf("x", tile.rows, r.length * 4);
    auto tb = ctx.Sbuf("scratch", tile.rows, r.length * 4);
    auto mb = ctx.Sbuf("mean", tile.rows, 4);
    auto vb = ctx.Sbuf("rstd", tile.rows, 4);
    for (auto* b : {&xb, &tb, &mb, &vb}) {
      if (!b->ok()) return b->status();
    }
    Operand xt = ctx.Tile(*xb, tile.rows, r.length), scratch = ctx.Tile(*tb, tile.rows, r.length);
    Operand mean = ctx.Tile(*mb, tile.rows, 1), rstd = ctx.Tile(*vb, tile.rows, 1);
    ctx.Dma(xt, RowView(ctx, x, tile, r));
    if (op.GetInt("fused_residual", 0) != 0) {
      // The residual sum is formed on chip, never stored.
      ctx.Dma(scratch, RowView(ctx, ctx.Tensor(op.input(3)), tile, r));
      ctx.TensorTensor(xt, xt, scratch, neff::AluOp::ADD);
    }
    NormalizeRows(ctx, xt, scratch, mean, rstd, r.length, eps, Epsilon::kInsideSqrt);
    // Optional Mean and InvStdDev outputs: one value per row.
    if (op.outputs.size() > 1 && op.outputs[1] != nullptr && ctx.HasTensor(op.outputs[1])) {
      ctx.Dma(ReducedView(ctx, ctx.Tensor(op.outputs[1]), tile), mean);
    }
    if (op.outputs.size() > 2 && op.outputs[2] != nullptr && ctx.HasTensor(op.outputs[2])) {
      ctx.Dma(ReducedView(ctx, ctx.Tensor(op.outputs[2]), tile), rstd);
    }
    Operand g = gamma, b = beta;
    g.num_partitions = b.num_partitions = tile.rows;
    if (gamma.valid()) ctx.TensorTensor(xt, xt, g, neff::AluOp::MULTIPLY);
    if (beta.valid()) ctx.TensorTensor(xt, xt, b, neff::AluOp::ADD);
    ctx.Dma(RowView(ctx, y, tile, r), xt);
  }
  return absl::OkStatus();
}

absl::Status CheckInstanceNorm(const ir::Op& op) {
  if (auto s = RequireF32(op); !s.ok()) return s;
  for (int i = 0; i < 3; ++i) {
    if (op.input(i) == nullptr) return Unsupported("needs input, scale and B");
  }
  const ir::Shape& x = op.input(0)->shape;
  if (x.size() < 3) {
    return Unsupported(absl::StrCat("input rank ", x.size(), " (at least 3: N, C, spatial)"));
  }
  const int64_t spatial = ir::NumElements(x) / (x[0] * x[1]);
  if (spatial > kMaxRow) {
    return Unsupported(
        absl::StrCat("normalising ", spatial, " elements per channel (limit ", kMaxRow, ")"));
  }
  for (int i = 1; i <= 2; ++i) {
    if (op.input(i)->num_elements() != x[1]) return Unsupported("scale and B must have C elements");
  }
  return absl::OkStatus();
}

absl::Status LowerInstanceNorm(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t n_batch = x.shape[0], c = x.shape[1];
  const int64_t spatial = ir::NumElements(x.shape) / (n_batch * c);
  const float eps = op.GetFloat("epsilon", 1e-5f);
  const int64_t part = ctx.spec().partitions;
  // Channels on partitions, each (n, c) plane one row.
  for (int64_t c0 = 0; c0 < c; c0 += part) {
    const int ct = static_cast<int>(std::min(part, c - c0));
    auto sb = ctx.Sbuf("scale", ct, 4), bb = ctx.Sbuf("bias", ct, 4);
    if (!sb.ok()) return sb.status();
    if (!bb.ok()) return bb.status();
    Operand scale = ctx.Tile(*sb, ct, 1), bias = ctx.Tile(*bb, ct, 1);
    ctx.Dma(scale, ctx.View(ctx.Tensor(op.input(1)), c0, ct, 1, {Dim{1, 1}}));
    ctx.Dma(bias, ctx.View(ctx.Tensor(op.input(2)), c0, ct, 1, {Dim{1, 1}}));
    for (int64_t n = 0; n < n_batch; ++n) {
      auto xb = ctx.Sbuf("x", ct, spatial * 4);
      auto tb = ctx.Sbuf("scratch", ct, spatial * 4);
      auto mb = ctx.Sbuf("mean", ct, 4);
      auto vb = ctx.Sbuf("rstd", ct, 4);
      for (auto* b : {&xb, &tb, &mb, &vb}) {
        if (!b->ok()) return b->status();
      }
      Operand xt = ctx.Tile(*xb, ct, spatial), scratch = ctx.Tile(*tb, ct, spatial);
      Operand mean = ctx.Tile(*mb, ct, 1), rstd = ctx.Tile(*vb, ct, 1);
      const int64_t off = (n * c + c0) * spatial;
      ctx.Dma(xt, ctx.View(x, off, ct, spatial, {Dim{1, spatial}}));
      NormalizeRows(ctx, xt, scratch, mean, rstd, spatial, eps, Epsilon::kInsideSqrt);
      ctx.TensorScalarPerPartition(xt, xt, neff::AluOp::MULTIPLY, &scale, 0.0f, neff::AluOp::ADD,
                                   &bias, 0.0f);
      ctx.Dma(ctx.View(y, off, ct, spatial, {Dim{1, spatial}}), xt);
    }
  }
  return absl::OkStatus();
}

namespace {

absl::StatusOr<std::vector<bool>> MvnReducedAxes(const ir::Op& op) {
  const int64_t rank = static_cast<int64_t>(op.input(0)->shape.size());
  std::vector<bool> reduced(rank, false);
  for (int64_t a : op.GetInts("axes", {0, 2, 3})) {
    const int64_t axis = NormalizeAxis(a, rank);
    if (axis < 0 || axis >= rank) return Unsupported(absl::StrCat("axis ", a, " out of range"));
    reduced[axis] = true;
  }
  return reduced;
}

absl::StatusOr<SliceRows> MvnRows(const ir::Op& op) {
  auto reduced = MvnReducedAxes(op);
  if (!reduced.ok()) return reduced.status();
  return RowsOfSlices(op.input(0)->shape, *reduced);
}

}  // namespace

absl::Status CheckMeanVarianceNorm(const ir::Op& op) {
  if (auto s = RequireF32(op); !s.ok()) return s;
  if (op.input(0) == nullptr) return Unsupported("missing input");
  auto layout = MvnRows(op);
  return layout.ok() ? absl::OkStatus() : layout.status();
}

absl::Status LowerMeanVarianceNorm(const ir::Op& op, LowerContext& ctx) {
  auto layout = MvnRows(op);
  if (!layout.ok()) return layout.status();
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t part = ctx.spec().partitions;
  // The ONNX function: (X - mean) / (sqrt(var) + 1e-9).
  constexpr float kEpsilon = 1e-9f;
  for (int64_t base : layout->row_offsets) {
    for (int64_t r0 = 0; r0 < layout->rows.size; r0 += part) {
      const int rows = static_cast<int>(std::min(part, layout->rows.size - r0));
      auto xb = ctx.Sbuf("x", rows, layout->length * 4);
      auto tb = ctx.Sbuf("scratch", rows, layout->length * 4);
      auto mb = ctx.Sbuf("mean", rows, 4);
      auto vb = ctx.Sbuf("rstd", rows, 4);
      for (auto* b : {&xb, &tb, &mb, &vb}) {
        if (!b->ok()) return b->status();
      }
      Operand xt = ctx.Tile(*xb, rows, layout->length);
      Operand scratch = ctx.Tile(*tb, rows, layout->length);
      Operand mean = ctx.Tile(*mb, rows, 1), rstd = ctx.Tile(*vb, rows, 1);
      const int64_t off = base + r0 * layout->rows.stride;
      // A row's elements land in the tile in the reduced dims' visiting order.
      ctx.Dma(xt, ctx.View(x, off, rows, layout->rows.stride, layout->reduced));
      NormalizeRows(ctx, xt, scratch, mean, rstd, layout->length, kEpsilon, Epsilon::kOutsideSqrt);
      ctx.Dma(ctx.View(y, off, rows, layout->rows.stride, layout->reduced), xt);
    }
  }
  return absl::OkStatus();
}

absl::Status CheckLrn(const ir::Op& op) {
  if (auto s = RequireF32(op); !s.ok()) return s;
  if (op.input(0) == nullptr) return Unsupported("missing input");
  const ir::Shape& x = op.input(0)->shape;
  if (x.size() < 2) return Unsupported("input rank < 2 (needs N, C)");
  if (x[1] > 128) {
    return Unsupported(absl::StrCat(x[1], " channels (at most 128: one matmul tile)"));
  }
  if (op.GetInt("size", 0) < 1) return Unsupported("attribute 'size' must be at least 1");
  return absl::OkStatus();
}

absl::Status LowerLrn(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t n_batch = x.shape[0], c = x.shape[1];
  const int64_t spatial = ir::NumElements(x.shape) / (n_batch * c);
  const int64_t size = op.GetInt("size", 1);
  const float alpha = op.GetFloat("alpha", 1e-4f), beta = op.GetFloat("beta", 0.75f);
  const float bias = op.GetFloat("bias", 1.0f);
  // The channel window as a matmul: square_sum[c] = sum_i window[i][c] x[i]^2,
  // window[i][c] = 1 for c - floor((size-1)/2) <= i <= c + ceil((size-1)/2).
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  std::vector<float> window(c * c, 0.0f);
  for (int64_t i = 0; i < c; ++i) {
    for (int64_t ch = 0; ch < c; ++ch) window[i * c + ch] = i >= ch - before && i <= ch + after;
  }
  const DramTensor wt = ctx.F32Weights("window", {c, c}, window);
  const int rows = static_cast<int>(c);
  auto wb = ctx.Sbuf("window", rows, c * 4);
  if (!wb.ok()) return wb.status();
  Operand w = ctx.Tile(*wb, rows, c);
  ctx.Dma(w, ctx.View(wt, 0, rows, c, {Dim{1, c}}));
  const int64_t chunk = ctx.spec().matmul_max_moving_free;
  for (int64_t n = 0; n < n_batch; ++n) {
    for (int64_t s0 = 0; s0 < spatial; s0 += chunk) {
      const int64_t len = std::min(chunk, spatial - s0);
      auto xb = ctx.Sbuf("x", rows, len * 4), qb = ctx.Sbuf("square", rows, len * 4);
      auto db = ctx.Sbuf("scale", rows, len * 4);
      auto pb = ctx.Psum("square_sum", rows, len * 4);
      for (auto* b : {&xb, &qb, &db, &pb}) {
        if (!b->ok()) return b->status();
      }
      Operand xt = ctx.Tile(*xb, rows, len), sq = ctx.Tile(*qb, rows, len);
      Operand d = ctx.Tile(*db, rows, len), sum = ctx.Tile(*pb, rows, len);
      const int64_t off = n * c * spatial + s0;
      ctx.Dma(xt, ctx.View(x, off, rows, spatial, {Dim{1, len}}));
      ctx.Activation(sq, xt, neff::ActivationFunction::SQUARE, 1.0f, nullptr);
      ctx.Matmul(sum, w, sq, true, true);
      // y = x * (bias + alpha / size * square_sum) ^ -beta
      ctx.TensorScalarPerPartition(d, sum, neff::AluOp::MULTIPLY, nullptr,
                                   alpha / static_cast<float>(size), neff::AluOp::ADD, nullptr,
                                   bias);
      ctx.TensorScalar(d, d, neff::AluOp::POW, -beta);
      ctx.TensorTensor(xt, xt, d, neff::AluOp::MULTIPLY);
      ctx.Dma(ctx.View(y, off, rows, spatial, {Dim{1, len}}), xt);
    }
  }
  return absl::OkStatus();
}

absl::Status CheckBatchNorm(const ir::Op& op) {
  if (auto s = RequireF32(op); !s.ok()) return s;
  const bool training = op.GetInt("training_mode", 0) != 0;
  if (op.outputs.size() > (training ? 3u : 1u)) {
    return Unsupported(training
                           ? "outputs beyond Y, running_mean and running_var"
                           : "the statistics outputs of pre-14 training (use training_mode=1)");
  }
  if (op.input(0) == nullptr || op.input(0)->shape.size() < 2) return Unsupported("input rank < 2");
  const int64_t c = op.input(0)->shape[1];
  for (size_t i = 1; i < op.outputs.size(); ++i) {
    if (op.outputs[i] != nullptr && op.outputs[i]->num_elements() != c) {
      return Unsupported("running_mean and running_var must have one element per channel");
    }
  }
  for (int i = 1; i <= 4; ++i) {
    if (op.input(i) == nullptr || op.input(i)->num_elements() != c) {
      return Unsupported("scale, B, mean and var must each have one element per channel");
    }
  }
  return absl::OkStatus();
}

namespace {

bool AllConstant(const ir::Op& op, int first, int last) {
  for (int i = first; i <= last; ++i) {
    if (!op.input(i)->is_constant) return false;
  }
  return true;
}

// The per-channel affine y = x * a + b of inference BatchNorm, with
// a = scale / sqrt(var + eps) and b = B - mean * a: folded at compile time
// when scale, B, mean and var are constants, computed on chip (one channel
// per partition) otherwise.
struct ChannelAffine {
  DramTensor a, b;  // [C] f32
  bool on_chip = false;
};

ChannelAffine BatchNormAffine(const ir::Op& op, LowerContext& ctx, int64_t c, float eps) {
  ChannelAffine affine;
  if (AllConstant(op, 1, 4)) {
    std::vector<float> a(c), b(c);
    const float* scale = op.input(1)->data_as<float>();
    const float* bias = op.input(2)->data_as<float>();
    const float* mean = op.input(3)->data_as<float>();
    const float* var = op.input(4)->data_as<float>();
    for (int64_t i = 0; i < c; ++i) {
      a[i] = scale[i] / std::sqrt(var[i] + eps);
      b[i] = bias[i] - mean[i] * a[i];
    }
    affine.a = ctx.F32Weights("scale", {c}, a);
    affine.b = ctx.F32Weights("shift", {c}, b);
    return affine;
  }
  affine.on_chip = true;
  return affine;
}

// Loads channels [c0, c0 + ct) of the affine into per-partition tiles `as`
// and `bs`, computing them from the run-time inputs when needed.
absl::Status LoadChannelAffine(const ir::Op& op, LowerContext& ctx, const ChannelAffine& affine,
                               int64_t c0, int ct, float eps, const Operand& as,
                               const Operand& bs) {
  if (!affine.on_chip) {
    ctx.Dma(as, ctx.View(affine.a, c0, ct, 1, {Dim{1, 1}}));
    ctx.Dma(bs, ctx.View(affine.b, c0, ct, 1, {Dim{1, 1}}));
    return absl::OkStatus();
  }
  auto mb = ctx.Sbuf("mean", ct, 4), vb = ctx.Sbuf("var", ct, 4);
  if (!mb.ok()) return mb.status();
  if (!vb.ok()) return vb.status();
  Operand mean = ctx.Tile(*mb, ct, 1), var = ctx.Tile(*vb, ct, 1);
  ctx.Dma(as, ctx.View(ctx.Tensor(op.input(1)), c0, ct, 1, {Dim{1, 1}}));
  ctx.Dma(bs, ctx.View(ctx.Tensor(op.input(2)), c0, ct, 1, {Dim{1, 1}}));
  ctx.Dma(mean, ctx.View(ctx.Tensor(op.input(3)), c0, ct, 1, {Dim{1, 1}}));
  ctx.Dma(var, ctx.View(ctx.Tensor(op.input(4)), c0, ct, 1, {Dim{1, 1}}));
  ctx.TensorScalar(var, var, neff::AluOp::ADD, eps);
  ctx.Activation(var, var, neff::ActivationFunction::SQRT, 1.0f, nullptr);
  ctx.TensorTensor(as, as, var, neff::AluOp::DIVIDE);       // a = scale / sqrt(var + eps)
  ctx.TensorTensor(mean, mean, as, neff::AluOp::MULTIPLY);  // mean * a
  ctx.TensorTensor(bs, bs, mean, neff::AluOp::SUBTRACT);    // b = B - mean * a
  return absl::OkStatus();
}

// Training mode: the mean and population variance of channels
// [c0, c0 + ct) over N and the spatial axes (two passes over x: the sum,
// then the sum of (x - mean)^2, which keeps the variance accurate when
// |mean| >> std), and the affine y = x * a + b they give.
absl::Status LoadBatchStatistics(const ir::Op& op, LowerContext& ctx, int64_t c0, int ct, float eps,
                                 const Operand& as, const Operand& bs, const Operand& mean,
                                 const Operand& var) {
  const DramTensor& x = ctx.Tensor(op.input(0));
  const int64_t n_batch = x.shape[0], c = x.shape[1];
  const int64_t spatial = ir::NumElements(x.shape) / (n_batch * c);
  const float inv_count = 1.0f / static_cast<float>(n_batch * spatial);
  constexpr int64_t kChunk = 4096;
  auto pb = ctx.Sbuf("partial", ct, 4), nb = ctx.Sbuf("neg_mean", ct, 4);
  if (!pb.ok()) return pb.status();
  if (!nb.ok()) return nb.status();
  const Operand partial = ctx.Tile(*pb, ct, 1), neg_mean = ctx.Tile(*nb, ct, 1);
  for (int pass = 0; pass < 2; ++pass) {
    const Operand& sum = pass == 0 ? mean : var;
    ctx.Memset(sum, 0.0f);
    for (int64_t n = 0; n < n_batch; ++n) {
      for (int64_t s0 = 0; s0 < spatial; s0 += kChunk) {
        const int64_t len = std::min(kChunk, spatial - s0);
        auto xb = ctx.Sbuf("x", ct, len * 4);
        if (!xb.ok()) return xb.status();
        Operand xt = ctx.Tile(*xb, ct, len);
        ctx.Dma(xt, ctx.View(x, (n * c + c0) * spatial + s0, ct, spatial, {Dim{1, len}}));
        if (pass == 0) {
          ctx.TensorReduce(partial, xt, neff::AluOp::ADD);
        } else {  // (x - mean)^2, summed per channel
          ctx.ActivationAccumulate(xt, xt, neff::ActivationFunction::SQUARE, 1.0f, &neg_mean,
                                   partial);
        }
        ctx.TensorTensor(sum, sum, partial, neff::AluOp::ADD);
      }
    }
    ctx.TensorScalar(sum, sum, neff::AluOp::MULTIPLY, inv_count);
    if (pass == 0) ctx.TensorScalar(neg_mean, mean, neff::AluOp::MULTIPLY, -1.0f);
  }
  // a = scale / sqrt(var + eps), b = B - mean * a
  auto sb = ctx.Sbuf("std", ct, 4);
  if (!sb.ok()) return sb.status();
  const Operand std_dev = ctx.Tile(*sb, ct, 1);
  ctx.Dma(as, ctx.View(ctx.Tensor(op.input(1)), c0, ct, 1, {Dim{1, 1}}));
  ctx.Dma(bs, ctx.View(ctx.Tensor(op.input(2)), c0, ct, 1, {Dim{1, 1}}));
  ctx.TensorScalar(std_dev, var, neff::AluOp::ADD, eps);
  ctx.Activation(std_dev, std_dev, neff::ActivationFunction::SQRT, 1.0f, nullptr);
  ctx.TensorTensor(as, as, std_dev, neff::AluOp::DIVIDE);
  ctx.TensorTensor(partial, mean, as, neff::AluOp::MULTIPLY);
  ctx.TensorTensor(bs, bs, partial, neff::AluOp::SUBTRACT);
  return absl::OkStatus();
}

// running = input * momentum + current * (1 - momentum), into `output`.
absl::Status StoreRunningStatistic(const ir::Op& op, LowerContext& ctx, int input,
                                   const ir::Value* output, int64_t c0, int ct,
                                   const Operand& current) {
  if (output == nullptr) return absl::OkStatus();
  const float momentum = op.GetFloat("momentum", 0.9f);
  auto rb = ctx.Sbuf("running", ct, 4), tb = ctx.Sbuf("current", ct, 4);
  if (!rb.ok()) return rb.status();
  if (!tb.ok()) return tb.status();
  const Operand running = ctx.Tile(*rb, ct, 1), scaled = ctx.Tile(*tb, ct, 1);
  ctx.Dma(running, ctx.View(ctx.Tensor(op.input(input)), c0, ct, 1, {Dim{1, 1}}));
  ctx.TensorScalar(running, running, neff::AluOp::MULTIPLY, momentum);
  ctx.TensorScalar(scaled, current, neff::AluOp::MULTIPLY, 1.0f - momentum);
  ctx.TensorTensor(running, running, scaled, neff::AluOp::ADD);
  ctx.Dma(ctx.View(ctx.Tensor(output), c0, ct, 1, {Dim{1, 1}}), running);
  return absl::OkStatus();
}

}  // namespace

absl::Status LowerBatchNorm(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t n_batch = x.shape[0], c = x.shape[1];
  const int64_t spatial = ir::NumElements(x.shape) / (n_batch * c);
  const float eps = op.GetFloat("epsilon", 1e-5f);
  const bool training = op.GetInt("training_mode", 0) != 0;
  ChannelAffine affine;
  if (!training) affine = BatchNormAffine(op, ctx, c, eps);
  const int64_t part = ctx.spec().partitions;
  constexpr int64_t kChunk = 4096;
  for (int64_t c0 = 0; c0 < c; c0 += part) {
    const int ct = static_cast<int>(std::min(part, c - c0));
    auto ab = ctx.Sbuf("a", ct, 4), bb = ctx.Sbuf("b", ct, 4);
    if (!ab.ok()) return ab.status();
    if (!bb.ok()) return bb.status();
    Operand as = ctx.Tile(*ab, ct, 1), bs = ctx.Tile(*bb, ct, 1);
    if (training) {
      auto mb = ctx.Sbuf("batch_mean", ct, 4), vb = ctx.Sbuf("batch_var", ct, 4);
      if (!mb.ok()) return mb.status();
      if (!vb.ok()) return vb.status();
      const Operand mean = ctx.Tile(*mb, ct, 1), var = ctx.Tile(*vb, ct, 1);
      if (auto s = LoadBatchStatistics(op, ctx, c0, ct, eps, as, bs, mean, var); !s.ok()) {
        return s;
      }
      for (int i = 1; i <= 2; ++i) {
        const ir::Value* out = i < static_cast<int>(op.outputs.size()) ? op.outputs[i] : nullptr;
        if (auto s = StoreRunningStatistic(op, ctx, i + 2, out, c0, ct, i == 1 ? mean : var);
            !s.ok()) {
          return s;
        }
      }
    } else if (auto s = LoadChannelAffine(op, ctx, affine, c0, ct, eps, as, bs); !s.ok()) {
      return s;
    }
    for (int64_t n = 0; n < n_batch; ++n) {
      for (int64_t s0 = 0; s0 < spatial; s0 += kChunk) {
        const int64_t len = std::min(kChunk, spatial - s0);
        auto xb = ctx.Sbuf("x", ct, len * 4);
        if (!xb.ok()) return xb.status();
        Operand xt = ctx.Tile(*xb, ct, len);
        const int64_t off = (n * c + c0) * spatial + s0;
        ctx.Dma(xt, ctx.View(x, off, ct, spatial, {Dim{1, len}}));
        ctx.TensorScalarPerPartition(xt, xt, neff::AluOp::MULTIPLY, &as, 0.0f, neff::AluOp::ADD,
                                     &bs, 0.0f);
        ctx.Dma(ctx.View(y, off, ct, spatial, {Dim{1, len}}), xt);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace ncc::lower
