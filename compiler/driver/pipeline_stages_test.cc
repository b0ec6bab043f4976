#include "compiler/driver/pipeline_stages.h"

#include <gtest/gtest.h>

namespace ncc::driver {
namespace {

std::vector<std::pair<int, int>> Ranges(const std::vector<StagePlan>& plans) {
  std::vector<std::pair<int, int>> ranges;
  for (const StagePlan& p : plans) ranges.emplace_back(p.first_op, p.end_op);
  return ranges;
}

TEST(PlanStages, BalancesTime) {
  const std::vector<double> ns = {1, 1, 1, 1, 4, 1, 1, 1, 1};
  auto plans = PlanStages(ns, std::vector<int64_t>(ns.size(), 0), 3, 1000);
  ASSERT_TRUE(plans.ok()) << plans.status();
  // The bottleneck is the 4-unit op with at most one neighbour.
  EXPECT_EQ(Ranges(*plans), (std::vector<std::pair<int, int>>{{0, 4}, {4, 5}, {5, 9}}));
  EXPECT_EQ((*plans)[0].cut, StageCut::kTime);
  EXPECT_EQ((*plans)[2].cut, StageCut::kEnd);
  EXPECT_DOUBLE_EQ((*plans)[1].estimated_ns, 4);
}

TEST(PlanStages, CutsWhereTheWeightsStopFitting) {
  // Time alone would cut in the middle; the first three ops' weights fill a
  // core's budget.
  const std::vector<double> ns = {1, 1, 1, 1, 1, 1};
  const std::vector<int64_t> w = {40, 40, 20, 0, 0, 0};
  auto plans = PlanStages(ns, w, 2, 100);
  ASSERT_TRUE(plans.ok()) << plans.status();
  EXPECT_EQ(Ranges(*plans), (std::vector<std::pair<int, int>>{{0, 3}, {3, 6}}));
  auto heavy = PlanStages(ns, {60, 60, 0, 0, 0, 0}, 2, 100);
  ASSERT_TRUE(heavy.ok());
  EXPECT_EQ((*heavy)[0].cut, StageCut::kWeights);
  EXPECT_EQ(Ranges(*heavy), (std::vector<std::pair<int, int>>{{0, 1}, {1, 6}}));
}

TEST(PlanStages, IgnoresWeightsThatCannotFitAnyway) {
  const std::vector<double> ns = {1, 1, 1, 1};
  auto plans = PlanStages(ns, {500, 500, 500, 500}, 2, 100);
  ASSERT_TRUE(plans.ok());
  EXPECT_EQ(Ranges(*plans), (std::vector<std::pair<int, int>>{{0, 2}, {2, 4}}));
  EXPECT_EQ((*plans)[0].cut, StageCut::kTime);
}

TEST(PlanStages, GivesEveryCoreAStage) {
  // One op dominates: time balance alone would make two stages.
  const std::vector<double> ns = {100, 1, 1, 1};
  auto plans = PlanStages(ns, std::vector<int64_t>(4, 0), 4, 1000);
  ASSERT_TRUE(plans.ok());
  EXPECT_EQ(plans->size(), 4u);
  for (const StagePlan& p : *plans) EXPECT_LT(p.first_op, p.end_op);
  EXPECT_EQ(plans->back().end_op, 4);
}

TEST(PlanStages, RefusesMoreStagesThanOps) {
  auto plans = PlanStages({1, 1}, {0, 0}, 3, 1000);
  ASSERT_FALSE(plans.ok());
  EXPECT_EQ(plans.status().message(),
            "the model has 2 ops after optimisation, fewer than the 3 pipeline stages asked for "
            "(one per core); use at most 2 cores");
}

TEST(ExtractStages, WiresValuesAcrossStages) {
  ir::Graph g;
  ir::Value* x = g.AddValue("x", ir::DType::kF32, {2, 2});
  g.inputs().push_back(x);
  ir::Value* w = g.AddConstant("w", ir::DType::kF32, {2, 2}, std::vector<uint8_t>(16, 0));
  ir::Value* a = g.AddValue("a", ir::DType::kF32, {2, 2});
  ir::Value* b = g.AddValue("b", ir::DType::kF32, {2, 2});
  ir::Value* c = g.AddValue("c", ir::DType::kF32, {2, 2});
  g.AddOp("Relu", "relu", {x}, {a});
  g.AddOp("Add", "add", {a, w}, {b});
  g.AddOp("Mul", "mul", {b, a}, {c});
  g.outputs() = {c, a};
  std::vector<StagePlan> plans(3);
  plans[0] = {0, 1};
  plans[1] = {1, 2};
  plans[2] = {2, 3};
  auto p = ExtractStages(g, plans);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->stages.size(), 3u);
  // Stage 0 reads the model input and exports a (read by stages 1, 2 and
  // the model).
  const StageGraph& s0 = p->stages[0];
  ASSERT_EQ(s0.input_sources.size(), 1u);
  EXPECT_EQ(s0.input_sources[0].stage, -1);
  EXPECT_EQ(s0.bytes_in, 0);
  ASSERT_EQ(s0.graph->outputs().size(), 1u);
  EXPECT_EQ(s0.graph->outputs()[0]->name, "a");
  // Stage 1 gets a from stage 0 and its own copy of the constant.
  const StageGraph& s1 = p->stages[1];
  ASSERT_EQ(s1.input_sources.size(), 1u);
  EXPECT_EQ(s1.input_sources[0].stage, 0);
  EXPECT_EQ(s1.input_sources[0].index, 0u);
  EXPECT_EQ(s1.bytes_in, 16);
  EXPECT_TRUE(s1.graph->FindValue("w")->is_constant);
  // Stage 2 reads b (stage 1) and a (stage 0, skipping stage 1).
  const StageGraph& s2 = p->stages[2];
  ASSERT_EQ(s2.input_sources.size(), 2u);
  EXPECT_EQ(s2.input_sources[0].stage, 1);
  EXPECT_EQ(s2.input_sources[1].stage, 0);
  EXPECT_EQ(s2.bytes_in, 32);
  // Model outputs: c from stage 2, a from stage 0.
  ASSERT_EQ(p->output_sources.size(), 2u);
  EXPECT_EQ(p->output_sources[0].stage, 2);
  EXPECT_EQ(p->output_sources[1].stage, 0);
  EXPECT_EQ(p->output_sources[1].index, 0u);
}

}  // namespace
}  // namespace ncc::driver
