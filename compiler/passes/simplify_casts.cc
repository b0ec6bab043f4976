#include "compiler/passes/simplify_casts.h"

#include <vector>

#include "compiler/ir/eval/graph_edit.h"
#include "compiler/passes/dead_code_elimination.h"

namespace ncc::passes {
namespace {

// Whether converting `from` to `to` keeps every value exactly.
bool IsExactConversion(ir::DType from, ir::DType to) {
  using ir::DType;
  if (from == to || from == DType::kBool) return true;
  switch (to) {
    case DType::kF32:
      return from == DType::kBF16 || from == DType::kF16 || from == DType::kI8 ||
             from == DType::kU8;
    case DType::kI64:
      return from == DType::kI32 || from == DType::kI8 || from == DType::kU8;
    case DType::kI32:
      return from == DType::kI8 || from == DType::kU8;
    case DType::kF16:
    case DType::kBF16:
      return from == DType::kI8 || from == DType::kU8;
    default:
      return false;
  }
}

}  // namespace

absl::StatusOr<bool> SimplifyCasts(ir::Graph& graph) {
  bool changed = false;
  std::vector<ir::Op*> folded;
  for (const auto& op_ptr : graph.ops()) {
    ir::Op* op = op_ptr.get();
    if (op->type != "Cast" || op->inputs.size() != 1 || op->outputs.size() != 1) continue;
    ir::Value* in = op->inputs[0];
    ir::Value* out = op->outputs[0];
    if (in == nullptr) continue;
    if (in->is_constant) {
      out->data = ir::eval::ConvertConstant(*in, out->dtype);
      out->is_constant = true;
      out->producer = nullptr;
      op->outputs.clear();
      folded.push_back(op);
      changed = true;
      continue;
    }
    // Skip exact inner casts: Cast(Cast(x)) reads x directly.
    while (in->producer != nullptr && in->producer->type == "Cast" &&
           in->producer->inputs.size() == 1 && in->producer->inputs[0] != nullptr &&
           IsExactConversion(in->producer->inputs[0]->dtype, in->dtype)) {
      in = in->producer->inputs[0];
    }
    if (in != op->inputs[0]) {
      op->inputs[0] = in;
      changed = true;
    }
    if (in->dtype == out->dtype && ir::eval::BypassValue(graph, out, in)) {
      op->outputs.clear();
      op->inputs.clear();
      changed = true;
    }
  }
  for (ir::Op* op : folded) graph.RemoveOp(op);
  if (changed) {
    absl::StatusOr<bool> dce = EliminateDeadCode(graph);
    if (!dce.ok()) return dce.status();
  }
  return changed;
}

}  // namespace ncc::passes
