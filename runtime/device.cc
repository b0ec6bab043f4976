#include "runtime/device.h"

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ncc::runtime {
namespace {

struct DeviceKinds {
  std::mutex mu;
  std::map<std::string, DeviceFactory, std::less<>> factories;
};

DeviceKinds& Kinds() {
  static DeviceKinds* kinds = new DeviceKinds;
  return *kinds;
}

}  // namespace

bool RegisterDeviceKind(absl::string_view kind, DeviceFactory factory) {
  DeviceKinds& kinds = Kinds();
  std::lock_guard<std::mutex> lock(kinds.mu);
  kinds.factories[std::string(kind)] = std::move(factory);
  return true;
}

absl::StatusOr<std::unique_ptr<Device>> CreateDevice(absl::string_view kind, int core) {
  DeviceFactory factory;
  std::vector<std::string> known;
  {
    DeviceKinds& kinds = Kinds();
    std::lock_guard<std::mutex> lock(kinds.mu);
    if (auto it = kinds.factories.find(kind); it != kinds.factories.end()) {
      factory = it->second;
    }
    for (const auto& [name, unused] : kinds.factories) known.push_back(name);
  }
  if (!factory) {
    return absl::NotFoundError(
        absl::StrCat("no NeuronCore device of kind '", kind,
                     "' (linked in: ", known.empty() ? "none" : absl::StrJoin(known, ", "), ")"));
  }
  return factory(core);
}

}  // namespace ncc::runtime
