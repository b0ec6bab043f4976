#include "compiler/passes/simplify_casts.h"

#include <gtest/gtest.h>

#include "compiler/ir/eval/graph_edit.h"
#include "compiler/ir/text.h"

namespace ncc::passes {
namespace {

TEST(SimplifyCasts, FoldsCastOfConstantIntoA16BitConstant) {
  auto graph = ir::Parse(R"(graph g(%x: bf16[3]) -> (%y) {
  %w: f32[3] = constant [1, 3.14159, -2]
  %wb: bf16[3] = Cast(%w) {to=16}
  %y: bf16[3] = Mul(%x, %wb)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = SimplifyCasts(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  ir::Graph& g = **graph;
  ASSERT_EQ(g.ops().size(), 1u);
  const ir::Value* wb = g.ops()[0]->inputs[1];
  EXPECT_TRUE(wb->is_constant);
  EXPECT_EQ(wb->dtype, ir::DType::kBF16);
  ASSERT_EQ(wb->data.size(), 6u);
  EXPECT_EQ(ir::eval::Bf16ToFloat(wb->data_as<uint16_t>()[1]), 3.140625f);
  EXPECT_EQ(g.FindValue("w"), nullptr);  // the f32 copy is gone
  EXPECT_TRUE(ir::Verify(g).ok());
}

TEST(SimplifyCasts, ExactRoundTripDisappears) {
  auto graph = ir::Parse(R"(graph g(%x: bf16[3]) -> (%y) {
  %a: f32[3] = Cast(%x) {to=1}
  %b: bf16[3] = Cast(%a) {to=16}
  %y: bf16[3] = Relu(%b)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  ASSERT_TRUE(SimplifyCasts(**graph).ok());
  EXPECT_EQ(ir::Print(**graph), R"(graph g(%x: bf16[3]) -> (%y) {
  %y: bf16[3] = Relu(%x)
}
)");
}

TEST(SimplifyCasts, ExactInnerCastIsSkipped) {
  auto graph = ir::Parse(R"(graph g(%x: bf16[3]) -> (%y) {
  %a: f32[3] = Cast(%x) {to=1}
  %y: f16[3] = Cast(%a) {to=10}
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  ASSERT_TRUE(SimplifyCasts(**graph).ok());
  EXPECT_EQ(ir::Print(**graph), R"(graph g(%x: bf16[3]) -> (%y) {
  %y: f16[3] = Cast(%x) {to=10}
}
)");
}

TEST(SimplifyCasts, KeepsRoundingRoundTrip) {
  const char* text = R"(graph g(%x: f32[3]) -> (%y) {
  %a: bf16[3] = Cast(%x) {to=16}
  %y: f32[3] = Cast(%a) {to=1}
}
)";
  auto graph = ir::Parse(text);
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = SimplifyCasts(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
  EXPECT_EQ(ir::Print(**graph), text);
}

}  // namespace
}  // namespace ncc::passes
