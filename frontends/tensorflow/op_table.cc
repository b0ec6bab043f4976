#include "frontends/tensorflow/op_table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace ncc::tensorflow_frontend {
namespace {

// A JSON string literal, escaped by the JSON library the frontends use.
std::string JsonString(absl::string_view s) { return nlohmann::json(std::string(s)).dump(); }

}  // namespace

const std::vector<TensorflowOpSupport>& TensorflowSupportedOps() {
  static const auto* const kOps = [] {
    auto* ops = new std::vector<TensorflowOpSupport>;
    for (auto family : {NnOps(), MathOps(), ArrayOps()}) {
      ops->insert(ops->end(), family.begin(), family.end());
    }
    std::sort(ops->begin(), ops->end(),
              [](const TensorflowOpSupport& a, const TensorflowOpSupport& b) {
                return absl::string_view(a.op) < absl::string_view(b.op);
              });
    return ops;
  }();
  return *kOps;
}

const TensorflowOpSupport* FindTensorflowOp(absl::string_view op) {
  const auto& ops = TensorflowSupportedOps();
  auto it = std::lower_bound(ops.begin(), ops.end(), op,
                             [](const TensorflowOpSupport& o, absl::string_view key) {
                               return absl::string_view(o.op) < key;
                             });
  return it != ops.end() && absl::string_view(it->op) == op ? &*it : nullptr;
}

std::string FormatOperatorTable() {
  const auto& ops = TensorflowSupportedOps();
  size_t width = 0;
  for (const TensorflowOpSupport& op : ops) width = std::max(width, absl::string_view(op.op).size());
  std::string out =
      "TensorFlow operators supported by neuron-cc (frozen GraphDef; anything computed from "
      "constants and\nshapes alone is evaluated at compile time):\n";
  for (const TensorflowOpSupport& op : ops) {
    absl::StrAppend(&out, "  ", op.op, std::string(width - absl::string_view(op.op).size(), ' '),
                    "  ", *op.limits ? op.limits : "-", "\n");
  }
  absl::StrAppend(&out, ops.size(), " operators\n");
  return out;
}

std::string FormatOperatorJson() {
  std::vector<std::string> rows;
  for (const TensorflowOpSupport& op : TensorflowSupportedOps()) {
    rows.push_back(absl::StrCat("    {\"op_type\": ", JsonString(op.op),
                                ", \"limits\": ", JsonString(op.limits), "}"));
  }
  return absl::StrCat("{\n  \"framework\": \"TENSORFLOW\",\n  \"operators\": [\n",
                      absl::StrJoin(rows, ",\n"), "\n  ]\n}\n");
}

}  // namespace ncc::tensorflow_frontend
