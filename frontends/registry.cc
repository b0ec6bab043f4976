#include "frontends/registry.h"

#include "absl/strings/match.h"
#include "frontends/mxnet/mxnet_frontend.h"
#include "frontends/onnx/onnx_frontend.h"
#include "frontends/pytorch/pytorch_frontend.h"
#include "frontends/tensorflow/tensorflow_frontend.h"

namespace ncc::frontends {
namespace {

// One line per framework.
const std::vector<const Frontend*>& Frontends() {
  static const auto* const kFrontends = new std::vector<const Frontend*>{
      &onnx_frontend::OnnxFrontend::Get(),
      &pytorch_frontend::PytorchFrontend::Get(),
      &tensorflow_frontend::TensorflowFrontend::Get(),
      &mxnet_frontend::MxnetFrontend::Get(),
  };
  return *kFrontends;
}

}  // namespace

const Frontend* FindFrontend(absl::string_view framework) {
  for (const Frontend* frontend : Frontends()) {
    if (absl::EqualsIgnoreCase(frontend->name(), framework)) return frontend;
  }
  return nullptr;
}

std::vector<std::string> RegisteredFrameworks() {
  std::vector<std::string> names;
  for (const Frontend* frontend : Frontends()) names.emplace_back(frontend->name());
  return names;
}

}  // namespace ncc::frontends
