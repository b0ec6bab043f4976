// The auto-cast accuracy report's figures and options (--verify-accuracy),
// as plain data. Running the programs needs the runtime, which the driver must
// not depend on: compiler/accuracy does it, and the caller hands it to the
// driver as CompileOptions::compare_accuracy.
#ifndef NCC_COMPILER_DRIVER_ACCURACY_H_
#define NCC_COMPILER_DRIVER_ACCURACY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ncc::driver {

struct OutputAccuracy {
  std::string name;
  double max_abs_error = 0;
  // Per element |cand - ref| / max(|ref|, 1e-3 * max |ref|), maximised.
  double max_rel_error = 0;
  // Smallest cosine similarity over the samples.
  double min_cosine = 1;
  // Classifier-shaped outputs ([B, C], C >= 2) only; -1 otherwise.
  double top1_agreement = -1;  // rows whose argmax agrees
  double top5_agreement = -1;  // rows whose reference argmax is in cand top-5
  // The model's own sensitivity at the cast precision: the smallest cosine
  // between FP32 on the exact inputs and FP32 on the same inputs rounded to
  // the cast type. A cast program cannot be expected to beat it by much (its
  // inputs are rounded the same way, and so is every matmul operand); -1
  // when not measured.
  double input_rounding_cosine = -1;
};

struct AccuracyOptions {
  int samples = 32;
  uint64_t seed = 0;
  // Per model input, a .npy file holding either one sample (the input's
  // shape) or a stack of samples ([S, ...shape]); samples cycle through it.
  // Inputs not named here are random: float uniform in [-1, 1), integer
  // uniform in [0, 100).
  std::map<std::string, std::string> input_files;
  // Mantissa bits of the cast type (7 for bf16, 10 for fp16) for the
  // sensitivity run (OutputAccuracy::input_rounding_cosine); 0 skips it.
  // Rounds to nearest even; the exponent range is not clipped.
  int round_inputs_mantissa_bits = 0;
};

// Runs `reference_neff` (the FP32 program) and `candidate_neff` (the
// auto-cast program) on the same samples and compares every output.
using AccuracyComparer = std::function<absl::StatusOr<std::vector<OutputAccuracy>>(
    const std::string& reference_neff, const std::string& candidate_neff,
    const AccuracyOptions& options)>;

// One line per output: "y: max abs 1.2e-03, max rel 4.0e-03, cosine
// 0.99998, top-1 100.0%, top-5 100.0%".
std::string FormatAccuracy(const std::vector<OutputAccuracy>& figures);

}  // namespace ncc::driver

#endif  // NCC_COMPILER_DRIVER_ACCURACY_H_
