#include "frontends/unsupported.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ncc::frontends {

std::string DescribeUnsupportedNodes(absl::string_view framework, absl::string_view where,
                                     const std::vector<UnsupportedNode>& nodes) {
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;
  std::map<std::string, size_t> index;
  std::vector<std::string> node_names;  // distinct, for the count
  for (const UnsupportedNode& n : nodes) {
    std::string key = absl::StrCat(n.op_type, ": ", n.reason);
    auto [it, inserted] = index.emplace(key, groups.size());
    if (inserted) groups.push_back({key, {}});
    groups[it->second].second.push_back(n.node_name);
    if (std::find(node_names.begin(), node_names.end(), n.node_name) == node_names.end()) {
      node_names.push_back(n.node_name);
    }
  }
  std::vector<std::string> parts;
  for (const auto& [key, names] : groups) {
    size_t colon = key.find(": ");
    std::vector<std::string> shown(names.begin(),
                                   names.begin() + std::min<size_t>(3, names.size()));
    parts.push_back(absl::StrCat(key.substr(0, colon), " x", names.size(), " ('",
                                 absl::StrJoin(shown, "', '"), names.size() > 3 ? "', ...)" : "')",
                                 key.substr(colon)));
  }
  return absl::StrCat(node_names.size(), " unsupported ", framework, " node",
                      node_names.size() == 1 ? "" : "s", where.empty() ? "" : " at ", where, ": ",
                      absl::StrJoin(parts, "; "), " (see `neuron-cc list-operators --framework ",
                      framework, "`)");
}

}  // namespace ncc::frontends
