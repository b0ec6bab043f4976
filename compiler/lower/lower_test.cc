// The lowering as a whole (auto-cast, fusion, chunking, SBUF capacity, unsupported ops) lowered and
// run on the simulated NeuronCore, checked against references written from the operator definitions
// (testing/lowering_harness.h).
#include "compiler/lower/lower.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/alloc/residency.h"
#include "compiler/ir/text.h"
#include "compiler/lower/chunks.h"
#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::RoundBf16;
using lower::harness::Tensor;

TEST(AutoCast, Bf16MatmulAndConvOperandsAccumulateInFp32) {
  const std::string text =
      R"(graph g(%a: bf16[5,200], %b: bf16[200,130], %x: bf16[1,3,6,6], %w: bf16[4,3,3,3]) -> (%y, %c) {
  %y: f32[5,130] = MatMul(%a, %b)
  %c: f32[1,4,4,4] = Conv(%x, %w)
}
)";
  Tensor a = Random(1000, 27), b = Random(200 * 130, 28), x = Random(108, 29), w = Random(108, 30);
  for (Tensor* t : {&a, &b, &x, &w})
    for (float& v : *t) v = RoundBf16(v);
  Tensor y(5 * 130), c(64);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 130; ++j) {
      double acc = 0;
      for (int k = 0; k < 200; ++k) acc += double(a[i * 200 + k]) * b[k * 130 + j];
      y[i * 130 + j] = float(acc);
    }
  for (int o = 0; o < 4; ++o)
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) {
        double acc = 0;
        for (int ci = 0; ci < 3; ++ci)
          for (int r = 0; r < 3; ++r)
            for (int q = 0; q < 3; ++q)
              acc += double(x[(ci * 6 + i + r) * 6 + j + q]) * w[((o * 3 + ci) * 3 + r) * 3 + q];
        c[(o * 4 + i) * 4 + j] = float(acc);
      }
  auto out = CompileAndRun(text, {{"a", a}, {"b", b}, {"x", x}, {"w", w}});
  ExpectClose(out["y"], y);
  ExpectClose(out["c"], c);
}

// Rows on partitions with bf16 B wider than one moving tile: two 512-column
// chunks share each weight DMA (2 KiB per partition) and accumulate in their
// own PSUM banks; a third, partial chunk, a bias and a fused Relu too.
TEST(AutoCast, Bf16WeightsForTwoColumnChunksArriveInOneTransfer) {
  const int m = 40, k = 150, n = 1100;
  const std::string text = absl::StrCat("graph g(%a: bf16[", m, ",", k, "], %b: bf16[", k, ",", n,
                                        "], %c: f32[", n, "]) -> (%y) {\n  %y: f32[", m, ",", n,
                                        "] = Gemm(%a, %b, %c) {fused_activation=\"Relu\"}\n}\n");
  Tensor a = Random(m * k, 62), b = Random(k * n, 63), c = Random(n, 64), y(m * n);
  for (Tensor* t : {&a, &b})
    for (float& v : *t) v = RoundBf16(v);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double acc = c[j];
      for (int q = 0; q < k; ++q) acc += double(a[i * k + q]) * b[q * n + j];
      y[i * n + j] = std::max(0.0f, float(acc));
    }
  auto out = CompileAndRun(text, {{"a", a}, {"b", b}, {"c", c}});
  ExpectClose(out["y"], y);
}

TEST(AutoCast, CastFeedingAMatmulIsFoldedIntoItsLoads) {
  const std::string text = R"(graph g(%a: f32[40,70], %b: f32[70,50]) -> (%y) {
  %a16: bf16[40,70] = Cast(%a) {to=16}
  %b16: bf16[70,50] = Cast(%b) {to=16}
  %y: f32[40,50] = MatMul(%a16, %b16)
}
)";
  Tensor a = Random(2800, 34), b = Random(3500, 35), y(2000);
  for (int i = 0; i < 40; ++i)
    for (int j = 0; j < 50; ++j) {
      double acc = 0;
      for (int k = 0; k < 70; ++k)
        acc += double(RoundBf16(a[i * 70 + k])) * RoundBf16(b[k * 50 + j]);
      y[i * 50 + j] = float(acc);
    }
  auto out = CompileAndRun(text, {{"a", a}, {"b", b}});
  ExpectClose(out["y"], y);
}

TEST(Fusion, ReluSixStyleClipFusesIntoConvAndMatMul) {
  const std::string text =
      R"(graph g(%x: f32[1,3,5,5], %w: f32[4,3,3,3], %a: f32[40,30], %b: f32[30,40]) -> (%c, %m) {
  %zero: f32[] = constant [0.0]
  %cap: f32[] = constant [0.5]
  %v: f32[1,4,3,3] = Conv(%x, %w)
  %c: f32[1,4,3,3] = Clip(%v, %zero, %cap)
  %p: f32[40,40] = MatMul(%a, %b)
  %m: f32[40,40] = Clip(%p, %zero, %cap)
}
)";
  Tensor x = Random(75, 36), w = Random(108, 37), a = Random(1200, 38), b = Random(1200, 39);
  auto clip = [](double v) { return float(std::min(0.5, std::max(0.0, v))); };
  Tensor c(36), m(1600);
  for (int o = 0; o < 4; ++o)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        double acc = 0;
        for (int ci = 0; ci < 3; ++ci)
          for (int r = 0; r < 3; ++r)
            for (int q = 0; q < 3; ++q)
              acc += double(x[(ci * 5 + i + r) * 5 + j + q]) * w[((o * 3 + ci) * 3 + r) * 3 + q];
        c[(o * 3 + i) * 3 + j] = clip(acc);
      }
  for (int i = 0; i < 40; ++i)
    for (int j = 0; j < 40; ++j) {
      double acc = 0;
      for (int k = 0; k < 30; ++k) acc += double(a[i * 30 + k]) * b[k * 40 + j];
      m[i * 40 + j] = clip(acc);
    }
  auto out = CompileAndRun(text, {{"x", x}, {"w", w}, {"a", a}, {"b", b}});
  ExpectClose(out["c"], c);
  ExpectClose(out["m"], m);
}

// Element-wise tiles take one NCHW plane per partition (in column blocks of
// at most 2048) from 16 planes on: the layout convolutions store, so
// residency can serve them. Otherwise the tensor is spread flat over the
// partitions.
TEST(Chunks, PlanePerPartitionForNchwActivations) {
  auto shape_of = [](const std::vector<lower::Chunk>& chunks) {
    std::vector<std::vector<int64_t>> out;
    for (const lower::Chunk& c : chunks) out.push_back({c.start, c.rows, c.free, c.row_stride});
    return out;
  };
  using V = std::vector<std::vector<int64_t>>;
  EXPECT_EQ(shape_of(lower::ChunksOf({1, 256, 7, 7}, 128)),
            (V{{0, 128, 49, 49}, {128 * 49, 128, 49, 49}}));
  // 3136-element planes: two column blocks of 1568 per 128 channels.
  EXPECT_EQ(shape_of(lower::ChunksOf({1, 128, 56, 56}, 128)),
            (V{{0, 128, 1568, 3136}, {1568, 128, 1568, 3136}}));
  EXPECT_EQ(shape_of(lower::ChunksOf({1, 64, 7, 7}, 128)), (V{{0, 64, 49, 49}}));
  EXPECT_EQ(shape_of(lower::ChunksOf({1, 8, 7, 7}, 128)),  // 8 planes: flat
            (V{{0, 98, 4, 4}}));
  EXPECT_EQ(shape_of(lower::ChunksOf({1, 128, 768}, 128)), (V{{0, 128, 768, 768}}));  // rank 3
  EXPECT_EQ(shape_of(lower::ChunksOf({1, 128, 7, 7}, 128, 98)),  // period 98: flat
            (V{{0, 64, 98, 98}}));
}

TEST(Capacity, ActivationsLargerThanSbufStreamThroughDram) {
  // 1x64x320x320 f32 is 26 MB per tensor, more than the 24 MB SBUF: every
  // op streams tiles between DRAM and SBUF and the result stays exact.
  const int64_t c = 64, hw = 320 * 320;
  const std::string text = R"(graph g(%x: f32[1,64,320,320], %w: f32[64,64,1,1]) -> (%y) {
  %v: f32[1,64,320,320] = Conv(%x, %w)
  %r: f32[1,64,320,320] = Relu(%v)
  %y: f32[1,64,320,320] = Add(%r, %x)
}
)";
  Tensor x = Random(c * hw, 40), w = Random(c * c, 41);
  for (float& v : w) v *= 0.125f;
  Tensor y(c * hw);
  std::vector<double> acc(hw);
  for (int64_t o = 0; o < c; ++o) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t i = 0; i < c; ++i) {
      const double wv = w[o * c + i];
      const float* xi = &x[i * hw];
      for (int64_t p = 0; p < hw; ++p) acc[p] += wv * xi[p];
    }
    for (int64_t p = 0; p < hw; ++p) y[o * hw + p] = std::max(0.0f, float(acc[p])) + x[o * hw + p];
  }
  auto out = CompileAndRun(text, {{"x", x}, {"w", w}});
  ExpectClose(out["y"], y);
}

TEST(Capacity, IntermediatesLargerThanSbufAreSpilled) {
  // a and b are 26 MB each, more than the 24 MB SBUF. Each of a's tiles is
  // read by Mul right away and by Sub only after Mul has produced all of b,
  // so a cannot stay on chip: tiles that do not fit are spilled (stored to
  // DRAM and loaded back), the others are read in place, and the result
  // stays exact.
  const int64_t n = 64 * 320 * 320;
  const std::string text = R"(graph g(%x: f32[1,64,320,320]) -> (%y) {
  %a: f32[1,64,320,320] = Add(%x, %x)
  %b: f32[1,64,320,320] = Mul(%a, %x)
  %y: f32[1,64,320,320] = Sub(%b, %a)
}
)";
  Tensor x = Random(n, 42), y(n);
  for (int64_t i = 0; i < n; ++i) {
    const float a = x[i] + x[i];
    y[i] = a * x[i] - a;
  }
  alloc::ResidencyStats residency;
  auto out = CompileAndRun(text, {{"x", x}}, true, 0, nullptr, &residency);
  ExpectClose(out["y"], y, 1e-6);
  EXPECT_GT(residency.loads_forwarded, 0);
  EXPECT_GT(residency.spilled_loads, 0);
  // At least the part of a that cannot be on chip beside b's tiles.
  EXPECT_GT(residency.spill_bytes, int64_t{4} << 20);
}

TEST(Lowering, ReportsEveryUnsupportedOp) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4], %i: i64[4]) -> (%y, %j) {
  %a: f32[4] = LpNormalization(%x)
  %b: f32[4] = LpNormalization(%a)
  %y: f32[4] = Relu(%b)
  %j: f32[4] = Add(%i, %x)
}
)");
  ASSERT_TRUE(graph.ok());
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 3u);
  EXPECT_EQ(unsupported[0].op_type, "LpNormalization");
  EXPECT_EQ(unsupported[2].op_type, "Add");
  EXPECT_NE(unsupported[2].reason.find("'i' is i64"), std::string::npos);
}

TEST(Lowering, CapsTheInstructionCountNamingTheNode) {
  auto graph = ir::Parse(R"(graph g(%x: f32[128,2048]) -> (%y) {
  %r: f32[128,2048] = Relu(%x)
  %y: f32[128,2048] = Sigmoid(%r)
}
)");
  ASSERT_TRUE(graph.ok());
  target::CoreSpec spec = target::NeuronCoreV2();
  spec.max_instructions = 2;
  auto program = lower::Lower(**graph, spec);
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(program.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(program.status().message().find("the program exceeds 2 instructions"),
            std::string::npos)
      << program.status();
  EXPECT_TRUE(lower::Lower(**graph, target::NeuronCoreV2()).ok());
}

// A tile that cannot fit (here: an SBUF of 256 bytes per partition) is
// refused with the node named once, by Lower(), whatever the family.
TEST(Lowering, NamesTheNodeOnceWhenATileDoesNotFit) {
  auto graph = ir::Parse(R"(graph g(%x: f32[1,1,16000], %w: f32[257,1,512]) -> (%y) {
  %y: f32[1,257,97] = Conv(%x, %w) {strides=[160]}
}
)");
  ASSERT_TRUE(graph.ok());
  target::CoreSpec spec = target::NeuronCoreV2();
  spec.sbuf_partition_bytes = 256;
  auto program = lower::Lower(**graph, spec);
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(program.status().code(), absl::StatusCode::kResourceExhausted);
  const std::string message(program.status().message());
  const std::string node = (*graph)->ops()[0]->Describe();
  EXPECT_EQ(message.rfind(node + ": ", 0), 0u) << message;
  EXPECT_EQ(message.find(node, node.size()), std::string::npos) << message;
  EXPECT_NE(message.find("bytes per partition; SBUF has 256"), std::string::npos) << message;
  // The real SBUF takes it (taps folded into the contraction).
  EXPECT_TRUE(lower::Lower(**graph, target::NeuronCoreV2()).ok());
}

}  // namespace
}  // namespace ncc
