#include "compiler/passes/fuse_activation.h"

#include <gtest/gtest.h>

#include "compiler/ir/text.h"

namespace ncc::passes {
namespace {

TEST(FuseActivation, FoldsReluIntoConvAndGemm) {
  auto graph = ir::Parse(R"(graph g(%x: f32[1,2,4,4], %w: f32[3,2,1,1], %b: f32[5,48]) -> (%y) {
  %c: f32[1,3,4,4] = Conv(%x, %w)
  %r: f32[1,3,4,4] = Relu(%c)
  %f: f32[1,48] = Flatten(%r)
  %g: f32[1,5] = Gemm(%f, %b) {transB=1}
  %y: f32[1,5] = Sigmoid(%g)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FuseActivation(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(ir::Print(**graph), R"(graph g(%x: f32[1,2,4,4], %w: f32[3,2,1,1], %b: f32[5,48]) -> (%y) {
  %r: f32[1,3,4,4] = Conv(%x, %w) {fused_activation="Relu"}
  %f: f32[1,48] = Flatten(%r)
  %y: f32[1,5] = Gemm(%f, %b) {fused_activation="Sigmoid", transB=1}
}
)");
  EXPECT_TRUE(ir::Verify(**graph).ok());
}

TEST(FuseActivation, KeepsActivationWhenPreActivationValueIsUsedElsewhere) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4], %z: f32[4]) -> (%y, %s) {
  %s: f32[4] = Add(%x, %z)
  %y: f32[4] = Relu(%s)
}
)");
  ASSERT_TRUE(graph.ok());
  auto changed = FuseActivation(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
  EXPECT_EQ((*graph)->ops().size(), 2u);
}

TEST(FuseActivation, DoesNotFuseIntoUnsupportedProducers) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4]) -> (%y) {
  %e: f32[4] = Exp(%x)
  %y: f32[4] = Relu(%e)
}
)");
  ASSERT_TRUE(graph.ok());
  auto changed = FuseActivation(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
}

}  // namespace
}  // namespace ncc::passes
