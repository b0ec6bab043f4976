#include "compiler/passes/fuse_gelu.h"

#include <cmath>
#include <vector>

#include "compiler/ir/eval/graph_edit.h"
#include "compiler/passes/pattern.h"

namespace ncc::passes {
namespace {

// x / sqrt(2) or x * (1 / sqrt(2)): returns x.
ir::Value* ScaledByInverseSqrt2(ir::Op* op) {
  if (op == nullptr) return nullptr;
  if (op->type == "Div" && IsScalar(op->input(1), std::sqrt(2.0))) return op->input(0);
  if (op->type == "Mul") return OtherThanScalar(*op, 1.0 / std::sqrt(2.0));
  return nullptr;
}

// (1 + erf(x / sqrt 2)) for this x.
bool IsOnePlusErf(const ir::Value* v, const ir::Value* x, const ir::Graph& graph) {
  ir::Op* add = ProducerOf(v, "Add");
  if (add == nullptr || !ir::eval::HasSingleUse(graph, v)) return false;
  ir::Op* erf = ProducerOf(OtherThanScalar(*add, 1.0), "Erf");
  if (erf == nullptr || !ir::eval::HasSingleUse(graph, erf->outputs[0])) return false;
  ir::Value* scaled = erf->input(0);
  if (!ir::eval::HasSingleUse(graph, scaled)) return false;
  return ScaledByInverseSqrt2(scaled->producer) == x;
}

// Matches at the final Mul by 0.5: Mul(Mul(x, 1 + erf(...)), 0.5) or
// Mul(x, Mul(1 + erf(...), 0.5)) or Mul(Mul(x, 0.5), 1 + erf(...)).
bool Rewrite(ir::Graph& graph, ir::Op& last) {
  if (last.type != "Mul" || last.inputs.size() != 2) return false;
  auto try_form = [&](ir::Value* x, ir::Value* inner) {
    if (x == nullptr || inner == nullptr || x->dtype != ir::DType::kF32) return false;
    if (last.outputs[0]->shape != x->shape) return false;
    if (!IsOnePlusErf(inner, x, graph)) return false;
    last.type = "Gelu";
    last.inputs = {x};
    last.attrs.clear();
    return true;
  };
  // Mul(m, 0.5) with m = Mul(x, c) or Mul(c, x)
  if (ir::Value* m = OtherThanScalar(last, 0.5)) {
    ir::Op* mul = ProducerOf(m, "Mul");
    if (mul != nullptr && ir::eval::HasSingleUse(graph, m)) {
      for (int i = 0; i < 2; ++i) {
        if (try_form(mul->input(i), mul->input(1 - i))) return true;
      }
    }
    return false;
  }
  // Mul(a, b) with one side x * 0.5 (or (1 + erf) * 0.5) and the other the rest.
  for (int i = 0; i < 2; ++i) {
    ir::Op* half = ProducerOf(last.input(i), "Mul");
    if (half == nullptr || !ir::eval::HasSingleUse(graph, last.input(i))) continue;
    ir::Value* halved = OtherThanScalar(*half, 0.5);
    if (halved == nullptr) continue;
    if (try_form(halved, last.input(1 - i))) return true;
    if (try_form(last.input(1 - i), halved)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<bool> FuseGelu(ir::Graph& graph) { return RewriteEachOp(graph, Rewrite); }

}  // namespace ncc::passes
