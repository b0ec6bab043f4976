// Resize (and its predecessor Upsample) on static shapes as one TensorE
// matmul per resized axis: interpolation is separable, so each axis is
// y = R x + b with a compile-time interpolation matrix R [out, in] built from
// ONNX's coordinate formulas (nearest: one-hot rows; linear and cubic: the
// interpolation weights, edge-clamped) and, for tf_crop_and_resize, the
// extrapolation value in b where a row samples outside the input.
#ifndef NCC_COMPILER_LOWER_RESIZE_H_
#define NCC_COMPILER_LOWER_RESIZE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

// How one axis is resampled (ONNX Resize's attributes, per axis values).
struct ResizeAxisSpec {
  int64_t in = 1, out = 1;
  double scale = 1.0;                      // the scale the coordinate formulas use
  double roi_start = 0.0, roi_end = 1.0;   // tf_crop_and_resize only
  std::string mode = "nearest";            // nearest, linear, cubic
  std::string coordinates = "half_pixel";  // coordinate_transformation_mode
  std::string nearest_mode = "round_prefer_floor";
  double cubic_coeff_a = -0.75;
  bool exclude_outside = false;
  float extrapolation_value = 0.0f;
};

// The interpolation of one axis: out[o] = sum_i matrix[o * in + i] * x[i] +
// bias[o].
struct AxisInterpolation {
  std::vector<float> matrix;  // [out, in], row-major
  std::vector<float> bias;    // [out]
  bool identity() const;
};

AxisInterpolation InterpolationMatrix(const ResizeAxisSpec& spec);

absl::Status CheckResize(const ir::Op& op);  // Resize and Upsample
absl::Status LowerResize(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_RESIZE_H_
