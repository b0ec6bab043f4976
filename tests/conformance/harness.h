// The ONNX backend-test conformance harness: runs one backend test (model.onnx
// + test_data_set_0/{input,output}_N.pb) through neuron-cc and the simulated
// NeuronCore, compares with the stored outputs, and classifies the result.
// Also the scope rules (which tests an inference compiler is expected to
// pass) and the reviewed expected-results file.
#ifndef NCC_TESTS_CONFORMANCE_HARNESS_H_
#define NCC_TESTS_CONFORMANCE_HARNESS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "onnx/onnx_pb.h"

namespace ncc::conformance {

enum class Outcome { kPassed, kFailed, kUnsupported, kOutOfScope };

// "passed", "failed", "unsupported", "out-of-scope".
const char* OutcomeName(Outcome outcome);
bool ParseOutcome(absl::string_view name, Outcome* outcome);

struct TestResult {
  std::string dir;   // "node", "pytorch-converted", ...
  std::string name;  // "test_abs"
  std::string op;    // the op(s) under test, e.g. "Abs" or "Conv+Relu"
  Outcome outcome = Outcome::kFailed;
  std::string reason;  // one line; empty when passed
  // Compiled with structural inputs frozen (frozen_inputs.txt).
  bool frozen_inputs = false;
  std::string Id() const { return dir + "/" + name; }
};

// ONNX's default tolerances (numpy.testing.assert_allclose as the backend
// tests call it): |got - want| <= atol + rtol * |want|; NaN equals NaN.
struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-7;
};

// Compares two tensors of the same element count; values are doubles
// (exact for every integer the tests use). Empty when equal within the
// tolerance, else "max |err| E at [i] (got G, want W), N of M elements
// outside rtol R, atol A".
std::string CompareValues(const std::vector<double>& got, const std::vector<double>& want,
                          const Tolerance& tolerance);

// The op label of a model: its distinct non-Constant op types in order,
// joined by '+' ("Constant" when that is all there is).
std::string OpLabel(const onnx::ModelProto& model);

// Empty when the model is in scope, else why not (see README, "Conformance").
std::string OutOfScopeReason(const onnx::ModelProto& model);

// Runs one test directory (compile, execute on the simulator, compare).
// Never crashes on bad models by itself; the caller still isolates it in a
// subprocess because the compiler may have bugs. `frozen_inputs` are compiled
// as constants holding their test_data_set_0 values (neuron-cc
// --freeze-input); the other inputs are fed at run time.
TestResult RunTest(const std::string& data_dir, const std::string& dir, const std::string& name,
                   const Tolerance& tolerance, const std::vector<std::string>& frozen_inputs = {});

// The reviewed frozen-inputs file: one line per test,
// "<dir>/<test> <input>[,<input>...] <reason>"; '#' comments and blank lines
// ignored. Returns test id -> input names.
absl::StatusOr<std::map<std::string, std::vector<std::string>>> ParseFrozenInputs(
    absl::string_view text);

// The expected-results file: one line per test that does not pass,
// "<dir>/<test> <status> <reason>"; '#' comments and blank lines ignored.
struct Expectation {
  Outcome outcome;
  std::string reason;
};
absl::StatusOr<std::map<std::string, Expectation>> ParseExpectations(absl::string_view text);
std::string FormatExpectations(const std::vector<TestResult>& results);

// One line per test whose outcome differs from the expectations (including
// listed tests that no longer exist); empty when everything matches.
std::vector<std::string> DiffExpectations(const std::vector<TestResult>& results,
                                          const std::map<std::string, Expectation>& expected);

// The tables (by directory, by op, largest failure groups) and the summary
// line "conformance: P passed, F failed, U unsupported of T in scope (X.X%)",
// plus ", N with frozen structural inputs" when N passing tests froze inputs.
std::string FormatReport(const std::vector<TestResult>& results);
std::string SummaryLine(const std::vector<TestResult>& results);

}  // namespace ncc::conformance

#endif  // NCC_TESTS_CONFORMANCE_HARNESS_H_
