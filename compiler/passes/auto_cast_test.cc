#include "compiler/passes/auto_cast.h"

#include <gtest/gtest.h>

#include "compiler/ir/text.h"
#include "compiler/passes/auto_cast_policy.h"
#include "compiler/passes/simplify_casts.h"

namespace ncc::passes {
namespace {

constexpr char kModel[] = R"(graph g(%x: f32[2,4]) -> (%y) {
  %w: f32[4,3] = constant [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
  %b: f32[3] = constant [1, 2, 3]
  %h: f32[2,3] = Gemm(%x, %w, %b) @"fc"
  %r: f32[2,3] = Relu(%h) @"act"
  %y: f32[2,3] = Softmax(%r) {axis=1} @"sm"
}
)";

std::string CastAndClean(const char* text, const AutoCastPolicy& policy) {
  auto graph = ir::Parse(text);
  EXPECT_TRUE(graph.ok()) << graph.status();
  auto changed = AutoCast(**graph, policy);
  EXPECT_TRUE(changed.ok()) << changed.status();
  absl::Status v = ir::Verify(**graph);
  EXPECT_TRUE(v.ok()) << v << "\n" << ir::Print(**graph);
  EXPECT_TRUE(SimplifyCasts(**graph).ok());
  v = ir::Verify(**graph);
  EXPECT_TRUE(v.ok()) << v << "\n" << ir::Print(**graph);
  return ir::Print(**graph);
}

TEST(AutoCast, MatmultCastsOnlyContractionOperandsAndKeepsFp32Output) {
  AutoCastPolicy policy;
  policy.mode = AutoCastMode::kMatmult;
  EXPECT_EQ(CastAndClean(kModel, policy), R"(graph g(%x: f32[2,4]) -> (%y) {
  %b: f32[3] = constant [1.0, 2.0, 3.0]
  %w.bf16: bf16[4,3] = constant <elided 12 elements>
  %x.bf16: bf16[2,4] = Cast(%x) {to=16} @"fc/autocast"
  %h: f32[2,3] = Gemm(%x.bf16, %w.bf16, %b) @"fc"
  %r: f32[2,3] = Relu(%h) @"act"
  %y: f32[2,3] = Softmax(%r) {axis=1} @"sm"
}
)");
}

TEST(AutoCast, AllCastsComputeOpsAndRestoresFp32GraphOutputs) {
  AutoCastPolicy policy;
  policy.mode = AutoCastMode::kAll;
  policy.type = ir::DType::kF16;
  EXPECT_EQ(CastAndClean(kModel, policy), R"(graph g(%x: f32[2,4]) -> (%y) {
  %b: f32[3] = constant [1.0, 2.0, 3.0]
  %w.f16: f16[4,3] = constant <elided 12 elements>
  %x.f16: f16[2,4] = Cast(%x) {to=10} @"fc/autocast"
  %h: f16[2,3] = Gemm(%x.f16, %w.f16, %b) @"fc"
  %r: f16[2,3] = Relu(%h) @"act"
  %y.f16: f16[2,3] = Softmax(%r) {axis=1} @"sm"
  %y: f32[2,3] = Cast(%y.f16) {to=1} @"sm/autocast_out"
}
)");
}

TEST(AutoCast, DepthwiseConvolutionsStayFp32) {
  // A depthwise conv (group = input channels) runs in FP32 on the Vector
  // engine; only the pointwise conv after it reads bf16.
  constexpr char kConvs[] = R"(graph g(%x: f32[1,2,4,4]) -> (%y) {
  %wd: f32[2,1,3,3] = constant [1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9]
  %wp: f32[3,2,1,1] = constant [1, 2, 3, 4, 5, 6]
  %d: f32[1,2,2,2] = Conv(%x, %wd) {group=2, kernel_shape=[3, 3]} @"dw"
  %y: f32[1,3,2,2] = Conv(%d, %wp) {kernel_shape=[1, 1]} @"pw"
}
)";
  AutoCastPolicy policy;
  policy.mode = AutoCastMode::kMatmult;
  std::string text = CastAndClean(kConvs, policy);
  EXPECT_NE(text.find("%d: f32[1,2,2,2] = Conv(%x, %wd)"), std::string::npos) << text;
  EXPECT_NE(text.find("%y: f32[1,3,2,2] = Conv(%d.bf16, %wp.bf16)"), std::string::npos) << text;
}

TEST(AutoCast, ExcludedAndUnknownOpsReadFp32) {
  AutoCastPolicy policy;
  policy.mode = AutoCastMode::kAll;
  policy.exclude = {"Softmax"};
  std::string text = CastAndClean(kModel, policy);
  EXPECT_NE(text.find("%r.f32: f32[2,3] = Cast(%r) {to=1}"), std::string::npos) << text;
  EXPECT_NE(text.find("%y: f32[2,3] = Softmax(%r.f32)"), std::string::npos) << text;

  AutoCastPolicy no_gemm;
  no_gemm.mode = AutoCastMode::kMatmult;
  no_gemm.exclude = {"Gemm"};
  auto graph = ir::Parse(kModel);
  ASSERT_TRUE(graph.ok());
  auto changed = AutoCast(**graph, no_gemm);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
}

TEST(AutoCast, NoneChangesNothing) {
  auto graph = ir::Parse(kModel);
  ASSERT_TRUE(graph.ok());
  auto changed = AutoCast(**graph, AutoCastPolicy{});
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
  EXPECT_EQ(ir::Print(**graph), ir::Print(**ir::Parse(kModel)));
}

TEST(AutoCast, SharesOneCastBetweenReaders) {
  AutoCastPolicy policy;
  policy.mode = AutoCastMode::kMatmult;
  std::string text = CastAndClean(R"(graph g(%x: f32[2,2], %w: f32[2,2]) -> (%a, %b) {
  %a: f32[2,2] = MatMul(%x, %w)
  %b: f32[2,2] = MatMul(%w, %x)
}
)",
                                  policy);
  EXPECT_EQ(text, R"(graph g(%x: f32[2,2], %w: f32[2,2]) -> (%a, %b) {
  %x.bf16: bf16[2,2] = Cast(%x) {to=16} @"/autocast"
  %w.bf16: bf16[2,2] = Cast(%w) {to=16} @"/autocast"
  %a: f32[2,2] = MatMul(%x.bf16, %w.bf16)
  %b: f32[2,2] = MatMul(%w.bf16, %x.bf16)
}
)");
}

TEST(AutoCastPolicy, ParsesFastMathValues) {
  auto p = PolicyFromFastMath("fp32-cast-matmult-fp16");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->Describe(), "matmult/fp16");
  p = PolicyFromFastMath("fp32-cast-all no-fast-relayout");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->Describe(), "all/bf16");
  p = PolicyFromFastMath("none");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->enabled());
  p = PolicyFromFastMath("all");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->Describe(), "all/bf16");
  p = PolicyFromFastMath("fast-relayout");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("not implemented"), std::string::npos);
  EXPECT_FALSE(PolicyFromFastMath("fp32-cast-all,fp32-cast-matmult").ok());
  EXPECT_FALSE(PolicyFromFastMath("fp64").ok());
}

TEST(AutoCastPolicy, ParsesNeuronxFlags) {
  EXPECT_EQ(*ParseAutoCastMode("matmult"), AutoCastMode::kMatmult);
  EXPECT_FALSE(ParseAutoCastMode("some").ok());
  EXPECT_EQ(*ParseAutoCastType("fp16"), ir::DType::kF16);
  EXPECT_FALSE(ParseAutoCastType("fp8").ok());
  auto ex = ParseAutoCastExclude("Gemm, Conv");
  ASSERT_TRUE(ex.ok());
  EXPECT_EQ(*ex, (std::set<std::string>{"Conv", "Gemm"}));
  EXPECT_FALSE(ParseAutoCastExclude("gemm").ok());
  AutoCastPolicy policy;
  policy.mode = AutoCastMode::kAll;
  policy.exclude = *ex;
  EXPECT_EQ(policy.Describe(), "all/bf16 excluding Conv,Gemm");
}

}  // namespace
}  // namespace ncc::passes
