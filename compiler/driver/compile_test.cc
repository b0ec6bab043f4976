#include "compiler/driver/compile.h"

#include <gtest/gtest.h>

#include "compiler/driver/sha256.h"
#include "neff/format.h"
#include "neff/neff_generated.h"

namespace ncc::driver {
namespace {

TEST(CompileFile, UnknownFrameworkListsTheRegisteredOnes) {
  auto result = CompileFile({"testdata/models/mlp.onnx"}, "PaddlePaddle", {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            "framework 'PaddlePaddle' is not supported yet (supported: ONNX, PYTORCH, TENSORFLOW, MXNET)");
}

// The metadata's digest of a one-file model is the file's SHA-256, as before
// the frontend interface took a list of files.
TEST(CompileFile, OneFileDigestIsItsSha256AndFrameworkIsCanonical) {
  const std::string path = "testdata/models/mlp.onnx";
  auto result = CompileFile({path}, "onnx", {});
  ASSERT_TRUE(result.ok()) << result.status();
  auto bytes = neff::ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  const neff::Metadata* meta = neff::GetSizePrefixedModel(result->neff.data())->metadata();
  EXPECT_EQ(meta->source_sha256()->str(), Sha256Hex(*bytes));
  EXPECT_EQ(meta->source_framework()->str(), "ONNX");
}

TEST(DescribeUnsupported, EscapesModelNamesInReasons) {
  // Lowering reasons quote IR value names, which come from the model.
  std::string line = DescribeUnsupported(
      {{"MatMul", "mm\x1b[2J", "input 'a\x1b[31m' is i64 (f32, bf16 or f16 expected)"}});
  EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
  EXPECT_NE(line.find("input 'a\\x1b[31m' is i64"), std::string::npos) << line;
}

TEST(CompileInMemory, CompilesWhatTheImporterBuilds) {
  InMemoryModel model;
  model.framework = "PYTORCH";
  model.label = "in-memory test";
  model.source_sha256 = "00";
  int imports = 0;
  model.import = [&imports]() -> absl::StatusOr<frontends::ImportedModel> {
    ++imports;
    frontends::ImportedModel m;
    m.graph = std::make_unique<ir::Graph>("main");
    m.graph->set_opset(17);
    ir::Value* x = m.graph->AddValue("x", ir::DType::kF32, {1, 8});
    ir::Value* y = m.graph->AddValue("y", ir::DType::kF32, {1, 8});
    m.graph->inputs().push_back(x);
    m.graph->AddOp("Relu", "relu", {x}, {y});
    m.graph->outputs().push_back(y);
    return m;
  };
  auto result = CompileInMemory(model, CompileOptions{});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(imports, 1);
  const neff::Metadata* meta = neff::GetSizePrefixedModel(result->neff.data())->metadata();
  EXPECT_EQ(meta->source_framework()->str(), "PYTORCH");
  EXPECT_EQ(meta->source_sha256()->str(), "00");

  model.import = []() -> absl::StatusOr<frontends::ImportedModel> {
    return absl::InvalidArgumentError("in-memory test: broken");
  };
  EXPECT_EQ(CompileInMemory(model, CompileOptions{}).status().message(), "in-memory test: broken");
  model.import = nullptr;
  EXPECT_FALSE(CompileInMemory(model, CompileOptions{}).ok());
}

}  // namespace
}  // namespace ncc::driver
