#include "compiler/passes/fuse_residual_norm.h"

#include <vector>

namespace ncc::passes {

absl::StatusOr<bool> FuseResidualNorm(ir::Graph& graph) {
  std::vector<ir::Op*> fused;
  for (const auto& op : graph.ops()) {
    if (op->type != "LayerNormalization" || op->has_attr("fused_residual")) continue;
    if (op->inputs.size() > 3) continue;
    ir::Value* sum = op->input(0);
    if (sum == nullptr || sum->producer == nullptr) continue;
    ir::Op* add = sum->producer;
    if (add->type != "Add" || add->inputs.size() != 2 || add->has_attr("fused_activation")) {
      continue;
    }
    ir::Value* a = add->input(0);
    ir::Value* b = add->input(1);
    // Same shape on both sides (no broadcast), both computed at run time
    // (a constant addend is a bias, which fuse-bias and the norm's B handle),
    // and the sum read by nothing else.
    if (a == nullptr || b == nullptr || a->is_constant || b->is_constant) continue;
    if (a->shape != sum->shape || b->shape != sum->shape || a->dtype != b->dtype ||
        a->dtype != sum->dtype) {
      continue;
    }
    if (graph.IsGraphOutput(sum) || graph.Users(sum).size() != 1) continue;
    op->inputs.resize(3, nullptr);
    op->inputs[0] = a;
    op->inputs.push_back(b);
    op->attrs["fused_residual"] = int64_t{1};
    fused.push_back(add);
  }
  for (ir::Op* add : fused) graph.RemoveOp(add);
  if (!fused.empty()) graph.RemoveDeadValues();
  return !fused.empty();
}

}  // namespace ncc::passes
