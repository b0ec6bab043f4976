#include "compiler/passes/pipeline.h"

#include <gtest/gtest.h>

#include <string>

#include "compiler/ir/text.h"
#include "frontends/onnx/import.h"

namespace ncc::passes {
namespace {

struct Case {
  const char* model;
  size_t ops_before;
  size_t ops_after;
};

TEST(DefaultPipeline, ShrinksTestModelsAndKeepsThemValid) {
  for (const Case& c :
       {Case{"mlp", 3, 2}, Case{"mlp_matmul", 5, 2}, Case{"cnn", 11, 7}, Case{"cnn_wide", 1, 1}}) {
    SCOPED_TRACE(c.model);
    auto imported = onnx_frontend::ImportOnnxFile(
        std::string("testdata/models/") + c.model + ".onnx", onnx_frontend::ImportOptions{});
    ASSERT_TRUE(imported.ok()) << imported.status();
    ir::Graph& g = *imported->graph;
    EXPECT_EQ(g.ops().size(), c.ops_before);
    PassManagerOptions options;
    options.verify_between_passes = true;
    PassManager pm(options);
    AddDefaultPipeline(pm, AutoCastPolicy{});
    auto changed = pm.Run(g);
    ASSERT_TRUE(changed.ok()) << changed.status();
    EXPECT_EQ(g.ops().size(), c.ops_after) << ir::Print(g);
    EXPECT_EQ(pm.records().size(), pm.PassNames().size());
  }
}

TEST(DefaultPipeline, MatMulBiasReluBecomesOneGemmAndAutoCastFeedsItBf16) {
  auto imported = onnx_frontend::ImportOnnxFile("testdata/models/mlp_matmul.onnx",
                                                onnx_frontend::ImportOptions{});
  ASSERT_TRUE(imported.ok()) << imported.status();
  ir::Graph& g = *imported->graph;
  AutoCastPolicy policy;
  policy.mode = AutoCastMode::kMatmult;
  PassManagerOptions options;
  options.verify_between_passes = true;
  PassManager pm(options);
  AddDefaultPipeline(pm, policy);
  ASSERT_TRUE(pm.Run(g).ok());
  int gemms = 0, casts = 0;
  for (const auto& op : g.ops()) {
    if (op->type == "Gemm") {
      ++gemms;
      EXPECT_EQ(op->inputs[0]->dtype, ir::DType::kBF16);
      EXPECT_EQ(op->inputs[1]->dtype, ir::DType::kBF16);
      EXPECT_TRUE(op->inputs[1]->is_constant);           // weights stored as bf16
      EXPECT_EQ(op->inputs[2]->dtype, ir::DType::kF32);  // bias stays f32
      EXPECT_EQ(op->outputs[0]->dtype, ir::DType::kF32);
    }
    casts += op->type == "Cast";
  }
  EXPECT_EQ(gemms, 2);
  EXPECT_EQ(casts, 2);  // the input and the hidden activation
}

}  // namespace
}  // namespace ncc::passes
