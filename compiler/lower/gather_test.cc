// Gather, GatherElements, GatherND, ReverseSequence and OneHot lowered and run on the simulated
// NeuronCore, checked against references written from the operator definitions
// (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::Tensor;

TEST(Gather, EmbeddingRowsAndInnerAxis) {
  const std::string text =
      R"(graph g(%table: f32[300,24], %ids: i64[2,70], %d: f32[3,5,4]) -> (%e, %h) {
  %k: i64[2] = constant [-1, 2]
  %e: f32[2,70,24] = Gather(%table, %ids)
  %h: f32[3,2,4] = Gather(%d, %k) {axis=1}
}
)";
  Tensor table = Random(300 * 24, 23), d = Random(60, 24), ids(140);
  for (int i = 0; i < 140; ++i) ids[i] = float((i * 37) % 300);
  Tensor e, h;
  for (int i = 0; i < 140; ++i)
    for (int j = 0; j < 24; ++j) e.push_back(table[int(ids[i]) * 24 + j]);
  for (int a = 0; a < 3; ++a)
    for (int k : {4, 2})
      for (int j = 0; j < 4; ++j) h.push_back(d[(a * 5 + k) * 4 + j]);
  auto out = CompileAndRun(text, {{"table", table}, {"ids", ids}, {"d", d}});
  ExpectClose(out["e"], e);
  ExpectClose(out["h"], h);
}

TEST(Gather, GatherElementsAlongEachAxisWithNegativeIndices) {
  // 150 output elements per case: two partition tiles.
  const std::string text =
      R"(graph g(%d: f32[5,7,3], %i0: i64[10,5,3], %i2: i64[5,6,5]) -> (%y0, %y2) {
  %y0: f32[10,5,3] = GatherElements(%d, %i0) {axis=0}
  %y2: f32[5,6,5] = GatherElements(%d, %i2) {axis=-1}
}
)";
  Tensor d = Random(105, 59), i0(150), i2(150);
  for (int k = 0; k < 150; ++k) {
    i0[k] = float((k * 7) % 10 - 5);  // -5 .. 4
    i2[k] = float((k * 5) % 6 - 3);   // -3 .. 2
  }
  // y[i][j][k] = d[idx][j][k] (axis 0) or d[i][j][idx] (axis 2), a negative
  // index counting from the end of the axis.
  Tensor y0, y2;
  for (int a = 0; a < 10; ++a)
    for (int b = 0; b < 5; ++b)
      for (int c = 0; c < 3; ++c) {
        int idx = int(i0[(a * 5 + b) * 3 + c]);
        if (idx < 0) idx += 5;
        y0.push_back(d[(idx * 7 + b) * 3 + c]);
      }
  for (int a = 0; a < 5; ++a)
    for (int b = 0; b < 6; ++b)
      for (int c = 0; c < 5; ++c) {
        int idx = int(i2[(a * 6 + b) * 5 + c]);
        if (idx < 0) idx += 3;
        y2.push_back(d[(a * 7 + b) * 3 + idx]);
      }
  auto out = CompileAndRun(text, {{"d", d}, {"i0", i0}, {"i2", i2}});
  EXPECT_EQ(out["y0"], y0);
  EXPECT_EQ(out["y2"], y2);
}

TEST(Gather, GatherNdSlicesAndBatchDims) {
  const std::string text =
      R"(graph g(%d: f32[3,4,5], %i: i64[2,3,2], %j: i64[3,2,1], %k: i64[130,3]) -> (%y, %yb, %ye) {
  %y: f32[2,3,5] = GatherND(%d, %i)
  %yb: f32[3,2,5] = GatherND(%d, %j) {batch_dims=1}
  %ye: f32[130] = GatherND(%d, %k)
}
)";
  Tensor d = Random(60, 62), i(12), j(6), k(390);
  for (int n = 0; n < 6; ++n) {
    i[2 * n] = float(n % 3 - (n > 3 ? 3 : 0));  // axis 0, some negative
    i[2 * n + 1] = float((n * 3) % 4 - 2);      // axis 1: -2 .. 1
    j[n] = float((n * 5) % 4 - 1);              // -1 .. 2
  }
  for (int n = 0; n < 130; ++n) {
    k[3 * n] = float(n % 3), k[3 * n + 1] = float(n % 4), k[3 * n + 2] = float(n % 5 - 2);
  }
  auto wrap = [](float v, int size) { return v < 0 ? int(v) + size : int(v); };
  // output[p] = data[index tuple of p] (a slice of the trailing axes);
  // with batch_dims = 1 the tuple indexes within data[batch].
  Tensor y, yb, ye;
  for (int n = 0; n < 6; ++n) {
    const int a = wrap(i[2 * n], 3), b = wrap(i[2 * n + 1], 4);
    for (int c = 0; c < 5; ++c) y.push_back(d[(a * 4 + b) * 5 + c]);
  }
  for (int n = 0; n < 6; ++n) {
    const int batch = n / 2, b = wrap(j[n], 4);
    for (int c = 0; c < 5; ++c) yb.push_back(d[(batch * 4 + b) * 5 + c]);
  }
  for (int n = 0; n < 130; ++n) {
    ye.push_back(d[(int(k[3 * n]) * 4 + int(k[3 * n + 1])) * 5 + wrap(k[3 * n + 2], 5)]);
  }
  auto out = CompileAndRun(text, {{"d", d}, {"i", i}, {"j", j}, {"k", k}});
  EXPECT_EQ(out["y"], y);
  EXPECT_EQ(out["yb"], yb);
  EXPECT_EQ(out["ye"], ye);
}

TEST(Gather, IndexOutsideTheAxisStopsTheExecution) {
  // ONNX leaves out-of-range indices undefined; here they are an error with
  // a message, never a read of a neighbouring element.
  const std::string text = R"(graph g(%d: f32[3,4], %i: i64[2,1], %e: i64[2,4]) -> (%y, %z) {
  %y: f32[2,4] = GatherND(%d, %i)
  %z: f32[2,4] = GatherElements(%d, %e)
}
)";
  for (const auto& [i, e] : {std::pair<Tensor, Tensor>{{1, 3}, Tensor(8, 0.0f)},
                             std::pair<Tensor, Tensor>{{1, 2}, {0, 1, 2, -4, 0, 0, 0, 0}}}) {
    absl::Status status;
    CompileAndRun(text, {{"d", Random(12, 63)}, {"i", i}, {"e", e}}, true, 0, &status);
    EXPECT_FALSE(status.ok());
    EXPECT_NE(std::string(status.message()).find("index"), std::string::npos) << status;
  }
}

TEST(Gather, OutOfRangeErrorReportsTheIndexAsGiven) {
  // 2^40: above fp32's exact integers and i32's range, where the computed
  // row is saturated or -1; the message must show the model's index.
  const std::string text =
      R"(graph g(%d: f32[4,3], %i: i64[1], %e: i64[1,3], %n: i64[1,1]) -> (%y, %z, %w) {
  %y: f32[1,3] = Gather(%d, %i)
  %z: f32[1,3] = GatherElements(%d, %e)
  %w: f32[1,3] = GatherND(%d, %n)
}
)";
  const float big = 1099511627776.0f;  // 2^40
  const Tensor ok_i = {1}, ok_e = {0, 1, 2}, ok_n = {3};
  const std::pair<const char*, std::vector<std::pair<std::string, Tensor>>> cases[] = {
      {"index 1099511627776 at partition 0 is out of range",
       {{"i", {big}}, {"e", ok_e}, {"n", ok_n}}},
      {"index 1099511627776 at partition 1 is out of range",
       {{"i", ok_i}, {"e", {0, big, 2}}, {"n", ok_n}}},
      {"index 1099511627776 at partition 0 is out of range (row -1",
       {{"i", ok_i}, {"e", ok_e}, {"n", {big}}}},
  };
  for (const auto& [want, inputs] : cases) {
    std::map<std::string, Tensor> feeds = {{"d", Random(12, 7)}};
    for (const auto& [name, t] : inputs) feeds[name] = t;
    absl::Status status;
    CompileAndRun(text, feeds, true, 0, &status);
    EXPECT_NE(std::string(status.message()).find(want), std::string::npos)
        << "want: " << want << "\ngot: " << status;
  }
}

TEST(Gather, ReverseSequenceAlongEitherAxis) {
  const std::string text =
      R"(graph g(%x: f32[3,130,2], %l: i64[3], %z: f32[6,4], %m: i64[4]) -> (%y, %w) {
  %y: f32[3,130,2] = ReverseSequence(%x, %l) {batch_axis=0, time_axis=1}
  %w: f32[6,4] = ReverseSequence(%z, %m) {batch_axis=1, time_axis=0}
}
)";
  Tensor x = Random(780, 72), z = Random(24, 73), l = {130, 7, 0}, m = {1, 6, 3, 2};
  // The first L steps of each batch entry reversed, the rest kept.
  auto source = [](int t, float len) { return t < int(len) ? int(len) - 1 - t : t; };
  Tensor y, w;
  for (int b = 0; b < 3; ++b)
    for (int t = 0; t < 130; ++t)
      for (int c = 0; c < 2; ++c) y.push_back(x[(b * 130 + source(t, l[b])) * 2 + c]);
  for (int t = 0; t < 6; ++t)
    for (int b = 0; b < 4; ++b) w.push_back(z[source(t, m[b]) * 4 + b]);
  auto out = CompileAndRun(text, {{"x", x}, {"l", l}, {"z", z}, {"m", m}});
  EXPECT_EQ(out["y"], y);
  EXPECT_EQ(out["w"], w);
}

TEST(Gather, OneHotInnerAndMiddleAxes) {
  const std::string text =
      R"(graph g(%i: i64[4,3], %f: f32[130], %d7: f32[1], %d5: f32[1], %v: f32[2]) -> (%mid, %last) {
  %mid: f32[4,7,3] = OneHot(%i, %d7, %v) {axis=1}
  %last: f32[130,5] = OneHot(%f, %d5, %v)
}
)";
  // Negative indices count from the end; out-of-range ones give a row of
  // off_value; float indices are truncated toward zero.
  Tensor i(12), f(130), v = {-0.5f, 2.25f};
  for (int k = 0; k < 12; ++k) i[k] = float(k % 9 - 4);  // -4 .. 4 (with depth 7)
  for (int k = 0; k < 130; ++k) f[k] = float(k % 15) * 0.75f - 6.0f;
  Tensor mid(4 * 7 * 3), last(130 * 5);
  for (int a = 0; a < 4; ++a)
    for (int d = 0; d < 7; ++d)
      for (int c = 0; c < 3; ++c) {
        int idx = int(i[a * 3 + c]);
        if (idx < 0) idx += 7;
        mid[(a * 7 + d) * 3 + c] = idx == d ? v[1] : v[0];
      }
  for (int k = 0; k < 130; ++k) {
    int idx = int(std::trunc(f[k]));
    if (idx < 0) idx += 5;
    for (int d = 0; d < 5; ++d) last[k * 5 + d] = idx == d ? v[1] : v[0];
  }
  auto out = CompileAndRun(text, {{"i", i}, {"f", f}, {"d7", {7.0f}}, {"d5", {5.0f}}, {"v", v}});
  EXPECT_EQ(out["mid"], mid);
  EXPECT_EQ(out["last"], last);
}

TEST(Gather, OneHotIntegerValues) {
  // The output takes the values' type; the select runs in fp32, exact for
  // integers below 2^24, and the stores convert.
  const std::string text =
      R"(graph g(%i: i64[5], %d: f32[1], %v32: i32[2], %v64: i64[2], %vu8: u8[2]) -> (%y32, %y64, %yu8) {
  %y32: i32[5,4] = OneHot(%i, %d, %v32)
  %y64: i64[4,5] = OneHot(%i, %d, %v64) {axis=0}
  %yu8: u8[5,4] = OneHot(%i, %d, %vu8)
}
)";
  const Tensor i = {0, 3, -1, 4, -5}, v32 = {-7, 16777215}, v64 = {16777216, -3}, vu8 = {0, 255};
  Tensor y32(20), y64(20), yu8(20);
  for (int k = 0; k < 5; ++k) {
    int idx = int(i[k]);
    if (idx < 0) idx += 4;
    for (int d = 0; d < 4; ++d) {
      y32[k * 4 + d] = idx == d ? v32[1] : v32[0];
      y64[d * 5 + k] = idx == d ? v64[1] : v64[0];
      yu8[k * 4 + d] = idx == d ? vu8[1] : vu8[0];
    }
  }
  auto out =
      CompileAndRun(text, {{"i", i}, {"d", {4.0f}}, {"v32", v32}, {"v64", v64}, {"vu8", vu8}});
  EXPECT_EQ(out["y32"], y32);
  EXPECT_EQ(out["y64"], y64);
  EXPECT_EQ(out["yu8"], yu8);
}

}  // namespace
}  // namespace ncc
