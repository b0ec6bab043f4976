#include "compiler/passes/canonicalize_layout.h"

#include <vector>

#include "compiler/ir/eval/graph_edit.h"
#include "compiler/passes/dead_code_elimination.h"

namespace ncc::passes {
namespace {

bool IsReshapeLike(const ir::Op& op) {
  return op.type == "Reshape" || op.type == "Flatten" || op.type == "Squeeze" ||
         op.type == "Unsqueeze";
}

// Identity, and Dropout whose mask output nobody reads (inference).
bool IsPassThrough(const ir::Graph& graph, const ir::Op& op) {
  if (op.type == "Identity") return op.outputs.size() == 1;
  if (op.type != "Dropout" || op.outputs.empty()) return false;
  for (size_t i = 1; i < op.outputs.size(); ++i) {
    if (graph.IsGraphOutput(op.outputs[i]) || !graph.Users(op.outputs[i]).empty()) return false;
  }
  return true;
}

std::vector<int64_t> PermOf(const ir::Op& op) {
  std::vector<int64_t> perm = op.GetInts("perm", {});
  if (perm.empty()) {
    const int64_t rank = static_cast<int64_t>(op.inputs[0]->shape.size());
    for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
  }
  return perm;
}

bool IsIdentityPerm(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

// Removes `op` (one input, one output) from the dataflow; DCE deletes it.
bool Bypass(ir::Graph& graph, ir::Op& op) {
  ir::Value* in = op.inputs[0];
  ir::Value* out = op.outputs[0];
  if (in == nullptr || in->dtype != out->dtype || in->shape != out->shape) return false;
  if (!ir::eval::BypassValue(graph, out, in)) return false;
  // Detach `op` so that it no longer counts as a reader (later bypasses ask
  // for single use) and DCE takes it away.
  op.inputs.clear();
  op.outputs.clear();
  return true;
}

bool RewriteOp(ir::Graph& graph, ir::Op& op) {
  if (op.inputs.empty() || op.outputs.empty() || op.inputs[0] == nullptr) return false;
  if (IsPassThrough(graph, op)) return Bypass(graph, op);
  if (op.type == "Transpose") {
    std::vector<int64_t> perm = PermOf(op);
    ir::Op* inner = op.inputs[0]->producer;
    if (inner != nullptr && inner->type == "Transpose" && inner->outputs.size() == 1) {
      std::vector<int64_t> p1 = PermOf(*inner);
      if (p1.size() == perm.size()) {
        std::vector<int64_t> composed;
        for (int64_t p : perm) composed.push_back(p1[p]);
        op.inputs[0] = inner->inputs[0];
        op.attrs["perm"] = composed;
        perm = composed;
        if (!IsIdentityPerm(perm)) return true;
        Bypass(graph, op);
        return true;
      }
    }
    if (IsIdentityPerm(perm)) return Bypass(graph, op);
    return false;
  }
  if (!IsReshapeLike(op)) return false;
  ir::Value* in = op.inputs[0];
  if (in->shape == op.outputs[0]->shape && Bypass(graph, op)) return true;
  ir::Op* inner = in->producer;
  if (inner == nullptr || inner->outputs.size() != 1 || inner->inputs.empty() ||
      !(IsReshapeLike(*inner) || inner->type == "Identity")) {
    return false;
  }
  op.type = "Reshape";
  op.attrs.clear();
  op.inputs = {inner->inputs[0], ir::eval::AddI64Constant(graph, op.outputs[0]->name + ".shape",
                                                          op.outputs[0]->shape)};
  return true;
}

}  // namespace

absl::StatusOr<bool> CanonicalizeLayout(ir::Graph& graph) {
  bool changed = false;
  std::vector<ir::Op*> ops;
  for (const auto& op : graph.ops()) ops.push_back(op.get());
  for (ir::Op* op : ops) changed |= RewriteOp(graph, *op);
  if (changed) {
    absl::StatusOr<bool> dce = EliminateDeadCode(graph);
    if (!dce.ok()) return dce.status();
  }
  return changed;
}

}  // namespace ncc::passes
