// Auto-cast accuracy report: runs a reference NEFF (the FP32 program) and a
// candidate NEFF (the auto-cast program) on the simulated NeuronCore, through
// the nrt_* runtime, on the same sample inputs, and compares every output.
// It sits above the driver because it needs the runtime; neuron-cc passes
// CompareOnSimulator to the driver as CompileOptions::compare_accuracy.
#ifndef NCC_COMPILER_ACCURACY_ACCURACY_H_
#define NCC_COMPILER_ACCURACY_ACCURACY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/driver/accuracy.h"

namespace ncc::accuracy {

// Figures for one output accumulated over samples; exposed for tests.
class OutputComparison {
 public:
  OutputComparison(std::string name, std::vector<int64_t> shape);
  void AddSample(const std::vector<float>& reference, const std::vector<float>& candidate);
  driver::OutputAccuracy Result() const;

 private:
  std::string name_;
  std::vector<int64_t> shape_;
  driver::OutputAccuracy acc_;
  int64_t rows_ = 0, top1_ = 0, top5_ = 0;
};

absl::StatusOr<std::vector<driver::OutputAccuracy>> CompareOnSimulator(
    const std::string& reference_neff, const std::string& candidate_neff,
    const driver::AccuracyOptions& options);

}  // namespace ncc::accuracy

#endif  // NCC_COMPILER_ACCURACY_ACCURACY_H_
