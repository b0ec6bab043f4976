#include "compiler/passes/fuse_layer_norm.h"

#include <gtest/gtest.h>

#include "compiler/ir/text.h"

namespace ncc::passes {
namespace {

constexpr char kDecomposed[] = R"(graph g(%x: f32[2,3,4]) -> (%y) {
  %two: f32[] = constant [2.0]
  %eps: f32[] = constant [0.00001]
  %gamma: f32[4] = constant [1.0, 2.0, 3.0, 4.0]
  %beta: f32[4] = constant [0.5, 0.5, 0.5, 0.5]
  %m: f32[2,3,1] = ReduceMean(%x) {axes=[-1]}
  %d: f32[2,3,4] = Sub(%x, %m)
  %p: f32[2,3,4] = Pow(%d, %two)
  %v: f32[2,3,1] = ReduceMean(%p) {axes=[-1]}
  %e: f32[2,3,1] = Add(%v, %eps)
  %s: f32[2,3,1] = Sqrt(%e)
  %n: f32[2,3,4] = Div(%d, %s)
  %g: f32[2,3,4] = Mul(%n, %gamma)
  %y: f32[2,3,4] = Add(%g, %beta)
}
)";

TEST(FuseLayerNorm, ReplacesTheExportedPrimitives) {
  auto graph = ir::Parse(kDecomposed);
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FuseLayerNorm(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  ASSERT_EQ((*graph)->ops().size(), 1u) << ir::Print(**graph);
  const ir::Op& ln = *(*graph)->ops()[0];
  EXPECT_EQ(ln.type, "LayerNormalization");
  EXPECT_EQ(ln.inputs[0]->name, "x");
  EXPECT_EQ(ln.inputs[1]->name, "gamma");
  EXPECT_EQ(ln.inputs[2]->name, "beta");
  EXPECT_FLOAT_EQ(ln.GetFloat("epsilon", 0), 1e-5f);
  EXPECT_EQ(ln.outputs[0]->name, "y");
  EXPECT_TRUE(ir::Verify(**graph).ok());
}

TEST(FuseLayerNorm, WithoutScaleAndBiasUsesUnitScale) {
  std::string text = kDecomposed;
  text.replace(
      text.find("  %g: f32[2,3,4] = Mul(%n, %gamma)\n  %y: f32[2,3,4] = Add(%g, %beta)\n"),
      std::string("  %g: f32[2,3,4] = Mul(%n, %gamma)\n  %y: f32[2,3,4] = Add(%g, %beta)\n").size(),
      "");
  text.replace(text.find("%n: f32"), 2, "%y");
  text.replace(text.find("Div(%d, %s)"), 0, "");
  auto graph = ir::Parse(text);
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FuseLayerNorm(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  ASSERT_EQ((*graph)->ops().size(), 1u) << ir::Print(**graph);
  EXPECT_EQ((*graph)->ops()[0]->inputs.size(), 2u);
}

TEST(FuseLayerNorm, KeepsPatternsWhoseIntermediatesEscape) {
  std::string text = kDecomposed;
  text.replace(text.find("-> (%y)"), 7, "-> (%y, %v)");
  auto graph = ir::Parse(text);
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FuseLayerNorm(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
}

TEST(FuseLayerNorm, IgnoresOtherAxes) {
  std::string text = kDecomposed;
  for (size_t at = text.find("axes=[-1]"); at != std::string::npos; at = text.find("axes=[-1]")) {
    text.replace(at, 9, "axes=[1]");
  }
  auto graph = ir::Parse(text);
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FuseLayerNorm(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
}

}  // namespace
}  // namespace ncc::passes
