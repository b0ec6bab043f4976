// Det lowered and run on the simulated NeuronCore, checked against
// references written from the operator definitions (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "compiler/ir/text.h"
#include "compiler/lower/lower.h"
#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::Tensor;

// Det of 1x1, 2x2 and 3x3 matrices, with a batch wider than the 128
// partitions; the reference is the Leibniz formula (a sum over permutations).
double LeibnizDet(const float* m, int n) {
  std::vector<int> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  double det = 0;
  do {
    int inversions = 0;
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) inversions += perm[i] > perm[j];
    }
    double term = inversions % 2 ? -1 : 1;
    for (int i = 0; i < n; ++i) term *= m[i * n + perm[i]];
    det += term;
  } while (std::next_permutation(perm.begin(), perm.end()));
  return det;
}

TEST(LinearAlgebra, DetOfSmallMatrices) {
  const std::string text =
      R"(graph g(%a: f32[1,1], %b: f32[2,2], %c: f32[130,3,3]) -> (%da, %db, %dc) {
  %da: f32[] = Det(%a)
  %db: f32[] = Det(%b)
  %dc: f32[130] = Det(%c)
}
)";
  const Tensor a = {-2.5}, b = {1.5, 2, -3, 4}, c = Random(130 * 9, 41);
  Tensor dc(130);
  for (int i = 0; i < 130; ++i) dc[i] = float(LeibnizDet(&c[i * 9], 3));
  auto out = CompileAndRun(text, {{"a", a}, {"b", b}, {"c", c}});
  EXPECT_EQ(out["da"], (Tensor{-2.5}));
  EXPECT_EQ(out["db"], (Tensor{12}));
  ExpectClose(out["dc"], dc);

  auto graph = ir::Parse(R"(graph g(%u: f32[4,4]) -> (%du) {
  %du: f32[] = Det(%u)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 1u);
  EXPECT_EQ(unsupported[0].reason, "4x4 matrices (closed forms up to 3x3)");
}

}  // namespace
}  // namespace ncc
