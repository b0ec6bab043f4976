#include "compiler/accuracy/accuracy.h"

#include <gtest/gtest.h>

#include "compiler/driver/compile.h"
#include "compiler/passes/auto_cast_policy.h"
#include "neff/neff_generated.h"

namespace ncc::accuracy {
namespace {

using driver::CompileFile;
using driver::CompileOptions;
using driver::CompileReport;
using driver::FormatAccuracy;
using driver::OutputAccuracy;

TEST(OutputComparison, IdenticalOutputsAgreeExactly) {
  OutputComparison c("y", {2, 3});
  c.AddSample({1, 2, 3, 3, 2, 1}, {1, 2, 3, 3, 2, 1});
  OutputAccuracy a = c.Result();
  EXPECT_EQ(a.max_abs_error, 0);
  EXPECT_EQ(a.max_rel_error, 0);
  EXPECT_DOUBLE_EQ(a.min_cosine, 1.0);
  EXPECT_EQ(a.top1_agreement, 1.0);
  EXPECT_EQ(a.top5_agreement, 1.0);
}

TEST(OutputComparison, MeasuresErrorsCosineAndTopK) {
  OutputComparison c("logits", {2, 6});
  // Row 0: argmax moves from 5 to 4 (still in the top-5). Row 1 unchanged.
  c.AddSample({0, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 0}, {0, 1, 2, 3, 6, 5, 5, 4, 3, 2, 1, 0});
  OutputAccuracy a = c.Result();
  EXPECT_DOUBLE_EQ(a.max_abs_error, 2.0);
  EXPECT_DOUBLE_EQ(a.max_rel_error, 0.5);  // 2 / |4|
  EXPECT_LT(a.min_cosine, 1.0);
  EXPECT_GT(a.min_cosine, 0.9);
  EXPECT_DOUBLE_EQ(a.top1_agreement, 0.5);
  EXPECT_DOUBLE_EQ(a.top5_agreement, 1.0);
}

TEST(OutputComparison, NonClassifierShapesHaveNoTopK) {
  OutputComparison c("feature", {1, 2, 4, 4});
  c.AddSample(std::vector<float>(32, 1.0f), std::vector<float>(32, -1.0f));
  OutputAccuracy a = c.Result();
  EXPECT_EQ(a.top1_agreement, -1);
  EXPECT_DOUBLE_EQ(a.min_cosine, -1.0);
}

const neff::Model* ModelOf(const std::string& bytes) {
  return neff::GetSizePrefixedModel(bytes.data());
}

TEST(VerifyAccuracy, Fp32AgainstFp32IsExactAndStoredInTheNeff) {
  CompileOptions options;
  options.compare_accuracy = CompareOnSimulator;
  options.verify_accuracy_samples = 3;
  options.accuracy.seed = 7;
  CompileReport report;
  auto result = CompileFile({"testdata/models/mlp.onnx"}, "ONNX", options, &report);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(report.accuracy.size(), 1u);
  const OutputAccuracy& y = report.accuracy[0];
  EXPECT_EQ(y.max_abs_error, 0);
  EXPECT_DOUBLE_EQ(y.min_cosine, 1.0);
  EXPECT_EQ(y.top1_agreement, 1.0);  // [1, 10] is classifier-shaped
  EXPECT_TRUE(report.accuracy_warnings.empty());
  const neff::Metadata* meta = ModelOf(result->neff)->metadata();
  ASSERT_NE(meta->accuracy(), nullptr);
  ASSERT_EQ(meta->accuracy()->size(), 1u);
  EXPECT_EQ(meta->accuracy()->Get(0)->name()->str(), y.name);
  EXPECT_EQ(meta->accuracy()->Get(0)->top1_agreement(), 1.0);
  EXPECT_EQ(meta->accuracy_samples(), 3u);
  EXPECT_EQ(meta->accuracy_auto_cast()->str(), "none");
}

TEST(VerifyAccuracy, Bf16MatmultStaysCloseToFp32) {
  CompileOptions options;
  options.compare_accuracy = CompareOnSimulator;
  options.auto_cast.mode = passes::AutoCastMode::kMatmult;
  options.verify_accuracy_samples = 4;
  options.accuracy_min_cosine = 0.9999999;  // bf16 cannot meet this: warns
  CompileReport report;
  auto result = CompileFile({"testdata/models/mlp_matmul.onnx"}, "ONNX", options, &report);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(report.accuracy.size(), 1u);
  const OutputAccuracy& y = report.accuracy[0];
  EXPECT_GT(y.max_abs_error, 0);  // the cast really happened
  EXPECT_LT(y.max_abs_error, 0.1);
  EXPECT_GT(y.min_cosine, 0.999);
  // The sensitivity run: FP32 moved by rounding only its inputs to bf16.
  EXPECT_GT(y.input_rounding_cosine, 0.999);
  EXPECT_LT(y.input_rounding_cosine, 1.0);
  EXPECT_EQ(report.accuracy_warnings.size(), 1u);
  EXPECT_NE(report.accuracy_warnings[0].find("FP32 itself reaches only"), std::string::npos)
      << report.accuracy_warnings[0];
  EXPECT_NE(FormatAccuracy(report.accuracy).find("FP32 with only its inputs rounded: cosine"),
            std::string::npos);
  const neff::Metadata* meta = ModelOf(result->neff)->metadata();
  EXPECT_EQ(meta->accuracy_auto_cast()->str(), "matmult/bf16");
  EXPECT_DOUBLE_EQ(meta->accuracy()->Get(0)->input_rounding_cosine(), y.input_rounding_cosine);
}

// `--auto-cast all` compiles and runs: ops lowered for f32 only get Casts
// around them (16-bit storage, fp32 compute), and the result stays close.
TEST(VerifyAccuracy, AutoCastAllCompilesAndStaysClose) {
  for (const char* model : {"testdata/models/cnn.onnx", "testdata/models/mlp.onnx"}) {
    CompileOptions options;
    options.compare_accuracy = CompareOnSimulator;
    options.compare_accuracy = CompareOnSimulator;
    options.auto_cast.mode = passes::AutoCastMode::kAll;
    options.verify_accuracy_samples = 4;
    CompileReport report;
    auto result = CompileFile({model}, "ONNX", options, &report);
    ASSERT_TRUE(result.ok()) << model << ": " << result.status();
    ASSERT_EQ(report.accuracy.size(), 1u);
    EXPECT_GT(report.accuracy[0].max_abs_error, 0) << model;  // 16-bit storage happened
    EXPECT_GT(report.accuracy[0].min_cosine, 0.999) << model;
    EXPECT_EQ(ModelOf(result->neff)->metadata()->accuracy_auto_cast()->str(), "all/bf16");
  }
}

TEST(VerifyAccuracy, RejectsInputFileForUnknownInput) {
  CompileOptions options;
  options.compare_accuracy = CompareOnSimulator;
  options.verify_accuracy_samples = 1;
  options.accuracy.input_files["nosuch"] = "testdata/models/mlp/input_0.npy";
  auto result = CompileFile({"testdata/models/mlp.onnx"}, "ONNX", options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("no input named 'nosuch'"), std::string::npos)
      << result.status();
}

TEST(VerifyAccuracy, UsesGivenInputFiles) {
  CompileOptions options;
  options.compare_accuracy = CompareOnSimulator;
  options.verify_accuracy_samples = 2;
  options.accuracy.input_files["x"] = "testdata/models/mlp/input_0.npy";
  CompileReport report;
  auto result = CompileFile({"testdata/models/mlp.onnx"}, "ONNX", options, &report);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(report.accuracy[0].max_abs_error, 0);
}

TEST(VerifyAccuracy, NeedsAComparer) {
  CompileOptions options;
  options.verify_accuracy_samples = 1;
  auto result = CompileFile({"testdata/models/mlp.onnx"}, "ONNX", options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition) << result.status();
}

}  // namespace
}  // namespace ncc::accuracy
