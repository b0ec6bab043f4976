#include "compiler/passes/fuse_activation.h"

#include <vector>

namespace ncc::passes {
namespace {

bool IsFusableActivation(const ir::Op& op) {
  return op.type == "Relu" || op.type == "Sigmoid" || op.type == "Tanh";
}

bool CanCarryActivation(const ir::Op& op) {
  static const char* const kTypes[] = {"Conv", "Gemm", "MatMul", "Add",
                                       "Sub",  "Mul",  "Div",    "Max", "Min"};
  for (const char* t : kTypes) {
    if (op.type == t) return !op.has_attr("fused_activation");
  }
  return false;
}

}  // namespace

absl::StatusOr<bool> FuseActivation(ir::Graph& graph) {
  std::vector<ir::Op*> fused;
  for (const auto& op : graph.ops()) {
    if (!IsFusableActivation(*op)) continue;
    ir::Value* in = op->input(0);
    if (in == nullptr || in->producer == nullptr) continue;
    ir::Op* producer = in->producer;
    if (!CanCarryActivation(*producer)) continue;
    // The pre-activation value must have no other reader.
    if (graph.IsGraphOutput(in) || graph.Users(in).size() != 1) continue;
    producer->attrs["fused_activation"] = op->type;
    // The producer now defines the activation's result.
    ir::Value* out = op->outputs[0];
    producer->outputs[0] = out;
    out->producer = producer;
    fused.push_back(op.get());
  }
  for (ir::Op* op : fused) graph.RemoveOp(op);
  if (!fused.empty()) graph.RemoveDeadValues();
  return !fused.empty();
}

}  // namespace ncc::passes
