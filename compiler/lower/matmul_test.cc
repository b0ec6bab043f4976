// Gemm and MatMul lowered and run on the simulated NeuronCore, checked against
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

using lower::harness::Act;
using lower::harness::CompileAndRun;
using lower::harness::Dims;
using lower::harness::ExpectClose;
using lower::harness::FloatAttr;
using lower::harness::Random;
using lower::harness::Tensor;

struct GemmCase {
  int64_t m, k, n;
  bool trans_a, trans_b;
  float alpha, beta;
  std::vector<int64_t> c_shape;  // empty: no C
  std::string act;
};

void PrintTo(const GemmCase& c, std::ostream* os) {
  *os << "M" << c.m << " K" << c.k << " N" << c.n << " transA" << c.trans_a << " transB"
      << c.trans_b << " C[" << Dims(c.c_shape) << "] " << c.act;
}

class GemmTest : public ::testing::TestWithParam<GemmCase> {};

TEST_P(GemmTest, MatchesReference) {
  const GemmCase& c = GetParam();
  std::vector<int64_t> a_shape =
      c.trans_a ? std::vector<int64_t>{c.k, c.m} : std::vector<int64_t>{c.m, c.k};
  std::vector<int64_t> b_shape =
      c.trans_b ? std::vector<int64_t>{c.n, c.k} : std::vector<int64_t>{c.k, c.n};
  std::string text = absl::StrCat(
      "graph g(%a: f32[", Dims(a_shape), "], %b: f32[", Dims(b_shape), "]",
      c.c_shape.empty() ? "" : absl::StrCat(", %c: f32[", Dims(c.c_shape), "]"), ") -> (%y) {\n",
      "  %g: f32[", c.m, ",", c.n, "] = Gemm(%a, %b", c.c_shape.empty() ? "" : ", %c",
      ") {alpha=", FloatAttr(c.alpha), ", beta=", FloatAttr(c.beta), ", transA=", c.trans_a,
      ", transB=", c.trans_b, "}\n");
  if (c.act.empty()) {
    text = absl::StrCat(text, "  %y: f32[", c.m, ",", c.n, "] = Identity(%g)\n}\n");
  } else {
    text = absl::StrCat(text, "  %y: f32[", c.m, ",", c.n, "] = ", c.act, "(%g)\n}\n");
  }
  Tensor a = Random(c.m * c.k, 1), b = Random(c.k * c.n, 2);
  std::map<std::string, Tensor> in = {{"a", a}, {"b", b}};
  Tensor cv;
  int64_t c_rows = 1, c_cols = 1;
  if (!c.c_shape.empty()) {
    int64_t n = 1;
    for (int64_t d : c.c_shape) n *= d;
    cv = Random(n, 3);
    in["c"] = cv;
    c_cols = c.c_shape.back();
    c_rows = c.c_shape.size() == 2 ? c.c_shape[0] : 1;
  }
  Tensor want(c.m * c.n);
  for (int64_t i = 0; i < c.m; ++i) {
    for (int64_t j = 0; j < c.n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < c.k; ++p) {
        float av = c.trans_a ? a[p * c.m + i] : a[i * c.k + p];
        float bv = c.trans_b ? b[j * c.k + p] : b[p * c.n + j];
        acc += double(av) * bv;
      }
      float v = c.alpha * float(acc);
      if (!cv.empty()) v += c.beta * cv[(c_rows == 1 ? 0 : i) * c_cols + (c_cols == 1 ? 0 : j)];
      want[i * c.n + j] = Act(c.act, v);
    }
  }
  auto out = CompileAndRun(text, in);
  ASSERT_TRUE(out.count("y"));
  ExpectClose(out["y"], want);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, GemmTest,
    ::testing::Values(GemmCase{1, 1, 1, false, false, 1, 1, {}, ""},
                      GemmCase{1, 129, 10, false, true, 1, 1, {10}, "Relu"},
                      GemmCase{3, 128, 129, false, false, 1, 1, {1, 129}, "Sigmoid"},
                      GemmCase{513, 127, 31, true, false, 0.5, 2, {513, 31}, "Relu"},
                      GemmCase{7, 300, 130, true, true, 2, 0.5, {7, 1}, "Tanh"},
                      GemmCase{2, 5, 3, false, false, 1, 3, {1}, ""},
                      GemmCase{5, 600, 600, false, false, 1, 1, {600}, "Relu"}));

TEST(MatMul, BatchedWithBroadcastB) {
  const std::string text = R"(graph g(%a: f32[2,3,5,129], %b: f32[2,1,129,7]) -> (%y) {
  %y: f32[2,3,5,7] = MatMul(%a, %b)
}
)";
  Tensor a = Random(2 * 3 * 5 * 129, 4), b = Random(2 * 129 * 7, 5);
  Tensor want(2 * 3 * 5 * 7);
  for (int x = 0; x < 2; ++x)
    for (int y = 0; y < 3; ++y)
      for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 7; ++j) {
          double acc = 0;
          for (int p = 0; p < 129; ++p) {
            acc += double(a[((x * 3 + y) * 5 + i) * 129 + p]) * b[(x * 129 + p) * 7 + j];
          }
          want[((x * 3 + y) * 5 + i) * 7 + j] = float(acc);
        }
  auto out = CompileAndRun(text, {{"a", a}, {"b", b}});
  ExpectClose(out["y"], want);
}

TEST(MatMul, AttentionShapedBatchedOperands) {
  // softmax(QK^T) V in one head-batched MatMul: both operands computed.
  const std::string text = R"(graph g(%p: f32[1,4,128,128], %v: f32[1,4,128,64]) -> (%y) {
  %y: f32[1,4,128,64] = MatMul(%p, %v)
}
)";
  Tensor p = Random(4 * 128 * 128, 31), v = Random(4 * 128 * 64, 32), want(4 * 128 * 64);
  for (int h = 0; h < 4; ++h)
    for (int i = 0; i < 128; ++i)
      for (int j = 0; j < 64; ++j) {
        double acc = 0;
        for (int k = 0; k < 128; ++k)
          acc += double(p[(h * 128 + i) * 128 + k]) * v[(h * 128 + k) * 64 + j];
        want[(h * 128 + i) * 64 + j] = float(acc);
      }
  auto out = CompileAndRun(text, {{"p", p}, {"v", v}});
  ExpectClose(out["y"], want);
}

}  // namespace
}  // namespace ncc
