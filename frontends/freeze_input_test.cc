#include "frontends/freeze_input.h"

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "npy/npy.h"

namespace ncc::frontends {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string WriteNpy(const std::string& name, const npy::Array& array) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  EXPECT_TRUE(npy::Write(path, array).ok());
  return path;
}

TEST(ParseFreezeInputFlagTest, ReadsTheArray) {
  const std::string path = WriteNpy("starts.npy", {"<i8", {2}, std::vector<uint8_t>(16, 0)});
  std::map<std::string, FrozenInput> frozen;
  ASSERT_TRUE(ParseFreezeInputFlag("starts=" + path, &frozen).ok());
  ASSERT_EQ(frozen.count("starts"), 1u);
  EXPECT_EQ(frozen["starts"].dtype, ir::DType::kI64);
  EXPECT_THAT(frozen["starts"].shape, ElementsAre(2));
  EXPECT_EQ(frozen["starts"].data.size(), 16u);
  EXPECT_THAT(ParseFreezeInputFlag("starts=" + path, &frozen).message(),
              HasSubstr("--freeze-input: input 'starts' is frozen twice"));
}

TEST(ParseFreezeInputFlagTest, RejectsMalformedFlagsAndMissingFiles) {
  std::map<std::string, FrozenInput> frozen;
  for (const char* bad : {"starts", "=x.npy", "starts="}) {
    absl::Status s = ParseFreezeInputFlag(bad, &frozen);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(s.message(), HasSubstr("--freeze-input needs NAME=FILE.npy")) << bad;
  }
  EXPECT_THAT(ParseFreezeInputFlag("starts=/nonexistent/x.npy", &frozen).message(),
              HasSubstr("--freeze-input starts: "));
  EXPECT_TRUE(frozen.empty());
}

}  // namespace
}  // namespace ncc::frontends
