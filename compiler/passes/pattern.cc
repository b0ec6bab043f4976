#include "compiler/passes/pattern.h"

#include <cmath>
#include <vector>

#include "compiler/ir/eval/graph_edit.h"
#include "compiler/passes/dead_code_elimination.h"

namespace ncc::passes {

ir::Op* ProducerOf(const ir::Value* value, absl::string_view type) {
  if (value == nullptr || value->producer == nullptr || value->producer->type != type) {
    return nullptr;
  }
  return value->producer;
}

std::optional<double> ScalarConstant(const ir::Value* value) {
  if (value == nullptr || !value->is_constant || value->num_elements() != 1 ||
      !ir::IsFloat(value->dtype)) {
    return std::nullopt;
  }
  return ir::eval::ConstantAsDoubles(*value)[0];
}

bool IsScalar(const ir::Value* value, double expected) {
  std::optional<double> v = ScalarConstant(value);
  return v && std::fabs(*v - expected) <= 1e-6 * std::fabs(expected);
}

ir::Value* OtherThanScalar(const ir::Op& op, double expected) {
  if (op.inputs.size() != 2) return nullptr;
  if (IsScalar(op.input(1), expected)) return op.input(0);
  if (IsScalar(op.input(0), expected)) return op.input(1);
  return nullptr;
}

bool IsLastAxisMean(const ir::Op& op) {
  if (op.type != "ReduceMean" || op.GetInt("keepdims", 1) != 1) return false;
  const int64_t rank = static_cast<int64_t>(op.input(0)->shape.size());
  std::vector<int64_t> axes = op.GetInts("axes", {});
  if (const ir::Value* a = op.input(1); a != nullptr) {
    if (!a->is_constant) return false;
    axes.clear();
    for (double d : ir::eval::ConstantAsDoubles(*a)) axes.push_back(static_cast<int64_t>(d));
  }
  return axes.size() == 1 && (axes[0] == -1 || axes[0] == rank - 1);
}

absl::StatusOr<bool> RewriteEachOp(ir::Graph& graph,
                                   const std::function<bool(ir::Graph&, ir::Op&)>& rewrite) {
  std::vector<ir::Op*> ops;
  for (const auto& op : graph.ops()) ops.push_back(op.get());
  bool changed = false;
  for (ir::Op* op : ops) changed |= rewrite(graph, *op);
  if (changed) {
    // The pattern's primitives are now unread.
    if (auto dce = EliminateDeadCode(graph); !dce.ok()) return dce.status();
  }
  return changed;
}

}  // namespace ncc::passes
