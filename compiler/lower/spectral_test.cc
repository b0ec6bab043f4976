// DFT, STFT and MelWeightMatrix lowered and run on the simulated NeuronCore, checked against
// references written from the operator definitions (testing/lowering_harness.h).
#include "compiler/lower/spectral.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "compiler/ir/text.h"
#include "compiler/lower/lower.h"
#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::Tensor;

// DFT reference from the ONNX spec: Y[k] = s * sum_j X[j] exp(-+2 pi i jk / n)
// along `axis` of x [outer, len, inner, comps] (comps 1: real), the signal
// zero-padded or truncated to n, s = 1 forward and 1 / n inverse (+ sign),
// bins 0 .. bins - 1; result [outer, bins, inner, 2].
Tensor DftReference(const Tensor& x, int64_t outer, int64_t len, int64_t inner, int comps,
                    int64_t n, int64_t bins, bool inverse) {
  Tensor y(outer * bins * inner * 2);
  const double sign = inverse ? 1.0 : -1.0, scale = inverse ? 1.0 / n : 1.0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i)
      for (int64_t k = 0; k < bins; ++k) {
        double re = 0, im = 0;
        for (int64_t j = 0; j < std::min(len, n); ++j) {
          const int64_t at = ((o * len + j) * inner + i) * comps;
          const double xr = x[at], xi = comps == 2 ? x[at + 1] : 0.0;
          const double t = sign * 2.0 * M_PI * double(j * k) / double(n);
          re += xr * std::cos(t) - xi * std::sin(t);
          im += xr * std::sin(t) + xi * std::cos(t);
        }
        const int64_t at = ((o * bins + k) * inner + i) * 2;
        y[at] = float(re * scale);
        y[at + 1] = float(im * scale);
      }
  return y;
}

TEST(Spectral, DftRealComplexInverseOnesidedAndDftLength) {
  // 200 samples and bins: two contraction tiles and two output tiles.
  const std::string text =
      R"(graph g(%r: f32[2,200,3,1], %c: f32[3,12,2], %p: f32[2,10,1]) -> (%fr, %ic, %pad, %cut) {
  %n16: i64[] = constant [16]
  %n6: i32[] = constant [6]
  %fr: f32[2,200,3,2] = DFT(%r) {axis=1}
  %ic: f32[3,12,2] = DFT(%c) {axis=-2, inverse=1}
  %pad: f32[2,9,2] = DFT(%p, %n16) {axis=1, onesided=1}
  %cut: f32[2,6,2] = DFT(%p, %n6) {axis=1}
}
)";
  Tensor r = Random(2 * 200 * 3, 41), c = Random(3 * 12 * 2, 42), p = Random(20, 43);
  auto out = CompileAndRun(text, {{"r", r}, {"c", c}, {"p", p}});
  ExpectClose(out["fr"], DftReference(r, 2, 200, 3, 1, 200, 200, false), 1e-5);
  ExpectClose(out["ic"], DftReference(c, 3, 12, 1, 2, 12, 12, true), 1e-5);
  ExpectClose(out["pad"], DftReference(p, 2, 10, 1, 1, 16, 9, false), 1e-5);
  ExpectClose(out["cut"], DftReference(p, 2, 10, 1, 1, 6, 6, false), 1e-5);
}

TEST(Spectral, DftRejectsRunTimeLengthOnesidedInverseAndHugeMatrices) {
  auto graph = ir::Parse(R"(graph g(%x: f32[1,8,1], %n: i64[], %l: f32[1,4096,1]) -> (%a, %b, %c) {
  %a: f32[1,8,2] = DFT(%x, %n) {axis=1}
  %b: f32[1,5,2] = DFT(%x) {axis=1, onesided=1, inverse=1}
  %c: f32[1,4096,2] = DFT(%l) {axis=1}
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 3u);
  EXPECT_TRUE(absl::StrContains(unsupported[2].reason, "4096 x 4096 DFT matrix"))
      << unsupported[2].reason;
  EXPECT_TRUE(absl::StrContains(unsupported[0].reason, "dft_length must be a compile-time"))
      << unsupported[0].reason;
  EXPECT_TRUE(absl::StrContains(unsupported[1].reason, "onesided inverse"))
      << unsupported[1].reason;
}

// STFT reference from the ONNX spec: frame f is signal[f * step, f * step +
// length) times the window, then its DFT of `length` points.
Tensor StftReference(const Tensor& x, int64_t batch, int64_t len, int comps, int64_t step,
                     int64_t length, const Tensor* window, int64_t bins) {
  const int64_t frames = 1 + (len - length) / step;
  Tensor y;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t f = 0; f < frames; ++f) {
      Tensor frame(length * comps);
      for (int64_t j = 0; j < length; ++j)
        for (int c = 0; c < comps; ++c) {
          const float w = window != nullptr ? (*window)[j] : 1.0f;
          frame[j * comps + c] = x[(b * len + f * step + j) * comps + c] * w;
        }
      Tensor spectrum = DftReference(frame, 1, length, 1, comps, length, bins, false);
      y.insert(y.end(), spectrum.begin(), spectrum.end());
    }
  return y;
}

TEST(Spectral, StftWithRunTimeWindowAndComplexSignal) {
  // 41 frames of 20 samples, window fed at run time; a complex signal with
  // frame_length and no window, all bins.
  const std::string text = R"(graph g(%x: f32[2,300,1], %w: f32[20], %z: f32[1,64,2]) -> (%s, %t) {
  %step: i64[] = constant [7]
  %step16: i32[] = constant [16]
  %len: i64[] = constant [16]
  %s: f32[2,41,11,2] = STFT(%x, %step, %w)
  %t: f32[1,4,16,2] = STFT(%z, %step16, _, %len) {onesided=0}
}
)";
  Tensor x = Random(600, 51), w = Random(20, 52), z = Random(128, 53);
  auto out = CompileAndRun(text, {{"x", x}, {"w", w}, {"z", z}});
  ExpectClose(out["s"], StftReference(x, 2, 300, 1, 7, 20, &w, 11), 1e-5);
  ExpectClose(out["t"], StftReference(z, 1, 64, 2, 16, 16, nullptr, 16), 1e-5);
}

TEST(Spectral, MelWeightMatrixIsAConstant) {
  const std::string text = R"(graph g() -> (%m) {
  %bins: i32[] = constant [8]
  %n: i32[] = constant [16]
  %rate: i32[] = constant [8192]
  %lo: f32[] = constant [0.0]
  %hi: f32[] = constant [4096.0]
  %m: f32[9,8] = MelWeightMatrix(%bins, %n, %rate, %lo, %hi)
}
)";
  // The ONNX backend test's expected matrix (node/test_melweightmatrix).
  Tensor want(72, 0.0f);
  const int rows[8] = {0, 0, 1, 1, 2, 3, 4, 5};
  for (int m = 0; m < 8; ++m) want[rows[m] * 8 + m] = 1.0f;
  auto out = CompileAndRun(text, {});
  EXPECT_EQ(out["m"], want);
}

TEST(Spectral, MelWeightMatrixTrianglesFromTheSpec) {
  // mel(f) = 2595 log10(1 + f / 700); num_mel_bins + 2 edges spaced by
  // (mel(hi) - mel(lo)) / (num_mel_bins + 2) from mel(lo); an edge's bin is
  // floor((dft_length + 1) f / sample_rate); triangles rise to 1 at the centre.
  auto weights = lower::MelWeights(4, 64, 16000, 100.0, 7000.0);
  ASSERT_TRUE(weights.ok()) << weights.status();
  const double mlo = 2595 * std::log10(1 + 100.0 / 700), mhi = 2595 * std::log10(1 + 7000.0 / 700);
  int64_t bin[6];
  for (int e = 0; e < 6; ++e) {
    const double hz = 700 * (std::pow(10.0, (mlo + e * (mhi - mlo) / 6) / 2595) - 1);
    bin[e] = int64_t(std::floor(65 * hz / 16000));
  }
  std::vector<double> want(33 * 4, 0.0);
  for (int m = 0; m < 4; ++m) {
    for (int64_t j = bin[m]; j <= bin[m + 1]; ++j)
      want[j * 4 + m] = bin[m + 1] == bin[m] ? 1.0 : double(j - bin[m]) / (bin[m + 1] - bin[m]);
    for (int64_t j = bin[m + 1]; j < bin[m + 2]; ++j)
      want[j * 4 + m] = double(bin[m + 2] - j) / (bin[m + 2] - bin[m + 1]);
  }
  EXPECT_EQ(*weights, want);
  EXPECT_GT(*std::max_element(want.begin(), want.end()), 0.99);
  // An upper edge beyond the Nyquist frequency has no spectrogram bin.
  auto beyond = lower::MelWeights(4, 64, 16000, 100.0, 30000.0);
  EXPECT_FALSE(beyond.ok());
  EXPECT_TRUE(absl::StrContains(beyond.status().message(), "outside [0, 33)"));
}

}  // namespace
}  // namespace ncc
