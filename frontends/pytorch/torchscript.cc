#include "frontends/pytorch/torchscript.h"

#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/freeze_module.h>
#include <torch/csrc/jit/passes/inliner.h>


#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "frontends/child_probe.h"
#include "frontends/pytorch/archive_check.h"
#include "text/printable.h"

namespace ncc::pytorch_frontend {
namespace {

constexpr absl::string_view kHowToSave =
    "save the model with torch.jit.save(torch.jit.trace(model, example_inputs), PATH) or "
    "torch.jit.save(torch.jit.script(model), PATH)";

// The first non-blank line of libtorch's (often multi-line) message.
std::string FirstLine(absl::string_view text) {
  while (!text.empty() && (text.front() == '\n' || text.front() == ' ')) text.remove_prefix(1);
  std::string line(text.substr(0, text.find('\n')));
  return line.empty() ? "libtorch gave no reason" : text::PrintableName(line);
}

// What a file that is not a TorchScript archive looks like, for the message.
std::string DescribeNonArchive(const std::string& bytes) {
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x80 &&
      static_cast<unsigned char>(bytes[1]) <= 5) {
    return "a Python pickle (torch.save in the legacy format, e.g. a state dict)";
  }
  if (bytes.size() >= 8 && bytes.compare(4, 4, "ONNX") == 0) return "an ONNX model";
  if (bytes.size() >= 4 && bytes[1] == 'E' && bytes[2] == 'F' && bytes[3] == 'F') {
    return "a NEFF";
  }
  return "not a zip archive";
}

// The address space a probe read may use: more than any archive of this
// size needs.
uint64_t ProbeLimit(const std::string& bytes) {
  return (uint64_t{8} << 30) + static_cast<uint64_t>(bytes.size()) * 4;
}

}  // namespace

absl::StatusOr<TorchScriptModel> LoadTorchScript(const std::string& bytes,
                                                 absl::string_view origin, bool trusted) {
  if (bytes.size() < 4 || bytes.compare(0, 4, "PK\x03\x04") != 0) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": not a TorchScript archive (",
                                                   DescribeNonArchive(bytes), "); ", kHowToSave));
  }
  if (!trusted) {
    // libtorch trusts the lengths inside the archive; check them first.
    absl::Status container = CheckArchive(bytes, origin);
    if (!container.ok()) return container;
    // libtorch 1.13's TorchScript parser segfaults on some corrupt sources
    // (found by the frontend's fuzzer): the first read runs in a child.
    frontends::ProbeResult probe = frontends::ProbeInChild(
        [&bytes] {
          std::istringstream stream(bytes);
          torch::jit::load(stream, c10::Device(c10::kCPU));
        },
        ProbeLimit(bytes));
    if (probe.failed) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, ": corrupt TorchScript archive: libtorch failed reading it (", probe.how,
          "); an archive written by torch.jit.save never does this"));
    }
  }
  TorchScriptModel model;
  try {
    std::istringstream stream(bytes);
    model.module = torch::jit::load(stream, c10::Device(c10::kCPU));
  } catch (const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    if (absl::StrContains(what, "constants.pkl") || absl::StrContains(what, "code/")) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin,
          ": a torch.save archive (e.g. a state dict or a pickled module), not a TorchScript "
          "archive; ",
          kHowToSave));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": not a readable TorchScript archive: ", FirstLine(what)));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": not a readable TorchScript archive: ", FirstLine(e.what())));
  }

  try {
    if (!model.module.find_method("forward")) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ": the TorchScript module has no forward method"));
    }
    model.module.eval();
    model.module = torch::jit::freeze_module(model.module);
    torch::jit::Method forward = model.module.get_method("forward");
    model.graph = forward.graph()->copy();
    torch::jit::Inline(*model.graph);
    torch::jit::ConstantPropagation(model.graph);
    torch::jit::EliminateDeadCode(model.graph);
    const auto& args = forward.function().getSchema().arguments();
    for (size_t i = 1; i < args.size(); ++i) {
      ForwardArgument arg;
      arg.name = args[i].name();
      arg.type = args[i].type()->annotation_str();
      arg.is_tensor = args[i].type()->kind() == c10::TypeKind::TensorType;
      if (args[i].default_value()) arg.default_value = *args[i].default_value();
      model.arguments.push_back(std::move(arg));
    }
    if (model.graph->inputs().size() != args.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ": forward's graph has ", model.graph->inputs().size(),
                       " inputs for ", args.size(), " arguments"));
    }
  } catch (const c10::Error& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin, ": cannot freeze the TorchScript module: ", FirstLine(e.what_without_backtrace())));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": cannot freeze the TorchScript module: ", FirstLine(e.what())));
  }
  return model;
}

}  // namespace ncc::pytorch_frontend
