// The ops the torch_neuron Python package calls (torch.ops.neuron._*): the
// compiler side of torch.neuron.trace, analyze_model and
// get_supported_operations. Archives and reports cross the boundary as
// uint8 tensors and strings, so no Python binding library is needed: the
// package is plain Python over torch.ops.
#include <torch/script.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "frameworks/pytorch/partition.h"
#include "frameworks/pytorch/trace.h"
#include "frontends/pytorch/op_table.h"

namespace ncc::torch_neuron {
namespace {

std::string Bytes(const at::Tensor& t) {
  TORCH_CHECK(t.defined() && t.scalar_type() == at::kByte && t.dim() == 1,
              "torch_neuron: the archive must be a 1-D uint8 tensor");
  at::Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.numel()));
}

at::Tensor Tensor(const std::string& bytes) {
  at::Tensor t = at::empty({static_cast<int64_t>(bytes.size())}, at::kByte);
  std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t;
}

// c10::Error's message is what Python's RuntimeError shows; the status code
// leads it so the package can raise the matching Python exception.
[[noreturn]] void Raise(const absl::Status& status) {
  TORCH_CHECK(false, absl::StatusCodeToString(status.code()), ": ", status.message());
}

PartitionOptions Partition(int64_t minimum_segment_size, const std::vector<int64_t>& cpu_nodes) {
  PartitionOptions options;
  options.minimum_segment_size = minimum_segment_size;
  options.cpu_nodes.insert(cpu_nodes.begin(), cpu_nodes.end());
  return options;
}

std::string Analyze(const at::Tensor& archive, std::vector<at::Tensor> example_inputs,
                    int64_t minimum_segment_size, std::vector<int64_t> cpu_nodes) {
  auto plan = PlanPartition(Bytes(archive), "torch.neuron.analyze_model", example_inputs,
                            Partition(minimum_segment_size, cpu_nodes));
  if (!plan.ok()) Raise(plan.status());
  return PlanJson(*plan);
}

std::tuple<at::Tensor, std::string> TraceOp(const at::Tensor& archive,
                                            std::vector<at::Tensor> example_inputs,
                                            std::vector<std::string> compiler_args, bool fallback,
                                            int64_t minimum_segment_size,
                                            std::vector<int64_t> cpu_nodes) {
  TraceOptions options;
  options.partition = Partition(minimum_segment_size, cpu_nodes);
  options.compiler_args = std::move(compiler_args);
  options.fallback = fallback;
  auto result = Trace(Bytes(archive), example_inputs, options);
  if (!result.ok()) Raise(result.status());
  return {Tensor(result->archive), result->report};
}

std::vector<std::string> SupportedOperations() {
  std::set<std::string> kinds;
  for (const auto& op : pytorch_frontend::TorchSupportedOps()) kinds.insert(op.kind);
  return std::vector<std::string>(kinds.begin(), kinds.end());
}

TORCH_LIBRARY_FRAGMENT(neuron, m) {
  m.def("_analyze", Analyze);
  m.def("_trace", TraceOp);
  m.def("_supported_operations", SupportedOperations);
}

}  // namespace
}  // namespace ncc::torch_neuron
