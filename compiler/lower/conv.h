// Conv (2-D, any groups, strides, dilations, explicit or auto padding) as
// PSUM-accumulated TensorE matmuls over kernel positions: input channels on
// partitions, output channels as the stationary free axis, output pixels as
// the moving free axis read straight out of a padded SBUF input tile by a
// strided access pattern (no im2col copy).
#ifndef NCC_COMPILER_LOWER_CONV_H_
#define NCC_COMPILER_LOWER_CONV_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

// One spatial axis of a convolution; the defaults are a unit axis (the
// depth of a 2-D convolution).
struct ConvAxis {
  int64_t in = 1, kernel = 1, stride = 1, dilation = 1;
  int64_t front = 0, back = 0;  // pads
  int64_t out = 1;
};

// A 2-D convolution's shape (a 1-D one is 2-D with height 1); a 3-D one adds
// its depth axis (x [N, C, D, H, W], w [co, c/groups, kd, kh, kw]).
struct ConvGeometry {
  int64_t n, c, h, w;  // input
  int64_t co, kh, kw;  // weights [co, c/groups, kh, kw]
  int64_t groups;
  int64_t sh, sw, dh, dw;  // strides, dilations
  int64_t pt, pl, pb, pr;  // pads: top, left, bottom, right
  int64_t ho, wo;          // output
  bool has_depth = false;
  ConvAxis depth;
};

// The geometry of `op`'s convolution from its attributes (group, strides,
// dilations, pads, auto_pad) and the shapes of x [N, C, (D,) (H,) W], w and y.
absl::StatusOr<ConvGeometry> ConvGeometryOf(const ir::Op& op, const ir::Shape& x,
                                            const ir::Shape& w, const ir::Shape& y);

// One input and one output channel per group: lowered on the Vector and
// GpSimd engines, which read the weights [c, taps] from `w` directly.
inline bool IsDepthwise(const ConvGeometry& g) {
  return g.groups > 1 && g.groups == g.c && g.groups == g.co;
}

// The tensors of one convolution. `w_host`, when set, holds w's contents
// at compile time (row-major [co, c/groups, kh, kw], w.dtype), so that the
// weights can be stored pre-arranged in the stationary tiles' order.
struct ConvOperands {
  DramTensor x, w, y;
  const DramTensor* bias = nullptr;
  std::optional<absl::Span<const uint8_t>> w_host;
  neff::ActivationFunction func = neff::ActivationFunction::IDENTITY;
};

// Emits y = func(conv(x, w) + bias) for geometry `g`. A 3-D convolution
// folds its depth taps into the input channels: the kd input slices that
// each output depth slice reads are gathered (zeros for padding) into
// [N*Do, C*kd, H, W], where w [co, c/groups, kd, kh, kw] already is the 2-D
// weights [co, (c/groups)*kd, kh, kw]; one 2-D convolution then gives the
// output slices, which a strided copy puts in NCDHW order.
absl::Status EmitConv(LowerContext& ctx, const ConvGeometry& g, const ConvOperands& operands);

absl::Status CheckConv(const ir::Op& op);
absl::Status LowerConv(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_CONV_H_
