#include "frontends/pytorch/pytorch_frontend.h"

#include <torch/script.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "frontends/pytorch/op_table.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ncc::pytorch_frontend {
namespace {

using ::testing::HasSubstr;

// Saves a scripted module with `source` as its methods; returns the path.
std::string Save(const std::string& name, const std::string& source) {
  torch::jit::Module module("M");
  module.define(source);
  std::string path = absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name, ".pt");
  module.save(path);
  return path;
}

absl::StatusOr<frontends::ImportedModel> Import(const std::string& path,
                                                frontends::ImportOptions options) {
  return PytorchFrontend::Get().Import({path}, options);
}

int CountOps(const ir::Graph& graph, const std::string& type) {
  int n = 0;
  for (const auto& op : graph.ops()) n += op->type == type;
  return n;
}

TEST(PytorchFrontendTest, ResolvesStaticControlFlow) {
  std::string path = Save("control", R"(
def forward(self, x):
    if x.size(1) > 8:
        x = x * 2.0
    else:
        x = x - 1.0
    for _ in range(3):
        x = x + 1.0
    return x
)");
  frontends::ImportOptions options;
  options.input_shapes["x"] = {2, 4};
  auto model = Import(path, options);
  ASSERT_TRUE(model.ok()) << model.status();
  const ir::Graph& g = *model->graph;
  EXPECT_EQ(CountOps(g, "Sub"), 1);  // size(1) = 4: the else branch
  EXPECT_EQ(CountOps(g, "Mul"), 0);
  EXPECT_EQ(CountOps(g, "Add"), 3);  // unrolled
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.inputs()[0]->name, "x");
  EXPECT_EQ(g.inputs()[0]->shape, (ir::Shape{2, 4}));
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.outputs()[0]->name, "output0");

  options.input_shapes["x"] = {2, 16};  // now the other branch
  model = Import(path, options);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(CountOps(*model->graph, "Mul"), 1);
  EXPECT_EQ(CountOps(*model->graph, "Sub"), 0);
}

TEST(PytorchFrontendTest, DataDependentControlFlowIsReportedAtOnce) {
  std::string path = Save("data_dependent", R"(
def forward(self, x):
    n = int(x.sum())
    for _ in range(n):
        x = x + 1.0
    if bool(x.max() > 0):
        x = x.relu()
    return torch.nonzero(x)
)");
  frontends::ImportOptions options;
  options.input_shapes["x"] = {3};
  auto model = Import(path, options);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(model.status().message(), HasSubstr("3 unsupported PYTORCH nodes"));
  EXPECT_THAT(model.status().message(), HasSubstr("prim::Loop x1"));
  EXPECT_THAT(model.status().message(), HasSubstr("trip count depends on tensor data"));
  EXPECT_THAT(model.status().message(), HasSubstr("prim::If x1"));
  EXPECT_THAT(model.status().message(), HasSubstr("aten::nonzero x1"));
}

TEST(PytorchFrontendTest, NamesInputsByArgumentOrPosition) {
  std::string path = Save("two_inputs", R"(
def forward(self, a, b):
    return a + b, a * b
)");
  frontends::ImportOptions options;
  options.input_shapes["a"] = {2, 3};
  options.input_shapes["input1"] = {1, 3};
  auto model = Import(path, options);
  ASSERT_TRUE(model.ok()) << model.status();
  const ir::Graph& g = *model->graph;
  ASSERT_EQ(g.inputs().size(), 2u);
  EXPECT_EQ(g.inputs()[1]->name, "b");
  EXPECT_EQ(g.inputs()[1]->shape, (ir::Shape{1, 3}));
  ASSERT_EQ(g.outputs().size(), 2u);
  EXPECT_EQ(g.outputs()[1]->name, "output1");
  EXPECT_EQ(g.outputs()[1]->shape, (ir::Shape{2, 3}));

  options.input_shapes.erase("input1");
  model = Import(path, options);
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(),
              HasSubstr("input 'b' (argument 2 of forward) has no static shape"));

  options.input_shapes["c"] = {1};
  model = Import(path, options);
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(),
              HasSubstr("--input-shape names 'c', which is not an argument of forward "
                        "(arguments: a, b;"));
}

TEST(PytorchFrontendTest, TakesDtypesAndFrozenInputs) {
  std::string path = Save("embed", R"(
def forward(self, ids, scale):
    table = torch.arange(12.0).reshape(6, 2)
    return torch.embedding(table, ids) * scale
)");
  frontends::ImportOptions options;
  options.input_shapes["ids"] = {4};
  options.input_dtypes["ids"] = ir::DType::kI64;
  frontends::FrozenInput scale;
  scale.shape = {1};
  float two = 2.0f;
  scale.data.assign(reinterpret_cast<uint8_t*>(&two), reinterpret_cast<uint8_t*>(&two) + 4);
  options.frozen_inputs["scale"] = scale;
  auto model = Import(path, options);
  ASSERT_TRUE(model.ok()) << model.status();
  const ir::Graph& g = *model->graph;
  ASSERT_EQ(g.inputs().size(), 1u);  // scale is a constant now
  EXPECT_EQ(g.inputs()[0]->dtype, ir::DType::kI64);
  EXPECT_EQ(CountOps(g, "Gather"), 1);
  EXPECT_EQ(CountOps(g, "Range"), 0);  // the table was folded at compile time
  EXPECT_EQ(g.outputs()[0]->shape, (ir::Shape{4, 2}));
}

TEST(PytorchFrontendTest, RefusesModulesWithoutForward) {
  std::string path = Save("no_forward", R"(
def helper(self, x):
    return x
)");
  auto model = Import(path, {});
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("has no forward method"));
}

TEST(PytorchFrontendTest, RefusesInPlaceUpdatesOfViews) {
  std::string path = Save("view_update", R"(
def forward(self, x):
    y = x * 1.0
    y[0].add_(1.0)
    return y
)");
  frontends::ImportOptions options;
  options.input_shapes["x"] = {2, 2};
  auto model = Import(path, options);
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("in-place update of a view"));
}

TEST(PytorchFrontendTest, OperatorTableListsConvertersAndStructure) {
  std::string table = FormatOperatorTable();
  EXPECT_THAT(table, HasSubstr("aten::conv2d"));
  EXPECT_THAT(table, HasSubstr("prim::If"));
  EXPECT_NE(FindTorchOp("aten::relu_"), nullptr);  // in-place variant
  EXPECT_EQ(FindTorchOp("aten::__and__"), nullptr);
  std::string json = FormatOperatorJson();
  EXPECT_THAT(json, HasSubstr("\"framework\": \"PYTORCH\""));
  // The table is sorted and has no duplicates: FindTorchOp relies on it.
  const auto& ops = TorchSupportedOps();
  for (size_t i = 1; i < ops.size(); ++i) {
    EXPECT_LT(std::string(ops[i - 1].kind), std::string(ops[i].kind));
  }
}

}  // namespace
}  // namespace ncc::pytorch_frontend
