#include "compiler/passes/fuse_gelu.h"

#include <gtest/gtest.h>

#include "compiler/ir/text.h"

namespace ncc::passes {
namespace {

TEST(FuseGelu, ReplacesPyTorchsErfForm) {
  auto graph = ir::Parse(R"(graph g(%x: f32[2,8]) -> (%y) {
  %sqrt2: f32[] = constant [1.41421354]
  %one: f32[] = constant [1.0]
  %half: f32[] = constant [0.5]
  %a: f32[2,8] = Div(%x, %sqrt2)
  %b: f32[2,8] = Erf(%a)
  %c: f32[2,8] = Add(%b, %one)
  %d: f32[2,8] = Mul(%x, %c)
  %y: f32[2,8] = Mul(%d, %half)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FuseGelu(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  ASSERT_EQ((*graph)->ops().size(), 1u) << ir::Print(**graph);
  EXPECT_EQ((*graph)->ops()[0]->type, "Gelu");
  EXPECT_EQ((*graph)->ops()[0]->inputs[0]->name, "x");
  EXPECT_EQ((*graph)->ops()[0]->outputs[0]->name, "y");
}

TEST(FuseGelu, ReplacesTheHalfFirstForm) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4]) -> (%y) {
  %inv: f32[] = constant [0.707106769]
  %one: f32[] = constant [1.0]
  %half: f32[] = constant [0.5]
  %h: f32[4] = Mul(%half, %x)
  %a: f32[4] = Mul(%x, %inv)
  %b: f32[4] = Erf(%a)
  %c: f32[4] = Add(%one, %b)
  %y: f32[4] = Mul(%h, %c)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FuseGelu(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  ASSERT_EQ((*graph)->ops().size(), 1u) << ir::Print(**graph);
}

TEST(FuseGelu, LeavesOtherConstants) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4]) -> (%y) {
  %two: f32[] = constant [2.0]
  %one: f32[] = constant [1.0]
  %half: f32[] = constant [0.5]
  %a: f32[4] = Div(%x, %two)
  %b: f32[4] = Erf(%a)
  %c: f32[4] = Add(%b, %one)
  %d: f32[4] = Mul(%x, %c)
  %y: f32[4] = Mul(%d, %half)
}
)");
  ASSERT_TRUE(graph.ok());
  auto changed = FuseGelu(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
}

}  // namespace
}  // namespace ncc::passes
