#include "compiler/ir/eval/graph_edit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "compiler/ir/text.h"

namespace ncc::ir::eval {
namespace {

TEST(GraphEdit, Bf16RoundsToNearestEven) {
  EXPECT_EQ(FloatToBf16(1.0f), 0x3f80);
  // 1 + 2^-8 is halfway between bf16 1.0 and 1.0078125: ties to even (1.0).
  EXPECT_EQ(FloatToBf16(1.00390625f), 0x3f80);
  EXPECT_EQ(FloatToBf16(1.01171875f), 0x3f82);  // 1 + 3*2^-8 -> up to even
  EXPECT_EQ(Bf16ToFloat(0x4049), 3.140625f);
  EXPECT_TRUE(std::isnan(Bf16ToFloat(FloatToBf16(std::nanf("")))));
}

TEST(GraphEdit, F16ConversionsRoundTripAndRound) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f, 5.9604645e-08f}) {
    EXPECT_EQ(F16ToFloat(FloatToF16(f)), f) << f;
  }
  EXPECT_EQ(FloatToF16(1.0f), 0x3c00);
  EXPECT_EQ(FloatToF16(1e6f), 0x7c00);                          // overflow -> inf
  EXPECT_EQ(F16ToFloat(FloatToF16(1.0f + 1.0f / 4096)), 1.0f);  // below half ulp
  EXPECT_EQ(FloatToF16(2049.0f), FloatToF16(2048.0f));          // tie to even
}

// ConvertConstant is BytesFromDoubles(ConstantAsDoubles(...)) without the
// doubles: the same bytes for every pair of types, specials included.
TEST(GraphEdit, ConvertConstantGivesTheBytesOfTheConversionThroughDoubles) {
  const std::vector<double> values = {0.0,      -0.0,     1.0, -2.5, 3.14159,  1e-40,      65504.0,
                                      1e6,      -1e6,     255, -128, 127.75,   1.00390625, 3.39e38,
                                      -3.39e38, 1.17e-38, NAN, -NAN, INFINITY, -INFINITY};
  const DType types[] = {DType::kF32, DType::kBF16, DType::kF16,  DType::kI32, DType::kI64,
                         DType::kI8,  DType::kU8,   DType::kBool, DType::kF64};
  for (DType from : types) {
    Graph g;
    std::vector<double> in = values;
    // Integer sources hold values every integer type holds (casting others
    // is undefined).
    if (from != DType::kF32 && from != DType::kBF16 && from != DType::kF16 && from != DType::kF64) {
      in = {0, 1, 2, 100, 127};
    }
    Value* c = AddConstantFromDoubles(g, "c", from, {static_cast<int64_t>(in.size())}, in);
    for (DType to : types) {
      const bool to_integer = to != DType::kF32 && to != DType::kBF16 && to != DType::kF16 &&
                              to != DType::kF64 && to != DType::kBool;
      if (to_integer && (from == DType::kF32 || from == DType::kBF16 || from == DType::kF16 ||
                         from == DType::kF64)) {
        continue;  // out-of-range float -> integer casts are undefined
      }
      EXPECT_EQ(ConvertConstant(*c, to), BytesFromDoubles(ConstantAsDoubles(*c), to))
          << DTypeName(from) << " -> " << DTypeName(to);
    }
  }
}

TEST(GraphEdit, BypassKeepsGraphOutputName) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4]) -> (%y) {
  %a: f32[4] = Relu(%x)
  %y: f32[4] = Identity(%a)
}
)");
  ASSERT_TRUE(graph.ok());
  ir::Graph& g = **graph;
  ir::Op* id = g.ops()[1].get();
  ASSERT_TRUE(BypassValue(g, g.FindValue("y"), g.FindValue("a")));
  id->inputs.clear();
  id->outputs.clear();
  g.RemoveOp(id);
  g.RemoveDeadValues();
  EXPECT_EQ(ir::Print(g), R"(graph g(%x: f32[4]) -> (%y) {
  %y: f32[4] = Relu(%x)
}
)");
}

TEST(GraphEdit, BypassRefusesWhenInputIsGraphInputAndOutputIsGraphOutput) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4]) -> (%y) {
  %y: f32[4] = Identity(%x)
}
)");
  ASSERT_TRUE(graph.ok());
  EXPECT_FALSE(BypassValue(**graph, (*graph)->FindValue("y"), (*graph)->FindValue("x")));
}

}  // namespace
}  // namespace ncc::ir::eval
