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
            "framework 'PaddlePaddle' is not supported yet (supported: ONNX, PYTORCH)");
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

}  // namespace
}  // namespace ncc::driver
