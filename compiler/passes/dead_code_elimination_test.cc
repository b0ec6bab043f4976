#include "compiler/passes/dead_code_elimination.h"

#include <gtest/gtest.h>

#include "compiler/ir/text.h"

namespace ncc::passes {
namespace {

TEST(DeadCodeElimination, RemovesUnreachableOpsAndConstants) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4]) -> (%y) {
  %w: f32[4] = constant [1, 2, 3, 4]
  %unused: f32[4] = Mul(%x, %w)
  %also: f32[4] = Exp(%unused)
  %y: f32[4] = Relu(%x)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = EliminateDeadCode(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(ir::Print(**graph), R"(graph g(%x: f32[4]) -> (%y) {
  %y: f32[4] = Relu(%x)
}
)");
  auto again = EliminateDeadCode(**graph);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
}

TEST(DeadCodeElimination, KeepsMultiOutputOpWhenOneOutputIsUsed) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4]) -> (%y) {
  %y: f32[4], %mask: bool[4] = Dropout(%x)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = EliminateDeadCode(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
  EXPECT_EQ((*graph)->ops().size(), 1u);
}

}  // namespace
}  // namespace ncc::passes
