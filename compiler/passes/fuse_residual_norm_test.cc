#include "compiler/passes/fuse_residual_norm.h"

#include <gtest/gtest.h>

#include "compiler/ir/text.h"

namespace ncc::passes {
namespace {

TEST(FuseResidualNorm, FoldsTheResidualAddIntoTheNorm) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4,8], %h: f32[4,8], %s: f32[8], %b: f32[8]) -> (%y) {
  %sum: f32[4,8] = Add(%x, %h)
  %y: f32[4,8] = LayerNormalization(%sum, %s, %b) {axis=-1}
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FuseResidualNorm(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(ir::Print(**graph),
            R"(graph g(%x: f32[4,8], %h: f32[4,8], %s: f32[8], %b: f32[8]) -> (%y) {
  %y: f32[4,8] = LayerNormalization(%x, %s, %b, %h) {axis=-1, fused_residual=1}
}
)");
  EXPECT_TRUE(ir::Verify(**graph).ok());
}

TEST(FuseResidualNorm, KeepsSumsThatAreReadElsewhereOrBroadcast) {
  auto graph =
      ir::Parse(R"(graph g(%x: f32[4,8], %h: f32[4,8], %v: f32[8], %s: f32[8]) -> (%y, %sum, %z) {
  %sum: f32[4,8] = Add(%x, %h)
  %y: f32[4,8] = LayerNormalization(%sum, %s) {axis=-1}
  %bc: f32[4,8] = Add(%x, %v)
  %z: f32[4,8] = LayerNormalization(%bc, %s) {axis=-1}
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FuseResidualNorm(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
}

}  // namespace
}  // namespace ncc::passes
