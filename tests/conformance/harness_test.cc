#include "tests/conformance/harness.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ncc::conformance {
namespace {

using ::testing::HasSubstr;

TEST(CompareValuesTest, OnnxDefaultTolerance) {
  const Tolerance tol;
  EXPECT_EQ(CompareValues({1.0, 2.0}, {1.0, 2.0}, tol), "");
  // rtol 1e-3 of |want| plus atol 1e-7.
  EXPECT_EQ(CompareValues({1000.9}, {1000.0}, tol), "");
  EXPECT_THAT(CompareValues({1001.2}, {1000.0}, tol), HasSubstr("max |err| 1.2 at [0]"));
  EXPECT_EQ(CompareValues({5e-8}, {0.0}, tol), "");
  EXPECT_THAT(CompareValues({2e-7}, {0.0}, tol), HasSubstr("1 of 1 elements"));
  EXPECT_EQ(CompareValues({NAN, INFINITY}, {NAN, INFINITY}, tol), "");
  EXPECT_THAT(CompareValues({1.0}, {NAN}, tol), HasSubstr("max |err| nan"));
  EXPECT_THAT(CompareValues({INFINITY}, {-INFINITY}, tol), HasSubstr("inf"));
  EXPECT_THAT(CompareValues({1.0, 5.0, 2.0}, {1.0, 1.0, 1.0}, tol),
              HasSubstr("max |err| 4 at [1] (got 5, want 1), 2 of 3 elements"));
  EXPECT_THAT(CompareValues({1.0}, {1.0, 2.0}, tol), HasSubstr("1 elements, expected 2"));
}

TEST(ExpectationsTest, RoundTripAndDiff) {
  std::vector<TestResult> results = {
      {"node", "test_relu", "Relu", Outcome::kPassed, ""},
      {"node", "test_abs", "Abs", Outcome::kUnsupported, "Abs: op type is not supported"},
      {"node", "test_adam", "Adam", Outcome::kOutOfScope, "training op Adam"},
  };
  const std::string text = FormatExpectations(results);
  EXPECT_THAT(text, HasSubstr("\nnode/test_abs unsupported Abs: op type is not supported\n"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("test_relu")));
  auto parsed = ParseExpectations(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->size(), 2u);
  EXPECT_TRUE(DiffExpectations(results, *parsed).empty());

  // Reasons may change freely; statuses may not.
  results[1].reason = "something else";
  EXPECT_TRUE(DiffExpectations(results, *parsed).empty());
  results[0].outcome = Outcome::kFailed;
  results[0].reason = "max |err| 1";
  results[1].outcome = Outcome::kPassed;
  results.pop_back();
  std::vector<std::string> diffs = DiffExpectations(results, *parsed);
  ASSERT_EQ(diffs.size(), 3u);
  EXPECT_EQ(diffs[0], "node/test_relu: now failed (expected passed): max |err| 1");
  EXPECT_EQ(diffs[1], "node/test_abs: now passes (expected unsupported)");
  EXPECT_EQ(diffs[2], "node/test_adam: listed but no such test ran");
}

TEST(ExpectationsTest, BadLinesAreErrors) {
  EXPECT_FALSE(ParseExpectations("node/test_x bogus why\n").ok());
  EXPECT_FALSE(ParseExpectations("node/test_x passed\n").ok());
  EXPECT_FALSE(ParseExpectations("node/test_x failed a\nnode/test_x failed b\n").ok());
  auto ok = ParseExpectations("# comment\n\nnode/test_x failed\n");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->at("node/test_x").outcome, Outcome::kFailed);
}

TEST(ScopeTest, TrainingSequenceStringAndControlFlowAreOutOfScope) {
  auto model_with = [](const std::string& op, const std::string& domain = "") {
    onnx::ModelProto m;
    auto* n = m.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_domain(domain);
    return m;
  };
  EXPECT_EQ(OutOfScopeReason(model_with("Relu")), "");
  EXPECT_EQ(OutOfScopeReason(model_with("Adam", "ai.onnx.preview.training")), "training op Adam");
  EXPECT_EQ(OutOfScopeReason(model_with("SequenceAt")), "sequence/optional op SequenceAt");
  EXPECT_EQ(OutOfScopeReason(model_with("Loop")), "control-flow op Loop");
  EXPECT_THAT(OutOfScopeReason(model_with("LabelEncoder", "ai.onnx.ml")), HasSubstr("ai.onnx.ml"));
  onnx::ModelProto strings = model_with("Identity");
  auto* in = strings.mutable_graph()->add_input();
  in->set_name("s");
  in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::STRING);
  EXPECT_EQ(OutOfScopeReason(strings), "string tensor 's'");
  EXPECT_EQ(OpLabel(model_with("Relu")), "Relu");
}

TEST(ReportTest, SummaryLine) {
  std::vector<TestResult> results = {
      {"node", "a", "Relu", Outcome::kPassed, ""},
      {"node", "b", "Abs", Outcome::kUnsupported, "x"},
      {"node", "c", "Tanh", Outcome::kFailed, "max |err| 1"},
      {"node", "d", "Adam", Outcome::kOutOfScope, "training op Adam"},
  };
  EXPECT_EQ(SummaryLine(results),
            "conformance: 1 passed, 1 failed, 1 unsupported of 3 in scope (33.3%)");
  EXPECT_THAT(FormatReport(results), HasSubstr("1 tests out of scope"));
}

TEST(ReportTest, SummaryLineCountsPassingTestsWithFrozenInputs) {
  std::vector<TestResult> results = {
      {"node", "a", "Slice", Outcome::kPassed, "", /*frozen_inputs=*/true},
      {"node", "b", "Pad", Outcome::kUnsupported, "x", /*frozen_inputs=*/true},
      {"node", "c", "Relu", Outcome::kPassed, ""},
  };
  EXPECT_EQ(SummaryLine(results),
            "conformance: 2 passed, 0 failed, 1 unsupported of 3 in scope (66.7%), "
            "1 with frozen structural inputs");
}

TEST(FrozenInputsTest, ParsesNamesAndRejectsBadLines) {
  auto frozen = ParseFrozenInputs(
      "# comment\n\nnode/test_slice starts,ends Slice-1 attributes\n"
      "node/test_cumsum_1d axis the scan axis\n");
  ASSERT_TRUE(frozen.ok()) << frozen.status();
  ASSERT_EQ(frozen->size(), 2u);
  EXPECT_EQ(frozen->at("node/test_slice"), (std::vector<std::string>{"starts", "ends"}));
  EXPECT_EQ(frozen->at("node/test_cumsum_1d"), (std::vector<std::string>{"axis"}));

  EXPECT_THAT(ParseFrozenInputs("node/test_slice starts\n").status().message(),
              HasSubstr("line 1: expected '<dir>/<test> <input>[,<input>...] <reason>'"));
  EXPECT_THAT(ParseFrozenInputs("node/test_slice starts,,ends why\n").status().message(),
              HasSubstr("empty input name"));
  EXPECT_THAT(ParseFrozenInputs("node/a x why\nnode/a y why\n").status().message(),
              HasSubstr("line 2: 'node/a' is listed twice"));
}

// The reviewed data file parses and lists only structural inputs by name.
TEST(FrozenInputsTest, DataFileParses) {
  std::ifstream file("tests/conformance/frozen_inputs.txt");
  ASSERT_TRUE(file) << "frozen_inputs.txt not in runfiles";
  std::stringstream text;
  text << file.rdbuf();
  auto frozen = ParseFrozenInputs(text.str());
  ASSERT_TRUE(frozen.ok()) << frozen.status();
  const std::set<std::string> structural = {"scales", "sizes", "roi",        "starts",
                                            "ends",   "axes",  "steps",      "pads",
                                            "value",  "axis",  "frame_step", "frame_length"};
  for (const auto& [id, names] : *frozen) {
    for (const std::string& name : names) {
      EXPECT_EQ(structural.count(name), 1u) << id << " freezes '" << name << "'";
    }
  }
}

}  // namespace
}  // namespace ncc::conformance
