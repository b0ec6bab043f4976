#include "frontends/io_config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ncc::frontends {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

TEST(ParseInputShapeFlagTest, ParsesNameAndDims) {
  auto pins = ParseInputShapeFlag("x=1,3,224,224");
  ASSERT_TRUE(pins.ok()) << pins.status();
  EXPECT_THAT(*pins, ElementsAre(Pair("x", ElementsAre(1, 3, 224, 224))));
}

TEST(ParseInputShapeFlagTest, NameMayContainEqualsAndColons) {
  auto pins = ParseInputShapeFlag("in=put:0=7");
  ASSERT_TRUE(pins.ok()) << pins.status();
  EXPECT_THAT(*pins, ElementsAre(Pair("in=put:0", ElementsAre(7))));
}

TEST(ParseInputShapeFlagTest, RejectsMalformedFlags) {
  for (const char* bad :
       {"x", "=1,2", "x=", "x=1,,2", "x=1,0", "x=1,-3", "x=1,b", "x=1.5", "x=1,2,"}) {
    auto pins = ParseInputShapeFlag(bad);
    ASSERT_FALSE(pins.ok()) << bad;
    EXPECT_EQ(pins.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(pins.status().message(), HasSubstr("--input-shape"));
    EXPECT_THAT(pins.status().message(), HasSubstr("NAME=D0,D1"));
  }
  EXPECT_THAT(ParseInputShapeFlag("x=1,0").status().message(),
              HasSubstr("dimension 1 '0' is not a positive integer"));
}

TEST(ParseIoConfigTest, ParsesInputsAndOutputs) {
  auto config = ParseIoConfig(R"({"inputs": {"x": [[1,3,224,224], "float32"],
                                              "ids": [[4, 16], "int64"]},
                                  "outputs": ["y", "z"]})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->input_shapes,
              ElementsAre(Pair("ids", ElementsAre(4, 16)), Pair("x", ElementsAre(1, 3, 224, 224))));
  EXPECT_THAT(config->input_dtypes,
              ElementsAre(Pair("ids", ir::DType::kI64), Pair("x", ir::DType::kF32)));
  EXPECT_THAT(config->outputs, ElementsAre("y", "z"));
}

TEST(ParseIoConfigTest, OutputsAreOptionalAndEscapesWork) {
  auto config = ParseIoConfig(" {\"inputs\": {\"a\\/b\\u003a0\": [[2], \"bool\"]}}\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->input_shapes, ElementsAre(Pair("a/b:0", ElementsAre(2))));
  EXPECT_TRUE(config->outputs.empty());
}

struct BadConfig {
  const char* json;
  const char* message;
};

TEST(ParseIoConfigTest, ErrorsNameThePosition) {
  const BadConfig cases[] = {
      {"", "unexpected end of input, expected a value at line 1, column 1 (offset 0)"},
      {"[]", "expected a top-level object at line 1, column 1"},
      {"{}", "missing \"inputs\""},
      {"{\"inputs\": {},}", "expected a string key at line 1, column 15 (offset 14)"},
      {"{\"inputs\": {}} x", "unexpected text after the top-level value at line 1, column 16"},
      {"{\"inputs\": {}, \"inputs\": {}}", "duplicate key \"inputs\" at line 1, column 16"},
      {"{\"inputs\" {}}", "expected ':' at line 1, column 11"},
      {"{\"inputs\": {\"x\": [[1,2], \"float64\"]}}", "unknown dtype \"float64\""},
      {"{\"inputs\": {\"x\": [[1,2.5], \"float32\"]}}", "expected an integer at line 1, column 22"},
      {"{\"inputs\": {\"x\": [[1,0], \"float32\"]}}",
       "input \"x\": dimension 1 must be a positive integer"},
      {"{\"inputs\": {\"x\": [1, 2]}}", "shape must be an array of integers"},
      {"{\"inputs\": {\"x\": [[1]]}}", "expected a two-element array"},
      {"{\"inputs\": {}, \"outputs\": \"y\"}", "\"outputs\" must be an array of strings"},
      {"{\"inputs\": {}, \"outputs\": [\"y\", \"y\"]}", "output \"y\" listed twice"},
      {"{\"inputs\": {}, \"extra\": 1}", "unknown key \"extra\""},
      {"{\"inputs\": {\"x\": [[1], true]}}", "unexpected character 't'"},
      {"{\"inputs\": {\"x\n\": 1}}", "control character in string at line 1, column 15"},
      {"{\"inputs\":\n  {\"x\": [[1], \"float32\"]]}", "expected ',' or '}' at line 2, column 25"},
      {"{\"inputs\": {\"x", "unterminated string at line 1, column 13"},
      // Beyond the original cases: what the strict subset still rejects.
      {"{\"inputs\": {\"\\u00e9\": [[1], \"float32\"]}}",
       "only \\u escapes of ASCII characters are supported at line 1, column 14"},
      {"{\"inputs\": {\"x\\q\": 1}}", "invalid escape '\\q' at line 1, column 15"},
      {"{\"inputs\": {\"x\": [[1,64], float32\"]}}",
       "unexpected character 'f', expected an object, array, string or integer at line 1, column "
       "27"},
      {"{\"inputs\" true}", "expected ':' at line 1, column 11"},
      {"{\"inputs\": {\"x\": [[1], null]}}",
       "unexpected character 'n', expected an object, array, string or integer at line 1, column "
       "24"},
      {"{\"inputs\": {\"x\": [[99999999999999999999], \"float32\"]}}",
       "invalid integer '99999999999999999999' at line 1, column 20"},
      {"{\"inputs\": {\"x\": [[1], \"int8\"], \"x\": [[2], \"int8\"]}}",
       "duplicate key \"x\" at line 1, column 33"},
  };
  for (const auto& c : cases) {
    auto config = ParseIoConfig(c.json);
    ASSERT_FALSE(config.ok()) << c.json;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(config.status().message(), HasSubstr(c.message)) << c.json;
    EXPECT_THAT(config.status().message(), HasSubstr("--io-config")) << c.json;
  }
}

TEST(ParseIoConfigTest, DeepNestingIsAnErrorNotACrash) {
  std::string json = "{\"inputs\": " + std::string(10000, '[');
  auto config = ParseIoConfig(json);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("nesting too deep"));
}

}  // namespace
}  // namespace ncc::frontends
