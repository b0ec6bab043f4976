// The host evaluator on the ops that shape arithmetic and constant
// expressions use, against hand-computed ONNX results.
#include "compiler/ir/eval/host_eval.h"

#include <map>
#include <string>
#include <vector>

#include "compiler/ir/eval/graph_edit.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ncc::ir::eval {
namespace {

using ::testing::ElementsAreArray;

struct In {
  DType dtype;
  Shape shape;
  std::vector<double> values;
};

std::optional<std::vector<double>> Eval(const std::string& type, const std::vector<In>& inputs,
                                        DType out_dtype, Shape out_shape,
                                        std::map<std::string, Attribute> attrs = {}) {
  Graph g("t");
  std::vector<Value*> values;
  for (size_t i = 0; i < inputs.size(); ++i) {
    values.push_back(AddConstantFromDoubles(g, "in", inputs[i].dtype, inputs[i].shape,
                                            inputs[i].values));
  }
  Value* out = g.AddValue("out", out_dtype, std::move(out_shape));
  Op* op = g.AddOp(type, "op", values, {out});
  op->attrs = std::move(attrs);
  return EvaluateOnHost(*op);
}

const In kX{DType::kF32, {2, 3}, {1, -2, 3, 4, 5, -6}};

TEST(HostEval, Reductions) {
  EXPECT_THAT(*Eval("ReduceSum", {kX, {DType::kI64, {1}, {1}}}, DType::kF32, {2, 1}),
              ElementsAreArray({2.0, 3.0}));
  EXPECT_THAT(*Eval("ReduceMax", {kX}, DType::kF32, {1, 3}, {{"axes", std::vector<int64_t>{0}}}),
              ElementsAreArray({4.0, 5.0, 3.0}));
  EXPECT_THAT(*Eval("ReduceProd", {kX}, DType::kF32, {1, 1}), ElementsAreArray({720.0}));
  EXPECT_THAT(*Eval("ReduceMean", {kX}, DType::kF32, {2}, {{"axes", std::vector<int64_t>{-1}},
                                                             {"keepdims", int64_t{0}}}),
              ElementsAreArray({2.0 / 3, 1.0}));
  // ReduceMin with empty axes and noop_with_empty_axes: the input.
  EXPECT_THAT(*Eval("ReduceMin", {kX}, DType::kF32, {2, 3}, {{"noop_with_empty_axes", int64_t{1}}}),
              ElementsAreArray(kX.values));
}

TEST(HostEval, IntegerShapeArithmetic) {
  const In dims{DType::kI64, {3}, {7, -3, 8}};
  const In two{DType::kI64, {}, {2}};
  // Python-style Mod for integers, C-style with fmod.
  EXPECT_THAT(*Eval("Mod", {dims, two}, DType::kI64, {3}), ElementsAreArray({1.0, 1.0, 0.0}));
  EXPECT_THAT(*Eval("Mod", {dims, two}, DType::kI64, {3}, {{"fmod", int64_t{1}}}),
              ElementsAreArray({1.0, -1.0, 0.0}));
  EXPECT_THAT(*Eval("GreaterOrEqual", {dims, {DType::kI64, {}, {7}}}, DType::kBool, {3}),
              ElementsAreArray({1.0, 0.0, 1.0}));
  EXPECT_THAT(*Eval("Max", {dims, two, {DType::kI64, {3}, {0, 0, 9}}}, DType::kI64, {3}),
              ElementsAreArray({7.0, 2.0, 9.0}));
  EXPECT_THAT(*Eval("Clip", {dims, {DType::kI64, {}, {0}}, {DType::kI64, {}, {7}}}, DType::kI64,
                    {3}),
              ElementsAreArray({7.0, 0.0, 7.0}));
  EXPECT_THAT(*Eval("Tile", {{DType::kI64, {2}, {1, 2}}, {DType::kI64, {1}, {3}}}, DType::kI64,
                    {6}),
              ElementsAreArray({1.0, 2.0, 1.0, 2.0, 1.0, 2.0}));
  EXPECT_THAT(*Eval("Transpose", {{DType::kI64, {4, 2}, {1, 2, 3, 4, 0, 0, 0, 0}}}, DType::kI64,
                    {2, 4}, {{"perm", std::vector<int64_t>{1, 0}}}),
              ElementsAreArray({1.0, 3.0, 0.0, 0.0, 2.0, 4.0, 0.0, 0.0}));
}

TEST(HostEval, RefusesWhatItCannotEvaluate) {
  // Clip bounds that are not scalars; a Tile whose output rank differs.
  EXPECT_FALSE(Eval("Clip", {kX, {DType::kF32, {2}, {0, 1}}}, DType::kF32, {2, 3}));
  EXPECT_FALSE(Eval("Tile", {kX, {DType::kI64, {1}, {2}}}, DType::kF32, {4}));
  EXPECT_FALSE(Eval("ReduceSum", {kX, {DType::kI64, {1}, {5}}}, DType::kF32, {2}));
}

}  // namespace
}  // namespace ncc::ir::eval
