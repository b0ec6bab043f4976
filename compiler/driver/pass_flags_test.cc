#include "compiler/driver/pass_flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ncc::driver {
namespace {

using ::testing::HasSubstr;

TEST(ApplyAutoCastFlagsTest, SetsThePolicy) {
  CompileOptions options;
  ASSERT_TRUE(ApplyAutoCastFlags({"", "matmult", "fp16", "Gemm"}, &options).ok());
  EXPECT_EQ(options.auto_cast.mode, passes::AutoCastMode::kMatmult);
  EXPECT_EQ(options.auto_cast.type, ir::DType::kF16);
  EXPECT_EQ(options.auto_cast.exclude.count("Gemm"), 1u);
}

TEST(ApplyAutoCastFlagsTest, RejectsBadCombinations) {
  CompileOptions options;
  EXPECT_THAT(ApplyAutoCastFlags({"all", "all", "", ""}, &options).message(),
              HasSubstr("not both"));
  EXPECT_THAT(ApplyAutoCastFlags({"fp32-cast-matmult", "", "fp16", ""}, &options).message(),
              HasSubstr("--auto-cast-type goes with --auto-cast"));
  EXPECT_FALSE(ApplyAutoCastFlags({"", "sometimes", "", ""}, &options).ok());
}

TEST(CheckPrintIrAfterTest, KnowsThePipelinesPasses) {
  CompileOptions options;
  options.print_ir_after = {"all"};
  EXPECT_TRUE(CheckPrintIrAfter(options).ok());
  options.print_ir_after = {"no-such-pass"};
  EXPECT_FALSE(CheckPrintIrAfter(options).ok());
}

}  // namespace
}  // namespace ncc::driver
