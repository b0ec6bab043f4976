// Reading a TorchScript archive (torch.jit.save of a traced or scripted
// module) with libtorch, and flattening its `forward` into one graph:
// eval mode, freezing (parameters and attributes become constants), inlining
// of every call, constant propagation and dead-code elimination.
//
// libtorch reports errors by throwing; every call into it here is wrapped so
// that nothing but an absl::Status leaves this package.
#ifndef NCC_FRONTENDS_PYTORCH_TORCHSCRIPT_H_
#define NCC_FRONTENDS_PYTORCH_TORCHSCRIPT_H_

#include <torch/script.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ncc::pytorch_frontend {

struct ForwardArgument {
  std::string name;
  bool is_tensor = true;
  // A non-tensor argument's default value, when it has one.
  std::optional<c10::IValue> default_value;
  std::string type;  // "Tensor", "int", ... for messages
};

struct TorchScriptModel {
  torch::jit::Module module;  // frozen; owns what the graph refers to
  std::shared_ptr<torch::jit::Graph> graph;  // forward, flattened; input 0 is self
  std::vector<ForwardArgument> arguments;    // after self
};

// `bytes` is the archive's content; `origin` (the path) prefixes messages.
// INVALID_ARGUMENT for files that are not TorchScript archives, saying what
// they look like (e.g. a torch.save state dict) and how to make one.
// `trusted`: the archive was just written by torch.jit.save in this process
// (torch.neuron.trace), so the container checks and the crash probe, which
// guard against hostile files, are skipped (the probe alone reads the whole
// archive a second time, in a forked child).
absl::StatusOr<TorchScriptModel> LoadTorchScript(const std::string& bytes,
                                                 absl::string_view origin, bool trusted = false);

}  // namespace ncc::pytorch_frontend

#endif  // NCC_FRONTENDS_PYTORCH_TORCHSCRIPT_H_
