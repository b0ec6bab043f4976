// Reductions over any axes, TopK and Trilu lowered and run on the simulated NeuronCore, checked
// against references written from the operator definitions (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::Tensor;

TEST(RowOps, ReductionsOverNonAdjacentAxes) {
  const std::string text = R"(graph g(%x: f32[3,5,4,2]) -> (%mean, %max, %lse) {
  %mean: f32[1,5,1,2] = ReduceMean(%x) {axes=[0,2]}
  %max: f32[3,4] = ReduceMax(%x) {axes=[1,3], keepdims=0}
  %lse: f32[5,2] = ReduceLogSumExp(%x) {axes=[-2,0], keepdims=0}
}
)";
  Tensor x = Random(120, 75);
  auto at = [&](int a, int b, int c, int d) { return x[((a * 5 + b) * 4 + c) * 2 + d]; };
  Tensor mean, max, lse;
  for (int b = 0; b < 5; ++b)
    for (int d = 0; d < 2; ++d) {
      double sum = 0, exps = 0;
      for (int a = 0; a < 3; ++a)
        for (int c = 0; c < 4; ++c) sum += at(a, b, c, d), exps += std::exp(double(at(a, b, c, d)));
      mean.push_back(float(sum / 12));
      lse.push_back(float(std::log(exps)));
    }
  for (int a = 0; a < 3; ++a)
    for (int c = 0; c < 4; ++c) {
      float m = -INFINITY;
      for (int b = 0; b < 5; ++b)
        for (int d = 0; d < 2; ++d) m = std::max(m, at(a, b, c, d));
      max.push_back(m);
    }
  auto out = CompileAndRun(text, {{"x", x}});
  ExpectClose(out["mean"], mean);
  EXPECT_EQ(out["max"], max);
  ExpectClose(out["lse"], lse);
}

TEST(RowOps, TopKLargestAndSmallestWithTies) {
  const std::string text = R"(graph g(%x: f32[3,37,5], %z: f32[130,9]) -> (%v, %i, %sv, %si) {
  %k: i64[1] = constant [4]
  %v: f32[3,4,5], %i: i64[3,4,5] = TopK(%x, %k) {axis=1}
  %sv: f32[130,3], %si: i64[130,3] = TopK(%z) {axis=-1, k=3, largest=0}
}
)";
  // Few distinct values, so ties are common: the lower index comes first.
  Tensor x(3 * 37 * 5), z(130 * 9);
  for (size_t n = 0; n < x.size(); ++n) x[n] = float((n * 7919) % 11) - 5.0f;
  for (size_t n = 0; n < z.size(); ++n) z[n] = float((n * 104729) % 13) * 0.5f;
  // Reference: a stable sort of each slice along the axis (descending for
  // largest, ascending for smallest), first k kept.
  auto topk = [](const Tensor& t, int outer, int len, int inner, int k, bool largest, Tensor* v,
                 Tensor* i) {
    v->assign(outer * k * inner, 0.0f);
    i->assign(outer * k * inner, 0.0f);
    for (int o = 0; o < outer; ++o)
      for (int in = 0; in < inner; ++in) {
        std::vector<int> order(len);
        for (int j = 0; j < len; ++j) order[j] = j;
        auto at = [&](int j) { return t[(o * len + j) * inner + in]; };
        std::stable_sort(order.begin(), order.end(),
                         [&](int a, int b) { return largest ? at(a) > at(b) : at(a) < at(b); });
        for (int j = 0; j < k; ++j) {
          (*v)[(o * k + j) * inner + in] = at(order[j]);
          (*i)[(o * k + j) * inner + in] = float(order[j]);
        }
      }
  };
  Tensor v, i, sv, si;
  topk(x, 3, 37, 5, 4, true, &v, &i);
  topk(z, 130, 9, 1, 3, false, &sv, &si);
  auto out = CompileAndRun(text, {{"x", x}, {"z", z}});
  EXPECT_EQ(out["v"], v);
  EXPECT_EQ(out["i"], i);
  EXPECT_EQ(out["sv"], sv);
  EXPECT_EQ(out["si"], si);
}

TEST(Trilu, IntegersPassThroughExactlyWithARuntimeK) {
  // Integers just below 2^24 come back exact through the fp32 engines; k
  // comes from an input (and, for the int32 one, a constant).
  const std::string text = R"(graph g(%x: i64[2,3,5], %q: i32[4,3], %k: i64[]) -> (%u, %l, %lq) {
  %u: i64[2,3,5] = Trilu(%x, %k) {upper=1}
  %l: i64[2,3,5] = Trilu(%x, %k) {upper=0}
  %kc: i64[] = constant [-1]
  %lq: i32[4,3] = Trilu(%q, %kc) {upper=0}
}
)";
  Tensor x(30), q(12);
  for (int i = 0; i < 30; ++i) x[i] = float((i % 2 ? -1 : 1) * (16777215 - 37 * i));
  for (int i = 0; i < 12; ++i) q[i] = float(1000 * i - 5000);
  for (float k : {-1.0f, 2.0f}) {
    auto out = CompileAndRun(text, {{"x", x}, {"q", q}, {"k", {k}}});
    Tensor u(30), l(30), lq(12);
    for (int b = 0; b < 2; ++b)
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 5; ++j) {
          const int e = (b * 3 + i) * 5 + j;
          u[e] = j - i >= k ? x[e] : 0.0f;
          l[e] = j - i <= k ? x[e] : 0.0f;
        }
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 3; ++j) lq[i * 3 + j] = j - i <= -1 ? q[i * 3 + j] : 0.0f;
    EXPECT_EQ(out["u"], u) << "k " << k;
    EXPECT_EQ(out["l"], l) << "k " << k;
    EXPECT_EQ(out["lq"], lq);
  }
}

}  // namespace
}  // namespace ncc
