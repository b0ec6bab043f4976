// Resize lowered and run on the simulated NeuronCore, checked against
// references written from the operator definitions (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "compiler/ir/text.h"
#include "compiler/lower/lower.h"
#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::Tensor;

// Resize reference, written from the ONNX operator text: output index o
// samples input coordinate x (per coordinate_transformation_mode); the
// interpolation takes the n nearest positions of the input padded with its
// edge values (ties to the lower position) with the mode's coefficients.
struct ResizeAxisRef {
  int64_t in, out;
  double scale, roi_start = 0, roi_end = 1;
};

struct ResizeRef {
  std::string mode = "nearest", coordinates = "half_pixel", nearest = "round_prefer_floor";
  double a = -0.75;
  bool exclude_outside = false;
  float extrapolation = 0;
};

// (input position, weight) pairs for output index o; empty when o falls
// outside a tf_crop_and_resize region.
std::vector<std::pair<int64_t, double>> ResizeTaps(const ResizeRef& r, const ResizeAxisRef& ax,
                                                   int64_t o) {
  const double len = ax.scale * ax.in;
  double x;
  if (r.coordinates == "half_pixel") {
    x = (o + 0.5) / ax.scale - 0.5;
  } else if (r.coordinates == "pytorch_half_pixel") {
    x = ax.out > 1 ? (o + 0.5) / ax.scale - 0.5 : 0;
  } else if (r.coordinates == "align_corners") {
    x = len == 1 ? 0 : o * (ax.in - 1) / (len - 1);
  } else if (r.coordinates == "asymmetric") {
    x = o / ax.scale;
  } else if (r.coordinates == "tf_half_pixel_for_nn") {
    x = (o + 0.5) / ax.scale;
  } else {  // tf_crop_and_resize
    x = ax.roi_start * (ax.in - 1) +
        (len == 1 ? (ax.roi_end - ax.roi_start) * (ax.in - 1) / 2
                  : o * (ax.roi_end - ax.roi_start) * (ax.in - 1) / (len - 1));
    if (x < 0 || x > ax.in - 1) return {};
  }
  const double t = x == std::floor(x) ? 1.0 : x - std::floor(x);
  std::vector<double> c;
  if (r.mode == "linear") {
    c = {1 - t, t};
  } else if (r.mode == "cubic") {
    auto k = [&](double d) {  // Keys' cubic convolution kernel
      d = std::fabs(d);
      return d <= 1 ? (r.a + 2) * d * d * d - (r.a + 3) * d * d + 1
                    : r.a * d * d * d - 5 * r.a * d * d + 8 * r.a * d - 4 * r.a;
    };
    c = {k(t + 1), k(t), k(1 - t), k(2 - t)};
  } else if (t == 1.0) {
    c = {0, 1};
  } else {
    bool left = r.nearest == "floor" || (r.nearest == "round_prefer_floor" && t <= 0.5) ||
                (r.nearest == "round_prefer_ceil" && t < 0.5);
    c = {left ? 1.0 : 0.0, left ? 0.0 : 1.0};
  }
  const int64_t n = c.size(), pad = (n + 1) / 2;
  std::vector<int64_t> idx(ax.in + 2 * pad);
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::stable_sort(idx.begin(), idx.end(), [&](int64_t p, int64_t q) {
    return std::fabs(x + pad - p) < std::fabs(x + pad - q);
  });
  idx.resize(n);
  std::sort(idx.begin(), idx.end());
  double sum = 0;
  for (int64_t k = 0; k < n; ++k) {
    const int64_t i = idx[k] - pad;
    if (r.exclude_outside && (i < 0 || i >= ax.in)) c[k] = 0;
    sum += c[k];
  }
  std::vector<std::pair<int64_t, double>> taps;
  for (int64_t k = 0; k < n; ++k) {
    const int64_t i = std::clamp<int64_t>(idx[k] - pad, 0, ax.in - 1);
    taps.push_back({i, r.exclude_outside ? c[k] / sum : c[k]});
  }
  return taps;
}

Tensor ResizeReference(const ResizeRef& r, const std::vector<ResizeAxisRef>& axes,
                       const Tensor& x) {
  const size_t rank = axes.size();
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t d = rank - 1; d > 0; --d) in_strides[d - 1] = in_strides[d] * axes[d].in;
  int64_t total = 1;
  for (const auto& a : axes) total *= a.out;
  Tensor y(total);
  std::vector<int64_t> o(rank, 0);
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t rem = flat;
    for (size_t d = rank; d-- > 0;) o[d] = rem % axes[d].out, rem /= axes[d].out;
    // Sum over the product of the axes' taps.
    std::vector<std::pair<int64_t, double>> terms = {{0, 1.0}};
    bool outside = false;
    for (size_t d = 0; d < rank && !outside; ++d) {
      auto taps = ResizeTaps(r, axes[d], o[d]);
      outside = taps.empty();
      std::vector<std::pair<int64_t, double>> next;
      for (const auto& [offset, w] : terms) {
        for (const auto& [i, c] : taps) next.push_back({offset + i * in_strides[d], w * c});
      }
      terms = std::move(next);
    }
    double acc = 0;
    for (const auto& [offset, w] : terms) acc += w * x[offset];
    y[flat] = outside ? r.extrapolation : float(acc);
  }
  return y;
}

TEST(Resize, CubicWithConstantScalesExcludeOutside) {
  // Both resized axes, the outer one per [in, inner] block; scales whose
  // output sizes round down (5 * 1.5, 7 * 0.6).
  const std::string text = R"(graph g(%x: f32[2,3,5,7]) -> (%y) {
  %scales: f32[4] = constant [1.0, 1.0, 1.5, 0.6]
  %y: f32[2,3,7,4] = Resize(%x, _, %scales) {mode="cubic", cubic_coeff_a=-0.5, exclude_outside=1}
}
)";
  Tensor x = Random(2 * 3 * 5 * 7, 31);
  ResizeRef r;
  r.mode = "cubic", r.a = -0.5, r.exclude_outside = true;
  auto out = CompileAndRun(text, {{"x", x}});
  ExpectClose(out["y"], ResizeReference(r, {{2, 2, 1}, {3, 3, 1}, {5, 7, 1.5}, {7, 4, 0.6}}, x));
}

TEST(Resize, LinearAlignCornersOnTileSizedRows) {
  // 36 -> 72 columns over 80 rows: the rows-on-partitions matmul path.
  const std::string text = R"(graph g(%x: f32[1,2,40,36]) -> (%y) {
  %scales: f32[4] = constant [1.0, 1.0, 2.0, 2.0]
  %y: f32[1,2,80,72] = Resize(%x, _, %scales) {mode="linear", coordinate_transformation_mode="align_corners"}
}
)";
  Tensor x = Random(2 * 40 * 36, 32);
  ResizeRef r;
  r.mode = "linear", r.coordinates = "align_corners";
  auto out = CompileAndRun(text, {{"x", x}});
  ExpectClose(out["y"], ResizeReference(r, {{1, 1, 1}, {2, 2, 1}, {40, 80, 2}, {36, 72, 2}}, x));
}

TEST(Resize, NearestModesAndSizes) {
  // Sizes give the scale out / in; a run-time sizes input is fine because
  // the static output shape is the sizes.
  const std::string text = R"(graph g(%x: f32[3,10,6], %sizes: i64[3]) -> (%ceil, %floor, %tf) {
  %ceil: f32[3,13,6] = Resize(%x, _, _, %sizes) {coordinate_transformation_mode="asymmetric", nearest_mode="round_prefer_ceil"}
  %floor: f32[3,4,9] = Resize(%x, _, _, %sizes) {coordinate_transformation_mode="align_corners", nearest_mode="floor"}
  %tf: f32[3,7,5] = Resize(%x, _, _, %sizes) {coordinate_transformation_mode="tf_half_pixel_for_nn", nearest_mode="ceil"}
}
)";
  Tensor x = Random(3 * 10 * 6, 33);
  auto out = CompileAndRun(text, {{"x", x}, {"sizes", {3, 13, 6}}});
  ResizeRef r;
  r.coordinates = "asymmetric", r.nearest = "round_prefer_ceil";
  ExpectClose(out["ceil"], ResizeReference(r, {{3, 3, 1}, {10, 13, 1.3}, {6, 6, 1}}, x));
  r.coordinates = "align_corners", r.nearest = "floor";
  ExpectClose(out["floor"], ResizeReference(r, {{3, 3, 1}, {10, 4, 0.4}, {6, 9, 1.5}}, x));
  r.coordinates = "tf_half_pixel_for_nn", r.nearest = "ceil";
  ExpectClose(out["tf"], ResizeReference(r, {{3, 3, 1}, {10, 7, 0.7}, {6, 5, 5.0 / 6}}, x));
}

TEST(Resize, CropAndResizeExtrapolatesAndUpsampleIsAsymmetricFloor) {
  const std::string text = R"(graph g(%x: f32[1,1,6,8]) -> (%crop, %up, %half) {
  %roi: f32[8] = constant [0.0, 0.0, 0.2, -0.1, 1.0, 1.0, 0.9, 1.2]
  %sizes: i64[4] = constant [1, 1, 5, 7]
  %crop: f32[1,1,5,7] = Resize(%x, %roi, _, %sizes) {mode="linear", coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=10.0}
  %up: f32[1,1,12,24] = Upsample(%x) {mode="nearest", scales=[1.0, 1.0, 2.0, 3.0]}
  %sizes2: i64[4] = constant [1, 1, 6, 3]
  %half: f32[1,1,6,3] = Resize(%x, _, _, %sizes2) {mode="linear", coordinate_transformation_mode="pytorch_half_pixel"}
}
)";
  Tensor x = Random(6 * 8, 34);
  auto out = CompileAndRun(text, {{"x", x}});
  ResizeRef r;
  r.mode = "linear", r.coordinates = "tf_crop_and_resize", r.extrapolation = 10;
  ExpectClose(
      out["crop"],
      ResizeReference(
          r, {{1, 1, 1}, {1, 1, 1}, {6, 5, 5.0 / 6, 0.2, 0.9}, {8, 7, 7.0 / 8, -0.1, 1.2}}, x));
  ResizeRef up;
  up.coordinates = "asymmetric", up.nearest = "floor";
  ExpectClose(out["up"], ResizeReference(up, {{1, 1, 1}, {1, 1, 1}, {6, 12, 2}, {8, 24, 3}}, x));
  ResizeRef half;
  half.mode = "linear", half.coordinates = "pytorch_half_pixel";
  ExpectClose(out["half"],
              ResizeReference(half, {{1, 1, 1}, {1, 1, 1}, {6, 6, 1}, {8, 3, 3.0 / 8}}, x));
}

TEST(Resize, RunTimeScalesAreReportedUnsupported) {
  auto graph = ir::Parse(R"(graph g(%x: f32[1,1,2,2], %scales: f32[4]) -> (%y) {
  %y: f32[1,1,4,4] = Resize(%x, _, %scales)
}
)");
  ASSERT_TRUE(graph.ok());
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 1u);
  EXPECT_NE(unsupported[0].reason.find("scales 'scales' is computed at run time"),
            std::string::npos)
      << unsupported[0].reason;
}

}  // namespace
}  // namespace ncc
