// Data movement (Transpose, Slice, Concat, Split, Pad, Expand) lowered and run on the simulated
// NeuronCore, checked against references written from the operator definitions
// (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ir/text.h"
#include "compiler/lower/lower.h"
#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::Dims;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::Tensor;

TEST(DataMovement, TransposeSliceConcatSplitPadExpand) {
  const std::string text =
      R"(graph g(%x: f32[2,3,4,5], %v: f32[3,1]) -> (%t, %s, %c, %p0, %p1, %pad, %e) {
  %starts: i64[2] = constant [3, 1]
  %ends: i64[2] = constant [-100, 5]
  %axes: i64[2] = constant [2, 3]
  %steps: i64[2] = constant [-2, 2]
  %splits: i64[2] = constant [1, 2]
  %pads: i64[8] = constant [0, 1, 0, -1, 1, 0, 2, 0]
  %shape: i64[3] = constant [2, 3, 6]
  %t: f32[5,3,2,4] = Transpose(%x) {perm=[3,1,0,2]}
  %s: f32[2,3,2,2] = Slice(%x, %starts, %ends, %axes, %steps)
  %c: f32[2,6,4,5] = Concat(%x, %x) {axis=1}
  %p0: f32[2,1,4,5], %p1: f32[2,2,4,5] = Split(%x, %splits) {axis=1}
  %pad: f32[3,4,6,4] = Pad(%x, %pads)
  %e: f32[2,3,6] = Expand(%v, %shape)
}
)";
  Tensor x = Random(120, 15), v = Random(3, 16);
  auto at = [&](int a, int b, int c, int d) { return x[((a * 3 + b) * 4 + c) * 5 + d]; };
  Tensor t(120), s, c, p0, p1, pad(3 * 4 * 6 * 4, 0.0f), e;
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int cc = 0; cc < 4; ++cc)
        for (int d = 0; d < 5; ++d) t[((d * 3 + b) * 2 + a) * 4 + cc] = at(a, b, cc, d);
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int cc : {3, 1})
        for (int d : {1, 3}) s.push_back(at(a, b, cc, d));
  for (int a = 0; a < 2; ++a)
    for (int rep = 0; rep < 2; ++rep)
      for (int b = 0; b < 3; ++b)
        for (int i = 0; i < 20; ++i) c.push_back(x[(a * 3 + b) * 20 + i]);
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int i = 0; i < 20; ++i) (b == 0 ? p0 : p1).push_back(x[(a * 3 + b) * 20 + i]);
  // pads: begin [0,1,0,-1], end [1,0,2,0] -> out [3,4,6,4]
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int cc = 0; cc < 4; ++cc)
        for (int d = 1; d < 5; ++d) pad[((a * 4 + b + 1) * 6 + cc) * 4 + (d - 1)] = at(a, b, cc, d);
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int i = 0; i < 6; ++i) e.push_back(v[b]);
  auto out = CompileAndRun(text, {{"x", x}, {"v", v}});
  ExpectClose(out["t"], t);
  ExpectClose(out["s"], s);
  ExpectClose(out["c"], c);
  ExpectClose(out["p0"], p0);
  ExpectClose(out["p1"], p1);
  ExpectClose(out["pad"], pad);
  ExpectClose(out["e"], e);
}

// Attention's head split [b, s, h, d] -> [b, h, s, d]: staged through SBUF
// (s on partitions; one contiguous load, one contiguous store per head),
// with more than 128 sequence positions (two partition chunks) and a batch.
TEST(DataMovement, HeadSwapTransposeStagedThroughSbuf) {
  const int b = 2, s_len = 130, h = 3, d = 8;
  const std::string text =
      absl::StrCat("graph g(%x: f32[", b, ",", s_len, ",", h, ",", d, "]) -> (%y) {\n  %y: f32[", b,
                   ",", h, ",", s_len, ",", d, "] = Transpose(%x) {perm=[0,2,1,3]}\n}\n");
  Tensor x = Random(b * s_len * h * d, 77), y(x.size());
  for (int i = 0; i < b; ++i)
    for (int j = 0; j < s_len; ++j)
      for (int k = 0; k < h; ++k)
        for (int l = 0; l < d; ++l)
          y[((i * h + k) * s_len + j) * d + l] = x[((i * s_len + j) * h + k) * d + l];
  auto out = CompileAndRun(text, {{"x", x}});
  EXPECT_EQ(out["y"], y);  // data movement is exact
}

// The other attention layouts: heads merged back ([b, h, s, d] -> [b, s, h, d],
// s on partitions: a contiguous load per head, one store of whole rows) and
// keys transposed for Q.K^T ([b, s, h, d] -> [b, h, d, s], through TensorE
// transposes), with more than 128 positions.
TEST(DataMovement, HeadMergeAndKeyTransposeStagedThroughSbuf) {
  const int b = 2, s_len = 130, h = 3, d = 50;  // h*d = 150: two column blocks
  const std::string text =
      absl::StrCat("graph g(%x: f32[", b, ",", h, ",", s_len, ",", d, "], %k: f32[", b, ",", s_len,
                   ",", h, ",", d, "]) -> (%y, %kt) {\n  %y: f32[", b, ",", s_len, ",", h, ",", d,
                   "] = Transpose(%x) {perm=[0,2,1,3]}\n  %kt: f32[", b, ",", h, ",", d, ",", s_len,
                   "] = Transpose(%k) {perm=[0,2,3,1]}\n}\n");
  Tensor x = Random(b * s_len * h * d, 78), k = Random(b * s_len * h * d, 79);
  Tensor y(x.size()), kt(k.size());
  for (int i = 0; i < b; ++i)
    for (int j = 0; j < s_len; ++j)
      for (int q = 0; q < h; ++q)
        for (int l = 0; l < d; ++l) {
          y[((i * s_len + j) * h + q) * d + l] = x[((i * h + q) * s_len + j) * d + l];
          kt[((i * h + q) * d + l) * s_len + j] = k[((i * s_len + j) * h + q) * d + l];
        }
  auto out = CompileAndRun(text, {{"x", x}, {"k", k}});
  EXPECT_EQ(out["y"], y);    // data movement is exact
  EXPECT_EQ(out["kt"], kt);  // an identity matmul in fp32 is exact too
}

TEST(DataMovement, ReflectAndEdgePads) {
  // Every axis padded; reflect up to size - 1, edge beyond the axis size.
  const std::vector<int64_t> shape = {2, 3, 4, 5};
  const std::vector<int64_t> reflect_pads = {0, 1, 2, 3, 1, 2, 1, 4};
  const std::vector<int64_t> edge_pads = {1, 0, 5, 2, 0, 3, 0, 6};
  auto out_shape = [&](const std::vector<int64_t>& pads) {
    std::vector<int64_t> o(4);
    for (int d = 0; d < 4; ++d) o[d] = shape[d] + pads[d] + pads[d + 4];
    return o;
  };
  const std::string text = absl::StrCat(
      "graph g(%x: f32[2,3,4,5]) -> (%r, %e) {\n", "  %r: f32[", Dims(out_shape(reflect_pads)),
      "] = Pad(%x) {mode=\"reflect\", pads=[", Dims(reflect_pads), "]}\n", "  %e: f32[",
      Dims(out_shape(edge_pads)), "] = Pad(%x) {mode=\"edge\", pads=[", Dims(edge_pads), "]}\n}\n");
  Tensor x = Random(120, 58);
  // numpy.pad semantics: output index o maps to input index i = o - before;
  // reflect mirrors i about 0 and n - 1 without repeating the edge, edge clamps.
  auto pad = [&](const std::vector<int64_t>& pads, bool reflect) {
    const std::vector<int64_t> o = out_shape(pads);
    Tensor y;
    for (int64_t a = 0; a < o[0]; ++a)
      for (int64_t b = 0; b < o[1]; ++b)
        for (int64_t c = 0; c < o[2]; ++c)
          for (int64_t d = 0; d < o[3]; ++d) {
            const int64_t idx[4] = {a, b, c, d};
            int64_t flat = 0;
            for (int k = 0; k < 4; ++k) {
              int64_t i = idx[k] - pads[k];
              const int64_t n = shape[k];
              if (reflect) {
                if (i < 0) i = -i;
                if (i >= n) i = 2 * (n - 1) - i;
              } else {
                i = std::min(std::max<int64_t>(i, 0), n - 1);
              }
              flat = flat * n + i;
            }
            y.push_back(x[flat]);
          }
    return y;
  };
  auto out = CompileAndRun(text, {{"x", x}});
  EXPECT_EQ(out["r"], pad(reflect_pads, true));
  EXPECT_EQ(out["e"], pad(edge_pads, false));
}

TEST(DataMovement, WrapPadsAnyLength) {
  // numpy.pad(mode="wrap"): output index o reads input (o - before) mod n,
  // pads up to twice the axis size.
  const std::vector<int64_t> shape = {2, 3, 5};
  const std::vector<int64_t> pads = {1, 7, 2, 0, 4, 11};
  std::vector<int64_t> o(3);
  for (int d = 0; d < 3; ++d) o[d] = shape[d] + pads[d] + pads[d + 3];
  const std::string text =
      absl::StrCat("graph g(%x: f32[2,3,5]) -> (%w) {\n", "  %w: f32[", Dims(o),
                   "] = Pad(%x) {mode=\"wrap\", pads=[", Dims(pads), "]}\n}\n");
  Tensor x = Random(30, 91);
  Tensor want;
  for (int64_t a = 0; a < o[0]; ++a)
    for (int64_t b = 0; b < o[1]; ++b)
      for (int64_t c = 0; c < o[2]; ++c) {
        const int64_t idx[3] = {a, b, c};
        int64_t flat = 0;
        for (int k = 0; k < 3; ++k) {
          const int64_t n = shape[k];
          flat = flat * n + (((idx[k] - pads[k]) % n) + n) % n;
        }
        want.push_back(x[flat]);
      }
  auto out = CompileAndRun(text, {{"x", x}});
  EXPECT_EQ(out["w"], want);
}

TEST(DataMovement, ReflectPadBeyondTheAxisIsReportedNotLowered) {
  auto graph = ir::Parse(R"(graph g(%x: f32[2,3]) -> (%y) {
  %y: f32[2,9] = Pad(%x) {mode="reflect", pads=[0,3,0,3]}
}
)");
  ASSERT_TRUE(graph.ok());
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 1u);
  EXPECT_EQ(unsupported[0].reason, "reflect pad of 3 on axis 1 of size 3 (at most size - 1)");
}

}  // namespace
}  // namespace ncc
