#include "compiler/ir/eval/graph_edit.h"

#include <gtest/gtest.h>

#include <cmath>

#include "compiler/ir/text.h"

namespace ncc::ir::eval {
namespace {

TEST(GraphEdit, Bf16RoundsToNearestEven) {
  EXPECT_EQ(FloatToBf16(1.0f), 0x3f80);
  // 1 + 2^-8 is halfway between bf16 1.0 and 1.0078125: ties to even (1.0).
  EXPECT_EQ(FloatToBf16(1.00390625f), 0x3f80);
  EXPECT_EQ(FloatToBf16(1.01171875f), 0x3f82);  // 1 + 3*2^-8 -> up to even
  EXPECT_EQ(Bf16ToFloat(0x4049), 3.140625f);
  EXPECT_TRUE(std::isnan(Bf16ToFloat(FloatToBf16(std::nanf("")))));
}

TEST(GraphEdit, F16ConversionsRoundTripAndRound) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f, 5.9604645e-08f}) {
    EXPECT_EQ(F16ToFloat(FloatToF16(f)), f) << f;
  }
  EXPECT_EQ(FloatToF16(1.0f), 0x3c00);
  EXPECT_EQ(FloatToF16(1e6f), 0x7c00);                          // overflow -> inf
  EXPECT_EQ(F16ToFloat(FloatToF16(1.0f + 1.0f / 4096)), 1.0f);  // below half ulp
  EXPECT_EQ(FloatToF16(2049.0f), FloatToF16(2048.0f));          // tie to even
}

TEST(GraphEdit, BypassKeepsGraphOutputName) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4]) -> (%y) {
  %a: f32[4] = Relu(%x)
  %y: f32[4] = Identity(%a)
}
)");
  ASSERT_TRUE(graph.ok());
  ir::Graph& g = **graph;
  ir::Op* id = g.ops()[1].get();
  ASSERT_TRUE(BypassValue(g, g.FindValue("y"), g.FindValue("a")));
  id->inputs.clear();
  id->outputs.clear();
  g.RemoveOp(id);
  g.RemoveDeadValues();
  EXPECT_EQ(ir::Print(g), R"(graph g(%x: f32[4]) -> (%y) {
  %y: f32[4] = Relu(%x)
}
)");
}

TEST(GraphEdit, BypassRefusesWhenInputIsGraphInputAndOutputIsGraphOutput) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4]) -> (%y) {
  %y: f32[4] = Identity(%x)
}
)");
  ASSERT_TRUE(graph.ok());
  EXPECT_FALSE(BypassValue(**graph, (*graph)->FindValue("y"), (*graph)->FindValue("x")));
}

}  // namespace
}  // namespace ncc::ir::eval
