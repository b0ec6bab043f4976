#include "compiler/passes/fuse_softmax_scale.h"

#include <cmath>
#include <vector>

#include "compiler/passes/pattern.h"

namespace ncc::passes {

absl::StatusOr<bool> FuseSoftmaxScale(ir::Graph& graph) {
  std::vector<ir::Op*> fused;
  for (const auto& op : graph.ops()) {
    if ((op->type != "Softmax" && op->type != "LogSoftmax") || op->has_attr("input_scale")) {
      continue;
    }
    ir::Value* scaled = op->input(0);
    if (scaled == nullptr || scaled->producer == nullptr) continue;
    ir::Op* scale_op = scaled->producer;
    const bool div = scale_op->type == "Div";
    if ((!div && scale_op->type != "Mul") || scale_op->inputs.size() != 2 ||
        scale_op->has_attr("fused_activation")) {
      continue;
    }
    // x / c or x * c, or c * x; c a positive finite constant scalar.
    int x_index = 0;
    std::optional<double> c = ScalarConstant(scale_op->input(1));
    if (!c && !div) {
      c = ScalarConstant(scale_op->input(0));
      x_index = 1;
    }
    ir::Value* x = scale_op->input(x_index);
    if (!c || !std::isfinite(*c) || *c <= 0 || x == nullptr) continue;
    const double s = div ? 1.0 / *c : *c;
    if (!std::isfinite(s) || s <= 0) continue;
    if (x->shape != scaled->shape || x->dtype != scaled->dtype) continue;
    if (graph.IsGraphOutput(scaled) || graph.Users(scaled).size() != 1) continue;
    op->inputs[0] = x;
    op->attrs["input_scale"] = static_cast<float>(s);
    fused.push_back(scale_op);
  }
  for (ir::Op* scale_op : fused) graph.RemoveOp(scale_op);
  if (!fused.empty()) graph.RemoveDeadValues();
  return !fused.empty();
}

}  // namespace ncc::passes
