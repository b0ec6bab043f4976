// Layout ops (Reshape, Flatten, Identity, Dropout) lowered and run on the simulated NeuronCore,
// checked against references written from the operator definitions (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::Tensor;

TEST(Layout, ReshapeAliasesAndModelOutputsGetTheirOwnCopy) {
  const std::string text = R"(graph g(%x: f32[2,3,4]) -> (%y, %f) {
  %r: f32[2,3,4] = Relu(%x)
  %f: f32[2,12] = Flatten(%r) {axis=1}
  %u: f32[1,24] = Reshape(%f)
  %y: f32[1,24] = Sigmoid(%u)
}
)";
  Tensor x = Random(24, 13), want_f(24), want_y(24);
  for (int i = 0; i < 24; ++i) {
    want_f[i] = std::max(0.0f, x[i]);
    want_y[i] = 1.0f / (1.0f + std::exp(-want_f[i]));
  }
  auto out = CompileAndRun(text, {{"x", x}});
  ExpectClose(out["f"], want_f);
  ExpectClose(out["y"], want_y);
}

TEST(Layout, InferenceDropoutPassesDataAndAnAllTrueMask) {
  const std::string text = R"(graph g(%x: f32[3,4,5]) -> (%y, %mask) {
  %y: f32[3,4,5], %mask: bool[3,4,5] = Dropout(%x)
}
)";
  Tensor x = Random(60, 61);
  auto out = CompileAndRun(text, {{"x", x}});
  EXPECT_EQ(out["y"], x);
  EXPECT_EQ(out["mask"], Tensor(60, 1.0f));
}

}  // namespace
}  // namespace ncc
