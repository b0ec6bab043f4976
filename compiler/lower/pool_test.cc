// Pooling (max, average, with indices, MaxUnpool, 2-D and 3-D) lowered and run on the simulated
// NeuronCore, checked against references written from the operator definitions
// (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::Tensor;

// Reference max/average pooling over NCHW with ONNX semantics.
Tensor PoolReference(const Tensor& x, int64_t n, int64_t c, int64_t h, int64_t w, int64_t ho,
                     int64_t wo, int64_t k, int64_t s, std::vector<int64_t> pads, bool is_max,
                     bool include_pad) {
  Tensor y(n * c * ho * wo);
  for (int64_t b = 0; b < n * c; ++b)
    for (int64_t i = 0; i < ho; ++i)
      for (int64_t j = 0; j < wo; ++j) {
        float acc = is_max ? -INFINITY : 0.0f;
        int64_t count = 0;
        for (int64_t r = 0; r < k; ++r)
          for (int64_t q = 0; q < k; ++q) {
            const int64_t ih = i * s + r - pads[0], iw = j * s + q - pads[1];
            const bool inside = ih >= 0 && ih < h && iw >= 0 && iw < w;
            const bool in_pad =
                ih >= -pads[0] && ih < h + pads[2] && iw >= -pads[1] && iw < w + pads[3];
            if (inside) {
              const float v = x[(b * h + ih) * w + iw];
              acc = is_max ? std::max(acc, v) : acc + v;
            }
            if (inside || (include_pad && in_pad)) ++count;
          }
        y[(b * ho + i) * wo + j] = is_max ? acc : acc / count;
      }
  return y;
}

TEST(Pool, MaxAndAverageWithPaddingAndCeilMode) {
  // 1x130x7x7 (channels cross 128), 3x3 stride 2 pad 1; ceil_mode on the
  // average pool adds a partial last window.
  const std::string text = R"(graph g(%x: f32[1,130,7,7]) -> (%m, %a, %i) {
  %m: f32[1,130,4,4] = MaxPool(%x) {kernel_shape=[3,3], pads=[1,1,1,1], strides=[2,2]}
  %a: f32[1,130,4,4] = AveragePool(%x) {kernel_shape=[3,3], pads=[0,0,0,0], strides=[2,2], ceil_mode=1}
  %i: f32[1,130,4,4] = AveragePool(%x) {kernel_shape=[3,3], pads=[1,1,1,1], strides=[2,2], count_include_pad=1}
}
)";
  Tensor x = Random(130 * 49, 14);
  auto out = CompileAndRun(text, {{"x", x}});
  ExpectClose(out["m"], PoolReference(x, 1, 130, 7, 7, 4, 4, 3, 2, {1, 1, 1, 1}, true, false));
  ExpectClose(out["a"], PoolReference(x, 1, 130, 7, 7, 4, 4, 3, 2, {0, 0, 0, 0}, false, false));
  ExpectClose(out["i"], PoolReference(x, 1, 130, 7, 7, 4, 4, 3, 2, {1, 1, 1, 1}, false, true));
}

// MaxPool of 8-bit integers: loaded as fp32 by DMA, the max is exact, the
// store converts back; padding never wins (-inf).
TEST(Pool, MaxPoolOfUint8AndInt8IsExact) {
  const std::string text = R"(graph g(%x: u8[1,130,5,5], %z: i8[1,2,4,4]) -> (%m, %n) {
  %m: u8[1,130,3,3] = MaxPool(%x) {kernel_shape=[3,3], pads=[1,1,1,1], strides=[2,2]}
  %n: i8[1,2,4,4] = MaxPool(%z) {kernel_shape=[3,3], pads=[1,1,1,1], strides=[1,1]}
}
)";
  Tensor x(130 * 25), z(2 * 16);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 37 + 11) % 256);
  for (size_t i = 0; i < z.size(); ++i)
    z[i] = static_cast<float>(static_cast<int>((i * 53) % 256) - 128);
  auto out = CompileAndRun(text, {{"x", x}, {"z", z}});
  EXPECT_EQ(out["m"], PoolReference(x, 1, 130, 5, 5, 3, 3, 3, 2, {1, 1, 1, 1}, true, false));
  EXPECT_EQ(out["n"], PoolReference(z, 1, 2, 4, 4, 4, 4, 3, 1, {1, 1, 1, 1}, true, false));
}

// Pooling geometry for DilatedPoolReference: kernel, strides, dilations
// per axis (height, width) and ONNX pads [top, left, bottom, right].
struct Pool2d {
  int64_t kh, kw, sh, sw, dh, dw;
  std::vector<int64_t> pads;
};

// Max (with the flat index of the first maximum) or average pooling over
// [planes, h, w] with ONNX semantics: ho = (h + pads - ((k - 1) d + 1)) / s + 1.
Tensor DilatedPoolReference(const Tensor& x, int64_t planes, int64_t h, int64_t w, const Pool2d& p,
                            bool is_max, bool include_pad, Tensor* argmax = nullptr) {
  const int64_t ho = (h + p.pads[0] + p.pads[2] - ((p.kh - 1) * p.dh + 1)) / p.sh + 1;
  const int64_t wo = (w + p.pads[1] + p.pads[3] - ((p.kw - 1) * p.dw + 1)) / p.sw + 1;
  Tensor y;
  for (int64_t b = 0; b < planes; ++b)
    for (int64_t i = 0; i < ho; ++i)
      for (int64_t j = 0; j < wo; ++j) {
        float acc = is_max ? -INFINITY : 0.0f;
        int64_t count = 0, best = 0;
        for (int64_t r = 0; r < p.kh; ++r)
          for (int64_t q = 0; q < p.kw; ++q) {
            const int64_t ih = i * p.sh + r * p.dh - p.pads[0];
            const int64_t iw = j * p.sw + q * p.dw - p.pads[1];
            if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
              const float v = x[(b * h + ih) * w + iw];
              if (is_max && v > acc) best = (b * h + ih) * w + iw;
              acc = is_max ? std::max(acc, v) : acc + v;
              ++count;
            } else if (include_pad) {
              ++count;
            }
          }
        y.push_back(is_max ? acc : acc / float(count));
        if (argmax != nullptr) argmax->push_back(float(best));
      }
  return y;
}

TEST(Pool, RowsWiderThanATileArePooledInColumnTiles) {
  // Padded rows of 5004 floats, 5 of them per window: more than an input
  // tile holds, so the outputs are tiled along the width too (2496 columns).
  const std::string text = R"(graph g(%x: f32[1,2,12,5000]) -> (%m) {
  %m: f32[1,2,10,2496] = MaxPool(%x) {kernel_shape=[3,5], strides=[1,2], dilations=[2,3], pads=[1,2,1,2]}
}
)";
  const Tensor x = Random(2 * 12 * 5000, 83);
  auto out = CompileAndRun(text, {{"x", x}});
  EXPECT_EQ(out["m"],
            DilatedPoolReference(x, 2, 12, 5000, {3, 5, 1, 2, 2, 3, {1, 2, 1, 2}}, true, false));
  // The average pool has no dilation: ho = 12, wo = 2500 with these pads.
  const std::string avg = R"(graph g(%x: f32[1,2,12,5000]) -> (%a) {
  %a: f32[1,2,12,2500] = AveragePool(%x) {kernel_shape=[3,5], strides=[1,2], pads=[1,2,1,2], count_include_pad=1}
}
)";
  auto out_avg = CompileAndRun(avg, {{"x", x}});
  ExpectClose(out_avg["a"],
              DilatedPoolReference(x, 2, 12, 5000, {3, 5, 1, 2, 1, 1, {1, 2, 1, 2}}, false, true));
}

TEST(Pool, WindowsTallerThanATileAreTakenInKernelRowGroups) {
  // A window of 81 rows x 3001 columns cannot sit in one tile: each output
  // tile takes the kernel a row at a time; Indices keep window order.
  const std::string text = R"(graph g(%x: f32[1,3,85,3010]) -> (%m, %i) {
  %m: f32[1,3,5,10], %i: i64[1,3,5,10] = MaxPool(%x) {kernel_shape=[3,3], dilations=[40,1500]}
}
)";
  Tensor x = Random(3 * 85 * 3010, 84);
  for (size_t k = 0; k < x.size(); k += 7) x[k] = 0.5f;  // ties: the first one wins
  auto out = CompileAndRun(text, {{"x", x}});
  Tensor argmax;
  EXPECT_EQ(out["m"], DilatedPoolReference(x, 3, 85, 3010, {3, 3, 1, 1, 40, 1500, {0, 0, 0, 0}},
                                           true, false, &argmax));
  EXPECT_EQ(out["i"], argmax);
}

TEST(Pool, MaxPoolReadsOnlyTheCellsItsWindowsTouch) {
  // Strides and dilations sharing a factor (2 and 4, 4 and 2) with odd
  // pads: the windows read every other row and column.
  const std::string text = R"(graph g(%x: f32[1,3,40,50], %z: f32[1,2,9000]) -> (%m, %n) {
  %m: f32[1,3,19,13] = MaxPool(%x) {kernel_shape=[3,4], strides=[2,4], dilations=[4,2], pads=[3,1,2,5]}
  %n: f32[1,2,890] = MaxPool(%z) {kernel_shape=[20], strides=[10], dilations=[6], pads=[5,5]}
}
)";
  const Tensor x = Random(3 * 40 * 50, 85), z = Random(2 * 9000, 86);
  auto out = CompileAndRun(text, {{"x", x}, {"z", z}});
  EXPECT_EQ(out["m"],
            DilatedPoolReference(x, 3, 40, 50, {3, 4, 2, 4, 4, 2, {3, 1, 2, 5}}, true, false));
  EXPECT_EQ(out["n"],
            DilatedPoolReference(z, 2, 1, 9000, {1, 20, 1, 10, 1, 6, {0, 5, 0, 5}}, true, false));
}

TEST(Pool, MaxPoolIndicesRowAndColumnMajor) {
  // 2x130x7x6 (two batches, channels cross 128), 3x3 stride 2 pad 1; the
  // Indices are flat into X: ((n * C + c) * H + h) * W + w, or with
  // storage_order=1 ((n * C + c) * W + w) * H + h.
  const std::string text = R"(graph g(%x: f32[2,130,7,6]) -> (%m, %i, %mc, %ic) {
  %m: f32[2,130,4,3], %i: i64[2,130,4,3] = MaxPool(%x) {kernel_shape=[3,3], pads=[1,1,1,1], strides=[2,2]}
  %mc: f32[2,130,4,3], %ic: i64[2,130,4,3] = MaxPool(%x) {kernel_shape=[3,3], pads=[1,1,1,1], strides=[2,2], storage_order=1}
}
)";
  Tensor x = Random(2 * 130 * 42, 74);
  Tensor m, i, ic;
  for (int plane = 0; plane < 260; ++plane)
    for (int oh = 0; oh < 4; ++oh)
      for (int ow = 0; ow < 3; ++ow) {
        float best = -INFINITY;
        int bh = 0, bw = 0;
        for (int r = 0; r < 3; ++r)
          for (int s = 0; s < 3; ++s) {
            const int h = oh * 2 + r - 1, w = ow * 2 + s - 1;
            if (h < 0 || h >= 7 || w < 0 || w >= 6) continue;
            const float v = x[(plane * 7 + h) * 6 + w];
            if (v > best) best = v, bh = h, bw = w;
          }
        m.push_back(best);
        i.push_back(float((plane * 7 + bh) * 6 + bw));
        ic.push_back(float((plane * 6 + bw) * 7 + bh));
      }
  auto out = CompileAndRun(text, {{"x", x}});
  EXPECT_EQ(out["m"], m);
  EXPECT_EQ(out["i"], i);
  EXPECT_EQ(out["mc"], m);
  EXPECT_EQ(out["ic"], ic);
}

// MaxUnpool (ONNX: zeros with X[k] written at the flat index I[k]) of
// MaxPool's outputs: non-overlapping 2x2 windows over two batches and 130
// channels; overlapping 3x3 stride-1 windows, where one element can win
// twice; and an output_shape larger than the default, where an index keeps
// its coordinates (as in the ONNX test data).
TEST(Pool, MaxUnpoolOfMaxPoolIndices) {
  const std::string text =
      R"(graph g(%x: f32[2,130,4,6], %s: f32[1,1,4,4], %v: f32[1,1,2,2], %j: i64[1,1,2,2]) -> (%u, %uo, %ul) {
  %m: f32[2,130,2,3], %i: i64[2,130,2,3] = MaxPool(%x) {kernel_shape=[2,2], strides=[2,2]}
  %u: f32[2,130,4,6] = MaxUnpool(%m, %i) {kernel_shape=[2,2], strides=[2,2]}
  %mo: f32[1,1,2,2], %io: i64[1,1,2,2] = MaxPool(%s) {kernel_shape=[3,3], strides=[1,1]}
  %uo: f32[1,1,4,4] = MaxUnpool(%mo, %io) {kernel_shape=[3,3], strides=[1,1]}
  %ul: f32[1,1,5,5] = MaxUnpool(%v, %j) {kernel_shape=[2,2], strides=[2,2]}
}
)";
  Tensor x = Random(2 * 130 * 24, 81);
  Tensor u(x.size(), 0.0f);
  for (int plane = 0; plane < 260; ++plane)
    for (int oh = 0; oh < 2; ++oh)
      for (int ow = 0; ow < 3; ++ow) {
        int best = -1;
        for (int r = 0; r < 2; ++r)
          for (int c = 0; c < 2; ++c) {
            const int at = (plane * 4 + oh * 2 + r) * 6 + ow * 2 + c;
            if (best < 0 || x[at] > x[best]) best = at;
          }
        u[best] = x[best];
      }
  // The 9 wins all four 3x3 windows: unpooled once, not summed.
  const Tensor s = {1, 2, 3, 4, 5, 9, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7};
  Tensor uo(16, 0.0f);
  uo[5] = 9;
  auto out = CompileAndRun(text, {{"x", x}, {"s", s}, {"v", {1, 2, 3, 4}}, {"j", {5, 7, 13, 15}}});
  EXPECT_EQ(out["u"], u);
  EXPECT_EQ(out["uo"], uo);
  Tensor ul(25, 0.0f);
  ul[6] = 1, ul[8] = 2, ul[16] = 3, ul[18] = 4;
  EXPECT_EQ(out["ul"], ul);
}

TEST(Pool, ThreeDMaxAndAverageWithPadding) {
  // x [1, 130, 5, 6, 7] (channels cross 128); kernel [2, 3, 2], strides
  // [2, 2, 1], pads begin [1, 1, 0] end [0, 1, 1].
  const std::string text = R"(graph g(%x: f32[1,130,5,6,7]) -> (%m, %a, %i) {
  %m: f32[1,130,3,3,7] = MaxPool(%x) {kernel_shape=[2,3,2], strides=[2,2,1], pads=[1,1,0,0,1,1]}
  %a: f32[1,130,3,3,7] = AveragePool(%x) {kernel_shape=[2,3,2], strides=[2,2,1], pads=[1,1,0,0,1,1]}
  %i: f32[1,130,3,3,7] = AveragePool(%x) {kernel_shape=[2,3,2], strides=[2,2,1], pads=[1,1,0,0,1,1], count_include_pad=1}
}
)";
  Tensor x = Random(130 * 5 * 6 * 7, 321);
  const int64_t in[3] = {5, 6, 7}, k[3] = {2, 3, 2}, s[3] = {2, 2, 1}, pb[3] = {1, 1, 0};
  const int64_t pe[3] = {0, 1, 1}, out_size[3] = {3, 3, 7};
  Tensor m, a, i;
  for (int64_t c = 0; c < 130; ++c)
    for (int64_t o0 = 0; o0 < out_size[0]; ++o0)
      for (int64_t o1 = 0; o1 < out_size[1]; ++o1)
        for (int64_t o2 = 0; o2 < out_size[2]; ++o2) {
          float best = -INFINITY;
          double sum = 0;
          int real = 0, padded = 0;
          for (int64_t k0 = 0; k0 < k[0]; ++k0)
            for (int64_t k1 = 0; k1 < k[1]; ++k1)
              for (int64_t k2 = 0; k2 < k[2]; ++k2) {
                const int64_t p[3] = {o0 * s[0] + k0 - pb[0], o1 * s[1] + k1 - pb[1],
                                      o2 * s[2] + k2 - pb[2]};
                bool inside = true, in_pad = true;
                for (int j = 0; j < 3; ++j) {
                  inside &= p[j] >= 0 && p[j] < in[j];
                  in_pad &= p[j] >= -pb[j] && p[j] < in[j] + pe[j];
                }
                padded += in_pad;
                if (!inside) continue;
                const float v = x[((c * 5 + p[0]) * 6 + p[1]) * 7 + p[2]];
                best = std::max(best, v), sum += v, ++real;
              }
          m.push_back(best);
          a.push_back(float(sum / real));
          i.push_back(float(sum / padded));
        }
  auto out = CompileAndRun(text, {{"x", x}});
  EXPECT_EQ(out["m"], m);
  ExpectClose(out["a"], a);
  ExpectClose(out["i"], i);
}

}  // namespace
}  // namespace ncc
