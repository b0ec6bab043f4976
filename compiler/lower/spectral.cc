#include "compiler/lower/spectral.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "compiler/lower/constant_ops.h"
#include "compiler/lower/data_movement.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

// The value of a constant int32/int64 scalar (or one-element tensor).
std::optional<int64_t> ConstantInt(const ir::Value* v) {
  if (v == nullptr || !v->is_constant || v->num_elements() != 1) return std::nullopt;
  if (v->dtype == ir::DType::kI64) return v->data_as<int64_t>()[0];
  if (v->dtype == ir::DType::kI32) return v->data_as<int32_t>()[0];
  return std::nullopt;
}

std::optional<double> ConstantFloat(const ir::Value* v) {
  if (v == nullptr || !v->is_constant || v->num_elements() != 1) return std::nullopt;
  if (v->dtype == ir::DType::kF32) return v->data_as<float>()[0];
  if (v->dtype == ir::DType::kF64) return v->data_as<double>()[0];
  return std::nullopt;
}

// A batch of signals to transform. Signal (o, i) has its sample j,
// component c (0 real, 1 imaginary) at
// x_outer * o + x_inner * i + x_sample * j + c of x, and its bin k,
// component c goes to y_outer * o + y_inner * i + y_bin * k + c of y.
struct SpectralLayout {
  int64_t outer = 1, inner = 1;
  int64_t x_outer = 0, x_inner = 0, x_sample = 0;
  int64_t y_outer = 0, y_inner = 0, y_bin = 0;
  int components = 1;      // 1: real input; 2: complex
  int64_t samples = 0;     // samples read (the rest of the DFT length is zero)
  int64_t dft_length = 0;  // n in exp(-2 pi i jk / n)
  int64_t bins = 0;        // bins written: 0 .. bins - 1
  bool inverse = false;
};

// Y[k] = sum_j X[j] (cos t - i s sin t), t = 2 pi jk / n, s = 1 forward and
// -1 inverse (which also scales by 1 / n). With A = scale cos t and
// B = s scale sin t: Re Y = A Xr + B Xi and Im Y = A Xi - B Xr. The
// matrices are [samples, bins] with the samples (the contraction) on
// partitions; the signals are the moving free axis.
absl::Status EmitDft(LowerContext& ctx, const DramTensor& x, const DramTensor& y,
                     const SpectralLayout& l, const DramTensor* window) {
  const double scale = l.inverse ? 1.0 / static_cast<double>(l.dft_length) : 1.0;
  const double sign = l.inverse ? -1.0 : 1.0;
  std::vector<float> a(l.samples * l.bins), b(a.size()), nb(a.size());
  for (int64_t j = 0; j < l.samples; ++j) {
    for (int64_t k = 0; k < l.bins; ++k) {
      // jk mod n keeps the angle exact for long transforms.
      const double t = 2.0 * M_PI * static_cast<double>((j * k) % l.dft_length) /
                       static_cast<double>(l.dft_length);
      a[j * l.bins + k] = static_cast<float>(scale * std::cos(t));
      b[j * l.bins + k] = static_cast<float>(sign * scale * std::sin(t));
      nb[j * l.bins + k] = -b[j * l.bins + k];
    }
  }
  const bool complex = l.components == 2;
  const DramTensor wa = ctx.F32Weights("dft_cos", {l.samples, l.bins}, a);
  const DramTensor wnb = ctx.F32Weights("dft_neg_sin", {l.samples, l.bins}, nb);
  const DramTensor wb = complex ? ctx.F32Weights("dft_sin", {l.samples, l.bins}, b) : DramTensor{};

  const int64_t part = ctx.spec().partitions;
  const int64_t j_tiles = (l.samples + part - 1) / part;
  // The signal tiles of one group stay resident: at most 64 KiB per
  // partition, and a matmul's moving side holds at most 512 columns.
  const int64_t max_cols =
      std::max<int64_t>(1, std::min<int64_t>(512, 16384 / (j_tiles * l.components)));
  const int64_t inner_step = std::min(l.inner, max_cols);
  const int64_t outer_step = std::max<int64_t>(1, max_cols / inner_step);
  for (int64_t o0 = 0; o0 < l.outer; o0 += outer_step) {
    const int64_t ot = std::min(outer_step, l.outer - o0);
    for (int64_t i0 = 0; i0 < l.inner; i0 += inner_step) {
      const int64_t it = std::min(inner_step, l.inner - i0);
      const int64_t cols = ot * it;
      // Load (and window) the real and imaginary parts, samples on partitions.
      std::vector<Operand> xr, xi;
      for (int64_t jt = 0; jt < j_tiles; ++jt) {
        const int64_t j0 = jt * part;
        const int kt = static_cast<int>(std::min(part, l.samples - j0));
        std::optional<Operand> w;
        if (window != nullptr) {
          auto wbuf = ctx.Sbuf("window", kt, 4);
          if (!wbuf.ok()) return wbuf.status();
          w = ctx.Tile(*wbuf, kt, 1);
          ctx.Dma(*w, ctx.View(*window, j0, kt, 1, {Dim{1, 1}}));
        }
        for (int c = 0; c < l.components; ++c) {
          auto buf = ctx.Sbuf(c == 0 ? "real" : "imag", kt, cols * 4);
          if (!buf.ok()) return buf.status();
          Operand tile = ctx.Tile(*buf, kt, cols);
          const int64_t offset = o0 * l.x_outer + i0 * l.x_inner + j0 * l.x_sample + c;
          ctx.Dma(tile,
                  ctx.View(x, offset, kt, l.x_sample, {Dim{l.x_outer, ot}, Dim{l.x_inner, it}}));
          if (w.has_value()) {
            ctx.TensorScalarPerPartition(tile, tile, neff::AluOp::MULTIPLY, &*w, 0.0f,
                                         neff::AluOp::BYPASS, nullptr, 0.0f);
          }
          (c == 0 ? xr : xi).push_back(tile);
        }
      }
      for (int64_t k0 = 0; k0 < l.bins; k0 += part) {
        const int mt = static_cast<int>(std::min(part, l.bins - k0));
        auto re_buf = ctx.Psum("dft_real", mt, cols * 4);
        auto im_buf = ctx.Psum("dft_imag", mt, cols * 4);
        if (!re_buf.ok()) return re_buf.status();
        if (!im_buf.ok()) return im_buf.status();
        const Operand re = ctx.Tile(*re_buf, mt, cols), im = ctx.Tile(*im_buf, mt, cols);
        for (int64_t jt = 0; jt < j_tiles; ++jt) {
          const int64_t j0 = jt * part;
          const int kt = static_cast<int>(std::min(part, l.samples - j0));
          auto load = [&](const DramTensor& m, const char* what) -> absl::StatusOr<Operand> {
            auto buf = ctx.Sbuf(what, kt, mt * 4);
            if (!buf.ok()) return buf.status();
            Operand tile = ctx.Tile(*buf, kt, mt);
            ctx.Dma(tile, ctx.View(m, j0 * l.bins + k0, kt, l.bins, {Dim{1, mt}}));
            return tile;
          };
          auto ta = load(wa, "cos"), tnb = load(wnb, "neg_sin");
          if (!ta.ok()) return ta.status();
          if (!tnb.ok()) return tnb.status();
          const bool first = jt == 0, last = jt + 1 == j_tiles;
          if (complex) {
            auto tb = load(wb, "sin");
            if (!tb.ok()) return tb.status();
            ctx.Matmul(re, *ta, xr[jt], first, false);
            ctx.Matmul(re, *tb, xi[jt], false, last);
            ctx.Matmul(im, *ta, xi[jt], first, false);
            ctx.Matmul(im, *tnb, xr[jt], false, last);
          } else {
            ctx.Matmul(re, *ta, xr[jt], first, last);
            ctx.Matmul(im, *tnb, xr[jt], first, last);
          }
        }
        for (int c = 0; c < 2; ++c) {
          auto out_buf = ctx.Sbuf(c == 0 ? "out_real" : "out_imag", mt, cols * 4);
          if (!out_buf.ok()) return out_buf.status();
          const Operand out = ctx.Tile(*out_buf, mt, cols);
          ctx.TensorCopy(out, c == 0 ? re : im);
          const int64_t offset = o0 * l.y_outer + i0 * l.y_inner + k0 * l.y_bin + c;
          ctx.Dma(ctx.View(y, offset, mt, l.y_bin, {Dim{l.y_outer, ot}, Dim{l.y_inner, it}}), out);
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status RequireF32Signal(const ir::Value* x, const ir::Value* y) {
  if (x == nullptr || y == nullptr) return Unsupported("needs the input and the output");
  if (x->dtype != ir::DType::kF32 || y->dtype != ir::DType::kF32) {
    return Unsupported("only float32 signals and outputs");
  }
  if (x->shape.empty() || (x->shape.back() != 1 && x->shape.back() != 2)) {
    return Unsupported("the input's last dimension must be 1 (real) or 2 (complex)");
  }
  return absl::OkStatus();
}

// The cos/sin matrices live in the weights: a 2048-point transform's are
// 16 MiB each.
constexpr int64_t kMaxMatrixElements = int64_t{1} << 22;

absl::Status CheckMatrixSize(int64_t samples, int64_t bins) {
  if (samples * bins > kMaxMatrixElements) {
    return Unsupported(absl::StrCat("a ", samples, " x ", bins,
                                    " DFT matrix (at most 2^22 elements, e.g. 2048 x 2048)"));
  }
  return absl::OkStatus();
}

struct DftParams {
  int64_t axis = 1;
  int64_t dft_length = 0;
  int64_t bins = 0;
};

absl::StatusOr<DftParams> DftParamsOf(const ir::Op& op) {
  if (auto s = RequireF32Signal(op.input(0), op.outputs.empty() ? nullptr : op.outputs[0]);
      !s.ok()) {
    return s;
  }
  const ir::Shape& xs = op.input(0)->shape;
  const int64_t rank = static_cast<int64_t>(xs.size());
  DftParams p;
  p.axis = op.GetInt("axis", 1);
  if (op.input(2) != nullptr) {
    std::optional<int64_t> axis = ConstantInt(op.input(2));
    if (!axis.has_value()) return Unsupported("the axis input must be a compile-time constant");
    p.axis = *axis;
  }
  const int64_t given_axis = p.axis;
  if (p.axis < 0) p.axis += rank;
  if (p.axis < 0 || p.axis > rank - 2) {
    return Unsupported(absl::StrCat("axis ", given_axis, " outside [", -rank, ", -2] and [0, ",
                                    rank - 2, "] (the last axis holds the components)"));
  }
  p.dft_length = xs[p.axis];
  if (op.input(1) != nullptr) {
    std::optional<int64_t> n = ConstantInt(op.input(1));
    if (!n.has_value()) {
      return Unsupported("dft_length must be a compile-time constant int32/int64 scalar");
    }
    p.dft_length = *n;
  }
  if (p.dft_length < 1) return Unsupported(absl::StrCat("dft_length ", p.dft_length, " < 1"));
  const bool onesided = op.GetInt("onesided", 0) != 0;
  if (onesided && op.GetInt("inverse", 0) != 0) {
    return Unsupported("onesided inverse DFT (a onesided input is not defined by ONNX)");
  }
  p.bins = onesided ? p.dft_length / 2 + 1 : p.dft_length;
  if (auto s = CheckMatrixSize(std::min(xs[p.axis], p.dft_length), p.bins); !s.ok()) return s;
  ir::Shape want = xs;
  want[p.axis] = p.bins;
  want.back() = 2;
  if (op.outputs[0]->shape != want) {
    return Unsupported(
        "the output's shape does not match the input, axis, dft_length and "
        "onesided");
  }
  return p;
}

struct StftParams {
  int64_t frame_step = 0, frame_length = 0, frames = 0, bins = 0;
};

absl::StatusOr<StftParams> StftParamsOf(const ir::Op& op) {
  if (auto s = RequireF32Signal(op.input(0), op.outputs.empty() ? nullptr : op.outputs[0]);
      !s.ok()) {
    return s;
  }
  const ir::Shape& xs = op.input(0)->shape;
  if (xs.size() != 3) return Unsupported("the signal must be [batch, length, 1 or 2]");
  StftParams p;
  std::optional<int64_t> step = ConstantInt(op.input(1));
  if (!step.has_value()) {
    return Unsupported("frame_step must be a compile-time constant int32/int64 scalar");
  }
  p.frame_step = *step;
  const ir::Value* window = op.input(2);
  if (window != nullptr) {
    if (window->shape.size() != 1 || window->dtype != ir::DType::kF32) {
      return Unsupported("the window must be a 1-D float32 tensor");
    }
    p.frame_length = window->shape[0];
  }
  if (op.input(3) != nullptr) {
    std::optional<int64_t> length = ConstantInt(op.input(3));
    if (!length.has_value()) {
      return Unsupported("frame_length must be a compile-time constant int32/int64 scalar");
    }
    if (window != nullptr && *length != p.frame_length) {
      return Unsupported(absl::StrCat("frame_length ", *length, " differs from the window's ",
                                      p.frame_length, " samples"));
    }
    p.frame_length = *length;
  }
  if (window == nullptr && op.input(3) == nullptr) {
    return Unsupported("needs a window or a frame_length");
  }
  if (p.frame_step < 1 || p.frame_length < 1 || p.frame_length > xs[1]) {
    return Unsupported(absl::StrCat("frame_step ", p.frame_step, " and frame_length ",
                                    p.frame_length, " for a signal of ", xs[1], " samples"));
  }
  p.frames = 1 + (xs[1] - p.frame_length) / p.frame_step;
  p.bins = op.GetInt("onesided", 1) != 0 ? p.frame_length / 2 + 1 : p.frame_length;
  if (auto s = CheckMatrixSize(p.frame_length, p.bins); !s.ok()) return s;
  const ir::Shape want = {xs[0], p.frames, p.bins, 2};
  if (op.outputs[0]->shape != want) {
    return Unsupported(
        "the output's shape does not match the signal, frame_step, "
        "frame_length and onesided");
  }
  return p;
}

struct MelParams {
  int64_t num_mel_bins = 0, dft_length = 0, sample_rate = 0;
  double lower_edge_hertz = 0, upper_edge_hertz = 0;
};

absl::StatusOr<MelParams> MelParamsOf(const ir::Op& op) {
  MelParams p;
  std::optional<int64_t> ints[3];
  for (int i = 0; i < 3; ++i) ints[i] = ConstantInt(op.input(i));
  std::optional<double> lower = ConstantFloat(op.input(3)), upper = ConstantFloat(op.input(4));
  if (!ints[0] || !ints[1] || !ints[2] || !lower || !upper) {
    return Unsupported(
        "num_mel_bins, dft_length, sample_rate, lower_edge_hertz and upper_edge_hertz must "
        "all be compile-time constant scalars");
  }
  p.num_mel_bins = *ints[0];
  p.dft_length = *ints[1];
  p.sample_rate = *ints[2];
  p.lower_edge_hertz = *lower;
  p.upper_edge_hertz = *upper;
  if (p.num_mel_bins < 1 || p.dft_length < 1 || p.sample_rate < 1) {
    return Unsupported("num_mel_bins, dft_length and sample_rate must be positive");
  }
  const ir::Value* out = op.outputs.empty() ? nullptr : op.outputs[0];
  if (out == nullptr || !ir::IsFloat(out->dtype)) {
    return Unsupported("output_datatype must be a float type");
  }
  if (out->shape != ir::Shape{p.dft_length / 2 + 1, p.num_mel_bins}) {
    return Unsupported("the output's shape is not [dft_length / 2 + 1, num_mel_bins]");
  }
  return p;
}

}  // namespace

absl::StatusOr<std::vector<double>> MelWeights(int64_t num_mel_bins, int64_t dft_length,
                                               int64_t sample_rate, double lower_edge_hertz,
                                               double upper_edge_hertz) {
  const int64_t rows = dft_length / 2 + 1;
  auto mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
  const double low = mel(lower_edge_hertz), high = mel(upper_edge_hertz);
  const int64_t edges = num_mel_bins + 2;
  // ONNX's reference divides by the number of edges, not the gaps between them.
  const double step = (high - low) / static_cast<double>(edges);
  std::vector<int64_t> bin(edges);
  for (int64_t e = 0; e < edges; ++e) {
    const double hz = 700.0 * (std::pow(10.0, (static_cast<double>(e) * step + low) / 2595.0) - 1);
    bin[e] = static_cast<int64_t>(
        std::floor(static_cast<double>(dft_length + 1) * hz / static_cast<double>(sample_rate)));
    if (bin[e] < 0 || bin[e] >= rows) {
      return absl::InvalidArgumentError(absl::StrCat(
          "mel edge ", e, " (", hz, " Hz) falls on spectrogram bin ", bin[e], ", outside [0, ",
          rows, "); lower/upper_edge_hertz must lie within [0, sample_rate / 2]"));
    }
  }
  std::vector<double> w(rows * num_mel_bins, 0.0);
  for (int64_t m = 0; m < num_mel_bins; ++m) {
    const int64_t left = bin[m], center = bin[m + 1], right = bin[m + 2];
    if (center == left) {
      w[center * num_mel_bins + m] = 1.0;
    } else {
      for (int64_t j = left; j <= center; ++j) {
        w[j * num_mel_bins + m] =
            static_cast<double>(j - left) / static_cast<double>(center - left);
      }
    }
    for (int64_t j = center; j < right; ++j) {
      w[j * num_mel_bins + m] =
          static_cast<double>(right - j) / static_cast<double>(right - center);
    }
  }
  return w;
}

absl::Status CheckDft(const ir::Op& op) { return DftParamsOf(op).status(); }

absl::Status LowerDft(const ir::Op& op, LowerContext& ctx) {
  absl::StatusOr<DftParams> p = DftParamsOf(op);
  if (!p.ok()) return p.status();
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const ir::Shape& xs = x.shape;
  const int64_t rank = static_cast<int64_t>(xs.size());
  SpectralLayout l;
  l.components = static_cast<int>(xs.back());
  for (int64_t d = 0; d < p->axis; ++d) l.outer *= xs[d];
  for (int64_t d = p->axis + 1; d < rank - 1; ++d) l.inner *= xs[d];
  const int64_t n = xs[p->axis];
  l.x_inner = l.components;
  l.x_sample = l.inner * l.components;
  l.x_outer = n * l.x_sample;
  l.y_inner = 2;
  l.y_bin = l.inner * 2;
  l.y_outer = p->bins * l.y_bin;
  l.samples = std::min(n, p->dft_length);
  l.dft_length = p->dft_length;
  l.bins = p->bins;
  l.inverse = op.GetInt("inverse", 0) != 0;
  if (ir::NumElements(y.shape) == 0) return absl::OkStatus();
  return EmitDft(ctx, x, y, l, nullptr);
}

absl::Status CheckStft(const ir::Op& op) { return StftParamsOf(op).status(); }

absl::Status LowerStft(const ir::Op& op, LowerContext& ctx) {
  absl::StatusOr<StftParams> p = StftParamsOf(op);
  if (!p.ok()) return p.status();
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  SpectralLayout l;
  l.components = static_cast<int>(x.shape[2]);
  l.outer = x.shape[0];
  l.inner = p->frames;
  l.x_sample = l.components;
  l.x_inner = p->frame_step * l.components;
  l.x_outer = x.shape[1] * l.components;
  l.y_bin = 2;
  l.y_inner = p->bins * 2;
  l.y_outer = p->frames * l.y_inner;
  l.samples = p->frame_length;
  l.dft_length = p->frame_length;
  l.bins = p->bins;
  if (ir::NumElements(y.shape) == 0) return absl::OkStatus();
  const DramTensor* window = op.input(2) != nullptr ? &ctx.Tensor(op.input(2)) : nullptr;
  return EmitDft(ctx, x, y, l, window);
}

absl::Status CheckMelWeightMatrix(const ir::Op& op) {
  absl::StatusOr<MelParams> p = MelParamsOf(op);
  if (!p.ok()) return p.status();
  return MelWeights(p->num_mel_bins, p->dft_length, p->sample_rate, p->lower_edge_hertz,
                    p->upper_edge_hertz)
      .status();
}

absl::Status LowerMelWeightMatrix(const ir::Op& op, LowerContext& ctx) {
  absl::StatusOr<MelParams> p = MelParamsOf(op);
  if (!p.ok()) return p.status();
  absl::StatusOr<std::vector<double>> w = MelWeights(p->num_mel_bins, p->dft_length, p->sample_rate,
                                                     p->lower_edge_hertz, p->upper_edge_hertz);
  if (!w.ok()) return w.status();
  const ir::Value* out = op.outputs[0];
  const DramTensor values =
      WeightsFromDoubles(ctx, ctx.Name("mel_weights"), out->dtype, out->shape, *w);
  EmitStridedCopy(ctx, values, 0, RowMajorStrides(out->shape), ctx.Tensor(out), 0,
                  RowMajorStrides(out->shape), out->shape);
  return absl::OkStatus();
}

}  // namespace ncc::lower
