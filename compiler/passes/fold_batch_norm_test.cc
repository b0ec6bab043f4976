#include "compiler/passes/fold_batch_norm.h"

#include <gtest/gtest.h>

#include <cmath>

#include "compiler/ir/eval/host_eval.h"
#include "compiler/ir/text.h"

namespace ncc::passes {
namespace {

TEST(FoldBatchNorm, FoldsIntoConvWeightsAndBias) {
  // Two output channels; s = scale / sqrt(var + eps) = [2, 0.5].
  auto graph = ir::Parse(R"(graph g(%x: f32[1,1,2,2]) -> (%y) {
  %w: f32[2,1,1,1] = constant [3, 4]
  %b: f32[2] = constant [1, -1]
  %scale: f32[2] = constant [2, 1]
  %bias: f32[2] = constant [0.5, 0.25]
  %mean: f32[2] = constant [1, 2]
  %var: f32[2] = constant [1, 4]
  %c: f32[1,2,2,2] = Conv(%x, %w, %b)
  %y: f32[1,2,2,2] = BatchNormalization(%c, %scale, %bias, %mean, %var) {epsilon=0.0}
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto changed = FoldBatchNorm(**graph);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  ASSERT_TRUE(ir::Verify(**graph).ok());
  ASSERT_EQ((*graph)->ops().size(), 1u);
  const ir::Op& conv = *(*graph)->ops()[0];
  EXPECT_EQ(conv.type, "Conv");
  EXPECT_EQ(conv.outputs[0]->name, "y");
  const ir::Value* w = conv.inputs[1];
  const ir::Value* b = conv.inputs[2];
  EXPECT_FLOAT_EQ(w->data_as<float>()[0], 6.0f);    // 3 * 2
  EXPECT_FLOAT_EQ(w->data_as<float>()[1], 2.0f);    // 4 * 0.5
  EXPECT_FLOAT_EQ(b->data_as<float>()[0], 0.5f);    // (1 - 1) * 2 + 0.5
  EXPECT_FLOAT_EQ(b->data_as<float>()[1], -1.25f);  // (-1 - 2) * 0.5 + 0.25
}

TEST(FoldBatchNorm, FoldsIntoGemmWithTransposedWeightsAndAlphaBeta) {
  auto graph = ir::Parse(R"(graph g(%x: f32[1,2]) -> (%y) {
  %w: f32[2,2] = constant [1, 2, 3, 4]
  %c: f32[2] = constant [1, 1]
  %scale: f32[2] = constant [2, 1]
  %bias: f32[2] = constant [0, 0]
  %mean: f32[2] = constant [0, 1]
  %var: f32[2] = constant [1, 1]
  %g: f32[1,2] = Gemm(%x, %w, %c) {alpha=2.0, beta=3.0, transB=1}
  %y: f32[1,2] = BatchNormalization(%g, %scale, %bias, %mean, %var) {epsilon=0.0}
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  ASSERT_TRUE(FoldBatchNorm(**graph).ok());
  ASSERT_EQ((*graph)->ops().size(), 1u);
  const ir::Op& gemm = *(*graph)->ops()[0];
  // Row n of W (transB) scaled by alpha * s[n]: row 0 by 4, row 1 by 2.
  const float* w = gemm.inputs[1]->data_as<float>();
  EXPECT_FLOAT_EQ(w[0], 4);
  EXPECT_FLOAT_EQ(w[1], 8);
  EXPECT_FLOAT_EQ(w[2], 6);
  EXPECT_FLOAT_EQ(w[3], 8);
  const float* c = gemm.inputs[2]->data_as<float>();
  EXPECT_FLOAT_EQ(c[0], 6);  // 3 * 1 * 2 + (0 - 0 * 2)
  EXPECT_FLOAT_EQ(c[1], 2);  // 3 * 1 * 1 + (0 - 1 * 1)
  EXPECT_FLOAT_EQ(gemm.GetFloat("alpha", 0), 1.0f);
  EXPECT_FLOAT_EQ(gemm.GetFloat("beta", 0), 1.0f);
}

TEST(FoldBatchNorm, StandaloneBecomesMulAddWithChannelBroadcast) {
  auto graph = ir::Parse(R"(graph g(%x: f32[1,2,1,2]) -> (%y) {
  %scale: f32[2] = constant [2, 1]
  %bias: f32[2] = constant [0.5, 0.25]
  %mean: f32[2] = constant [1, 2]
  %var: f32[2] = constant [1, 4]
  %y: f32[1,2,1,2] = BatchNormalization(%x, %scale, %bias, %mean, %var) {epsilon=0.0}
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  ASSERT_TRUE(FoldBatchNorm(**graph).ok());
  ir::Graph& g = **graph;
  ASSERT_TRUE(ir::Verify(g).ok());
  ASSERT_EQ(g.ops().size(), 2u);
  EXPECT_EQ(g.ops()[0]->type, "Mul");
  EXPECT_EQ(g.ops()[1]->type, "Add");
  EXPECT_EQ(g.ops()[1]->outputs[0]->name, "y");
  EXPECT_EQ(g.ops()[0]->inputs[1]->shape, (ir::Shape{2, 1, 1}));
  // Evaluate with a constant x = [1, 3, 2, 6]: y = (x - mean) * s + B.
  ir::Value* x = g.inputs()[0];
  x->is_constant = true;
  std::vector<float> xv = {1, 3, 2, 6};
  x->data.assign(reinterpret_cast<uint8_t*>(xv.data()), reinterpret_cast<uint8_t*>(xv.data()) + 16);
  auto scaled = ir::eval::EvaluateOnHost(*g.ops()[0]);
  ASSERT_TRUE(scaled.has_value());
  ir::Value* mid = g.ops()[0]->outputs[0];
  mid->is_constant = true;
  std::vector<float> mv(scaled->begin(), scaled->end());
  mid->data.assign(reinterpret_cast<uint8_t*>(mv.data()),
                   reinterpret_cast<uint8_t*>(mv.data()) + 16);
  auto y = ir::eval::EvaluateOnHost(*g.ops()[1]);
  ASSERT_TRUE(y.has_value());
  EXPECT_EQ(*y, (std::vector<double>{0.5, 4.5, 0.25, 2.25}));
}

TEST(FoldBatchNorm, KeepsProducerWhenPreNormValueHasOtherReaders) {
  auto graph = ir::Parse(R"(graph g(%x: f32[1,1,1,1]) -> (%y, %c) {
  %w: f32[1,1,1,1] = constant [3]
  %s: f32[1] = constant [1]
  %b: f32[1] = constant [0]
  %m: f32[1] = constant [0]
  %v: f32[1] = constant [1]
  %c: f32[1,1,1,1] = Conv(%x, %w)
  %y: f32[1,1,1,1] = BatchNormalization(%c, %s, %b, %m, %v)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  ASSERT_TRUE(FoldBatchNorm(**graph).ok());
  ASSERT_TRUE(ir::Verify(**graph).ok());
  ASSERT_EQ((*graph)->ops().size(), 3u);             // Conv, Mul, Add
  EXPECT_EQ((*graph)->ops()[0]->inputs.size(), 2u);  // Conv weights untouched
}

}  // namespace
}  // namespace ncc::passes
