#include "compiler/passes/fuse_layer_norm.h"

#include <vector>

#include "compiler/ir/eval/graph_edit.h"
#include "compiler/passes/pattern.h"

namespace ncc::passes {
namespace {

// A float constant covering exactly the normalised axis.
bool IsAxisVector(const ir::Value* v, int64_t length) {
  return v != nullptr && v->is_constant && v->dtype == ir::DType::kF32 &&
         v->num_elements() == length;
}

// Matches the primitives ending at `div` (Div(x - mean, sqrt(var + eps))).
// On success the last op of the pattern (div, or the Mul/Add after it)
// becomes the LayerNormalization; the rest is left for DCE.
bool Rewrite(ir::Graph& graph, ir::Op& div) {
  if (div.type != "Div" || div.inputs.size() != 2) return false;
  ir::Value* centered = div.input(0);
  ir::Op* sqrt = ProducerOf(div.input(1), "Sqrt");
  ir::Op* sub = ProducerOf(centered, "Sub");
  if (sqrt == nullptr || sub == nullptr) return false;
  ir::Op* add_eps = ProducerOf(sqrt->input(0), "Add");
  if (add_eps == nullptr) return false;
  ir::Value* variance = nullptr;
  double eps = 0;
  for (int i = 0; i < 2; ++i) {
    if (auto e = ScalarConstant(add_eps->input(i))) {
      eps = *e;
      variance = add_eps->input(1 - i);
    }
  }
  ir::Op* mean2 = ProducerOf(variance, "ReduceMean");
  if (mean2 == nullptr || !IsLastAxisMean(*mean2)) return false;
  ir::Op* pow = ProducerOf(mean2->input(0), "Pow");
  if (pow == nullptr || pow->input(0) != centered || !IsScalar(pow->input(1), 2.0)) return false;
  ir::Value* x = sub->input(0);
  ir::Op* mean1 = ProducerOf(sub->input(1), "ReduceMean");
  if (mean1 == nullptr || !IsLastAxisMean(*mean1) || mean1->input(0) != x) return false;
  if (x->dtype != ir::DType::kF32) return false;
  // Intermediates must be private to the pattern.
  if (graph.Users(centered).size() != 2 || graph.IsGraphOutput(centered)) return false;
  for (const ir::Value* v :
       {sub->input(1), pow->outputs[0], mean2->outputs[0], add_eps->outputs[0], sqrt->outputs[0]}) {
    if (!ir::eval::HasSingleUse(graph, v)) return false;
  }
  const int64_t length = x->shape.back();
  // Optional scale and bias after the division.
  ir::Op* last = &div;
  ir::Value* scale = nullptr;
  ir::Value* bias = nullptr;
  auto next_of = [&](ir::Op* op, const char* type) -> std::pair<ir::Op*, ir::Value*> {
    if (!ir::eval::HasSingleUse(graph, op->outputs[0])) return {nullptr, nullptr};
    ir::Op* user = graph.Users(op->outputs[0])[0];
    if (user->type != type || user->inputs.size() != 2) return {nullptr, nullptr};
    ir::Value* other = user->input(0) == op->outputs[0] ? user->input(1) : user->input(0);
    if (!IsAxisVector(other, length) || user->outputs[0]->shape != x->shape)
      return {nullptr, nullptr};
    return {user, other};
  };
  if (auto [mul, s] = next_of(last, "Mul"); mul != nullptr) last = mul, scale = s;
  if (auto [add, b] = next_of(last, "Add"); add != nullptr) last = add, bias = b;
  if (scale == nullptr) {
    scale = ir::eval::AddConstantFromDoubles(graph, x->name + ".ln_scale", ir::DType::kF32,
                                             {length}, std::vector<double>(length, 1.0));
  }
  last->type = "LayerNormalization";
  last->inputs = {x, scale};
  if (bias != nullptr) last->inputs.push_back(bias);
  last->attrs.clear();
  last->attrs["axis"] = int64_t{-1};
  last->attrs["epsilon"] = static_cast<float>(eps);
  return true;
}

}  // namespace

absl::StatusOr<bool> FuseLayerNorm(ir::Graph& graph) { return RewriteEachOp(graph, Rewrite); }

}  // namespace ncc::passes
