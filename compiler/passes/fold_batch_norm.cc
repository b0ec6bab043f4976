#include "compiler/passes/fold_batch_norm.h"

#include <cmath>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ir/eval/graph_edit.h"

namespace ncc::passes {
namespace {

struct ChannelAffine {
  std::vector<double> scale;  // s
  std::vector<double> shift;  // t
};

// s and t of an inference-mode BatchNormalization with constant statistics.
std::optional<ChannelAffine> AffineOf(const ir::Op& bn) {
  if (bn.inputs.size() != 5 || bn.outputs.empty()) return std::nullopt;
  if (bn.GetInt("training_mode", 0) != 0) return std::nullopt;
  const ir::Value* x = bn.inputs[0];
  if (x == nullptr || x->dtype != ir::DType::kF32 || x->shape.size() < 2) return std::nullopt;
  const int64_t c = x->shape[1];
  for (size_t i = 1; i < 5; ++i) {
    const ir::Value* v = bn.inputs[i];
    if (v == nullptr || !v->is_constant || v->num_elements() != c) return std::nullopt;
  }
  std::vector<double> gamma = ir::eval::ConstantAsDoubles(*bn.inputs[1]);
  std::vector<double> beta = ir::eval::ConstantAsDoubles(*bn.inputs[2]);
  std::vector<double> mean = ir::eval::ConstantAsDoubles(*bn.inputs[3]);
  std::vector<double> var = ir::eval::ConstantAsDoubles(*bn.inputs[4]);
  const double eps = bn.GetFloat("epsilon", 1e-5f);
  ChannelAffine a;
  for (int64_t i = 0; i < c; ++i) {
    double s = gamma[i] / std::sqrt(var[i] + eps);
    a.scale.push_back(s);
    a.shift.push_back(beta[i] - mean[i] * s);
  }
  return a;
}

bool ExtraOutputsUsed(const ir::Graph& graph, const ir::Op& op) {
  for (size_t i = 1; i < op.outputs.size(); ++i) {
    if (graph.IsGraphOutput(op.outputs[i]) || !graph.Users(op.outputs[i]).empty()) return true;
  }
  return false;
}

// Conv: W[M, C/g, kh, kw] row m scaled by s[m]; bias' = b * s + t.
bool FoldIntoConv(ir::Graph& graph, ir::Op& conv, const ChannelAffine& a) {
  ir::Value* w = conv.input(1);
  ir::Value* b = conv.input(2);
  if (w == nullptr || !w->is_constant || w->shape.empty()) return false;
  const int64_t m = w->shape[0];
  if (m != static_cast<int64_t>(a.scale.size())) return false;
  if (b != nullptr && (!b->is_constant || b->num_elements() != m)) return false;
  std::vector<double> wv = ir::eval::ConstantAsDoubles(*w);
  const int64_t per = m == 0 ? 0 : w->num_elements() / m;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < per; ++j) wv[i * per + j] *= a.scale[i];
  }
  std::vector<double> bv = b ? ir::eval::ConstantAsDoubles(*b) : std::vector<double>(m, 0.0);
  for (int64_t i = 0; i < m; ++i) bv[i] = bv[i] * a.scale[i] + a.shift[i];
  conv.inputs.resize(3);
  conv.inputs[1] =
      ir::eval::AddConstantFromDoubles(graph, w->name + ".bn", ir::DType::kF32, w->shape, wv);
  conv.inputs[2] = ir::eval::AddConstantFromDoubles(
      graph, absl::StrCat(conv.outputs[0]->name, ".bias.bn"), ir::DType::kF32, {m}, bv);
  return true;
}

// Gemm: y = alpha * A' B' + beta * C; output column n scaled by s[n].
bool FoldIntoGemm(ir::Graph& graph, ir::Op& gemm, const ChannelAffine& a) {
  ir::Value* w = gemm.input(1);
  ir::Value* c = gemm.input(2);
  if (w == nullptr || !w->is_constant || w->shape.size() != 2) return false;
  const bool trans_b = gemm.GetInt("transB", 0) != 0;
  const int64_t n = trans_b ? w->shape[0] : w->shape[1];
  const int64_t k = trans_b ? w->shape[1] : w->shape[0];
  if (n != static_cast<int64_t>(a.scale.size())) return false;
  if (c != nullptr && (!c->is_constant || (c->num_elements() != n && c->num_elements() != 1))) {
    return false;
  }
  const double alpha = gemm.GetFloat("alpha", 1.0f);
  const double beta = gemm.GetFloat("beta", 1.0f);
  std::vector<double> wv = ir::eval::ConstantAsDoubles(*w);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < k; ++j) {
      double& e = trans_b ? wv[i * k + j] : wv[j * n + i];
      e *= alpha * a.scale[i];
    }
  }
  std::vector<double> cv(n, 0.0);
  if (c != nullptr) {
    std::vector<double> given = ir::eval::ConstantAsDoubles(*c);
    for (int64_t i = 0; i < n; ++i) cv[i] = beta * given[given.size() == 1 ? 0 : i];
  }
  for (int64_t i = 0; i < n; ++i) cv[i] = cv[i] * a.scale[i] + a.shift[i];
  gemm.inputs.resize(3);
  gemm.inputs[1] =
      ir::eval::AddConstantFromDoubles(graph, w->name + ".bn", ir::DType::kF32, w->shape, wv);
  gemm.inputs[2] = ir::eval::AddConstantFromDoubles(
      graph, absl::StrCat(gemm.outputs[0]->name, ".bias.bn"), ir::DType::kF32, {n}, cv);
  gemm.attrs["alpha"] = 1.0f;
  gemm.attrs["beta"] = 1.0f;
  return true;
}

}  // namespace

absl::StatusOr<bool> FoldBatchNorm(ir::Graph& graph) {
  std::vector<ir::Op*> batch_norms;
  for (const auto& op : graph.ops()) {
    if (op->type == "BatchNormalization") batch_norms.push_back(op.get());
  }
  bool changed = false;
  for (ir::Op* bn : batch_norms) {
    std::optional<ChannelAffine> affine = AffineOf(*bn);
    if (!affine || ExtraOutputsUsed(graph, *bn)) continue;
    ir::Value* x = bn->inputs[0];
    ir::Value* y = bn->outputs[0];
    ir::Op* producer = x->producer;
    const bool foldable_producer =
        producer != nullptr && producer->outputs.size() == 1 && ir::eval::HasSingleUse(graph, x) &&
        !producer->has_attr("fused_activation") &&
        ((producer->type == "Conv" && FoldIntoConv(graph, *producer, *affine)) ||
         (producer->type == "Gemm" && FoldIntoGemm(graph, *producer, *affine)));
    if (foldable_producer) {
      producer->outputs[0] = y;
      y->producer = producer;
      x->producer = nullptr;
      graph.RemoveOp(bn);
      changed = true;
      continue;
    }
    // Standalone: Mul by s and Add t, broadcast over axis 1.
    const int64_t c = x->shape[1];
    ir::Shape cshape(x->shape.size() - 1, 1);
    cshape[0] = c;
    const std::string base = y->name;
    ir::Value* s = ir::eval::AddConstantFromDoubles(graph, base + ".bn_scale", ir::DType::kF32,
                                                    cshape, affine->scale);
    ir::Value* t = ir::eval::AddConstantFromDoubles(graph, base + ".bn_shift", ir::DType::kF32,
                                                    cshape, affine->shift);
    ir::Value* scaled =
        graph.AddValue(graph.UniqueName(base + ".scaled"), ir::DType::kF32, x->shape);
    graph.InsertOpBefore(bn, "Mul", absl::StrCat(bn->name, "/scale"), {x, s}, {scaled});
    graph.InsertOpBefore(bn, "Add", absl::StrCat(bn->name, "/shift"), {scaled, t}, {y});
    bn->outputs.clear();
    graph.RemoveOp(bn);
    changed = true;
  }
  if (changed) graph.RemoveDeadValues();
  return changed;
}

}  // namespace ncc::passes
