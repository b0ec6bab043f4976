#include "frontends/pytorch/op_table.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace ncc::pytorch_frontend {
namespace {

constexpr TorchOpSupport kStructural[] = {
    {"prim::Constant", nullptr, "tensor constants become weights"},
    {"prim::If", nullptr,
     "the condition must be known at compile time (shapes, constants); the branch taken is kept"},
    {"prim::Loop", nullptr,
     "trip count and condition known at compile time; unrolled (at most 100000 iterations)"},
    {"prim::ListConstruct", nullptr, ""},
    {"prim::ListUnpack", nullptr, ""},
    {"prim::TupleConstruct", nullptr, ""},
    {"prim::TupleUnpack", nullptr, ""},
    {"prim::TupleIndex", nullptr, ""},
    {"aten::size", nullptr, "shapes are static: evaluated at compile time"},
    {"aten::dim", nullptr, "evaluated at compile time"},
    {"aten::numel", nullptr, "evaluated at compile time"},
    {"aten::__getitem__", nullptr, "on lists and tuples"},
};

// A JSON string literal, escaped by the JSON library the frontends use.
std::string JsonString(absl::string_view s) { return nlohmann::json(std::string(s)).dump(); }

}  // namespace

absl::Span<const TorchOpSupport> StructuralOps() { return kStructural; }

const std::vector<TorchOpSupport>& TorchSupportedOps() {
  static const auto* const kOps = [] {
    auto* ops = new std::vector<TorchOpSupport>;
    for (auto family : {ElementwiseOps(), NnOps(), TensorOps(), ReduceOps(), RecurrentOps(),
                        TransformerOps(), StructuralOps()}) {
      ops->insert(ops->end(), family.begin(), family.end());
    }
    std::sort(ops->begin(), ops->end(), [](const TorchOpSupport& a, const TorchOpSupport& b) {
      return absl::string_view(a.kind) < absl::string_view(b.kind);
    });
    return ops;
  }();
  return *kOps;
}

const TorchOpSupport* FindTorchOp(absl::string_view kind) {
  const auto& ops = TorchSupportedOps();
  auto find = [&](absl::string_view k) -> const TorchOpSupport* {
    auto it = std::lower_bound(ops.begin(), ops.end(), k,
                               [](const TorchOpSupport& op, absl::string_view key) {
                                 return absl::string_view(op.kind) < key;
                               });
    return it != ops.end() && absl::string_view(it->kind) == k ? &*it : nullptr;
  };
  if (const TorchOpSupport* op = find(kind)) return op;
  // aten::relu_ -> aten::relu (not aten::__and__ and other dunder names).
  if (absl::EndsWith(kind, "_") && !absl::EndsWith(kind, "__")) {
    return find(kind.substr(0, kind.size() - 1));
  }
  return nullptr;
}

std::string FormatOperatorTable() {
  const auto& ops = TorchSupportedOps();
  size_t width = 0;
  for (const TorchOpSupport& op : ops) width = std::max(width, absl::string_view(op.kind).size());
  std::string out =
      "TorchScript operators supported by neuron-cc (libtorch 1.13; in-place variants such as "
      "aten::relu_ too;\nanything computed from constants and shapes alone is evaluated at "
      "compile time, whatever its kind):\n";
  for (const TorchOpSupport& op : ops) {
    absl::StrAppend(&out, "  ", op.kind, std::string(width - absl::string_view(op.kind).size(), ' '),
                    "  ", *op.limits ? op.limits : "-", "\n");
  }
  absl::StrAppend(&out, ops.size(), " operators\n");
  return out;
}

std::string FormatOperatorJson() {
  std::vector<std::string> rows;
  for (const TorchOpSupport& op : TorchSupportedOps()) {
    rows.push_back(absl::StrCat("    {\"op_type\": ", JsonString(op.kind),
                                ", \"limits\": ", JsonString(op.limits), "}"));
  }
  return absl::StrCat("{\n  \"framework\": \"PYTORCH\",\n  \"operators\": [\n",
                      absl::StrJoin(rows, ",\n"), "\n  ]\n}\n");
}

}  // namespace ncc::pytorch_frontend
