#include "compiler/passes/fold_shapes.h"

#include <gtest/gtest.h>

#include "compiler/ir/text.h"

namespace ncc::passes {
namespace {

// The flatten-before-classifier chain PyTorch's exporter emits:
// Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])).
TEST(FoldShapes, FoldsExporterShapeChainIntoConstantReshapeShape) {
  auto graph = ir::Parse(R"(graph g(%x: f32[2,8,3,3]) -> (%y) {
  %zero: i64[] = constant [0]
  %axes: i64[1] = constant [0]
  %minus1: i64[1] = constant [-1]
  %s: i64[4] = Shape(%x)
  %n: i64[] = Gather(%s, %zero) {axis=0}
  %n1: i64[1] = Unsqueeze(%n, %axes)
  %shape: i64[2] = Concat(%n1, %minus1) {axis=0}
  %y: f32[2,72] = Reshape(%x, %shape)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FoldShapes(**graph);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(ir::Print(**graph), R"(graph g(%x: f32[2,8,3,3]) -> (%y) {
  %y.shape: i64[2] = constant [2, 72]
  %y: f32[2,72] = Reshape(%x, %y.shape)
}
)");
  EXPECT_TRUE(ir::Verify(**graph).ok());
}

TEST(FoldShapes, PinsReshapeShapeEvenWhenTheChainDoesNotFold) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4,6], %dyn: i64[2]) -> (%y) {
  %y: f32[6,4] = Reshape(%x, %dyn)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FoldShapes(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  const ir::Value* shape = (*graph)->ops()[0]->inputs[1];
  ASSERT_TRUE(shape->is_constant);
  EXPECT_EQ(shape->data_as<int64_t>()[0], 6);
  EXPECT_EQ(shape->data_as<int64_t>()[1], 4);
}

TEST(FoldShapes, LeavesFloatArithmeticToConstantFolding) {
  auto graph = ir::Parse(R"(graph g(%x: f32[2]) -> (%y) {
  %a: f32[2] = constant [1, 2]
  %b: f32[2] = Exp(%a)
  %y: f32[2] = Add(%x, %b)
}
)");
  ASSERT_TRUE(graph.ok());
  auto changed = FoldShapes(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
}

}  // namespace
}  // namespace ncc::passes
