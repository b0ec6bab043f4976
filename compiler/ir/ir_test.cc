#include <gtest/gtest.h>

#include "compiler/ir/graph.h"
#include "compiler/ir/text.h"

namespace ncc::ir {
namespace {

constexpr char kMlp[] = R"(graph mlp(%x: f32[1,4]) -> (%y) {
  %w: f32[4,2] = constant [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.5]
  %"a/b:0": f32[1,2] = MatMul(%x, %w) @"fc/1"
  %y: f32[1,2] = Relu(%"a/b:0") {alpha=0.5, pads=[0,1], mode="constant", scales=[1.0,2.5], names=["Tanh", "a\"b"]}
}
)";

TEST(IrText, RoundTripsThroughPrint) {
  auto graph = Parse(kMlp);
  ASSERT_TRUE(graph.ok()) << graph.status();
  std::string printed = Print(**graph);
  auto reparsed = Parse(printed);
  ASSERT_TRUE(reparsed.ok()) << reparsed.status() << "\n" << printed;
  EXPECT_EQ(Print(**reparsed), printed);
}

TEST(IrText, ParsesOpsAttributesAndConstants) {
  auto graph = Parse(kMlp);
  ASSERT_TRUE(graph.ok()) << graph.status();
  const Graph& g = **graph;
  ASSERT_EQ(g.ops().size(), 2u);
  const Op& matmul = *g.ops()[0];
  EXPECT_EQ(matmul.type, "MatMul");
  EXPECT_EQ(matmul.name, "fc/1");
  EXPECT_EQ(matmul.outputs[0]->name, "a/b:0");
  const Value* w = g.FindValue("w");
  ASSERT_NE(w, nullptr);
  EXPECT_TRUE(w->is_constant);
  EXPECT_FLOAT_EQ(w->data_as<float>()[7], 8.5f);
  const Op& relu = *g.ops()[1];
  EXPECT_FLOAT_EQ(relu.GetFloat("alpha", 0), 0.5f);
  EXPECT_EQ(relu.GetInts("pads", {}), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(relu.GetString("mode", ""), "constant");
  EXPECT_EQ(relu.GetStrings("names", {}), (std::vector<std::string>{"Tanh", "a\"b"}));
  EXPECT_EQ(g.outputs()[0]->shape, (Shape{1, 2}));
}

TEST(IrText, ErrorsNameLineAndColumn) {
  auto graph = Parse("graph g(%x: f32[2]) -> (%y) {\n  %y: f32[2] = Relu(%z)\n}\n");
  ASSERT_FALSE(graph.ok());
  EXPECT_NE(graph.status().message().find("2:"), std::string::npos) << graph.status();
  EXPECT_NE(graph.status().message().find("undefined value %z"), std::string::npos);
}

TEST(IrText, RejectsWrongConstantSize) {
  auto graph = Parse("graph g() -> (%c) {\n  %c: f32[3] = constant [1.0]\n}\n");
  EXPECT_FALSE(graph.ok());
}

TEST(IrVerify, RejectsUseBeforeDefinition) {
  Graph g;
  Value* x = g.AddValue("x", DType::kF32, {2});
  Value* y = g.AddValue("y", DType::kF32, {2});
  Value* z = g.AddValue("z", DType::kF32, {2});
  g.inputs().push_back(x);
  g.AddOp("Relu", "second", {y}, {z});
  g.AddOp("Relu", "first", {x}, {y});
  g.outputs().push_back(z);
  absl::Status status = Verify(g);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("Relu 'second' reads 'y'"), std::string::npos) << status;
}

TEST(IrGraph, UsersAndUniqueNames) {
  auto graph = Parse(kMlp);
  ASSERT_TRUE(graph.ok());
  Graph& g = **graph;
  EXPECT_EQ(g.Users(g.FindValue("x")).size(), 1u);
  EXPECT_EQ(g.UniqueName("x"), "x_1");
  EXPECT_EQ(g.UniqueName("fresh"), "fresh");
}

TEST(IrDType, NamesAndSizes) {
  EXPECT_EQ(DTypeName(DType::kBF16), "bf16");
  EXPECT_EQ(DTypeSize(DType::kI64), 8);
  EXPECT_TRUE(ParseDType("f16").ok());
  EXPECT_FALSE(ParseDType("f8").ok());
}

}  // namespace
}  // namespace ncc::ir
