#include "compiler/passes/constant_fold.h"

#include <algorithm>
#include <vector>

#include "compiler/ir/eval/graph_edit.h"
#include "compiler/ir/eval/host_eval.h"

namespace ncc::passes {

absl::StatusOr<bool> ConstantFold(ir::Graph& graph, const ConstantFoldOptions& options) {
  std::vector<ir::Op*> folded;
  // Program order: a folded result makes its readers foldable in this sweep.
  for (const auto& op_ptr : graph.ops()) {
    ir::Op* op = op_ptr.get();
    if (op->outputs.empty()) continue;
    ir::Value* out = op->outputs[0];
    if (options.integer_only && ir::IsFloat(out->dtype)) continue;
    int64_t input_elements = 0;
    for (const ir::Value* in : op->inputs) {
      if (in != nullptr && in->is_constant) input_elements += in->num_elements();
    }
    if (out->num_elements() > std::max(options.max_elements, input_elements)) continue;
    std::optional<std::vector<double>> values = ir::eval::EvaluateOnHost(*op);
    if (!values) continue;
    // Dropout's optional mask output, if present, must be unused.
    bool extra_outputs_used = false;
    for (size_t i = 1; i < op->outputs.size(); ++i) {
      extra_outputs_used |=
          graph.IsGraphOutput(op->outputs[i]) || !graph.Users(op->outputs[i]).empty();
    }
    if (extra_outputs_used) continue;
    // The value keeps its name (graph outputs included) and becomes a
    // constant.
    out->producer = nullptr;
    out->is_constant = true;
    out->data = ir::eval::BytesFromDoubles(*values, out->dtype);
    op->outputs.clear();
    folded.push_back(op);
  }
  for (ir::Op* op : folded) graph.RemoveOp(op);
  if (!folded.empty()) graph.RemoveDeadValues();
  return !folded.empty();
}

}  // namespace ncc::passes
