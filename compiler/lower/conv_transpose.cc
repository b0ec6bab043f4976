#include "compiler/lower/conv_transpose.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/lower/conv.h"
#include "compiler/lower/data_movement.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

// One spatial axis: output index o receives input i through kernel tap k
// when o = i * stride + k * dilation - begin_pad.
struct TransposedAxis {
  int64_t in, kernel, stride, dilation, begin_pad, out;
  int64_t extent() const { return (kernel - 1) * dilation + 1; }
};

// The spatial axes (one or two), from the attributes and the static output
// shape. With `output_shape` or SAME auto-padding the begin pad comes from
// the total padding the output size implies (ONNX's ConvTranspose rules).
absl::StatusOr<std::vector<TransposedAxis>> Axes(const ir::Op& op) {
  const ir::Shape& x = op.input(0)->shape;
  const ir::Shape& w = op.input(1)->shape;
  const ir::Shape& y = op.outputs[0]->shape;
  const size_t rank = x.size() - 2;
  const std::vector<int64_t> ones(rank, 1), zeros(rank, 0);
  const std::vector<int64_t> strides = op.GetInts("strides", ones);
  const std::vector<int64_t> dilations = op.GetInts("dilations", ones);
  const std::vector<int64_t> output_padding = op.GetInts("output_padding", zeros);
  const std::vector<int64_t> pads = op.GetInts("pads", std::vector<int64_t>(2 * rank, 0));
  const std::string auto_pad = op.GetString("auto_pad", "NOTSET");
  if (strides.size() != rank || dilations.size() != rank || output_padding.size() != rank ||
      pads.size() != 2 * rank) {
    return Unsupported(absl::StrCat("strides, dilations, output_padding and pads must describe ",
                                    rank, " spatial axes"));
  }
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
      auto_pad != "SAME_LOWER") {
    return Unsupported(absl::StrCat("auto_pad '", auto_pad, "'"));
  }
  const bool implied_pads = op.has_attr("output_shape") || auto_pad != "NOTSET";
  std::vector<TransposedAxis> axes;
  for (size_t j = 0; j < rank; ++j) {
    TransposedAxis a{x[2 + j], w[2 + j], strides[j], dilations[j], 0, y[2 + j]};
    if (a.stride < 1 || a.dilation < 1) return Unsupported("strides and dilations must be >= 1");
    if (auto_pad == "VALID") {
      a.begin_pad = 0;
    } else if (implied_pads) {
      const int64_t total = a.stride * (a.in - 1) + output_padding[j] + a.extent() - a.out;
      a.begin_pad = auto_pad == "SAME_UPPER" ? FloorDiv(total, 2) : total - FloorDiv(total, 2);
    } else {
      a.begin_pad = pads[j];
    }
    axes.push_back(a);
  }
  return axes;
}

// W [ci, co/g, taps...] as Conv weights W' [co, ci/g, taps...], taps
// reversed: W'[g*cog + co][ci][t] = W[g*cig + ci][co][taps - 1 - t].
std::vector<uint8_t> FlippedWeights(const ir::Value& w, int64_t groups) {
  const int64_t elem = ir::DTypeSize(w.dtype);
  const int64_t ci = w.shape[0], cog = w.shape[1], cig = ci / groups;
  const int64_t taps = w.num_elements() / (ci * cog);
  std::vector<uint8_t> out(w.data.size());
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t co = 0; co < cog; ++co) {
      for (int64_t c = 0; c < cig; ++c) {
        for (int64_t t = 0; t < taps; ++t) {
          const int64_t src = (((g * cig + c) * cog + co) * taps + (taps - 1 - t)) * elem;
          const int64_t dst = (((g * cog + co) * cig + c) * taps + t) * elem;
          std::memcpy(out.data() + dst, w.data.data() + src, elem);
        }
      }
    }
  }
  return out;
}

}  // namespace

absl::Status CheckConvTranspose(const ir::Op& op) {
  if (auto s = RequireMatmulTypes(op); !s.ok()) return s;
  const ir::Value* x = op.input(0);
  const ir::Value* w = op.input(1);
  if (x == nullptr || w == nullptr) return Unsupported("needs inputs X and W");
  if (x->shape.size() < 3 || x->shape.size() > 5) {
    return Unsupported(
        absl::StrCat("only 1-D, 2-D and 3-D ConvTranspose; input has rank ", x->shape.size()));
  }
  if (w->shape.size() != x->shape.size()) return Unsupported("W must have X's rank");
  const int64_t groups = op.GetInt("group", 1);
  if (groups < 1 || x->shape[1] % groups != 0 || w->shape[0] != x->shape[1]) {
    return Unsupported("W's first dimension must be X's channels, divisible by group");
  }
  if (op.outputs[0]->shape[1] != w->shape[1] * groups) {
    return Unsupported("output channels must be W's second dimension times group");
  }
  auto axes = Axes(op);
  if (!axes.ok()) return axes.status();
  return absl::OkStatus();
}

absl::Status LowerConvTranspose(const ir::Op& op, LowerContext& ctx) {
  auto axes_or = Axes(op);
  if (!axes_or.ok()) return axes_or.status();
  // A 1-D op is a 2-D one with a height-1 input, kernel and output.
  std::vector<TransposedAxis> axes = *axes_or;
  if (axes.size() == 1) axes.insert(axes.begin(), TransposedAxis{1, 1, 1, 1, 0, 1});
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& w = ctx.Tensor(op.input(1));
  const int64_t n = x.shape[0], c = x.shape[1], groups = op.GetInt("group", 1);
  const int64_t cig = c / groups, cog = w.shape[1], co = cog * groups;
  const size_t rank = axes.size();

  // The spread input: input index i of each spatial axis at i * stride + e -
  // 1 - pad of a zeroed tensor of extent out + e - 1 along that axis, where
  // e is the dilated kernel extent; inputs that land outside are cropped.
  ir::Shape spread_shape = {n, c};
  for (const TransposedAxis& a : axes) spread_shape.push_back(a.out + a.extent() - 1);
  DramTensor spread = ctx.ScratchDram("spread", x.dtype, spread_shape);
  if (absl::Status s = EmitFill(ctx, spread, 0.0f); !s.ok()) return s;
  ir::Shape x_shape = {n, c};  // with the 1-D op's unit height
  for (const TransposedAxis& a : axes) x_shape.push_back(a.in);
  std::vector<int64_t> x_strides = RowMajorStrides(x_shape);
  std::vector<int64_t> spread_strides = RowMajorStrides(spread_shape);
  std::vector<int64_t> count = {n, c};
  int64_t x_offset = 0, spread_offset = 0;
  bool empty = false;
  for (size_t j = 0; j < rank; ++j) {
    const TransposedAxis& a = axes[j];
    const int64_t shift = a.extent() - 1 - a.begin_pad;
    const int64_t limit = spread_shape[2 + j];
    // i * stride + shift in [0, limit)
    const int64_t first = std::max<int64_t>(0, FloorDiv(-shift + a.stride - 1, a.stride));
    const int64_t last = std::min<int64_t>(a.in - 1, FloorDiv(limit - 1 - shift, a.stride));
    count.push_back(last - first + 1);
    empty |= last < first;
    x_offset += first * x_strides[2 + j];
    spread_offset += (first * a.stride + shift) * spread_strides[2 + j];
    spread_strides[2 + j] *= a.stride;
  }
  if (!empty) {
    EmitStridedCopy(ctx, x, x_offset, x_strides, spread, spread_offset, spread_strides, count);
  }

  const TransposedAxis& ah = axes[rank - 2];
  const TransposedAxis& aw = axes[rank - 1];
  ConvGeometry g;
  g.n = n, g.c = c, g.h = spread_shape[rank], g.w = spread_shape[rank + 1];
  g.co = co, g.kh = ah.kernel, g.kw = aw.kernel;
  g.groups = groups;
  g.sh = 1, g.sw = 1, g.dh = ah.dilation, g.dw = aw.dilation;
  g.pt = g.pl = g.pb = g.pr = 0;
  g.ho = ah.out, g.wo = aw.out;
  if (rank == 3) {
    g.has_depth = true;
    g.depth.in = spread_shape[2], g.depth.kernel = axes[0].kernel;
    g.depth.dilation = axes[0].dilation, g.depth.out = axes[0].out;
  }
  int64_t taps = 1;
  for (const TransposedAxis& a : axes) taps *= a.kernel;

  ConvOperands operands;
  operands.x = spread;
  operands.y = ctx.Tensor(op.outputs[0]);
  if (op.input(2) != nullptr) operands.bias = &ctx.Tensor(op.input(2));
  ir::Shape flipped_shape = {co, cig};
  for (const TransposedAxis& a : axes) flipped_shape.push_back(a.kernel);
  std::vector<uint8_t> flipped;
  if (op.input(1)->is_constant) {
    // Conv stores constant weights pre-arranged from `w_host`; only the
    // depthwise path reads the tensor itself (a 3-D op's depth-folded 2-D
    // convolution is depthwise when its kernel depth is 1).
    flipped = FlippedWeights(*op.input(1), groups);
    operands.w_host = absl::MakeConstSpan(flipped);
    operands.w = w;
    if (IsDepthwise(g) || g.has_depth) {
      Buffer buffer;
      buffer.name = ctx.Name("flipped_weights");
      buffer.space = Space::WEIGHTS;
      buffer.bytes = static_cast<int64_t>(flipped.size());
      buffer.data = flipped;
      operands.w.buffer = ctx.program().AddBuffer(std::move(buffer));
    }
  } else {
    operands.w = ctx.ScratchDram("flipped_weights", w.dtype, flipped_shape);
    for (int64_t grp = 0; grp < groups; ++grp) {
      EmitStridedCopy(ctx, w, grp * cig * cog * taps + taps - 1, {taps, cog * taps, -1}, operands.w,
                      grp * cog * cig * taps, {cig * taps, taps, 1}, {cog, cig, taps});
    }
  }
  operands.w.shape = flipped_shape;
  return EmitConv(ctx, g, operands);
}

}  // namespace ncc::lower
