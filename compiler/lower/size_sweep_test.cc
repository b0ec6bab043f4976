// The non-convolution op families over sizes that outgrow one tile
// (conv_sweep_test covers the convolutions): MatMul and Gemm with long
// contractions, wide outputs and many rows; pooling with windows up to 1024
// and long rows; reductions and softmax over long axes; element-wise ops on
// 2^20 rows. Each is lowered, run on the simulated NeuronCore and compared
// with a reference written from the operator's definition, so that no shape
// whose tensors fit in device memory is refused for the size of a tile.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::Tensor;

struct MatMulCase {
  std::string what;
  int64_t m, k, n;
  bool gemm_trans_b;  // Gemm(x, w^T, bias) instead of MatMul(x, w)
};

void PrintTo(const MatMulCase& c, std::ostream* os) { *os << c.what; }

class MatMulSweepTest : public ::testing::TestWithParam<MatMulCase> {};

TEST_P(MatMulSweepTest, MatchesReference) {
  const MatMulCase& c = GetParam();
  Tensor x = Random(c.m * c.k, 21), w = Random(c.k * c.n, 22), b = Random(c.n, 23);
  std::string text;
  if (c.gemm_trans_b) {
    text = absl::StrCat("graph g(%x: f32[", c.m, ",", c.k, "], %w: f32[", c.n, ",", c.k,
                        "], %b: f32[", c.n, "]) -> (%y) {\n  %y: f32[", c.m, ",", c.n,
                        "] = Gemm(%x, %w, %b) {transB=1}\n}\n");
  } else {
    text = absl::StrCat("graph g(%x: f32[", c.m, ",", c.k, "], %w: f32[", c.k, ",", c.n,
                        "]) -> (%y) {\n  %y: f32[", c.m, ",", c.n, "] = MatMul(%x, %w)\n}\n");
  }
  Tensor want(c.m * c.n);
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      double acc = c.gemm_trans_b ? b[j] : 0.0;
      for (int64_t p = 0; p < c.k; ++p) {
        acc += double(x[i * c.k + p]) * (c.gemm_trans_b ? w[j * c.k + p] : w[p * c.n + j]);
      }
      want[i * c.n + j] = float(acc);
    }
  std::map<std::string, Tensor> in = {{"x", x}, {"w", w}};
  if (c.gemm_trans_b) in["b"] = b;
  auto out = CompileAndRun(text, in);
  ExpectClose(out["y"], want, 1e-4);
}

// {what, m, k, n, gemm}
INSTANTIATE_TEST_SUITE_P(
    Shapes, MatMulSweepTest,
    ::testing::Values(MatMulCase{"k65536_m1", 1, 65536, 3, false},
                      MatMulCase{"k4099_odd", 5, 4099, 7, false},
                      MatMulCase{"n4096_wide", 2, 64, 4096, false},
                      MatMulCase{"n5000_gemm", 3, 129, 5000, true},
                      MatMulCase{"m20000_rows", 20000, 33, 5, false},
                      MatMulCase{"square_1024", 130, 1024, 1024, true},
                      MatMulCase{"unit", 1, 1, 1, false}));

struct PoolCase {
  std::string what;
  const char* type;  // MaxPool / AveragePool
  int64_t c, w, k, s;
};

void PrintTo(const PoolCase& c, std::ostream* os) { *os << c.what; }

class PoolSweepTest : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolSweepTest, MatchesReference) {
  const PoolCase& c = GetParam();
  const int64_t wo = (c.w - c.k) / c.s + 1;
  Tensor x = Random(c.c * c.w, 31);
  const std::string text =
      absl::StrCat("graph g(%x: f32[1,", c.c, ",", c.w, "]) -> (%y) {\n  %y: f32[1,", c.c, ",",
                   wo, "] = ", c.type, "(%x) {kernel_shape=[", c.k, "], strides=[", c.s,
                   "]}\n}\n");
  const bool max = std::string(c.type) == "MaxPool";
  Tensor want(c.c * wo);
  for (int64_t ch = 0; ch < c.c; ++ch)
    for (int64_t j = 0; j < wo; ++j) {
      double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
      for (int64_t t = 0; t < c.k; ++t) {
        const double v = x[ch * c.w + j * c.s + t];
        acc = max ? std::max(acc, v) : acc + v;
      }
      want[ch * wo + j] = float(max ? acc : acc / c.k);
    }
  auto out = CompileAndRun(text, {{"x", x}});
  ExpectClose(out["y"], want, 1e-4);
}

// {what, type, channels, width, kernel, stride}
INSTANTIATE_TEST_SUITE_P(
    Shapes, PoolSweepTest,
    ::testing::Values(PoolCase{"max_k1024", "MaxPool", 3, 3000, 1024, 512},
                      PoolCase{"avg_k1024", "AveragePool", 2, 2500, 1024, 333},
                      PoolCase{"max_row_100000", "MaxPool", 4, 100000, 3, 2},
                      PoolCase{"avg_c4096", "AveragePool", 4096, 20, 7, 1},
                      PoolCase{"max_odd_k5_s3", "MaxPool", 257, 1001, 5, 3}));

// Reductions and softmax over long axes; element-wise ops on 2^20 rows.
TEST(SizeSweep, ReductionsAndSoftmaxOverLongAxes) {
  const int64_t rows = 3, cols = 70000;
  Tensor x = Random(rows * cols, 41);
  const std::string text = absl::StrCat(
      "graph g(%x: f32[", rows, ",", cols, "]) -> (%s, %m, %p, %l) {\n",
      "  %s: f32[", rows, ",1] = ReduceSum(%x) {axes=[1]}\n",
      "  %m: f32[", rows, ",1] = ReduceMax(%x) {axes=[1]}\n",
      "  %p: f32[", rows, ",", cols, "] = Softmax(%x) {axis=1}\n",
      "  %l: f32[", rows, ",", cols, "] = LogSoftmax(%x) {axis=1}\n}\n");
  Tensor s(rows), m(rows), p(rows * cols), l(rows * cols);
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0, mx = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < cols; ++j) {
      sum += x[r * cols + j];
      mx = std::max(mx, double(x[r * cols + j]));
    }
    s[r] = float(sum);
    m[r] = float(mx);
    double z = 0;
    for (int64_t j = 0; j < cols; ++j) z += std::exp(x[r * cols + j] - mx);
    for (int64_t j = 0; j < cols; ++j) {
      p[r * cols + j] = float(std::exp(x[r * cols + j] - mx) / z);
      l[r * cols + j] = float(x[r * cols + j] - mx - std::log(z));
    }
  }
  auto out = CompileAndRun(text, {{"x", x}});
  ExpectClose(out["s"], s, 1e-4);
  ExpectClose(out["m"], m, 1e-6);
  ExpectClose(out["p"], p, 1e-4);
  ExpectClose(out["l"], l, 1e-4);
}

TEST(SizeSweep, ElementwiseOnTwoToTheTwentyRows) {
  const int64_t rows = int64_t{1} << 20;
  Tensor a = Random(rows, 51), b = Random(rows, 52);
  const std::string text = absl::StrCat("graph g(%a: f32[", rows, ",1], %b: f32[", rows,
                                        ",1]) -> (%y) {\n  %t: f32[", rows,
                                        ",1] = Mul(%a, %b)\n  %y: f32[", rows,
                                        ",1] = Tanh(%t)\n}\n");
  Tensor want(rows);
  for (int64_t i = 0; i < rows; ++i) want[i] = std::tanh(a[i] * b[i]);
  auto out = CompileAndRun(text, {{"a", a}, {"b", b}});
  ExpectClose(out["y"], want, 1e-5);
}

}  // namespace
}  // namespace ncc
