// The frontends neuron-cc knows, keyed by the --framework value.
#ifndef NCC_FRONTENDS_REGISTRY_H_
#define NCC_FRONTENDS_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "frontends/frontend.h"

namespace ncc::frontends {

// The frontend whose name() equals `framework` ignoring case; null when none.
const Frontend* FindFrontend(absl::string_view framework);

// Every registered name(), in registration order ("ONNX").
std::vector<std::string> RegisteredFrameworks();

}  // namespace ncc::frontends

#endif  // NCC_FRONTENDS_REGISTRY_H_
