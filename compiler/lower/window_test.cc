// The Blackman, Hamming and Hann windows lowered and run on the simulated NeuronCore, checked
// against references written from the operator definitions (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "absl/strings/match.h"
#include "compiler/ir/text.h"
#include "compiler/lower/lower.h"
#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::ExpectClose;
using lower::harness::Tensor;

// The generalized cosine windows of the ONNX spec: a0 - a1 cos(2 pi n / N)
// + a2 cos(4 pi n / N), N = length (periodic) or length - 1 (symmetric).
Tensor CosineWindow(double a0, double a1, double a2, int length, bool periodic) {
  const int period = periodic ? length : length - 1;
  Tensor w(length, 1.0f);
  for (int n = 0; n < length && period > 0; ++n) {
    const double angle = 2.0 * M_PI * n / period;
    w[n] = float(a0 - a1 * std::cos(angle) + a2 * std::cos(2.0 * angle));
  }
  return w;
}

TEST(Window, LengthFromTheOutputPeriodicAndSymmetric) {
  // The size input is a run-time scalar: the output's length decides.
  const std::string text = R"(graph g(%n: i64[]) -> (%hann, %hamming, %blackman, %sym, %one) {
  %hann: f32[10] = HannWindow(%n)
  %hamming: f32[7] = HammingWindow(%n) {periodic=0}
  %blackman: f32[129] = BlackmanWindow(%n)
  %sym: f32[16] = BlackmanWindow(%n) {periodic=0}
  %one: f32[1] = HannWindow(%n) {periodic=0}
}
)";
  auto out = CompileAndRun(text, {{"n", Tensor{10.0f}}});
  ExpectClose(out["hann"], CosineWindow(0.5, 0.5, 0.0, 10, true), 1e-6);
  ExpectClose(out["hamming"], CosineWindow(25.0 / 46, 21.0 / 46, 0.0, 7, false), 1e-6);
  ExpectClose(out["blackman"], CosineWindow(0.42, 0.5, 0.08, 129, true), 1e-6);
  ExpectClose(out["sym"], CosineWindow(0.42, 0.5, 0.08, 16, false), 1e-6);
  EXPECT_EQ(out["one"], Tensor{1.0f});
}

TEST(Window, ConstantSizeMustMatchTheOutput) {
  auto graph = ir::Parse(R"(graph g() -> (%w) {
  %n: i32[] = constant [8]
  %w: f32[10] = HannWindow(%n)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 1u);
  EXPECT_TRUE(absl::StrContains(unsupported[0].reason, "disagrees")) << unsupported[0].reason;
}

}  // namespace
}  // namespace ncc
