#include "compiler/passes/common_subexpression_elimination.h"

#include <gtest/gtest.h>

#include "compiler/ir/text.h"

namespace ncc::passes {
namespace {

TEST(CommonSubexpressionElimination, MergesEqualOpsAndConstantsTransitively) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4]) -> (%y) {
  %c1: f32[4] = constant [1, 2, 3, 4]
  %c2: f32[4] = constant [1, 2, 3, 4]
  %a: f32[4] = Mul(%x, %c1)
  %b: f32[4] = Mul(%x, %c2)
  %ea: f32[4] = Exp(%a)
  %eb: f32[4] = Exp(%b)
  %y: f32[4] = Add(%ea, %eb)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = EliminateCommonSubexpressions(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(ir::Print(**graph), R"(graph g(%x: f32[4]) -> (%y) {
  %c1: f32[4] = constant [1.0, 2.0, 3.0, 4.0]
  %a: f32[4] = Mul(%x, %c1)
  %ea: f32[4] = Exp(%a)
  %y: f32[4] = Add(%ea, %ea)
}
)");
  EXPECT_TRUE(ir::Verify(**graph).ok());
}

TEST(CommonSubexpressionElimination, KeepsOpsWithDifferentAttributesOrGraphOutputs) {
  auto graph = ir::Parse(R"(graph g(%x: f32[2,3]) -> (%p, %q, %r) {
  %p: f32[3,2] = Transpose(%x) {perm=[1,0]}
  %q: f32[2,3] = Softmax(%x) {axis=1}
  %r: f32[2,3] = Softmax(%x) {axis=1}
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = EliminateCommonSubexpressions(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);  // %r is a graph output: its name must survive
  EXPECT_EQ((*graph)->ops().size(), 3u);
}

}  // namespace
}  // namespace ncc::passes
