#include "compiler/lower/resize.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "compiler/lower/data_movement.h"
#include "compiler/lower/matmul.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

// Interpolation matrices are dense [out, in] f32 weights in the NEFF.
constexpr int64_t kMaxMatrixElements = int64_t{16} << 20;

// The input coordinate that output index `o` samples (ONNX Resize's
// coordinate_transformation_mode); `length` is scale * in, not rounded.
double SourceCoordinate(const ResizeAxisSpec& s, int64_t o) {
  const double length = s.scale * static_cast<double>(s.in);
  const std::string& m = s.coordinates;
  if (m == "align_corners") return length == 1.0 ? 0.0 : o * (s.in - 1.0) / (length - 1.0);
  if (m == "asymmetric") return o / s.scale;
  if (m == "tf_half_pixel_for_nn") return (o + 0.5) / s.scale;
  if (m == "pytorch_half_pixel") return s.out > 1 ? (o + 0.5) / s.scale - 0.5 : 0.0;
  if (m == "tf_crop_and_resize") {
    const double span = (s.roi_end - s.roi_start) * (s.in - 1.0);
    return s.roi_start * (s.in - 1.0) + (length == 1.0 ? span / 2 : o * span / (length - 1.0));
  }
  return (o + 0.5) / s.scale - 0.5;  // half_pixel
}

// Coefficients of the 2 (nearest, linear) or 4 (cubic) neighbours of x,
// from the distance `ratio` in (0, 1] of x past the neighbour left of it.
std::vector<double> Coefficients(const ResizeAxisSpec& s, double ratio) {
  if (s.mode == "linear") return {1.0 - ratio, ratio};
  if (s.mode == "cubic") {
    const double a = s.cubic_coeff_a;
    auto outer = [a](double d) { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; };  // 1 < d < 2
    auto inner = [a](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1; };        // d <= 1
    return {outer(ratio + 1), inner(ratio), inner(1 - ratio), outer(2 - ratio)};
  }
  // nearest: the right neighbour unless rounding picks the left one.
  if (ratio == 1.0) return {0.0, 1.0};
  bool left = false;
  if (s.nearest_mode == "round_prefer_ceil") {
    left = ratio < 0.5;
  } else if (s.nearest_mode == "floor") {
    left = true;
  } else if (s.nearest_mode == "ceil") {
    left = false;
  } else {  // round_prefer_floor
    left = ratio <= 0.5;
  }
  return {left ? 1.0 : 0.0, left ? 0.0 : 1.0};
}

// The n input positions nearest to x (ties to the lower one), over the input
// padded by ceil(n / 2) copies of its edge values on each side; positions
// are unpadded, so they may lie outside [0, in).
std::vector<int64_t> Neighbours(double x, int64_t n, int64_t in) {
  const int64_t pad = (n + 1) / 2, len = in + 2 * pad;
  const double xp = x + pad;
  const int64_t center = static_cast<int64_t>(std::floor(std::clamp(xp, 0.0, len - 1.0)));
  std::vector<int64_t> candidates;
  for (int64_t i = std::max<int64_t>(0, center - n - 1); i < std::min(len, center + n + 2); ++i) {
    candidates.push_back(i);
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [xp](int64_t a, int64_t b) { return std::fabs(xp - a) < std::fabs(xp - b); });
  candidates.resize(n);
  std::sort(candidates.begin(), candidates.end());
  for (int64_t& i : candidates) i -= pad;
  return candidates;
}

struct ResizeParams {
  std::vector<ResizeAxisSpec> axes;
};

absl::StatusOr<std::vector<double>> ConstFloats(const ir::Value* v, absl::string_view what) {
  if (!v->is_constant) {
    return Unsupported(absl::StrCat(what, " '", v->name,
                                    "' is computed at run time; it must be a compile-time constant "
                                    "(an initializer or a Constant node)"));
  }
  if (v->dtype != ir::DType::kF32) {
    return Unsupported(
        absl::StrCat(what, " '", v->name, "' is ", ir::DTypeName(v->dtype), " (f32 expected)"));
  }
  return std::vector<double>(v->data_as<float>(), v->data_as<float>() + v->num_elements());
}

const ir::Value* NonEmpty(const ir::Value* v) {
  return v != nullptr && v->num_elements() > 0 ? v : nullptr;
}

// Resolves attributes and inputs. `legacy` selects Upsample's and
// Resize-10's semantics (asymmetric coordinates, nearest rounds down).
absl::StatusOr<ResizeParams> Resolve(const ir::Op& op, bool legacy) {
  const ir::Value* x = op.input(0);
  const ir::Shape& in = x->shape;
  const ir::Shape& out = op.outputs[0]->shape;
  const size_t rank = in.size();
  ResizeAxisSpec common;
  common.mode = op.GetString("mode", "nearest");
  if (common.mode == "bilinear") common.mode = "linear";  // Upsample-7's name
  if (common.mode != "nearest" && common.mode != "linear" && common.mode != "cubic") {
    return Unsupported(absl::StrCat("mode '", common.mode, "'"));
  }
  if (legacy) {
    common.coordinates = "asymmetric";
    common.nearest_mode = "floor";
  } else {
    common.coordinates = op.GetString("coordinate_transformation_mode", "half_pixel");
    common.nearest_mode = op.GetString("nearest_mode", "round_prefer_floor");
  }
  static const char* const kCoordinates[] = {"half_pixel",           "pytorch_half_pixel",
                                             "align_corners",        "asymmetric",
                                             "tf_half_pixel_for_nn", "tf_crop_and_resize"};
  if (std::find(std::begin(kCoordinates), std::end(kCoordinates), common.coordinates) ==
      std::end(kCoordinates)) {
    return Unsupported(absl::StrCat("coordinate_transformation_mode '", common.coordinates, "'"));
  }
  static const char* const kNearest[] = {"round_prefer_floor", "round_prefer_ceil", "floor",
                                         "ceil"};
  if (std::find(std::begin(kNearest), std::end(kNearest), common.nearest_mode) ==
      std::end(kNearest)) {
    return Unsupported(absl::StrCat("nearest_mode '", common.nearest_mode, "'"));
  }
  common.cubic_coeff_a = op.GetFloat("cubic_coeff_a", -0.75f);
  common.exclude_outside = op.GetInt("exclude_outside", 0) != 0;
  common.extrapolation_value = op.GetFloat("extrapolation_value", 0.0f);
  if (op.GetInt("antialias", 0) != 0) return Unsupported("antialias");
  if (op.has_attr("axes")) return Unsupported("the axes attribute");

  // Scales: Upsample-7's attribute, Upsample-9's and Resize-10's input 1,
  // Resize-11+'s input 2. Sizes (Resize-11+, input 3) need not be constant:
  // the static output shape is the sizes, and the scale is out / in.
  std::vector<double> scales;
  const bool scales_at_1 = op.type == "Upsample" || op.inputs.size() == 2;
  if (op.type == "Upsample" && op.has_attr("scales")) {
    const auto* attr = std::get_if<std::vector<float>>(&op.attrs.at("scales"));
    if (attr == nullptr) return Unsupported("attribute 'scales' must be floats");
    scales.assign(attr->begin(), attr->end());
  } else if (const ir::Value* s = NonEmpty(op.input(scales_at_1 ? 1 : 2)); s != nullptr) {
    auto values = ConstFloats(s, "scales");
    if (!values.ok()) return values.status();
    scales = *values;
  } else if (scales_at_1 || NonEmpty(op.input(3)) == nullptr) {
    return Unsupported("needs scales or sizes");
  }
  if (!scales.empty() && scales.size() != rank) {
    return Unsupported(
        absl::StrCat("scales has ", scales.size(), " values for a rank-", rank, " input"));
  }
  std::vector<double> roi;
  if (common.coordinates == "tf_crop_and_resize" && !scales_at_1) {
    if (const ir::Value* r = NonEmpty(op.input(1)); r != nullptr) {
      auto values = ConstFloats(r, "roi");
      if (!values.ok()) return values.status();
      roi = *values;
      if (roi.size() != 2 * rank) {
        return Unsupported(absl::StrCat("roi has ", roi.size(), " values; ", 2 * rank,
                                        " expected (starts, then ends)"));
      }
    }
  }
  ResizeParams params;
  for (size_t d = 0; d < rank; ++d) {
    ResizeAxisSpec a = common;
    a.in = in[d];
    a.out = out[d];
    if (a.in <= 0 || a.out <= 0) return Unsupported("zero-size tensors");
    a.scale = scales.empty() ? static_cast<double>(a.out) / a.in : scales[d];
    if (!(a.scale > 0)) return Unsupported(absl::StrCat("scale ", a.scale, " (must be > 0)"));
    if (!roi.empty()) a.roi_start = roi[d], a.roi_end = roi[d + rank];
    if (a.in * a.out > kMaxMatrixElements) {
      return Unsupported(absl::StrCat("axis ", d, " resizes ", a.in, " to ", a.out,
                                      "; interpolation matrices are limited to ",
                                      kMaxMatrixElements, " elements"));
    }
    params.axes.push_back(a);
  }
  return params;
}

bool IsLegacy(const ir::Op& op, int64_t opset) {
  return op.type == "Upsample" || (opset > 0 && opset < 11);
}

// y = R x + b along `axis` of x (row-major), into y.
absl::Status EmitAxis(LowerContext& ctx, const DramTensor& x, const DramTensor& y, size_t axis,
                      const AxisInterpolation& interp) {
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < axis; ++d) outer *= x.shape[d];
  for (size_t d = axis + 1; d < x.shape.size(); ++d) inner *= x.shape[d];
  const int64_t in = x.shape[axis], out = y.shape[axis];
  const bool has_bias =
      std::any_of(interp.bias.begin(), interp.bias.end(), [](float b) { return b != 0.0f; });
  const auto act = neff::ActivationFunction::IDENTITY;
  DramTensor bias;
  if (has_bias) bias = ctx.F32Weights(absl::StrCat("bias", axis), {out}, interp.bias);
  if (inner == 1) {
    // Rows of x times R^T: [outer, in] x [in, out].
    std::vector<float> transposed(in * out);
    for (int64_t o = 0; o < out; ++o) {
      for (int64_t i = 0; i < in; ++i) transposed[i * out + o] = interp.matrix[o * in + i];
    }
    const DramTensor rt =
        ctx.F32Weights(absl::StrCat("interpolation", axis), {in, out}, transposed);
    MatrixView a{x, 0, outer, in, in, 1};
    MatrixView b{rt, 0, in, out, out, 1};
    MatrixView c{bias, 0, outer, out, 0, 1};
    MatrixView yv{y, 0, outer, out, out, 1};
    return EmitMatmul(ctx, a, b, has_bias ? &c : nullptr, 1.0f, 1.0f, act, yv);
  }
  // R times each [in, inner] block: [out, in] x [in, inner].
  const DramTensor r =
      ctx.F32Weights(absl::StrCat("interpolation", axis), {out, in}, interp.matrix);
  MatrixView a{r, 0, out, in, in, 1};
  MatrixView c{bias, 0, out, inner, 1, 0};
  for (int64_t o = 0; o < outer; ++o) {
    MatrixView b{x, o * in * inner, in, inner, inner, 1};
    MatrixView yv{y, o * out * inner, out, inner, inner, 1};
    if (absl::Status s = EmitMatmul(ctx, a, b, has_bias ? &c : nullptr, 1.0f, 1.0f, act, yv);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool AxisInterpolation::identity() const {
  const int64_t out = static_cast<int64_t>(bias.size());
  if (static_cast<int64_t>(matrix.size()) != out * out) return false;
  for (int64_t o = 0; o < out; ++o) {
    if (bias[o] != 0.0f) return false;
    for (int64_t i = 0; i < out; ++i) {
      if (matrix[o * out + i] != (o == i ? 1.0f : 0.0f)) return false;
    }
  }
  return true;
}

AxisInterpolation InterpolationMatrix(const ResizeAxisSpec& s) {
  AxisInterpolation r;
  r.matrix.assign(s.out * s.in, 0.0f);
  r.bias.assign(s.out, 0.0f);
  for (int64_t o = 0; o < s.out; ++o) {
    const double x = SourceCoordinate(s, o);
    if (s.coordinates == "tf_crop_and_resize" && (x < 0 || x > s.in - 1.0)) {
      r.bias[o] = s.extrapolation_value;
      continue;
    }
    const double left = std::floor(x);
    std::vector<double> coeffs = Coefficients(s, x == left ? 1.0 : x - left);
    const std::vector<int64_t> at = Neighbours(x, static_cast<int64_t>(coeffs.size()), s.in);
    if (s.exclude_outside) {
      double sum = 0;
      for (size_t k = 0; k < at.size(); ++k) {
        if (at[k] < 0 || at[k] >= s.in) coeffs[k] = 0;
        sum += coeffs[k];
      }
      if (sum != 0) {
        for (double& c : coeffs) c /= sum;
      }
    }
    for (size_t k = 0; k < at.size(); ++k) {
      const int64_t i = std::clamp<int64_t>(at[k], 0, s.in - 1);
      r.matrix[o * s.in + i] += static_cast<float>(coeffs[k]);
    }
  }
  return r;
}

absl::Status CheckResize(const ir::Op& op) {
  const ir::Value* x = op.input(0);
  if (x == nullptr) return Unsupported("missing input X");
  if (x->dtype != ir::DType::kF32 || op.outputs[0]->dtype != ir::DType::kF32) {
    return Unsupported(
        absl::StrCat("X is ", ir::DTypeName(x->dtype), " (only f32 is lowered so far)"));
  }
  if (x->shape.empty()) return Unsupported("scalar input");
  // Legacy semantics change only coordinates, not what must be constant.
  auto params = Resolve(op, op.type == "Upsample");
  return params.ok() ? absl::OkStatus() : params.status();
}

absl::Status LowerResize(const ir::Op& op, LowerContext& ctx) {
  auto params = Resolve(op, IsLegacy(op, ctx.opset()));
  if (!params.ok()) return params.status();
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  // Axes whose interpolation is not the identity, innermost first (the
  // contiguous axis is one matmul over all rows).
  std::vector<std::pair<size_t, AxisInterpolation>> steps;
  for (size_t d = params->axes.size(); d-- > 0;) {
    AxisInterpolation interp = InterpolationMatrix(params->axes[d]);
    if (!interp.identity()) steps.emplace_back(d, std::move(interp));
  }
  if (steps.empty()) {
    EmitStridedCopy(ctx, x, 0, RowMajorStrides(x.shape), y, 0, RowMajorStrides(y.shape), y.shape);
    return absl::OkStatus();
  }
  DramTensor current = x;
  for (size_t k = 0; k < steps.size(); ++k) {
    const size_t axis = steps[k].first;
    DramTensor next = y;
    if (k + 1 < steps.size()) {
      ir::Shape shape = current.shape;
      shape[axis] = y.shape[axis];
      next = ctx.ScratchDram(absl::StrCat("resized", axis), neff::DType::F32, shape);
    }
    if (absl::Status s = EmitAxis(ctx, current, next, axis, steps[k].second); !s.ok()) return s;
    current = next;
  }
  return absl::OkStatus();
}

}  // namespace ncc::lower
