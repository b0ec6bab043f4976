#include "compiler/passes/common_subexpression_elimination.h"

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "compiler/ir/eval/graph_edit.h"

namespace ncc::passes {
namespace {

// Merges constants with equal contents into the first one; graph outputs
// keep their own value.
bool MergeConstants(ir::Graph& graph) {
  std::map<std::tuple<ir::DType, ir::Shape, std::vector<uint8_t>>, ir::Value*> seen;
  bool changed = false;
  std::vector<ir::Value*> constants;
  for (const auto& v : graph.values()) {
    if (v->is_constant) constants.push_back(v.get());
  }
  for (ir::Value* v : constants) {
    if (graph.IsGraphOutput(v)) continue;
    auto [it, inserted] = seen.emplace(std::make_tuple(v->dtype, v->shape, v->data), v);
    if (inserted) continue;
    ir::eval::ReplaceAllUses(graph, v, it->second);
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
