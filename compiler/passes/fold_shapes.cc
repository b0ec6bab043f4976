#include "compiler/passes/fold_shapes.h"

#include <cstring>
#include <vector>

#include "compiler/ir/eval/graph_edit.h"
#include "compiler/passes/constant_fold.h"
#include "compiler/passes/dead_code_elimination.h"

namespace ncc::passes {
namespace {

bool IsExactShapeConstant(const ir::Value* v, const ir::Shape& shape) {
  if (v == nullptr || !v->is_constant || v->dtype != ir::DType::kI64) return false;
  if (v->num_elements() != static_cast<int64_t>(shape.size())) return false;
  return shape.empty() || std::memcmp(v->data.data(), shape.data(), shape.size() * 8) == 0;
}

}  // namespace

absl::StatusOr<bool> FoldShapes(ir::Graph& graph) {
  ConstantFoldOptions options;
  options.integer_only = true;
  absl::StatusOr<bool> folded = ConstantFold(graph, options);
  if (!folded.ok()) return folded.status();
  bool changed = *folded;
  for (const auto& op : graph.ops()) {
    if (op->type != "Reshape" || op->inputs.size() < 2) continue;
    const ir::Shape& out = op->outputs[0]->shape;
    if (IsExactShapeConstant(op->inputs[1], out)) continue;
    op->inputs[1] = ir::eval::AddI64Constant(graph, op->outputs[0]->name + ".shape", out);
    op->attrs.erase("allowzero");
    changed = true;
  }
  if (changed) {
    absl::StatusOr<bool> dce = EliminateDeadCode(graph);
    if (!dce.ok()) return dce.status();
  }
  return changed;
}

}  // namespace ncc::passes
