#include "frontends/unsupported.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "text/printable.h"

namespace ncc::frontends {

std::string DescribeUnsupportedNodes(absl::string_view framework, absl::string_view where,
                                     const std::vector<UnsupportedNode>& nodes) {
  // Grouped by (op type, reason), in order of first appearance.
  using Key = std::pair<std::string, std::string>;
  std::vector<std::pair<Key, std::vector<std::string>>> groups;
  std::map<Key, size_t> index;
  std::vector<std::string> node_names;  // distinct, for the count
  for (const UnsupportedNode& n : nodes) {
    auto [it, inserted] = index.emplace(Key(n.op_type, n.reason), groups.size());
    if (inserted) groups.push_back({Key(n.op_type, n.reason), {}});
    groups[it->second].second.push_back(n.node_name);
    if (std::find(node_names.begin(), node_names.end(), n.node_name) == node_names.end()) {
      node_names.push_back(n.node_name);
    }
  }
  // Op types and node names come from the model: escaped for printing.
  std::vector<std::string> parts;
  for (const auto& [key, names] : groups) {
    std::vector<std::string> shown;
    for (size_t i = 0; i < std::min<size_t>(3, names.size()); ++i) {
      shown.push_back(ncc::text::QuotedName(names[i]));
    }
    parts.push_back(absl::StrCat(ncc::text::PrintableName(key.first), " x", names.size(), " (",
                                 absl::StrJoin(shown, ", "), names.size() > 3 ? ", ...)" : ")",
                                 ": ", key.second));
  }
  return absl::StrCat(node_names.size(), " unsupported ", framework, " node",
                      node_names.size() == 1 ? "" : "s", where.empty() ? "" : " at ", where, ": ",
                      absl::StrJoin(parts, "; "), " (see `neuron-cc list-operators --framework ",
                      framework, "`)");
}

}  // namespace ncc::frontends
