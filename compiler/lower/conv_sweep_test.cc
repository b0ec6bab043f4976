// The convolution family over shapes that outgrow one tile on every axis:
// kernels of 1 to 1024 taps, 1 to 4096 input and output channels, strides 1
// to 160, output rows longer than a PSUM bank, groups, depthwise, odd sizes
// and a ConvTranspose, in 1-D and 2-D, with constant and run-time weights.
// Each is lowered, run on the simulated NeuronCore and compared with a
// reference written from the operator's definition, so that no shape whose
// tensors fit in device memory is refused for the size of a tile.
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
using lower::harness::RoundBf16;
using lower::harness::Tensor;

struct SweepCase {
  std::string what;
  int64_t n, c, h, w, co, kh, kw, group, sh, sw, dh, dw, ph, pw;  // h = 0: 1-D
  bool constant_w, bias;
  bool bf16 = false;  // x and w in bf16 (auto-cast's operands), fp32 accumulation
};

void PrintTo(const SweepCase& c, std::ostream* os) { *os << c.what; }

class ConvSweepTest : public ::testing::TestWithParam<SweepCase> {};

TEST_P(ConvSweepTest, MatchesReference) {
  const SweepCase& c = GetParam();
  const bool one_d = c.h == 0;
  const int64_t h = one_d ? 1 : c.h, ph = one_d ? 0 : c.ph;  // 1-D: pads are pw's
  const int64_t ho = (h + 2 * ph - ((c.kh - 1) * c.dh + 1)) / c.sh + 1;
  const int64_t wo = (c.w + 2 * c.pw - ((c.kw - 1) * c.dw + 1)) / c.sw + 1;
  const int64_t cig = c.c / c.group, cog = c.co / c.group;
  const std::vector<int64_t> x_shape =
      one_d ? std::vector<int64_t>{c.n, c.c, c.w} : std::vector<int64_t>{c.n, c.c, h, c.w};
  const std::vector<int64_t> w_shape =
      one_d ? std::vector<int64_t>{c.co, cig, c.kw} : std::vector<int64_t>{c.co, cig, c.kh, c.kw};
  const std::vector<int64_t> y_shape =
      one_d ? std::vector<int64_t>{c.n, c.co, wo} : std::vector<int64_t>{c.n, c.co, ho, wo};
  const std::string attrs =
      one_d
          ? absl::StrCat("group=", c.group, ", strides=[", c.sw, "], dilations=[", c.dw,
                         "], pads=[", c.pw, ",", c.pw, "]")
          : absl::StrCat("group=", c.group, ", strides=[", c.sh, ",", c.sw, "], dilations=[", c.dh,
                         ",", c.dw, "], pads=[", c.ph, ",", c.pw, ",", c.ph, ",", c.pw, "]");
  Tensor x = Random(c.n * c.c * h * c.w, 11), wt = Random(c.co * cig * c.kh * c.kw, 12);
  Tensor b = Random(c.co, 13);
  const char* type = c.bf16 ? "bf16" : "f32";
  if (c.bf16) {
    for (Tensor* t : {&x, &wt})
      for (float& v : *t) v = RoundBf16(v);
  }
  std::string text =
      absl::StrCat("graph g(%x: ", type, "[", Dims(x_shape), "]",
                   c.constant_w ? "" : absl::StrCat(", %w: ", type, "[", Dims(w_shape), "]"),
                   c.bias ? absl::StrCat(", %b: f32[", c.co, "]") : "", ") -> (%y) {\n");
  if (c.constant_w) {
    absl::StrAppend(&text, "  %w: ", type, "[", Dims(w_shape), "] = constant [", FloatList(wt),
                    "]\n");
  }
  absl::StrAppend(&text, "  %y: f32[", Dims(y_shape), "] = Conv(%x, %w", c.bias ? ", %b" : "",
                  ") {", attrs, "}\n}\n");
  std::map<std::string, Tensor> in = {{"x", x}};
  if (!c.constant_w) in["w"] = wt;
  if (c.bias) in["b"] = b;
  Tensor want(c.n * c.co * ho * wo);
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t o = 0; o < c.co; ++o)
      for (int64_t i = 0; i < ho; ++i)
        for (int64_t j = 0; j < wo; ++j) {
          const int64_t g = o / cog;
          double acc = c.bias ? b[o] : 0.0;
          for (int64_t ci = 0; ci < cig; ++ci)
            for (int64_t r = 0; r < c.kh; ++r) {
              const int64_t ih = i * c.sh + r * c.dh - ph;
              if (ih < 0 || ih >= h) continue;
              const float* xrow = &x[((n * c.c + g * cig + ci) * h + ih) * c.w];
              const float* wrow = &wt[((o * cig + ci) * c.kh + r) * c.kw];
              for (int64_t s = 0; s < c.kw; ++s) {
                const int64_t iw = j * c.sw + s * c.dw - c.pw;
                if (iw < 0 || iw >= c.w) continue;
                acc += double(xrow[iw]) * wrow[s];
              }
            }
          want[((n * c.co + o) * ho + i) * wo + j] = float(acc);
        }
  auto out = CompileAndRun(text, in);
  ExpectClose(out["y"], want, 1e-4);
}

// {what, n, c, h (0: 1-D), w, co, kh, kw, group, sh, sw, dh, dw, ph, pw, constant_w, bias}
INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvSweepTest,
    ::testing::Values(
        // Long kernels, few channels: taps folded into the contraction.
        SweepCase{"stft_257x512_stride160", 1, 1, 0, 16000, 257, 1, 512, 1, 1, 160, 1, 1, 0, 0,
                  true, true},
        SweepCase{"frames_k64_stride2_wo569", 1, 1, 0, 1200, 20, 1, 64, 1, 1, 2, 1, 1, 0, 0, true,
                  true},
        SweepCase{"frames_padded_k100_stride10", 2, 1, 0, 900, 9, 1, 100, 1, 1, 10, 1, 1, 20, 20,
                  true, false},
        SweepCase{"k1024_stride1", 1, 1, 0, 1100, 5, 1, 1024, 1, 1, 1, 1, 1, 0, 0, true, false},
        SweepCase{"k1024_stride7_pad_runtime_w", 2, 3, 0, 1500, 16, 1, 1024, 1, 1, 7, 1, 1, 5, 5,
                  false, true},
        SweepCase{"k160_stride160", 1, 2, 0, 1600, 33, 1, 160, 1, 1, 160, 1, 1, 0, 0, true, false},
        SweepCase{"k1024_single_output", 1, 5, 0, 1024, 3, 1, 1024, 1, 1, 1, 1, 1, 0, 0, true,
                  false},
        SweepCase{"k9_groups4_stride2", 1, 64, 0, 300, 128, 1, 9, 4, 1, 2, 1, 1, 4, 4, true, true},
        SweepCase{"depthwise_k160_long_row", 1, 16, 0, 16000, 16, 1, 160, 16, 1, 80, 1, 1, 0, 0,
                  true, true},
        SweepCase{"2d_k9x9_stride2", 1, 2, 20, 30, 7, 9, 9, 1, 2, 2, 1, 1, 4, 4, true, true},
        // ViT's patch embedding: columns folded, and output rows cut so the
        // 16 input rows each needs fit the input tile.
        SweepCase{"2d_patchify_k16_stride16_224", 1, 3, 224, 224, 8, 16, 16, 1, 16, 16, 1, 1, 0,
                  0, true, true},
        SweepCase{"2d_k3x11_dilated", 1, 4, 12, 40, 6, 3, 11, 1, 1, 3, 2, 2, 2, 5, false, false},
        // Many channels: contraction and output-channel tiles.
        SweepCase{"c4096_co257_k3", 1, 4096, 0, 5, 257, 1, 3, 1, 1, 1, 1, 1, 1, 1, false, true},
        SweepCase{"c257_co4096_k1", 1, 257, 0, 3, 4096, 1, 1, 1, 1, 1, 1, 1, 0, 0, false, false},
        SweepCase{"c1024_co1024_k7", 1, 1024, 0, 9, 1024, 1, 7, 1, 1, 1, 1, 1, 3, 3, false, true},
        SweepCase{"c257_co257_k7_odd", 1, 257, 0, 41, 257, 1, 7, 1, 1, 3, 1, 1, 3, 3, true, true},
        // Weights of one output tile larger than the resident budget: taps
        // streamed in chunks, all accumulated in one PSUM tile.
        SweepCase{"streamed_taps_c40_k512", 1, 40, 0, 1000, 128, 1, 512, 1, 1, 160, 1, 1, 0, 0,
                  false, false},
        SweepCase{"streamed_taps_const_c33_k256", 1, 33, 0, 300, 100, 1, 256, 1, 1, 1, 1, 1, 0, 0,
                  true, true},
        // Output rows longer than a PSUM bank: column chunks.
        SweepCase{"wo3000_c3", 1, 3, 0, 3000, 8, 1, 3, 1, 1, 1, 1, 1, 1, 1, true, true},
        SweepCase{"wo5000_c64", 1, 64, 0, 5000, 64, 1, 3, 1, 1, 1, 1, 1, 1, 1, false, false},
        SweepCase{"2d_wo700", 2, 3, 3, 700, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, true, false},
        // Auto-cast's bf16 operands (fp32 accumulation in PSUM).
        SweepCase{"bf16_stft", 1, 1, 0, 16000, 257, 1, 512, 1, 1, 160, 1, 1, 0, 0, false, true,
                  true},
        SweepCase{"bf16_streamed_taps_c40_k1024", 1, 40, 0, 1500, 130, 1, 1024, 1, 1, 160, 1, 1, 0,
                  0, false, false, true},
        SweepCase{"bf16_c4096_co130_wo600", 1, 4096, 0, 600, 130, 1, 1, 1, 1, 1, 1, 1, 0, 0, false,
                  false, true},
        SweepCase{"depthwise_k1024_row40000", 1, 4, 0, 40000, 4, 1, 1024, 4, 1, 160, 1, 1, 0, 0,
                  true, false},
        SweepCase{"unit", 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, true, false}));

// ConvTranspose shares the convolution's tiling: a 1-D one with a 64-tap
// kernel, stride 16 and an output of 688 columns (longer than a PSUM bank).
TEST(ConvSweep, ConvTransposeLongKernel) {
  const int64_t c = 2, co = 3, w = 40, k = 64, s = 16, wo = (w - 1) * s + k;
  Tensor x = Random(c * w, 21), wt = Random(c * co * k, 22);
  const std::string text =
      absl::StrCat("graph g(%x: f32[1,", c, ",", w, "]) -> (%y) {\n  %w: f32[", c, ",", co, ",", k,
                   "] = constant [", FloatList(wt), "]\n  %y: f32[1,", co, ",", wo,
                   "] = ConvTranspose(%x, %w) {strides=[", s, "]}\n}\n");
  Tensor want(co * wo, 0.0f);
  for (int64_t ci = 0; ci < c; ++ci)
    for (int64_t i = 0; i < w; ++i)
      for (int64_t o = 0; o < co; ++o)
        for (int64_t t = 0; t < k; ++t)
          want[o * wo + i * s + t] += x[ci * w + i] * wt[(ci * co + o) * k + t];
  auto out = CompileAndRun(text, {{"x", x}});
  ExpectClose(out["y"], want, 1e-4);
}

}  // namespace
}  // namespace ncc
