#include "compiler/lower/roi_align.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

// Input rows/columns and pooled rows/columns each fit the 128 partitions
// (and one matmul).
constexpr int64_t kMaxSide = 128;

// One axis of the sampling grid: box coordinates `first`/`second` (columns
// of a rois row), `in` input positions, `out` bins of `samples` samples.
struct Axis {
  int first, second;
  int64_t in, out, samples;
};

bool HalfPixel(const ir::Op& op, int64_t opset) {
  // Opset 10 has no attribute and samples as output_half_pixel does.
  const std::string fallback = opset > 0 && opset < 16 ? "output_half_pixel" : "half_pixel";
  return op.GetString("coordinate_transformation_mode", fallback) == "half_pixel";
}

// weights[i][j] (i an input position on its partition, j a bin): the mean
// over the bin's samples of the tent weight at i.
absl::Status EmitAxisWeights(LowerContext& ctx, const ir::Op& op, const Operand& box, const Axis& a,
                             const Operand& weights) {
  const int p = static_cast<int>(a.in);
  const int64_t n = a.out;
  auto sb = ctx.Sbuf("start", p, 4), lb = ctx.Sbuf("bin", p, 4), hb = ctx.Sbuf("position", p, 4);
  auto cb = ctx.Sbuf("sample", p, n * 4), vb = ctx.Sbuf("valid", p, n * 4);
  auto tb = ctx.Sbuf("tent", p, n * 4), jb = ctx.Sbuf("bin_index", p, n * 4);
  for (auto* b : {&sb, &lb, &hb, &cb, &vb, &tb, &jb}) {
    if (!b->ok()) return b->status();
  }
  const float scale = op.GetFloat("spatial_scale", 1.0f);
  const float offset = HalfPixel(op, ctx.opset()) ? 0.5f : 0.0f;
  const Operand start = ctx.Tile(*sb, p, 1), bin = ctx.Tile(*lb, p, 1);
  const Operand position = ctx.Tile(*hb, p, 1);
  const Operand sample = ctx.Tile(*cb, p, n), valid = ctx.Tile(*vb, p, n);
  const Operand tent = ctx.Tile(*tb, p, n), bin_index = ctx.Tile(*jb, p, n);
  const Operand first = ctx.Tile(box.buffer, p, 1, 4 * a.first);
  const Operand second = ctx.Tile(box.buffer, p, 1, 4 * a.second);
  // start = first * scale - offset; bin = (second * scale - offset - start) / out.
  ctx.TensorScalarPerPartition(start, first, neff::AluOp::MULTIPLY, nullptr, scale,
                               neff::AluOp::SUBTRACT, nullptr, offset);
  ctx.TensorScalarPerPartition(bin, second, neff::AluOp::MULTIPLY, nullptr, scale,
                               neff::AluOp::SUBTRACT, nullptr, offset);
  ctx.TensorTensor(bin, bin, start, neff::AluOp::SUBTRACT);
  if (offset == 0.0f) ctx.TensorScalar(bin, bin, neff::AluOp::MAXIMUM, 1.0f);
  ctx.TensorScalar(bin, bin, neff::AluOp::DIVIDE, static_cast<float>(n));
  ctx.Iota(position, 0.0f, 1.0f, 0.0f);
  ctx.Iota(bin_index, 0.0f, 0.0f, 1.0f);
  ctx.Memset(weights, 0.0f);
  for (int64_t s = 0; s < a.samples; ++s) {
    // sample = start + (j + (s + 0.5) / samples) * bin
    const float within = (static_cast<float>(s) + 0.5f) / static_cast<float>(a.samples);
    ctx.TensorScalarPerPartition(sample, bin_index, neff::AluOp::ADD, nullptr, within,
                                 neff::AluOp::MULTIPLY, &bin, 0.0f);
    ctx.TensorScalarPerPartition(sample, sample, neff::AluOp::ADD, &start, 0.0f,
                                 neff::AluOp::BYPASS, nullptr, 0.0f);
    // A sample outside [-1, in] contributes nothing.
    ctx.TensorScalar(valid, sample, neff::AluOp::IS_GE, -1.0f);
    ctx.TensorScalar(tent, sample, neff::AluOp::IS_LE, static_cast<float>(a.in));
    ctx.TensorTensor(valid, valid, tent, neff::AluOp::MULTIPLY);
    // max(0, 1 - |clamp(sample, 0, in - 1) - i|)
    ctx.TensorScalarPerPartition(tent, sample, neff::AluOp::MAXIMUM, nullptr, 0.0f,
                                 neff::AluOp::MINIMUM, nullptr, static_cast<float>(a.in - 1));
    ctx.TensorScalarPerPartition(tent, tent, neff::AluOp::SUBTRACT, &position, 0.0f,
                                 neff::AluOp::BYPASS, nullptr, 0.0f);
    ctx.Activation(tent, tent, neff::ActivationFunction::ABS, 1.0f, nullptr);
    ctx.TensorScalarPerPartition(tent, tent, neff::AluOp::MULTIPLY, nullptr, -1.0f,
                                 neff::AluOp::ADD, nullptr, 1.0f);
    ctx.TensorScalar(tent, tent, neff::AluOp::MAXIMUM, 0.0f);
    ctx.TensorTensor(tent, tent, valid, neff::AluOp::MULTIPLY);
    ctx.TensorTensor(weights, weights, tent, neff::AluOp::ADD);
  }
  ctx.TensorScalar(weights, weights, neff::AluOp::DIVIDE, static_cast<float>(a.samples));
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckRoiAlign(const ir::Op& op) {
  for (int i = 0; i < 3; ++i) {
    if (op.input(i) == nullptr) return Unsupported("needs X, rois and batch_indices");
  }
  if (op.input(0)->dtype != ir::DType::kF32 || op.input(1)->dtype != ir::DType::kF32 ||
      op.outputs[0]->dtype != ir::DType::kF32) {
    return Unsupported("only f32 X and rois");
  }
  const ir::DType b = op.input(2)->dtype;
  if (b != ir::DType::kI64 && b != ir::DType::kI32) {
    return Unsupported("batch_indices must be i32 or i64");
  }
  const std::string mode = op.GetString("mode", "avg");
  if (mode != "avg") return Unsupported(absl::StrCat("mode '", mode, "' (only avg)"));
  const std::string transform = op.GetString("coordinate_transformation_mode", "half_pixel");
  if (transform != "half_pixel" && transform != "output_half_pixel") {
    return Unsupported(absl::StrCat("coordinate_transformation_mode '", transform, "'"));
  }
  if (op.GetInt("sampling_ratio", 0) <= 0) {
    return Unsupported("sampling_ratio 0 (adaptive: the sample count would depend on the boxes)");
  }
  const ir::Shape& x = op.input(0)->shape;
  if (x.size() != 4) return Unsupported("X must be [N, C, H, W]");
  const int64_t out_h = op.GetInt("output_height", 1), out_w = op.GetInt("output_width", 1);
  for (int64_t side : {x[2], x[3], out_h, out_w}) {
    if (side < 1 || side > kMaxSide) {
      return Unsupported(absl::StrCat("input and output sides must be 1 to ", kMaxSide));
    }
  }
  if (x[0] * x[1] * x[2] >= (int64_t{1} << 24)) return Unsupported("X has 2^24 rows or more");
  return absl::OkStatus();
}

absl::Status LowerRoiAlign(const ir::Op& op, LowerContext& ctx) {
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& rois = ctx.Tensor(op.input(1));
  const DramTensor& batch = ctx.Tensor(op.input(2));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t channels = x.shape[1], h = x.shape[2], w = x.shape[3];
  const int64_t out_h = op.GetInt("output_height", 1), out_w = op.GetInt("output_width", 1);
  const int64_t samples = op.GetInt("sampling_ratio", 0);
  const int64_t regions = op.input(1)->shape[0];
  const int p = static_cast<int>(std::max(h, w));
  for (int64_t r = 0; r < regions; ++r) {
    auto bb = ctx.Sbuf("box", p, 4 * 4), wyb = ctx.Sbuf("row_weights", h, out_h * 4);
    auto wxb = ctx.Sbuf("column_weights", w, out_w * 4), ib = ctx.Sbuf("batch", h, 4);
    auto rb = ctx.Sbuf("row", h, 4), xb = ctx.Sbuf("channel", h, w * 4);
    auto zb = ctx.Sbuf("rows_pooled", w, out_h * 4), ob = ctx.Sbuf("pooled", out_h, out_w * 4);
    auto zp = ctx.Psum("rows_pooled", w, out_h * 4), op_b = ctx.Psum("pooled", out_h, out_w * 4);
    for (auto* b : {&bb, &wyb, &wxb, &ib, &rb, &xb, &zb, &ob, &zp, &op_b}) {
      if (!b->ok()) return b->status();
    }
    // The box (x1, y1, x2, y2) on every partition.
    const Operand box = ctx.Tile(*bb, p, 4);
    ctx.Dma(box, ctx.View(rois, r * 4, p, 0, {Dim{1, 4}}));
    const Operand wy = ctx.Tile(*wyb, static_cast<int>(h), out_h);
    const Operand wx = ctx.Tile(*wxb, static_cast<int>(w), out_w);
    if (auto s = EmitAxisWeights(ctx, op, box, {1, 3, h, out_h, samples}, wy); !s.ok()) return s;
    if (auto s = EmitAxisWeights(ctx, op, box, {0, 2, w, out_w, samples}, wx); !s.ok()) return s;
    // Row (b * C + c) * H + i of X on partition i.
    const Operand base = ctx.Tile(*ib, static_cast<int>(h), 1);
    ctx.Dma(base, ctx.View(batch, r, static_cast<int>(h), 0, {Dim{1, 1}}));
    ctx.TensorScalar(base, base, neff::AluOp::MULTIPLY, static_cast<float>(channels * h));
    const Operand row = ctx.Tile(*rb, static_cast<int>(h), 1);
    const Operand row_index = ctx.TypedTile(*rb, neff::DType::I32, static_cast<int>(h), 1);
    for (int64_t c = 0; c < channels; ++c) {
      ctx.Iota(row, static_cast<float>(c * h), 1.0f, 0.0f);
      ctx.TensorTensor(row, row, base, neff::AluOp::ADD);
      ctx.TensorCopy(row_index, row);
      const Operand channel = ctx.Tile(*xb, static_cast<int>(h), w);
      ctx.Gather(channel,
                 ctx.View(x, 0, static_cast<int>(x.shape[0] * channels * h), w, {Dim{1, w}}),
                 row_index);
      // Z^T[j][ph] = sum_i X[i][j] Wy[i][ph]; Y[ph][pw] = sum_j Z^T[j][ph] Wx[j][pw].
      const Operand zt_psum = ctx.Tile(*zp, static_cast<int>(w), out_h);
      ctx.Matmul(zt_psum, channel, wy, true, true);
      const Operand zt = ctx.Tile(*zb, static_cast<int>(w), out_h);
      ctx.TensorCopy(zt, zt_psum);
      const Operand pooled_psum = ctx.Tile(*op_b, static_cast<int>(out_h), out_w);
      ctx.Matmul(pooled_psum, zt, wx, true, true);
      const Operand pooled = ctx.Tile(*ob, static_cast<int>(out_h), out_w);
      ctx.TensorCopy(pooled, pooled_psum);
      ctx.Dma(ctx.View(y, (r * channels + c) * out_h * out_w, static_cast<int>(out_h), out_w,
                       {Dim{1, out_w}}),
              pooled);
    }
  }
  return absl::OkStatus();
}

}  // namespace ncc::lower
