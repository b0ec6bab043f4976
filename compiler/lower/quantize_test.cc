// Quantization (QuantizeLinear and co.) lowered and run on the simulated NeuronCore, checked
// against references written from the operator definitions (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/text.h"
#include "compiler/lower/lower.h"
#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::Random;
using lower::harness::Tensor;

// Round half to even (the default floating-point rounding mode), then add
// the zero point and saturate to [lo, hi].
float QuantizeRef(float v, float zero_point, float lo, float hi) {
  return std::min(hi, std::max(lo, std::nearbyint(v) + zero_point));
}

std::vector<float> RandomInts(int64_t n, int lo, int hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(dist(rng));
  return v;
}

TEST(Quantize, PerTensorRoundsHalfToEvenAndSaturates) {
  const std::string text =
      R"(graph g(%x: f32[10], %s: f32[], %zp: u8[], %zi: i8[]) -> (%u, %i, %d) {
  %u: u8[10] = QuantizeLinear(%x, %s, %zp)
  %i: i8[10] = QuantizeLinear(%x, %s, %zi)
  %d: f32[10] = DequantizeLinear(%u, %s, %zp)
}
)";
  const Tensor x = {0.0f, 1.0f, 3.0f, 5.0f, -1.0f, -3.0f, 7.0f, 1000.0f, -1000.0f, 2.2f};
  auto out = CompileAndRun(text, {{"x", x}, {"s", {2.0f}}, {"zp", {128.0f}}, {"zi", {-3.0f}}});
  Tensor u, i, d;
  for (float v : x) {
    u.push_back(QuantizeRef(v / 2.0f, 128.0f, 0.0f, 255.0f));
    i.push_back(QuantizeRef(v / 2.0f, -3.0f, -128.0f, 127.0f));
    d.push_back((u.back() - 128.0f) * 2.0f);
  }
  // Ties: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> 0, -1.5 -> -2, 3.5 -> 4.
  EXPECT_EQ(out["u"], u);
  EXPECT_EQ(out["i"], i);
  EXPECT_EQ(out["d"], d);
  EXPECT_EQ(out["u"][1], 128.0f);
  EXPECT_EQ(out["u"][3], 130.0f);
  EXPECT_EQ(out["u"][6], 132.0f);
}

TEST(Quantize, PerAxisOverManyTiles) {
  // 3 x 5 x 129 elements: several chunks, the axis in the middle.
  const int64_t n = 3 * 5 * 129;
  const std::string text = R"(graph g(%x: f32[3,5,129], %s: f32[5], %zp: i8[5]) -> (%q, %d) {
  %q: i8[3,5,129] = QuantizeLinear(%x, %s, %zp) {axis=1}
  %d: f32[3,5,129] = DequantizeLinear(%q, %s, %zp) {axis=-2}
}
)";
  Tensor x = Random(n, 71);
  for (float& v : x) v *= 300.0f;
  const Tensor s = {0.5f, 1.0f, 2.0f, 3.0f, 4.0f}, zp = {0.0f, -10.0f, 10.0f, 127.0f, -128.0f};
  auto out = CompileAndRun(text, {{"x", x}, {"s", s}, {"zp", zp}});
  Tensor q(n), d(n);
  for (int64_t e = 0; e < n; ++e) {
    const int64_t c = (e / 129) % 5;
    q[e] = QuantizeRef(x[e] / s[c], zp[c], -128.0f, 127.0f);
    d[e] = (q[e] - zp[c]) * s[c];
  }
  EXPECT_EQ(out["q"], q);
  EXPECT_EQ(out["d"], d);
}

TEST(Quantize, DynamicQuantizeLinearFindsTheRange) {
  const int64_t n = 1000;  // partial last tile
  const std::string text = R"(graph g(%x: f32[1000], %p: f32[7]) -> (%y, %s, %z, %py, %ps, %pz) {
  %y: u8[1000], %s: f32[], %z: u8[] = DynamicQuantizeLinear(%x)
  %py: u8[7], %ps: f32[], %pz: u8[] = DynamicQuantizeLinear(%p)
}
)";
  Tensor x = Random(n, 5);
  for (float& v : x) v = v * 3.0f + 1.0f;                        // [-2, 4]
  const Tensor p = {1.0f, 2.1f, 1.3f, 2.5f, 3.34f, 4.0f, 1.5f};  // all positive: min is 0
  auto out = CompileAndRun(text, {{"x", x}, {"p", p}});
  for (const auto& [in, y, s, z] :
       {std::tuple{x, "y", "s", "z"}, std::tuple{p, "py", "ps", "pz"}}) {
    const float lo = std::min(0.0f, *std::min_element(in.begin(), in.end()));
    const float hi = std::max(0.0f, *std::max_element(in.begin(), in.end()));
    const float scale = (hi - lo) / 255.0f;
    const float zero_point = QuantizeRef(0.0f - lo / scale, 0.0f, 0.0f, 255.0f);
    Tensor want;
    for (float v : in) want.push_back(QuantizeRef(v / scale, zero_point, 0.0f, 255.0f));
    EXPECT_EQ(out[s], Tensor{scale});
    EXPECT_EQ(out[z], Tensor{zero_point});
    EXPECT_EQ(out[y], want);
  }
}

// sum_k (a[b, m, k] - a_zp[m]) (b[b, k, n] - b_zp[n]), exact in integers.
Tensor IntegerMatMulRef(const Tensor& a, const Tensor& b, const Tensor& a_zp, const Tensor& b_zp,
                        int64_t batch, int64_t m, int64_t k, int64_t n) {
  Tensor y(batch * m * n);
  for (int64_t bi = 0; bi < batch; ++bi) {
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        int64_t acc = 0;
        for (int64_t t = 0; t < k; ++t) {
          const int64_t av =
              static_cast<int64_t>(a[(bi * m + i) * k + t] - a_zp[a_zp.size() == 1 ? 0 : i]);
          const int64_t bv =
              static_cast<int64_t>(b[(bi * k + t) * n + j] - b_zp[b_zp.size() == 1 ? 0 : j]);
          acc += av * bv;
        }
        y[(bi * m + i) * n + j] = static_cast<float>(acc);
      }
    }
  }
  return y;
}

TEST(Quantize, MatMulIntegerIsExact) {
  // K = 258: the largest K whose worst case stays below 2^24; u8 operands at
  // full range with per-row and per-column zero points, and a batched i8 case.
  const std::string text =
      R"(graph g(%a: u8[33,258], %b: u8[258,40], %az: u8[33], %bz: u8[40], %c: i8[3,5,7], %d: i8[3,7,4], %cz: i8[], %dz: i8[1]) -> (%y, %w) {
  %y: i32[33,40] = MatMulInteger(%a, %b, %az, %bz)
  %w: i32[3,5,4] = MatMulInteger(%c, %d, %cz, %dz)
}
)";
  Tensor a = RandomInts(33 * 258, 0, 255, 1), b = RandomInts(258 * 40, 0, 255, 2);
  for (int64_t t = 0; t < 258; ++t) a[t] = 255.0f, b[t * 40] = 255.0f;  // worst case row/column
  Tensor az = RandomInts(33, 0, 255, 3), bz = RandomInts(40, 0, 255, 4);
  az[0] = 0.0f, bz[0] = 0.0f;
  const Tensor c = RandomInts(3 * 5 * 7, -128, 127, 5), d = RandomInts(3 * 7 * 4, -128, 127, 6);
  auto out = CompileAndRun(text, {{"a", a},
                                  {"b", b},
                                  {"az", az},
                                  {"bz", bz},
                                  {"c", c},
                                  {"d", d},
                                  {"cz", {-7.0f}},
                                  {"dz", {3.0f}}});
  EXPECT_EQ(out["y"], IntegerMatMulRef(a, b, az, bz, 1, 33, 258, 40));
  EXPECT_EQ(out["y"][0], 255.0f * 255.0f * 258.0f);
  EXPECT_EQ(out["w"], IntegerMatMulRef(c, d, {-7.0f}, {3.0f}, 3, 5, 7, 4));
}

TEST(Quantize, QLinearMatMulRequantizes) {
  const std::string text =
      R"(graph g(%a: u8[2,6,20], %as: f32[], %az: u8[], %b: u8[2,20,9], %bs: f32[9], %bz: u8[9], %ys: f32[], %yz: i8[]) -> (%y) {
  %y: i8[2,6,9] = QLinearMatMul(%a, %as, %az, %b, %bs, %bz, %ys, %yz)
}
)";
  const Tensor a = RandomInts(2 * 6 * 20, 0, 255, 7), b = RandomInts(2 * 20 * 9, 0, 255, 8);
  const Tensor bz = RandomInts(9, 100, 150, 9);
  Tensor bs(9);
  for (int j = 0; j < 9; ++j) bs[j] = 0.001f * (j + 1);
  auto out = CompileAndRun(text, {{"a", a},
                                  {"as", {0.02f}},
                                  {"az", {120.0f}},
                                  {"b", b},
                                  {"bs", bs},
                                  {"bz", bz},
                                  {"ys", {0.5f}},
                                  {"yz", {-5.0f}}});
  const Tensor acc = IntegerMatMulRef(a, b, {120.0f}, bz, 2, 6, 20, 9);
  Tensor want(acc.size());
  for (size_t e = 0; e < acc.size(); ++e) {
    const float multiplier = 0.02f * bs[e % 9] / 0.5f;
    want[e] = QuantizeRef(acc[e] * multiplier, -5.0f, -128.0f, 127.0f);
  }
  EXPECT_EQ(out["y"], want);
}

// A direct convolution of integers (zero points subtracted, zero padding)
// per the ONNX spec; [n, co, ho, wo].
Tensor IntegerConvRef(const Tensor& x, const Tensor& w, float x_zp, const Tensor& w_zp, int64_t c,
                      int64_t h, int64_t wd, int64_t co, int64_t k, int64_t pad, int64_t stride) {
  const int64_t ho = (h + 2 * pad - k) / stride + 1, wo = (wd + 2 * pad - k) / stride + 1;
  Tensor y(co * ho * wo);
  for (int64_t o = 0; o < co; ++o) {
    for (int64_t i = 0; i < ho; ++i) {
      for (int64_t j = 0; j < wo; ++j) {
        int64_t acc = 0;
        for (int64_t ci = 0; ci < c; ++ci) {
          for (int64_t di = 0; di < k; ++di) {
            for (int64_t dj = 0; dj < k; ++dj) {
              const int64_t r = i * stride + di - pad, s = j * stride + dj - pad;
              if (r < 0 || r >= h || s < 0 || s >= wd) continue;
              const int64_t xv = static_cast<int64_t>(x[(ci * h + r) * wd + s] - x_zp);
              const int64_t wv = static_cast<int64_t>(w[((o * c + ci) * k + di) * k + dj] -
                                                      w_zp[w_zp.size() == 1 ? 0 : o]);
              acc += xv * wv;
            }
          }
        }
        y[(o * ho + i) * wo + j] = static_cast<float>(acc);
      }
    }
  }
  return y;
}

TEST(Quantize, ConvIntegerAndQLinearConv) {
  const std::string text =
      R"(graph g(%x: u8[1,3,9,9], %w: u8[4,3,3,3], %xz: u8[], %wz: u8[4], %xs: f32[], %ws: f32[4], %ys: f32[], %yz: u8[], %bias: i32[4]) -> (%y, %q) {
  %y: i32[1,4,9,9] = ConvInteger(%x, %w, %xz, %wz) {pads=[1,1,1,1]}
  %q: u8[1,4,4,4] = QLinearConv(%x, %xs, %xz, %w, %ws, %wz, %ys, %yz, %bias) {strides=[2,2]}
}
)";
  const Tensor x = RandomInts(3 * 81, 0, 255, 10), w = RandomInts(4 * 27, 0, 255, 11);
  const Tensor wz = {0.0f, 128.0f, 255.0f, 17.0f}, ws = {0.001f, 0.002f, 0.0005f, 0.003f};
  const Tensor bias = {1000.0f, -2000.0f, 0.0f, 123456.0f};
  auto out = CompileAndRun(text, {{"x", x},
                                  {"w", w},
                                  {"xz", {100.0f}},
                                  {"wz", wz},
                                  {"xs", {0.05f}},
                                  {"ws", ws},
                                  {"ys", {0.25f}},
                                  {"yz", {128.0f}},
                                  {"bias", bias}});
  EXPECT_EQ(out["y"], IntegerConvRef(x, w, 100.0f, wz, 3, 9, 9, 4, 3, 1, 1));
  const Tensor acc = IntegerConvRef(x, w, 100.0f, wz, 3, 9, 9, 4, 3, 0, 2);
  Tensor want(acc.size());
  for (size_t e = 0; e < acc.size(); ++e) {
    const int64_t o = static_cast<int64_t>(e) / 16;
    const float multiplier = 0.05f * ws[o] / 0.25f;
    want[e] = QuantizeRef((acc[e] + bias[o]) * multiplier, 128.0f, 0.0f, 255.0f);
  }
  EXPECT_EQ(out["q"], want);
}

std::string IntegerList(const Tensor& v) {
  std::vector<std::string> parts;
  for (float x : v) parts.push_back(absl::StrCat(static_cast<int>(x)));
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

TEST(Quantize, ConstantWeightsAreCenteredAtCompileTime) {
  // Constant i8 weights and zero points (per output channel), a grouped and
  // a depthwise convolution, and a MatMulInteger with a constant B and no
  // zero points.
  const Tensor x = RandomInts(4 * 49, -128, 127, 12), w = RandomInts(6 * 2 * 9, -128, 127, 13);
  const Tensor wz = {0.0f, -128.0f, 127.0f, 5.0f, -5.0f, 1.0f};
  const Tensor dw = RandomInts(4 * 9, -128, 127, 14), b = RandomInts(7 * 5, 0, 255, 15);
  const Tensor a = RandomInts(3 * 7, 0, 255, 16);
  const std::string text = absl::StrCat(
      "graph g(%x: i8[1,4,7,7], %xz: i8[], %a: u8[3,7]) -> (%grouped, %depthwise, %m) {\n"
      "  %w: i8[6,2,3,3] = constant ",
      IntegerList(w),
      "\n"
      "  %wz: i8[6] = constant ",
      IntegerList(wz),
      "\n"
      "  %dw: i8[4,1,3,3] = constant ",
      IntegerList(dw),
      "\n"
      "  %b: u8[7,5] = constant ",
      IntegerList(b),
      "\n"
      "  %grouped: i32[1,6,7,7] = ConvInteger(%x, %w, %xz, %wz) {group=2, pads=[1,1,1,1]}\n"
      "  %depthwise: i32[1,4,5,5] = ConvInteger(%x, %dw, %xz) {group=4}\n"
      "  %m: i32[3,5] = MatMulInteger(%a, %b)\n"
      "}\n");
  auto out = CompileAndRun(text, {{"x", x}, {"xz", {-3.0f}}, {"a", a}});
  // Group g: input channels [2g, 2g + 2), output channels [3g, 3g + 3).
  Tensor grouped;
  for (int g = 0; g < 2; ++g) {
    const Tensor xg(x.begin() + g * 2 * 49, x.begin() + (g + 1) * 2 * 49);
    const Tensor wg(w.begin() + g * 3 * 18, w.begin() + (g + 1) * 3 * 18);
    const Tensor zg(wz.begin() + g * 3, wz.begin() + (g + 1) * 3);
    const Tensor yg = IntegerConvRef(xg, wg, -3.0f, zg, 2, 7, 7, 3, 3, 1, 1);
    grouped.insert(grouped.end(), yg.begin(), yg.end());
  }
  EXPECT_EQ(out["grouped"], grouped);
  Tensor depthwise;
  for (int c = 0; c < 4; ++c) {
    const Tensor yc = IntegerConvRef(Tensor(x.begin() + c * 49, x.begin() + (c + 1) * 49),
                                     Tensor(dw.begin() + c * 9, dw.begin() + (c + 1) * 9), -3.0f,
                                     {0.0f}, 1, 7, 7, 1, 3, 0, 1);
    depthwise.insert(depthwise.end(), yc.begin(), yc.end());
  }
  EXPECT_EQ(out["depthwise"], depthwise);
  EXPECT_EQ(out["m"], IntegerMatMulRef(a, b, {0.0f}, {0.0f}, 1, 3, 7, 5));
}

TEST(Quantize, DynamicQuantizeLinearOverManyTiles) {
  // Two full [128, 2048] tiles and a partial row: the range is folded
  // across tiles.
  const int64_t n = 2 * 128 * 2048 + 3;
  const std::string text = R"(graph g(%x: f32[524291]) -> (%y, %s, %z) {
  %y: u8[524291], %s: f32[], %z: u8[] = DynamicQuantizeLinear(%x)
}
)";
  Tensor x = Random(n, 17);
  x[300000] = -7.0f, x[n - 1] = 9.0f;  // the extremes in the second tile and the last row
  auto out = CompileAndRun(text, {{"x", x}});
  const float scale = (9.0f - -7.0f) / 255.0f;
  const float zero_point = QuantizeRef(0.0f - -7.0f / scale, 0.0f, 0.0f, 255.0f);
  EXPECT_EQ(out["s"], Tensor{scale});
  EXPECT_EQ(out["z"], Tensor{zero_point});
  Tensor want(n);
  for (int64_t i = 0; i < n; ++i) want[i] = QuantizeRef(x[i] / scale, zero_point, 0.0f, 255.0f);
  EXPECT_EQ(out["y"], want);
}

TEST(Quantize, BadParametersAreReported) {
  auto graph = ir::Parse(
      R"(graph g(%x: f32[2,3], %s: f32[2], %zp: u8[3], %c: u8[1,4,5,5], %w: u8[2,3,3,3]) -> (%y, %z, %v) {
  %y: u8[2,3] = QuantizeLinear(%x, %s, %zp)
  %z: i8[2,3] = QuantizeLinear(%x, %s, %zp) {axis=0}
  %v: i32[1,2,3,3] = ConvInteger(%c, %w)
}
)");
  ASSERT_TRUE(graph.ok());
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 3u);
  EXPECT_EQ(unsupported[2].reason, "w [2,3,3,3] does not fit 4 input channels in 1 groups");
  EXPECT_NE(unsupported[0].reason.find("per-axis scales need one per element of axis 1 (3)"),
            std::string::npos)
      << unsupported[0].reason;
  EXPECT_NE(unsupported[1].reason.find("zero point is u8, not i8"), std::string::npos)
      << unsupported[1].reason;
}

}  // namespace
}  // namespace ncc
