// torch.neuron.trace behind the Python API: partitions the traced model
// (partition.h), compiles each section to a NEFF with the compiler library,
// and writes a new TorchScript module whose forward calls neuron::forward on
// one neuron::Model per section (model.h) and runs every other node on the
// CPU as ordinary TorchScript. The NEFFs are attributes of the module, so
// torch.jit.save keeps them inside the saved file.
#ifndef NCC_FRAMEWORKS_PYTORCH_TRACE_H_
#define NCC_FRAMEWORKS_PYTORCH_TRACE_H_

#include <torch/script.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "frameworks/pytorch/partition.h"

namespace ncc::torch_neuron {

struct TraceOptions {
  PartitionOptions partition;
  // neuron-cc's flags: --auto-cast, --auto-cast-type, --fast-math,
  // --verbose (prints each section's compile report on stderr).
  std::vector<std::string> compiler_args;
  // A section that fails to compile runs on the CPU, with a warning naming
  // it; false makes it an error listing the unsupported ops.
  bool fallback = true;
};

struct TraceResult {
  std::string archive;  // the new module, saved (torch.jit.save format)
  std::string report;   // JSON: the plan (PlanJson) plus per-section compile figures and warnings
};

absl::StatusOr<TraceResult> Trace(const std::string& archive,
                                  const std::vector<at::Tensor>& example_inputs,
                                  const TraceOptions& options);

}  // namespace ncc::torch_neuron

#endif  // NCC_FRAMEWORKS_PYTORCH_TRACE_H_
