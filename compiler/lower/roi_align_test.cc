// RoiAlign lowered and run on the simulated NeuronCore, checked against
// references written from the operator definitions (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::Tensor;

// RoiAlign reference from the ONNX operator text (average mode): each bin
// averages sampling_ratio^2 bilinear samples; a sample beyond [-1, H] or
// [-1, W] counts as 0, coordinates below 0 are taken as 0, and the last
// row/column is repeated past the edge.
float Bilinear(const float* plane, int h, int w, float y, float x) {
  if (y < -1.0f || y > h || x < -1.0f || x > w) return 0.0f;
  y = std::max(y, 0.0f), x = std::max(x, 0.0f);
  int y0 = static_cast<int>(y), x0 = static_cast<int>(x), y1 = y0 + 1, x1 = x0 + 1;
  if (y0 >= h - 1) y0 = y1 = h - 1, y = static_cast<float>(y0);
  if (x0 >= w - 1) x0 = x1 = w - 1, x = static_cast<float>(x0);
  const float ly = y - y0, lx = x - x0, hy = 1 - ly, hx = 1 - lx;
  return hy * hx * plane[y0 * w + x0] + hy * lx * plane[y0 * w + x1] +
         ly * hx * plane[y1 * w + x0] + ly * lx * plane[y1 * w + x1];
}

Tensor RoiAlignRef(const Tensor& x, int c, int h, int w, const Tensor& rois, const Tensor& batch,
                   int out_h, int out_w, int ratio, float scale, bool half_pixel) {
  Tensor y;
  const float offset = half_pixel ? 0.5f : 0.0f;
  for (size_t r = 0; r < batch.size(); ++r) {
    const float x0 = rois[r * 4] * scale - offset, y0 = rois[r * 4 + 1] * scale - offset;
    float rw = rois[r * 4 + 2] * scale - offset - x0, rh = rois[r * 4 + 3] * scale - offset - y0;
    if (!half_pixel) rw = std::max(rw, 1.0f), rh = std::max(rh, 1.0f);
    const float bh = rh / out_h, bw = rw / out_w;
    for (int ch = 0; ch < c; ++ch) {
      const float* plane = &x[(static_cast<int>(batch[r]) * c + ch) * h * w];
      for (int ph = 0; ph < out_h; ++ph)
        for (int pw = 0; pw < out_w; ++pw) {
          double sum = 0;
          for (int iy = 0; iy < ratio; ++iy)
            for (int ix = 0; ix < ratio; ++ix) {
              const float sy = y0 + ph * bh + (iy + 0.5f) * bh / ratio;
              const float sx = x0 + pw * bw + (ix + 0.5f) * bw / ratio;
              sum += Bilinear(plane, h, w, sy, sx);
            }
          y.push_back(static_cast<float>(sum / (ratio * ratio)));
        }
    }
  }
  return y;
}

TEST(Resize, RoiAlignAverageWithRunTimeBoxesAndBatchIndices) {
  const std::string text =
      R"(graph g(%x: f32[2,3,6,7], %rois: f32[4,4], %b: i64[4]) -> (%half, %output_half) {
  %half: f32[4,3,3,2] = RoiAlign(%x, %rois, %b) {coordinate_transformation_mode="half_pixel", output_height=3, output_width=2, sampling_ratio=2, spatial_scale=0.5}
  %output_half: f32[4,3,3,2] = RoiAlign(%x, %rois, %b) {coordinate_transformation_mode="output_half_pixel", output_height=3, output_width=2, sampling_ratio=3, spatial_scale=0.5}
}
)";
  const Tensor x = Random(2 * 3 * 6 * 7, 91);
  // Boxes inside, partly outside (samples beyond the edge), thin, and reversed.
  const Tensor rois = {2, 1, 10, 9, -4, -3, 16, 14, 6, 6, 6.5, 6.5, 9, 8, 3, 2};
  const Tensor b = {1, 0, 1, 0};
  auto out = CompileAndRun(text, {{"x", x}, {"rois", rois}, {"b", b}});
  ExpectClose(out["half"], RoiAlignRef(x, 3, 6, 7, rois, b, 3, 2, 2, 0.5f, true), 1e-5);
  ExpectClose(out["output_half"], RoiAlignRef(x, 3, 6, 7, rois, b, 3, 2, 3, 0.5f, false), 1e-5);
}

}  // namespace
}  // namespace ncc
