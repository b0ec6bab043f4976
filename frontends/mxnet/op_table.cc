#include "frontends/mxnet/op_table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace ncc::mxnet_frontend {
namespace {

std::string JsonString(absl::string_view s) { return nlohmann::json(std::string(s)).dump(); }

}  // namespace

const std::vector<MxnetOpSupport>& MxnetSupportedOps() {
  static const auto* const kOps = [] {
    auto* ops = new std::vector<MxnetOpSupport>;
    for (auto family : {NnOps(), MathOps(), TensorOps()}) {
      ops->insert(ops->end(), family.begin(), family.end());
    }
    std::sort(ops->begin(), ops->end(), [](const MxnetOpSupport& a, const MxnetOpSupport& b) {
      return absl::string_view(a.op) < absl::string_view(b.op);
    });
    return ops;
  }();
  return *kOps;
}

const MxnetOpSupport* FindMxnetOp(absl::string_view op) {
  const auto& ops = MxnetSupportedOps();
  auto it = std::lower_bound(ops.begin(), ops.end(), op,
                             [](const MxnetOpSupport& o, absl::string_view key) {
                               return absl::string_view(o.op) < key;
                             });
  return it != ops.end() && absl::string_view(it->op) == op ? &*it : nullptr;
}

std::string FormatOperatorTable() {
  const auto& ops = MxnetSupportedOps();
  size_t width = 0;
  for (const MxnetOpSupport& op : ops) width = std::max(width, absl::string_view(op.op).size());
  std::string out =
      "MXNet operators supported by neuron-cc (symbol JSON + params; Dropout and BlockGrad are "
      "identities at inference):\n";
  for (const MxnetOpSupport& op : ops) {
    absl::StrAppend(&out, "  ", op.op, std::string(width - absl::string_view(op.op).size(), ' '),
                    "  ", *op.limits ? op.limits : "-", "\n");
  }
  absl::StrAppend(&out, ops.size(), " operators\n");
  return out;
}

std::string FormatOperatorJson() {
  std::vector<std::string> rows;
  for (const MxnetOpSupport& op : MxnetSupportedOps()) {
    rows.push_back(absl::StrCat("    {\"op_type\": ", JsonString(op.op),
                                ", \"limits\": ", JsonString(op.limits), "}"));
  }
  return absl::StrCat("{\n  \"framework\": \"MXNET\",\n  \"operators\": [\n",
                      absl::StrJoin(rows, ",\n"), "\n  ]\n}\n");
}

}  // namespace ncc::mxnet_frontend
