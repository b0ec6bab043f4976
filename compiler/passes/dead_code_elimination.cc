#include "compiler/passes/dead_code_elimination.h"

#include <vector>

#include "absl/container/flat_hash_set.h"

namespace ncc::passes {

absl::StatusOr<bool> EliminateDeadCode(ir::Graph& graph) {
  absl::flat_hash_set<const ir::Value*> live(graph.outputs().begin(), graph.outputs().end());
  std::vector<ir::Op*> dead;
  // Reverse program order: an op is live when one of its outputs is read by
  // a live op or is a graph output.
  for (auto it = graph.ops().rbegin(); it != graph.ops().rend(); ++it) {
    ir::Op* op = it->get();
    bool is_live = false;
    for (const ir::Value* out : op->outputs) is_live |= live.contains(out);
    if (!is_live) {
      dead.push_back(op);
      continue;
    }
    for (const ir::Value* in : op->inputs) {
      if (in != nullptr) live.insert(in);
    }
  }
  for (ir::Op* op : dead) graph.RemoveOp(op);
  const size_t values_before = graph.values().size();
  graph.RemoveDeadValues();
  return !dead.empty() || graph.values().size() != values_before;
}

}  // namespace ncc::passes
