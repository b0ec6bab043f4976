// 2-D and 3-D convolutions lowered and run on the simulated NeuronCore, checked against
// references written from the operator definitions (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::Act;
using lower::harness::CompileAndRun;
using lower::harness::Dims;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::Tensor;

struct ConvCase {
  int64_t n, c, h, w, co, kh, kw, group, sh, sw, dh, dw;
  std::vector<int64_t> pads;
  std::string auto_pad;
  bool bias;
  std::string act;
};

void PrintTo(const ConvCase& c, std::ostream* os) {
  *os << "x[" << c.n << "," << c.c << "," << c.h << "," << c.w << "] co" << c.co << " k" << c.kh
      << "x" << c.kw << " g" << c.group << " s" << c.sh << "," << c.sw << " d" << c.dh << ","
      << c.dw << " " << c.auto_pad;
}

class ConvTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvTest, MatchesReference) {
  const ConvCase& c = GetParam();
  int64_t pt = c.pads[0], pl = c.pads[1], pb = c.pads[2], pr = c.pads[3];
  const int64_t ekh = (c.kh - 1) * c.dh + 1, ekw = (c.kw - 1) * c.dw + 1;
  int64_t ho, wo;
  if (c.auto_pad == "SAME_UPPER") {
    ho = (c.h + c.sh - 1) / c.sh;
    wo = (c.w + c.sw - 1) / c.sw;
    int64_t th = std::max<int64_t>(0, (ho - 1) * c.sh + ekh - c.h);
    int64_t tw = std::max<int64_t>(0, (wo - 1) * c.sw + ekw - c.w);
    pt = th / 2, pb = th - pt, pl = tw / 2, pr = tw - pl;
  } else {
    ho = (c.h + pt + pb - ekh) / c.sh + 1;
    wo = (c.w + pl + pr - ekw) / c.sw + 1;
  }
  const int64_t cig = c.c / c.group, cog = c.co / c.group;
  std::string attrs =
      absl::StrCat("group=", c.group, ", kernel_shape=[", c.kh, ",", c.kw, "], strides=[", c.sh,
                   ",", c.sw, "], dilations=[", c.dh, ",", c.dw, "]");
  if (c.auto_pad.empty()) {
    absl::StrAppend(&attrs, ", pads=[", Dims(c.pads), "]");
  } else {
    absl::StrAppend(&attrs, ", auto_pad=\"", c.auto_pad, "\"");
  }
  std::string y_type = absl::StrCat("f32[", c.n, ",", c.co, ",", ho, ",", wo, "]");
  std::string text = absl::StrCat(
      "graph g(%x: f32[", c.n, ",", c.c, ",", c.h, ",", c.w, "], %w: f32[", c.co, ",", cig, ",",
      c.kh, ",", c.kw, "]", c.bias ? absl::StrCat(", %b: f32[", c.co, "]") : "", ") -> (%y) {\n",
      "  %v: ", y_type, " = Conv(%x, %w", c.bias ? ", %b" : "", ") {", attrs, "}\n",
      "  %y: ", y_type, " = ", c.act.empty() ? "Identity" : c.act, "(%v)\n}\n");
  Tensor x = Random(c.n * c.c * c.h * c.w, 6), w = Random(c.co * cig * c.kh * c.kw, 7);
  Tensor b = Random(c.co, 8);
  std::map<std::string, Tensor> in = {{"x", x}, {"w", w}};
  if (c.bias) in["b"] = b;
  Tensor want(c.n * c.co * ho * wo);
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t o = 0; o < c.co; ++o)
      for (int64_t i = 0; i < ho; ++i)
        for (int64_t j = 0; j < wo; ++j) {
          const int64_t g = o / cog;
          double acc = c.bias ? b[o] : 0.0;
          for (int64_t ci = 0; ci < cig; ++ci)
            for (int64_t r = 0; r < c.kh; ++r)
              for (int64_t s = 0; s < c.kw; ++s) {
                int64_t ih = i * c.sh + r * c.dh - pt, iw = j * c.sw + s * c.dw - pl;
                if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
                acc += double(x[((n * c.c + g * cig + ci) * c.h + ih) * c.w + iw]) *
                       w[((o * cig + ci) * c.kh + r) * c.kw + s];
              }
          want[((n * c.co + o) * ho + i) * wo + j] = Act(c.act, float(acc));
        }
  auto out = CompileAndRun(text, in);
  ExpectClose(out["y"], want);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvTest,
    ::testing::Values(
        ConvCase{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, "", false, ""},
        ConvCase{2, 3, 9, 11, 5, 3, 3, 1, 1, 1, 1, 1, {1, 1, 1, 1}, "", true, "Relu"},
        ConvCase{1, 4, 10, 9, 6, 3, 2, 2, 2, 3, 1, 1, {0, 2, 1, 0}, "", true, ""},
        ConvCase{1, 8, 7, 7, 8, 3, 3, 8, 1, 1, 2, 2, {2, 2, 2, 2}, "", false, "Relu"},
        ConvCase{2, 130, 9, 9, 130, 3, 3, 130, 2, 2, 1, 1, {1, 1, 1, 1}, "", true, "Relu"},
        ConvCase{1, 130, 6, 6, 129, 1, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, "", true, "Sigmoid"},
        ConvCase{1, 3, 13, 40, 4, 5, 5, 1, 2, 2, 1, 1, {0, 0, 0, 0}, "SAME_UPPER", true, ""}));

// Few input channels and constant weights: kernel columns folded into the
// contraction (partition s*C + c holds channel c shifted by s columns), one
// matmul per kernel row. ResNet's stem (3 channels, 7x7, stride 2, pad 3)
// with a bias and Relu, and an asymmetric, dilated, strided 3x5 case.
TEST(Conv, FewChannelsFoldKernelColumnsIntoTheContraction) {
  struct Case {
    int64_t c, h, w, co, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  };
  // Rows of at least 128 fp32 columns (the fold loads shifted rows one by one).
  for (const Case& k : {Case{3, 12, 130, 8, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3},
                        Case{2, 9, 140, 5, 3, 5, 1, 2, 1, 2, 1, 2, 0, 3}}) {
    const int64_t ho = (k.h + k.pt + k.pb - ((k.kh - 1) * k.dh + 1)) / k.sh + 1;
    const int64_t wo = (k.w + k.pl + k.pr - ((k.kw - 1) * k.dw + 1)) / k.sw + 1;
    Tensor x = Random(k.c * k.h * k.w, 65), w = Random(k.co * k.c * k.kh * k.kw, 66);
    Tensor b = Random(k.co, 67);
    const std::string text = absl::StrCat(
        "graph g(%x: f32[1,", k.c, ",", k.h, ",", k.w, "]) -> (%y) {\n  %w: f32[", k.co, ",", k.c,
        ",", k.kh, ",", k.kw, "] = constant [", absl::StrJoin(w, ", "), "]\n  %b: f32[", k.co,
        "] = constant [", absl::StrJoin(b, ", "), "]\n  %v: f32[1,", k.co, ",", ho, ",", wo,
        "] = Conv(%x, %w, %b) {kernel_shape=[", k.kh, ",", k.kw, "], strides=[", k.sh, ",", k.sw,
        "], dilations=[", k.dh, ",", k.dw, "], pads=[", k.pt, ",", k.pl, ",", k.pb, ",", k.pr,
        "]}\n  %y: f32[1,", k.co, ",", ho, ",", wo, "] = Relu(%v)\n}\n");
    Tensor want(k.co * ho * wo);
    for (int64_t o = 0; o < k.co; ++o)
      for (int64_t i = 0; i < ho; ++i)
        for (int64_t j = 0; j < wo; ++j) {
          double acc = b[o];
          for (int64_t ci = 0; ci < k.c; ++ci)
            for (int64_t r = 0; r < k.kh; ++r)
              for (int64_t q = 0; q < k.kw; ++q) {
                const int64_t ih = i * k.sh + r * k.dh - k.pt, iw = j * k.sw + q * k.dw - k.pl;
                if (ih < 0 || ih >= k.h || iw < 0 || iw >= k.w) continue;
                acc += double(x[(ci * k.h + ih) * k.w + iw]) *
                       w[((o * k.c + ci) * k.kh + r) * k.kw + q];
              }
          want[(o * ho + i) * wo + j] = std::max(0.0f, float(acc));
        }
    auto out = CompileAndRun(text, {{"x", x}});
    ExpectClose(out["y"], want);
  }
}

// Constant 1x1 and 3x3 weights: the weights of several 128-channel output
// tiles arrive in one DMA (a 1x1 tile's 128 fp32 columns are only 512 bytes
// per partition); 300 output channels make a short last tile, 130 input
// channels two contraction tiles.
TEST(Conv, ConstantWeightsForSeveralOutputTilesArriveTogether) {
  for (const int64_t kernel : {1, 3}) {
    const int64_t c = 130, h = 5, w = 6, co = 300, pad = kernel / 2;
    Tensor x = Random(c * h * w, 68), wt = Random(co * c * kernel * kernel, 69);
    for (float& v : wt) v *= 0.1f;
    const std::string text = absl::StrCat(
        "graph g(%x: f32[1,", c, ",", h, ",", w, "]) -> (%y) {\n  %w: f32[", co, ",", c, ",",
        kernel, ",", kernel, "] = constant [", absl::StrJoin(wt, ", "), "]\n  %y: f32[1,", co, ",",
        h, ",", w, "] = Conv(%x, %w) {kernel_shape=[", kernel, ",", kernel, "], pads=[", pad, ",",
        pad, ",", pad, ",", pad, "]}\n}\n");
    Tensor want(co * h * w);
    for (int64_t o = 0; o < co; ++o)
      for (int64_t i = 0; i < h; ++i)
        for (int64_t j = 0; j < w; ++j) {
          double acc = 0;
          for (int64_t ci = 0; ci < c; ++ci)
            for (int64_t r = 0; r < kernel; ++r)
              for (int64_t q = 0; q < kernel; ++q) {
                const int64_t ih = i + r - pad, iw = j + q - pad;
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                acc += double(x[(ci * h + ih) * w + iw]) *
                       wt[((o * c + ci) * kernel + r) * kernel + q];
              }
          want[(o * h + i) * w + j] = float(acc);
        }
    auto out = CompileAndRun(text, {{"x", x}});
    ExpectClose(out["y"], want);
  }
}

// 3-D convolution per the ONNX spec: y[n][co][od][oh][ow] = b[co] + sum over
// the group's input channels and kernel taps of x at (o * stride + k *
// dilation - begin pad) per axis, zero outside the input.
struct Axis3 {
  int64_t in, k, s, d, pad, out;
};
Tensor Conv3dReference(const Tensor& x, const Tensor& w, const Tensor& b, int64_t n, int64_t c,
                       int64_t co, int64_t groups, const Axis3 (&a)[3]) {
  const int64_t cig = c / groups, cog = co / groups;
  Tensor y(n * co * a[0].out * a[1].out * a[2].out);
  for (int64_t in = 0; in < n; ++in)
    for (int64_t o = 0; o < co; ++o)
      for (int64_t od = 0; od < a[0].out; ++od)
        for (int64_t oh = 0; oh < a[1].out; ++oh)
          for (int64_t ow = 0; ow < a[2].out; ++ow) {
            double acc = b.empty() ? 0.0 : b[o];
            for (int64_t ci = 0; ci < cig; ++ci)
              for (int64_t kd = 0; kd < a[0].k; ++kd)
                for (int64_t kh = 0; kh < a[1].k; ++kh)
                  for (int64_t kw = 0; kw < a[2].k; ++kw) {
                    const int64_t id = od * a[0].s + kd * a[0].d - a[0].pad;
                    const int64_t ih = oh * a[1].s + kh * a[1].d - a[1].pad;
                    const int64_t iw = ow * a[2].s + kw * a[2].d - a[2].pad;
                    if (id < 0 || id >= a[0].in || ih < 0 || ih >= a[1].in || iw < 0 ||
                        iw >= a[2].in) {
                      continue;
                    }
                    const int64_t xc = o / cog * cig + ci;
                    acc +=
                        double(x[(((in * c + xc) * a[0].in + id) * a[1].in + ih) * a[2].in + iw]) *
                        w[(((o * cig + ci) * a[0].k + kd) * a[1].k + kh) * a[2].k + kw];
                  }
            y[(((in * co + o) * a[0].out + od) * a[1].out + oh) * a[2].out + ow] = float(acc);
          }
  return y;
}

TEST(Conv3d, GroupsStridesDilationsPadsAndSameAutoPad) {
  // x [2, 4, 5, 6, 7]; w [6, 2, 2, 3, 2] in 2 groups; depth: kernel 2,
  // dilation 2, pads 1 and 2, stride 2 (depth padding slices are zeros);
  // height: kernel 3, pads 0 and 1; width: kernel 2, stride 2, pads 1 and 0.
  const std::string text =
      R"(graph g(%x: f32[2,4,5,6,7], %w: f32[6,2,2,3,2], %b: f32[6], %v: f32[3,4,2,2,2]) -> (%y, %s) {
  %y: f32[2,6,3,5,4] = Conv(%x, %w, %b) {group=2, strides=[2,1,2], dilations=[2,1,1], pads=[1,0,1,2,1,0]}
  %s: f32[2,3,5,6,7] = Conv(%x, %v) {auto_pad="SAME_UPPER"}
}
)";
  Tensor x = Random(2 * 4 * 5 * 6 * 7, 301), w = Random(6 * 2 * 2 * 3 * 2, 302), b = Random(6, 303),
         v = Random(3 * 4 * 8, 304);
  auto out = CompileAndRun(text, {{"x", x}, {"w", w}, {"b", b}, {"v", v}});
  const Axis3 ay[3] = {{5, 2, 2, 2, 1, 3}, {6, 3, 1, 1, 0, 5}, {7, 2, 2, 1, 1, 4}};
  ExpectClose(out["y"], Conv3dReference(x, w, b, 2, 4, 6, 2, ay));
  // SAME_UPPER with an even kernel: total pad 1 per axis, 0 at the start.
  const Axis3 as[3] = {{5, 2, 1, 1, 0, 5}, {6, 2, 1, 1, 0, 6}, {7, 2, 1, 1, 0, 7}};
  ExpectClose(out["s"], Conv3dReference(x, v, {}, 2, 4, 3, 1, as));
}

}  // namespace
}  // namespace ncc
