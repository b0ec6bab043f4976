// GridSample lowered and run on the simulated NeuronCore, checked against
// references written from the operator definitions (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/text.h"
#include "compiler/lower/lower.h"
#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::Tensor;

// GridSample reference, written from the ONNX/PyTorch definition: pixel
// coordinates from the normalized grid, padding applied to the coordinate
// (bilinear, nearest) or to each tap (bicubic), taps outside the image zero.
struct GridSampleRef {
  std::string mode = "bilinear", padding = "zeros";
  bool align = false;
};

float Reflected(float x, float lo, float hi) {
  if (lo == hi) return 0.0f;
  const float span = hi - lo, d = std::fabs(x - lo);
  const float extra = std::fmod(d, span);
  return int64_t(std::floor(d / span)) % 2 == 0 ? lo + extra : hi - extra;
}

float PaddedCoordinate(const GridSampleRef& r, float x, int64_t size) {
  if (r.padding == "zeros") return x;
  if (r.padding == "reflection") {
    x = r.align ? Reflected(x, 0.0f, size - 1.0f) : Reflected(x, -0.5f, size - 0.5f);
  }
  return std::clamp(x, 0.0f, size - 1.0f);
}

Tensor GridSampleReference(const GridSampleRef& r, const Tensor& x, const Tensor& grid, int64_t n,
                           int64_t c, int64_t h, int64_t w, int64_t ho, int64_t wo) {
  Tensor y(n * c * ho * wo);
  auto cubic = [](double d) {  // A = -0.75
    const double a = -0.75;
    d = std::fabs(d);
    if (d <= 1) return ((a + 2) * d - (a + 3)) * d * d + 1;
    return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
  };
  for (int64_t b = 0; b < n; ++b)
    for (int64_t q = 0; q < ho * wo; ++q) {
      const float gx = grid[(b * ho * wo + q) * 2], gy = grid[(b * ho * wo + q) * 2 + 1];
      float px =
          r.align ? gx * ((w - 1) / 2.0f) + (w - 1) / 2.0f : gx * (w / 2.0f) + (w - 1) / 2.0f;
      float py =
          r.align ? gy * ((h - 1) / 2.0f) + (h - 1) / 2.0f : gy * (h / 2.0f) + (h - 1) / 2.0f;
      std::vector<std::tuple<float, float, double>> taps;  // (row, column, weight)
      if (r.mode == "bicubic") {
        const float x0 = std::floor(px), y0 = std::floor(py);
        for (int i = -1; i <= 2; ++i)
          for (int j = -1; j <= 2; ++j) {
            taps.emplace_back(PaddedCoordinate(r, y0 + i, h), PaddedCoordinate(r, x0 + j, w),
                              cubic(py - (y0 + i)) * cubic(px - (x0 + j)));
          }
      } else {
        px = PaddedCoordinate(r, px, w), py = PaddedCoordinate(r, py, h);
        if (r.mode == "nearest") {
          taps.emplace_back(std::nearbyint(py), std::nearbyint(px), 1.0);
        } else {
          const float x0 = std::floor(px), y0 = std::floor(py), tx = px - x0, ty = py - y0;
          taps.emplace_back(y0, x0, (1 - ty) * (1 - tx));
          taps.emplace_back(y0, x0 + 1, (1 - ty) * tx);
          taps.emplace_back(y0 + 1, x0, ty * (1 - tx));
          taps.emplace_back(y0 + 1, x0 + 1, ty * tx);
        }
      }
      for (int64_t ch = 0; ch < c; ++ch) {
        double sum = 0;
        for (const auto& [row, col, weight] : taps) {
          if (row < 0 || row >= h || col < 0 || col >= w) continue;
          sum += weight * x[((b * c + ch) * h + int64_t(row)) * w + int64_t(col)];
        }
        y[(b * c + ch) * ho * wo + q] = float(sum);
      }
    }
  return y;
}

TEST(GridSample, EveryModePaddingAndAlignment) {
  // 135 output positions per image: two partition tiles, the second partial;
  // grid values reach well outside [-1, 1] so that every padding matters.
  const int64_t n = 2, c = 3, h = 5, w = 7, ho = 9, wo = 15;
  Tensor x = Random(n * c * h * w, 71), grid = Random(n * ho * wo * 2, 72);
  for (size_t i = 0; i < grid.size(); ++i) grid[i] *= i % 5 == 0 ? 3.5f : 1.2f;
  std::string text = "graph g(%x: f32[2,3,5,7], %grid: f32[2,9,15,2]) -> (";
  std::string body;
  std::vector<std::pair<std::string, GridSampleRef>> cases;
  for (const char* mode : {"bilinear", "nearest", "bicubic"})
    for (const char* padding : {"zeros", "border", "reflection"})
      for (bool align : {false, true}) {
        const std::string name = absl::StrCat("y_", mode, "_", padding, align ? "_ac" : "");
        cases.push_back({name, {mode, padding, align}});
        body +=
            absl::StrCat("  %", name, ": f32[2,3,9,15] = GridSample(%x, %grid) {mode=\"", mode,
                         "\", padding_mode=\"", padding, "\", align_corners=", int(align), "}\n");
      }
  std::vector<std::string> names;
  for (const auto& cs : cases) names.push_back("%" + cs.first);
  text += absl::StrJoin(names, ", ") + ") {\n" + body + "}\n";
  auto out = CompileAndRun(text, {{"x", x}, {"grid", grid}});
  for (const auto& [name, ref] : cases) {
    SCOPED_TRACE(name);
    ExpectClose(out[name], GridSampleReference(ref, x, grid, n, c, h, w, ho, wo), 1e-5);
  }
}

TEST(GridSample, VolumetricInputIsReportedNotLowered) {
  auto graph = ir::Parse(R"(graph g(%x: f32[1,2,3,4,5], %grid: f32[1,2,2,2,3]) -> (%y) {
  %y: f32[1,2,2,2,2] = GridSample(%x, %grid)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 1u);
  EXPECT_TRUE(absl::StrContains(unsupported[0].reason, "only 4-D")) << unsupported[0].reason;
}

}  // namespace
}  // namespace ncc
