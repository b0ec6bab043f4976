// ConvTranspose in 2-D and 3-D lowered and run on the simulated NeuronCore, checked against
// references written from the operator definitions (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::Dims;
using lower::harness::ExpectClose;
using lower::harness::FloatList;
using lower::harness::Random;
using lower::harness::Tensor;

// ConvTranspose reference from the operator's definition: input (i, j)
// through tap (r, s) adds to output (i*sh + r*dh - ph, j*sw + s*dw - pw).
struct ConvTransposeCase {
  std::vector<int64_t> x, w;  // [n, c, (h,) w], [c, co/group, (kh,) kw]
  int64_t group;
  std::vector<int64_t> strides, dilations, begin_pads, out;  // per spatial axis
  std::string attrs;                                         // as written on the op
  bool bias, constant_w;
};

void PrintTo(const ConvTransposeCase& c, std::ostream* os) {
  *os << "x[" << Dims(c.x) << "] w[" << Dims(c.w) << "] " << c.attrs
      << (c.constant_w ? " constant W" : " run-time W");
}

class ConvTransposeTest : public ::testing::TestWithParam<ConvTransposeCase> {};

TEST_P(ConvTransposeTest, MatchesReference) {
  const ConvTransposeCase& c = GetParam();
  const bool one_d = c.x.size() == 3;
  const int64_t n = c.x[0], ci = c.x[1], h = one_d ? 1 : c.x[2], w = c.x.back();
  const int64_t cog = c.w[1], kh = one_d ? 1 : c.w[2], kw = c.w.back();
  const int64_t co = cog * c.group, cig = ci / c.group;
  const int64_t sh = one_d ? 1 : c.strides[0], sw = c.strides.back();
  const int64_t dh = one_d ? 1 : c.dilations[0], dw = c.dilations.back();
  const int64_t ph = one_d ? 0 : c.begin_pads[0], pw = c.begin_pads.back();
  const int64_t ho = one_d ? 1 : c.out[0], wo = c.out.back();
  std::vector<int64_t> y_shape = {n, co};
  y_shape.insert(y_shape.end(), c.out.begin(), c.out.end());
  Tensor x = Random(n * ci * h * w, 41), wt = Random(ci * cog * kh * kw, 42), b = Random(co, 43);
  std::string text =
      absl::StrCat("graph g(%x: f32[", Dims(c.x), "]",
                   c.constant_w ? "" : absl::StrCat(", %w: f32[", Dims(c.w), "]"),
                   c.bias ? absl::StrCat(", %b: f32[", co, "]") : "", ") -> (%y) {\n");
  if (c.constant_w)
    absl::StrAppend(&text, "  %w: f32[", Dims(c.w), "] = constant [", FloatList(wt), "]\n");
  absl::StrAppend(&text, "  %y: f32[", Dims(y_shape), "] = ConvTranspose(%x, %w",
                  c.bias ? ", %b" : "", ") {group=", c.group, c.attrs.empty() ? "" : ", ", c.attrs,
                  "}\n}\n");
  std::map<std::string, Tensor> in = {{"x", x}};
  if (!c.constant_w) in["w"] = wt;
  if (c.bias) in["b"] = b;
  Tensor want(n * co * ho * wo, 0.0f);
  for (int64_t bn = 0; bn < n; ++bn)
    for (int64_t o = 0; o < co; ++o)
      for (int64_t i = 0; i < ho * wo; ++i) want[(bn * co + o) * ho * wo + i] = c.bias ? b[o] : 0;
  for (int64_t bn = 0; bn < n; ++bn)
    for (int64_t c_in = 0; c_in < ci; ++c_in)
      for (int64_t i = 0; i < h; ++i)
        for (int64_t j = 0; j < w; ++j)
          for (int64_t o = 0; o < cog; ++o)
            for (int64_t r = 0; r < kh; ++r)
              for (int64_t s = 0; s < kw; ++s) {
                const int64_t oh = i * sh + r * dh - ph, ow = j * sw + s * dw - pw;
                if (oh < 0 || oh >= ho || ow < 0 || ow >= wo) continue;
                const int64_t out_c = (c_in / cig) * cog + o;
                want[((bn * co + out_c) * ho + oh) * wo + ow] +=
                    x[((bn * ci + c_in) * h + i) * w + j] *
                    wt[((c_in * cog + o) * kh + r) * kw + s];
              }
  auto out = CompileAndRun(text, in);
  ExpectClose(out["y"], want);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvTransposeTest,
    ::testing::Values(
        // strides, asymmetric pads and output_padding (out = s (in - 1) + op + k - pads)
        ConvTransposeCase{{1, 3, 5, 4},
                          {3, 2, 3, 3},
                          1,
                          {2, 3},
                          {1, 1},
                          {1, 0},
                          {11, 11},
                          "strides=[2,3], pads=[1,0,2,1], output_padding=[1,2]",
                          true,
                          false},
        ConvTransposeCase{{1, 3, 5, 4},
                          {3, 2, 3, 3},
                          1,
                          {2, 3},
                          {1, 1},
                          {1, 0},
                          {11, 11},
                          "strides=[2,3], pads=[1,0,2,1], output_padding=[1,2]",
                          false,
                          true},
        // groups and dilations
        ConvTransposeCase{{2, 4, 3, 3},
                          {4, 3, 2, 3},
                          2,
                          {1, 1},
                          {2, 1},
                          {0, 0},
                          {5, 5},
                          "dilations=[2,1]",
                          true,
                          true},
        // 1-D, SAME_LOWER: out = in * stride, total padding 1 at the start
        ConvTransposeCase{{1, 2, 7},
                          {2, 3, 4},
                          1,
                          {3},
                          {1},
                          {1},
                          {21},
                          "strides=[3], auto_pad=\"SAME_LOWER\"",
                          true,
                          false},
        // depthwise (one channel per group), cropped by pads
        ConvTransposeCase{{1, 4, 6, 6},
                          {4, 1, 3, 3},
                          4,
                          {2, 2},
                          {1, 1},
                          {1, 1},
                          {11, 11},
                          "strides=[2,2], pads=[1,1,1,1]",
                          true,
                          true},
        // output_shape larger than the natural output: the extra row is zero
        ConvTransposeCase{{1, 1, 3, 3},
                          {1, 2, 3, 3},
                          1,
                          {3, 2},
                          {1, 1},
                          {0, 0},
                          {10, 8},
                          "strides=[3,2], output_shape=[10,8]",
                          false,
                          false},
        // 130 input channels: two partition tiles of the contraction
        ConvTransposeCase{{1, 130, 3, 3},
                          {130, 5, 2, 2},
                          1,
                          {2, 2},
                          {1, 1},
                          {0, 0},
                          {6, 6},
                          "strides=[2,2]",
                          true,
                          true}));

TEST(Conv3d, ConvTransposeStridedWithPads) {
  // ConvTranspose per the spec: x[n][ci][i] adds x * w[ci][co][k] into
  // y[n][co][i * stride + k * dilation - begin pad] on every axis.
  const std::string text = R"(graph g(%x: f32[1,2,3,4,3], %w: f32[2,3,2,3,2]) -> (%y) {
  %y: f32[1,3,5,5,5] = ConvTranspose(%x, %w) {strides=[2,1,2], pads=[1,0,0,0,1,1]}
}
)";
  Tensor x = Random(2 * 36, 311), w = Random(2 * 3 * 12, 312);
  const int64_t in[3] = {3, 4, 3}, k[3] = {2, 3, 2}, s[3] = {2, 1, 2}, pad[3] = {1, 0, 0};
  Tensor y(3 * 125, 0.0f);
  for (int64_t ci = 0; ci < 2; ++ci)
    for (int64_t co = 0; co < 3; ++co)
      for (int64_t i0 = 0; i0 < in[0]; ++i0)
        for (int64_t i1 = 0; i1 < in[1]; ++i1)
          for (int64_t i2 = 0; i2 < in[2]; ++i2)
            for (int64_t k0 = 0; k0 < k[0]; ++k0)
              for (int64_t k1 = 0; k1 < k[1]; ++k1)
                for (int64_t k2 = 0; k2 < k[2]; ++k2) {
                  const int64_t o0 = i0 * s[0] + k0 - pad[0], o1 = i1 * s[1] + k1 - pad[1],
                                o2 = i2 * s[2] + k2 - pad[2];
                  if (o0 < 0 || o0 >= 5 || o1 < 0 || o1 >= 5 || o2 < 0 || o2 >= 5) continue;
                  y[((co * 5 + o0) * 5 + o1) * 5 + o2] +=
                      x[((ci * 3 + i0) * 4 + i1) * 3 + i2] *
                      w[(((ci * 3 + co) * 2 + k0) * 3 + k1) * 2 + k2];
                }
  auto out = CompileAndRun(text, {{"x", x}, {"w", w}});
  ExpectClose(out["y"], y);
}

}  // namespace
}  // namespace ncc
