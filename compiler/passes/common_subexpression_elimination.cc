#include "compiler/passes/common_subexpression_elimination.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/eval/graph_edit.h"

namespace ncc::passes {
namespace {

// A hash of up to 192 of a payload's bytes (its start, middle and end):
// constants with equal contents have equal samples, and different weights
// almost never do, so few payloads are compared in full.
size_t Sample(const ir::Bytes& bytes) {
  constexpr size_t kPiece = 64;
  const absl::string_view all(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (all.size() <= 3 * kPiece) return absl::Hash<absl::string_view>{}(all);
  return absl::Hash<std::tuple<absl::string_view, absl::string_view, absl::string_view>>{}(
      std::make_tuple(all.substr(0, kPiece), all.substr(all.size() / 2, kPiece),
                      all.substr(all.size() - kPiece)));
}

// Merges constants with equal contents into the first one; graph outputs
// keep their own value. Payloads are compared in place, never copied.
bool MergeConstants(ir::Graph& graph) {
  // The distinct constants seen so far, by type, shape and sample.
  std::map<std::tuple<ir::DType, ir::Shape, size_t>, std::vector<ir::Value*>> seen;
  bool changed = false;
  std::vector<ir::Value*> constants;
  for (const auto& v : graph.values()) {
    if (v->is_constant) constants.push_back(v.get());
  }
  for (ir::Value* v : constants) {
    if (graph.IsGraphOutput(v)) continue;
    std::vector<ir::Value*>& same_kind = seen[std::make_tuple(v->dtype, v->shape, Sample(v->data))];
    auto first = std::find_if(same_kind.begin(), same_kind.end(),
                              [v](const ir::Value* c) { return c->data == v->data; });
    if (first == same_kind.end()) {
      same_kind.push_back(v);
      continue;
    }
    ir::eval::ReplaceAllUses(graph, v, *first);
    changed = true;
  }
  return changed;
}

}  // namespace

absl::StatusOr<bool> EliminateCommonSubexpressions(ir::Graph& graph) {
  bool changed = MergeConstants(graph);
  using Key = std::tuple<std::string, std::vector<ir::Value*>, std::map<std::string, ir::Attribute>,
                         size_t>;
  std::map<Key, ir::Op*> seen;
  std::vector<ir::Op*> duplicates;
  for (const auto& op_ptr : graph.ops()) {
    ir::Op* op = op_ptr.get();
    Key key{op->type, op->inputs, op->attrs, op->outputs.size()};
    auto [it, inserted] = seen.emplace(key, op);
    if (inserted) continue;
    ir::Op* first = it->second;
    bool same_types = true;
    bool any_output = false;
    for (size_t i = 0; i < op->outputs.size(); ++i) {
      same_types &= op->outputs[i]->dtype == first->outputs[i]->dtype &&
                    op->outputs[i]->shape == first->outputs[i]->shape;
      any_output |= graph.IsGraphOutput(op->outputs[i]);
    }
    if (!same_types || any_output) continue;
    for (size_t i = 0; i < op->outputs.size(); ++i) {
      ir::eval::ReplaceAllUses(graph, op->outputs[i], first->outputs[i]);
    }
    duplicates.push_back(op);
  }
  for (ir::Op* op : duplicates) graph.RemoveOp(op);
  if (changed || !duplicates.empty()) graph.RemoveDeadValues();
  return changed || !duplicates.empty();
}

}  // namespace ncc::passes
