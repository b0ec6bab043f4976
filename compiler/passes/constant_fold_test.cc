#include "compiler/passes/constant_fold.h"

#include <gtest/gtest.h>

#include <limits>

#include "compiler/ir/text.h"

namespace ncc::passes {
namespace {

std::unique_ptr<ir::Graph> Fold(const char* text, const ConstantFoldOptions& options = {}) {
  auto graph = ir::Parse(text);
  EXPECT_TRUE(graph.ok()) << graph.status();
  EXPECT_TRUE(ir::Verify(**graph).ok());
  auto changed = ConstantFold(**graph, options);
  EXPECT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(ir::Verify(**graph).ok()) << ir::Print(**graph);
  return std::move(*graph);
}

TEST(ConstantFold, FoldsArithmeticChainsWithBroadcasting) {
  auto g = Fold(R"(graph g(%x: f32[2,3]) -> (%y) {
  %a: f32[2,3] = constant [1, 2, 3, 4, 5, 6]
  %b: f32[3] = constant [10, 20, 30]
  %s: f32[2,3] = Add(%a, %b)
  %t: f32[3,2] = Transpose(%s) {perm=[1,0]}
  %shape: i64[2] = constant [2, 3]
  %u: f32[2,3] = Reshape(%t, %shape)
  %y: f32[2,3] = Mul(%x, %u)
}
)");
  EXPECT_EQ(ir::Print(*g), R"(graph g(%x: f32[2,3]) -> (%y) {
  %u: f32[2,3] = constant [11.0, 14.0, 22.0, 25.0, 33.0, 36.0]
  %y: f32[2,3] = Mul(%x, %u)
}
)");
}

TEST(ConstantFold, FoldsIntegerShapeOpsAndGraphOutputsKeepTheirName) {
  auto g = Fold(R"(graph g(%x: f32[2,5,7]) -> (%n) {
  %s: i64[3] = Shape(%x)
  %i: i64[1] = constant [-1]
  %last: i64[1] = Gather(%s, %i)
  %two: i64[1] = constant [2]
  %n: i64[1] = Div(%last, %two)
}
)");
  const ir::Value* n = g->FindValue("n");
  ASSERT_NE(n, nullptr);
  EXPECT_TRUE(n->is_constant);
  EXPECT_EQ(n->data_as<int64_t>()[0], 3);  // 7 / 2 truncates
  EXPECT_TRUE(g->ops().empty());
}

TEST(ConstantFold, SlicesConcatsAndCastsConstants) {
  auto g = Fold(R"(graph g() -> (%y, %c) {
  %a: i64[4] = constant [1, 2, 3, 4]
  %st: i64[1] = constant [1]
  %en: i64[1] = constant [100]
  %s: i64[3] = Slice(%a, %st, %en)
  %b: i64[1] = constant [9]
  %y: i64[4] = Concat(%s, %b) {axis=0}
  %f: f32[2] = constant [1.5, -2.5]
  %c: i32[2] = Cast(%f) {to=6}
}
)");
  const ir::Value* y = g->FindValue("y");
  EXPECT_EQ(std::vector<int64_t>(y->data_as<int64_t>(), y->data_as<int64_t>() + 4),
            (std::vector<int64_t>{2, 3, 4, 9}));
  const ir::Value* c = g->FindValue("c");
  EXPECT_EQ(c->data_as<int32_t>()[0], 1);
  EXPECT_EQ(c->data_as<int32_t>()[1], -2);
}

TEST(ConstantFold, DequantizesConstantWeightsPerAxis) {
  // QDQ models store weights as int8 and a DequantizeLinear per channel.
  auto g = Fold(R"(graph g(%x: f32[2,3]) -> (%y) {
  %q: i8[2,3] = constant [-128, 0, 127, 1, 2, 3]
  %s: f32[2] = constant [0.5, 0.1]
  %z: i8[2] = constant [0, -2]
  %w: f32[2,3] = DequantizeLinear(%q, %s, %z) {axis=0}
  %y: f32[2,3] = Mul(%x, %w)
}
)");
  const ir::Value* w = g->FindValue("w");
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->is_constant);
  const float want[] = {-64.0f, 0.0f, 63.5f, 3 * 0.1f, 4 * 0.1f, 5 * 0.1f};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(w->data_as<float>()[i], want[i]) << i;
  EXPECT_EQ(g->ops().size(), 1u);
}

TEST(ConstantFold, QuantizesConstantsAsTheEnginesDo) {
  auto g = Fold(R"(graph g() -> (%u, %i) {
  %x: f32[6] = constant [1.0, 3.0, -3.0, 5.0, 1000.0, -1000.0]
  %s: f32[] = constant [2.0]
  %zu: u8[] = constant [128]
  %zi: i8[] = constant [-1]
  %u: u8[6] = QuantizeLinear(%x, %s, %zu)
  %i: i8[6] = QuantizeLinear(%x, %s, %zi)
}
)");
  // Ties to even: 0.5 -> 0, 1.5 -> 2, -1.5 -> -2, 2.5 -> 2; then saturated.
  const uint8_t want_u[] = {128, 130, 126, 130, 255, 0};
  const int8_t want_i[] = {-1, 1, -3, 1, 127, -128};
  for (int k = 0; k < 6; ++k) {
    EXPECT_EQ(g->FindValue("u")->data_as<uint8_t>()[k], want_u[k]) << k;
    EXPECT_EQ(g->FindValue("i")->data_as<int8_t>()[k], want_i[k]) << k;
  }
  EXPECT_TRUE(g->ops().empty());
}

TEST(ConstantFold, CapsResultsThatWouldGrowTheGraph) {
  const char* text = R"(graph g(%x: f32[64,64]) -> (%y) {
  %shape: i64[2] = constant [64, 64]
  %big: f32[64,64] = ConstantOfShape(%shape) {value=1.0}
  %y: f32[64,64] = Add(%x, %big)
}
)";
  ConstantFoldOptions small;
  small.max_elements = 100;
  auto g = Fold(text, small);
  EXPECT_EQ(g->ops().size(), 2u);  // 4096 elements from 2: not folded
  auto folded = Fold(text);        // default cap (65536) allows it
  EXPECT_EQ(folded->ops().size(), 1u);
}

TEST(ConstantFold, LeavesOpsWithRuntimeInputs) {
  auto g = Fold(R"(graph g(%x: f32[2]) -> (%y) {
  %c: f32[2] = constant [1, 2]
  %y: f32[2] = Add(%x, %c)
}
)");
  EXPECT_EQ(g->ops().size(), 1u);
}

TEST(ConstantFold, StaysWithinTheHostByteBudgetWhateverTheElementCap) {
  // 2^40 elements would be 8 TiB of doubles: left to the device (whose
  // memory limit the driver checks) instead of aborting with bad_alloc.
  ConstantFoldOptions unlimited;
  unlimited.max_elements = std::numeric_limits<int64_t>::max();
  auto g = Fold(R"(graph g() -> (%r) {
  %a: i64[] = constant [0]
  %b: i64[] = constant [1099511627776]
  %d: i64[] = constant [1]
  %r: i64[1099511627776] = Range(%a, %b, %d)
}
)",
                unlimited);
  EXPECT_EQ(g->ops().size(), 1u);
}

}  // namespace
}  // namespace ncc::passes
