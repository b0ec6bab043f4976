#include "compiler/passes/fuse_softmax_scale.h"

#include <gtest/gtest.h>

#include "compiler/ir/text.h"

namespace ncc::passes {
namespace {

TEST(FuseSoftmaxScale, FoldsAttentionsScaleIntoTheSoftmax) {
  auto graph = ir::Parse(R"(graph g(%s: f32[2,4,4], %t: f32[2,4,4]) -> (%p, %q) {
  %d: f32[] = constant [8.0]
  %h: f32[] = constant [0.5]
  %scaled: f32[2,4,4] = Div(%s, %d)
  %p: f32[2,4,4] = Softmax(%scaled) {axis=-1}
  %halved: f32[2,4,4] = Mul(%h, %t)
  %q: f32[2,4,4] = LogSoftmax(%halved) {axis=-1}
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FuseSoftmaxScale(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(ir::Print(**graph), R"(graph g(%s: f32[2,4,4], %t: f32[2,4,4]) -> (%p, %q) {
  %p: f32[2,4,4] = Softmax(%s) {axis=-1, input_scale=0.125}
  %q: f32[2,4,4] = LogSoftmax(%t) {axis=-1, input_scale=0.5}
}
)");
  EXPECT_TRUE(ir::Verify(**graph).ok());
}

TEST(FuseSoftmaxScale, KeepsNegativeScalesTensorsAndSharedValues) {
  auto graph = ir::Parse(R"(graph g(%s: f32[2,4], %v: f32[4]) -> (%a, %b, %c, %shared) {
  %neg: f32[] = constant [-2.0]
  %two: f32[] = constant [2.0]
  %x: f32[2,4] = Div(%s, %neg)
  %a: f32[2,4] = Softmax(%x) {axis=-1}
  %y: f32[2,4] = Div(%s, %v)
  %b: f32[2,4] = Softmax(%y) {axis=-1}
  %shared: f32[2,4] = Mul(%s, %two)
  %c: f32[2,4] = Softmax(%shared) {axis=-1}
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FuseSoftmaxScale(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
}

}  // namespace
}  // namespace ncc::passes
