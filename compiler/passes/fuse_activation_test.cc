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
  EXPECT_EQ(ir::Print(**graph),
            R"(graph g(%x: f32[1,2,4,4], %w: f32[3,2,1,1], %b: f32[5,48]) -> (%y) {
  %r: f32[1,3,4,4] = Conv(%x, %w) {fused_activation="Relu"}
  %f: f32[1,48] = Flatten(%r)
  %y: f32[1,5] = Gemm(%f, %b) {fused_activation="Sigmoid", transB=1}
}
)");
  EXPECT_TRUE(ir::Verify(**graph).ok());
}

// BERT's FFN: Gemm then Gelu (exact or tanh) becomes one Gemm whose PSUM
// eviction applies GELU on the Scalar engine.
TEST(FuseActivation, FoldsGeluIntoGemm) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4,8], %w: f32[16,8], %v: f32[8,16]) -> (%y) {
  %h: f32[4,16] = Gemm(%x, %w) {transB=1}
  %a: f32[4,16] = Gelu(%h)
  %k: f32[4,8] = Gemm(%a, %v) {transB=1}
  %r: f32[1,4,8] = Reshape(%k) {shape=[1,4,8]}
  %y: f32[1,4,8] = Gelu(%r) {approximate="tanh"}
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FuseActivation(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(ir::Print(**graph), R"(graph g(%x: f32[4,8], %w: f32[16,8], %v: f32[8,16]) -> (%y) {
  %a: f32[4,16] = Gemm(%x, %w) {fused_activation="Gelu", transB=1}
  %k: f32[4,8] = Gemm(%a, %v) {fused_activation="GeluTanh", transB=1}
  %y: f32[1,4,8] = Reshape(%k) {shape=[1,4,8]}
}
)");
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

TEST(FuseBias, MatMulPlusBiasBecomesGemmThenTakesTheActivation) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4,3]) -> (%y) {
  %w: f32[3,2] = constant [1, 2, 3, 4, 5, 6]
  %b: f32[2] = constant [0.5, -0.5]
  %m: f32[4,2] = MatMul(%x, %w) @"fc"
  %a: f32[4,2] = Add(%m, %b)
  %y: f32[4,2] = Relu(%a)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FuseBias(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  ASSERT_TRUE(FuseActivation(**graph).ok());
  EXPECT_EQ(ir::Print(**graph), R"(graph g(%x: f32[4,3]) -> (%y) {
  %w: f32[3,2] = constant [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
  %b: f32[2] = constant [0.5, -0.5]
  %y: f32[4,2] = Gemm(%x, %w, %b) {fused_activation="Relu"} @"fc"
}
)");
  EXPECT_TRUE(ir::Verify(**graph).ok());
}

TEST(FuseBias, ConvPlusChannelBiasAddsToExistingBias) {
  auto graph = ir::Parse(R"(graph g(%x: f32[1,1,2,2]) -> (%y) {
  %w: f32[2,1,1,1] = constant [1, 2]
  %b0: f32[2] = constant [1, 1]
  %b: f32[1,2,1,1] = constant [0.5, 2]
  %c: f32[1,2,2,2] = Conv(%x, %w, %b0)
  %y: f32[1,2,2,2] = Add(%b, %c)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  ASSERT_TRUE(FuseBias(**graph).ok());
  ASSERT_EQ((*graph)->ops().size(), 1u);
  const ir::Op& conv = *(*graph)->ops()[0];
  EXPECT_EQ(conv.outputs[0]->name, "y");
  EXPECT_FLOAT_EQ(conv.inputs[2]->data_as<float>()[0], 1.5f);
  EXPECT_FLOAT_EQ(conv.inputs[2]->data_as<float>()[1], 3.0f);
  EXPECT_TRUE(ir::Verify(**graph).ok());
}

TEST(FuseBias, BatchedMatMulBecomesGemmBetweenReshapesAndNonBiasAddsStay) {
  auto graph = ir::Parse(R"(graph g(%x: f32[2,4,3], %z: f32[4,2]) -> (%y, %v) {
  %w: f32[3,2] = constant [1, 2, 3, 4, 5, 6]
  %b: f32[2] = constant [0.5, -0.5]
  %m: f32[2,4,2] = MatMul(%x, %w)
  %y: f32[2,4,2] = Add(%m, %b)
  %x2: f32[4,3] = constant [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
  %m2: f32[4,2] = MatMul(%x2, %w)
  %v: f32[4,2] = Add(%m2, %z)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FuseBias(**graph);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  ASSERT_TRUE(ir::Verify(**graph).ok()) << ir::Print(**graph);
  std::vector<std::string> types;
  for (const auto& op : (*graph)->ops()) types.push_back(op->type);
  EXPECT_EQ(types, (std::vector<std::string>{"Reshape", "Gemm", "Reshape", "MatMul", "Add"}))
      << ir::Print(**graph);
  const ir::Op& gemm = *(*graph)->ops()[1];
  EXPECT_EQ(gemm.outputs[0]->shape, (ir::Shape{8, 2}));
  EXPECT_EQ((*graph)->ops()[2]->outputs[0]->name, "y");
}

}  // namespace
}  // namespace ncc::passes
