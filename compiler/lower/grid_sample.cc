#include "compiler/lower/grid_sample.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

using neff::ActivationFunction;
using neff::AluOp;

constexpr int64_t kMaxChannels = 8192;
// Row indices are computed in fp32: exact below 2^24.
constexpr int64_t kMaxImage = int64_t{1} << 24;
// Bicubic convolution coefficient (PyTorch's and ONNX's A).
constexpr float kCubicA = -0.75f;

enum class Mode { kBilinear, kNearest, kBicubic };
enum class Padding { kZeros, kBorder, kReflection };

struct GridSampleParams {
  Mode mode;
  Padding padding;
  bool align_corners;
};

absl::StatusOr<GridSampleParams> ParamsOf(const ir::Op& op) {
  GridSampleParams p;
  const std::string mode = op.GetString("mode", "bilinear");
  if (mode == "bilinear" || mode == "linear") {
    p.mode = Mode::kBilinear;
  } else if (mode == "nearest") {
    p.mode = Mode::kNearest;
  } else if (mode == "bicubic" || mode == "cubic") {
    p.mode = Mode::kBicubic;
  } else {
    return Unsupported(absl::StrCat("mode '", mode, "' (bilinear, nearest, bicubic)"));
  }
  const std::string padding = op.GetString("padding_mode", "zeros");
  if (padding == "zeros") {
    p.padding = Padding::kZeros;
  } else if (padding == "border") {
    p.padding = Padding::kBorder;
  } else if (padding == "reflection") {
    p.padding = Padding::kReflection;
  } else {
    return Unsupported(absl::StrCat("padding_mode '", padding, "' (zeros, border, reflection)"));
  }
  p.align_corners = op.GetInt("align_corners", 0) != 0;
  return p;
}

// Per-partition fp32 scalars ([p, 1] slices of one SBUF buffer).
class Scalars {
 public:
  static constexpr int kSlots = 48;
  Scalars(LowerContext& ctx, int buffer, int partitions)
      : ctx_(ctx), buffer_(buffer), partitions_(partitions) {}
  Operand operator[](int slot) const { return ctx_.Tile(buffer_, partitions_, 1, slot * 4); }
  // Slot `slot` read `count` times per partition (a broadcast along the
  // free axis).
  Operand Broadcast(int slot, int64_t count) const {
    Operand op = (*this)[slot];
    op.dims = {Dim{0, count}};
    return op;
  }

 private:
  LowerContext& ctx_;
  int buffer_;
  int partitions_;
};

// Slots of the scalar buffer.
enum Slot {
  kGridX = 0,
  kGridY = 1,  // the grid's two values, adjacent as loaded
  kCoordX,
  kCoordY,
  kFrac,
  kDistance,
  kTemp,
  kTemp2,
  kTemp3,
  kValid,
  kWeight,
  kIndex,
  kZero,
  kTapsX,                  // 4 tap coordinates along x, then 4 weights
  kTapsY = kTapsX + 8,     // the same along y
  kIndexI32 = kTapsY + 8,  // an i32 copy of kIndex
};

// Clamps `x` into [0, size - 1].
void Clip(LowerContext& ctx, const Operand& x, int64_t size) {
  ctx.TensorScalarPerPartition(x, x, AluOp::MAXIMUM, nullptr, 0.0f, AluOp::MINIMUM, nullptr,
                               static_cast<float>(size - 1));
}

// Reflects `x` into [lo, hi] (mirror at both bounds, any number of times).
void Reflect(LowerContext& ctx, const Scalars& s, const Operand& x, float lo, float hi) {
  if (lo == hi) {
    ctx.Memset(x, 0.0f);
    return;
  }
  const float span = hi - lo;
  const Operand distance = s[kTemp], extra = s[kTemp2], flips = s[kTemp3];
  ctx.TensorScalar(distance, x, AluOp::SUBTRACT, lo);
  ctx.Activation(distance, distance, ActivationFunction::ABS, 1.0f, nullptr);
  ctx.TensorScalar(extra, distance, AluOp::FMOD, span);
  ctx.TensorScalar(flips, distance, AluOp::DIVIDE, span);
  ctx.Activation(flips, flips, ActivationFunction::FLOOR, 1.0f, nullptr);
  ctx.TensorScalar(flips, flips, AluOp::MOD, 2.0f);
  // Even flips: lo + extra; odd: hi - extra.
  ctx.TensorScalar(x, extra, AluOp::ADD, lo);
  ctx.TensorScalarPerPartition(distance, extra, AluOp::MULTIPLY, nullptr, -1.0f, AluOp::ADD,
                               nullptr, hi);
  ctx.Select(x, flips, distance, x);
}

// Applies border or reflection padding to the pixel coordinate `x` of an
// axis of `size` pixels.
void Pad(LowerContext& ctx, const Scalars& s, const GridSampleParams& p, const Operand& x,
         int64_t size) {
  if (p.padding == Padding::kZeros) return;
  if (p.padding == Padding::kReflection) {
    const float n = static_cast<float>(size);
    if (p.align_corners) {
      Reflect(ctx, s, x, 0.0f, n - 1.0f);
    } else {
      Reflect(ctx, s, x, -0.5f, n - 0.5f);
    }
  }
  Clip(ctx, x, size);
}

// dst = ((k3 d + k2) d + k1) d + k0.
void Cubic(LowerContext& ctx, const Operand& dst, const Operand& d, float k3, float k2, float k1,
           float k0) {
  ctx.TensorScalarPerPartition(dst, d, AluOp::MULTIPLY, nullptr, k3, AluOp::ADD, nullptr, k2);
  ctx.TensorTensor(dst, dst, d, AluOp::MULTIPLY);
  ctx.TensorScalar(dst, dst, AluOp::ADD, k1);
  ctx.TensorTensor(dst, dst, d, AluOp::MULTIPLY);
  ctx.TensorScalar(dst, dst, AluOp::ADD, k0);
}

// Fills the taps of one axis (coordinates at `taps`, weights at taps + 4)
// from the unpadded pixel coordinate at `coord`; returns the tap count.
int AxisTaps(LowerContext& ctx, const Scalars& s, const GridSampleParams& p, int coord, int taps,
             int64_t size) {
  const Operand x = s[coord];
  if (p.mode != Mode::kBicubic) Pad(ctx, s, p, x, size);
  if (p.mode == Mode::kNearest) {
    ctx.Activation(s[taps], x, ActivationFunction::ROUND, 1.0f, nullptr);
    ctx.Memset(s[taps + 4], 1.0f);
    return 1;
  }
  const Operand base = s[taps + 1], t = s[kFrac];
  ctx.Activation(base, x, ActivationFunction::FLOOR, 1.0f, nullptr);
  ctx.TensorTensor(t, x, base, AluOp::SUBTRACT);
  if (p.mode == Mode::kBilinear) {
    ctx.TensorCopy(s[taps], base);
    ctx.TensorScalar(s[taps + 1], base, AluOp::ADD, 1.0f);
    ctx.TensorScalarPerPartition(s[taps + 4], t, AluOp::MULTIPLY, nullptr, -1.0f, AluOp::ADD,
                                 nullptr, 1.0f);
    ctx.TensorCopy(s[taps + 5], t);
    return 2;
  }
  // Bicubic: taps floor(x) - 1 .. floor(x) + 2 at distances t + 1, t, 1 - t,
  // 2 - t, each padded on its own.
  const float a = kCubicA;
  const Operand d = s[kDistance];
  const float sign[4] = {1.0f, 1.0f, -1.0f, -1.0f}, offset[4] = {1.0f, 0.0f, 1.0f, 2.0f};
  for (int k = 0; k < 4; ++k) {
    ctx.TensorScalarPerPartition(d, t, AluOp::MULTIPLY, nullptr, sign[k], AluOp::ADD, nullptr,
                                 offset[k]);
    if (k == 0 || k == 3) {
      Cubic(ctx, s[taps + 4 + k], d, a, -5.0f * a, 8.0f * a, -4.0f * a);
    } else {
      Cubic(ctx, s[taps + 4 + k], d, a + 2.0f, -(a + 3.0f), 0.0f, 1.0f);
    }
  }
  for (int k : {0, 2, 3}) {
    ctx.TensorScalar(s[taps + k], base, AluOp::ADD, static_cast<float>(k - 1));
  }
  for (int k = 0; k < 4; ++k) Pad(ctx, s, p, s[taps + k], size);
  return 4;
}

// valid *= (0 <= c < size).
void AndInside(LowerContext& ctx, const Scalars& s, const Operand& c, int64_t size) {
  ctx.TensorScalarPerPartition(s[kTemp], c, AluOp::IS_GE, nullptr, 0.0f, AluOp::BYPASS, nullptr,
                               0.0f);
  ctx.TensorTensor(s[kValid], s[kValid], s[kTemp], AluOp::MULTIPLY);
  ctx.TensorScalar(s[kTemp], c, AluOp::IS_LT, static_cast<float>(size));
  ctx.TensorTensor(s[kValid], s[kValid], s[kTemp], AluOp::MULTIPLY);
}

}  // namespace

absl::Status CheckGridSample(const ir::Op& op) {
  const ir::Value* x = op.input(0);
  const ir::Value* grid = op.input(1);
  if (x == nullptr || grid == nullptr || op.outputs.empty() || op.outputs[0] == nullptr) {
    return Unsupported("needs X, grid and Y");
  }
  if (x->dtype != ir::DType::kF32 || grid->dtype != ir::DType::kF32 ||
      op.outputs[0]->dtype != ir::DType::kF32) {
    return Unsupported("only f32 X, grid and Y");
  }
  if (x->shape.size() != 4) {
    return Unsupported(absl::StrCat("X of rank ", x->shape.size(), " (only 4-D, [N, C, H, W])"));
  }
  const ir::Shape& g = grid->shape;
  if (g.size() != 4 || g[0] != x->shape[0] || g[3] != 2) {
    return Unsupported("grid must be [N, H_out, W_out, 2]");
  }
  if (x->shape[1] > kMaxChannels) {
    return Unsupported(absl::StrCat(x->shape[1], " channels (at most ", kMaxChannels, ")"));
  }
  if (x->shape[2] * x->shape[3] >= kMaxImage) return Unsupported("H * W of 2^24 or more");
  auto params = ParamsOf(op);
  return params.ok() ? absl::OkStatus() : params.status();
}

absl::Status LowerGridSample(const ir::Op& op, LowerContext& ctx) {
  auto params = ParamsOf(op);
  if (!params.ok()) return params.status();
  const GridSampleParams& p = *params;
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& grid = ctx.Tensor(op.input(1));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  if (ir::NumElements(y.shape) == 0) return absl::OkStatus();
  const int64_t n_batch = x.shape[0], channels = x.shape[1], h = x.shape[2], w = x.shape[3];
  const int64_t positions = grid.shape[1] * grid.shape[2];
  const int64_t part = ctx.spec().partitions;
  // Pixel coordinate = g * scale + (size - 1) / 2.
  const float scale_x = p.align_corners ? (w - 1) / 2.0f : w / 2.0f;
  const float scale_y = p.align_corners ? (h - 1) / 2.0f : h / 2.0f;
  for (int64_t n = 0; n < n_batch; ++n) {
    // X[n] as H * W rows of C channels (H * W elements apart).
    const Operand table =
        ctx.View(x, n * channels * h * w, static_cast<int>(h * w), 1, {Dim{h * w, channels}});
    for (int64_t q0 = 0; q0 < positions; q0 += part) {
      const int rows = static_cast<int>(std::min(part, positions - q0));
      auto sb = ctx.Sbuf("scalars", rows, Scalars::kSlots * 4);
      auto gb = ctx.Sbuf("gathered", rows, channels * 4);
      auto ab = ctx.Sbuf("sum", rows, channels * 4);
      for (auto* b : {&sb, &gb, &ab}) {
        if (!b->ok()) return b->status();
      }
      const Scalars s(ctx, *sb, rows);
      const Operand gathered = ctx.Tile(*gb, rows, channels), sum = ctx.Tile(*ab, rows, channels);
      Operand grid_tile = ctx.Tile(*sb, rows, 2);
      ctx.Dma(grid_tile, ctx.View(grid, (n * positions + q0) * 2, rows, 2, {Dim{1, 2}}));
      ctx.TensorScalarPerPartition(s[kCoordX], s[kGridX], AluOp::MULTIPLY, nullptr, scale_x,
                                   AluOp::ADD, nullptr, (w - 1) / 2.0f);
      ctx.TensorScalarPerPartition(s[kCoordY], s[kGridY], AluOp::MULTIPLY, nullptr, scale_y,
                                   AluOp::ADD, nullptr, (h - 1) / 2.0f);
      const int taps_x = AxisTaps(ctx, s, p, kCoordX, kTapsX, w);
      const int taps_y = AxisTaps(ctx, s, p, kCoordY, kTapsY, h);
      ctx.Memset(s[kZero], 0.0f);
      const Operand index_i32 = ctx.TypedTile(*sb, neff::DType::I32, rows, 1, kIndexI32 * 4);
      bool first = true;
      for (int ty = 0; ty < taps_y; ++ty) {
        for (int tx = 0; tx < taps_x; ++tx) {
          const Operand cx = s[kTapsX + tx], cy = s[kTapsY + ty];
          // A tap outside the image reads row 0 and contributes zero.
          ctx.Memset(s[kValid], 1.0f);
          AndInside(ctx, s, cx, w);
          AndInside(ctx, s, cy, h);
          ctx.TensorScalarPerPartition(s[kIndex], cy, AluOp::MULTIPLY, nullptr,
                                       static_cast<float>(w), AluOp::BYPASS, nullptr, 0.0f);
          ctx.TensorTensor(s[kIndex], s[kIndex], cx, AluOp::ADD);
          ctx.Select(s[kIndex], s[kValid], s[kIndex], s[kZero]);
          ctx.TensorCopy(index_i32, s[kIndex]);
          ctx.TensorTensor(s[kWeight], s[kTapsX + 4 + tx], s[kTapsY + 4 + ty], AluOp::MULTIPLY);
          ctx.Gather(gathered, table, index_i32);
          // Select, not a zero weight, so that an inf or NaN in row 0 stays
          // out of taps that miss the image.
          ctx.Select(gathered, s.Broadcast(kValid, channels), gathered,
                     s.Broadcast(kZero, channels));
          const Operand target = first ? sum : gathered, weight = s[kWeight];
          ctx.TensorScalarPerPartition(target, gathered, AluOp::MULTIPLY, &weight, 0.0f,
                                       AluOp::BYPASS, nullptr, 0.0f);
          if (!first) ctx.TensorTensor(sum, sum, gathered, AluOp::ADD);
          first = false;
        }
      }
      ctx.Dma(ctx.View(y, n * channels * positions + q0, rows, 1, {Dim{positions, channels}}), sum);
    }
  }
  return absl::OkStatus();
}

}  // namespace ncc::lower
