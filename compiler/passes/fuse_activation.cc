#include "compiler/passes/fuse_activation.h"

#include <cmath>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ir/eval/graph_edit.h"

namespace ncc::passes {
namespace {

// Clip(x, 0, c) (ReLU6 and friends): a Relu followed by min(., c).
std::optional<float> ReluClipMax(const ir::Op& op) {
  if (op.type != "Clip") return std::nullopt;
  float lo = op.GetFloat("min", -INFINITY), hi = op.GetFloat("max", INFINITY);
  auto scalar = [](const ir::Value* v, float* out) {
    if (v == nullptr) return true;
    if (!v->is_constant || v->num_elements() != 1 || v->dtype != ir::DType::kF32) return false;
    *out = v->data_as<float>()[0];
    return true;
  };
  if (!scalar(op.input(1), &lo) || !scalar(op.input(2), &hi)) return std::nullopt;
  if (lo != 0.0f || !std::isfinite(hi) || hi <= 0.0f) return std::nullopt;
  return hi;
}

// Gelu (fuse-gelu's result, or ONNX's own) maps to the Scalar engine's
// exact or tanh-approximated GELU function.
bool IsFusableGelu(const ir::Op& op) {
  if (op.type != "Gelu") return false;
  const std::string approx = op.GetString("approximate", "none");
  return approx == "none" || approx == "tanh";
}

bool IsFusableActivation(const ir::Op& op) {
  return op.type == "Relu" || op.type == "Sigmoid" || op.type == "Tanh" || IsFusableGelu(op) ||
         ReluClipMax(op).has_value();
}

bool CanCarryActivation(const ir::Op& op) {
  static const char* const kTypes[] = {"Conv", "Gemm", "MatMul", "Add", "Sub",
                                       "Mul",  "Div",  "Max",    "Min"};
  for (const char* t : kTypes) {
    if (op.type == t) return !op.has_attr("fused_activation");
  }
  return false;
}

// The constant bias operand of a two-input Add whose other operand is
// produced by `type`, with that producer.
struct BiasAdd {
  ir::Op* producer = nullptr;
  ir::Value* bias = nullptr;
};

std::optional<BiasAdd> MatchBiasAdd(const ir::Graph& graph, const ir::Op& add,
                                    absl::string_view type) {
  if (add.type != "Add" || add.inputs.size() != 2 || add.has_attr("fused_activation")) {
    return std::nullopt;
  }
  for (int i = 0; i < 2; ++i) {
    ir::Value* x = add.inputs[i];
    ir::Value* b = add.inputs[1 - i];
    if (x == nullptr || b == nullptr || !b->is_constant || x->producer == nullptr) continue;
    ir::Op* p = x->producer;
    if (p->type != type || p->outputs.size() != 1 || p->has_attr("fused_activation")) continue;
    if (!ir::eval::HasSingleUse(graph, x) || x->shape != add.outputs[0]->shape) continue;
    if (x->dtype != ir::DType::kF32 || b->dtype != ir::DType::kF32) continue;
    return BiasAdd{p, b};
  }
  return std::nullopt;
}

// Moves `add`'s output onto `producer`; the caller removes `add`.
void TakeOutput(ir::Op& producer, ir::Op& add) {
  ir::Value* y = add.outputs[0];
  producer.outputs[0]->producer = nullptr;
  producer.outputs[0] = y;
  y->producer = &producer;
  add.outputs.clear();
}

bool FuseMatMulBias(ir::Graph& graph, ir::Op& add) {
  std::optional<BiasAdd> m = MatchBiasAdd(graph, add, "MatMul");
  if (!m) return false;
  ir::Op& mm = *m->producer;
  ir::Value* a = mm.input(0);
  const ir::Value* b = mm.input(1);
  if (a == nullptr || b == nullptr || a->shape.size() < 2 || b->shape.size() != 2) return false;
  const int64_t n = b->shape[1];
  const ir::Shape& bs = m->bias->shape;
  if (!(bs == ir::Shape{n} || bs == ir::Shape{1, n})) return false;
  ir::Value* bias = m->bias;
  if (bs.size() == 2) {
    bias =
        graph.AddConstant(graph.UniqueName(bias->name + ".flat"), ir::DType::kF32, {n}, bias->data);
  }
  if (a->shape.size() == 2) {
    mm.type = "Gemm";
    mm.inputs = {mm.inputs[0], mm.inputs[1], bias};
    TakeOutput(mm, add);
    return true;
  }
  // [..., M, K] x [K, N] + bias: fold the batch dims into M around a Gemm
  // (the Reshapes are free: tensors are row-major in device memory).
  const int64_t k = a->shape.back();
  const int64_t rows = a->num_elements() / k;
  auto shape_constant = [&](const std::string& base, const std::vector<int64_t>& dims) {
    std::vector<uint8_t> data(dims.size() * 8);
    std::memcpy(data.data(), dims.data(), data.size());
    return graph.AddConstant(graph.UniqueName(base), ir::DType::kI64,
                             {static_cast<int64_t>(dims.size())}, std::move(data));
  };
  ir::Value* a2 = graph.AddValue(graph.UniqueName(a->name + ".2d"), a->dtype, {rows, k});
  graph.InsertOpBefore(&mm, "Reshape", mm.name + "/flatten",
                       {a, shape_constant(a->name + ".2d_shape", {rows, k})}, {a2});
  ir::Value* y = add.outputs[0];
  ir::Value* y2 = graph.AddValue(graph.UniqueName(y->name + ".2d"), y->dtype, {rows, n});
  mm.outputs[0]->producer = nullptr;
  mm.outputs[0] = y2;
  y2->producer = &mm;
  mm.type = "Gemm";
  mm.inputs = {a2, mm.inputs[1], bias};
  // The Add becomes the Reshape back to y's shape.
  add.type = "Reshape";
  add.inputs = {y2, shape_constant(y->name + ".shape", y->shape)};
  add.attrs.clear();
  return true;
}

bool FuseConvBias(ir::Graph& graph, ir::Op& add) {
  std::optional<BiasAdd> m = MatchBiasAdd(graph, add, "Conv");
  if (!m) return false;
  ir::Op& conv = *m->producer;
  const ir::Value* w = conv.input(1);
  ir::Value* old_bias = conv.input(2);
  if (w == nullptr || w->shape.empty()) return false;
  const int64_t c = w->shape[0];
  const ir::Shape& bs = m->bias->shape;
  if (!(bs == ir::Shape{c, 1, 1} || bs == ir::Shape{1, c, 1, 1})) return false;
  if (old_bias != nullptr && !old_bias->is_constant) return false;
  std::vector<double> sum = ir::eval::ConstantAsDoubles(*m->bias);
  if (old_bias != nullptr) {
    std::vector<double> prev = ir::eval::ConstantAsDoubles(*old_bias);
    for (int64_t i = 0; i < c; ++i) sum[i] += prev[i];
  }
  conv.inputs.resize(3);
  conv.inputs[2] = ir::eval::AddConstantFromDoubles(
      graph, absl::StrCat(add.outputs[0]->name, ".bias"), ir::DType::kF32, {c}, sum);
  TakeOutput(conv, add);
  return true;
}

}  // namespace

absl::StatusOr<bool> FuseBias(ir::Graph& graph) {
  // Snapshot: fusing may insert ops (the Reshapes around a batched Gemm).
  std::vector<ir::Op*> ops;
  for (const auto& op : graph.ops()) ops.push_back(op.get());
  std::vector<ir::Op*> fused;
  bool changed = false;
  for (ir::Op* op : ops) {
    if (FuseMatMulBias(graph, *op)) {
      changed = true;
      // A batched MatMul's Add became the Reshape back; a 2-D one is gone.
      if (op->type == "Add") fused.push_back(op);
    } else if (FuseConvBias(graph, *op)) {
      changed = true;
      fused.push_back(op);
    }
  }
  for (ir::Op* op : fused) graph.RemoveOp(op);
  if (changed) graph.RemoveDeadValues();
  return changed;
}

absl::StatusOr<bool> FuseActivation(ir::Graph& graph) {
  std::vector<ir::Op*> fused;
  for (const auto& op : graph.ops()) {
    if (!IsFusableActivation(*op)) continue;
    ir::Value* in = op->input(0);
    if (in == nullptr || in->producer == nullptr) continue;
    ir::Op* producer = in->producer;
    // The pre-activation value must have no other reader.
    if (graph.IsGraphOutput(in) || graph.Users(in).size() != 1) continue;
    // Through a Reshape (element-wise functions commute with it), as
    // fuse-bias leaves around batched matmuls: the carrier applies the
    // activation and the Reshape then defines the activation's result.
    ir::Op* reshape = nullptr;
    if (producer->type == "Reshape" && producer->input(0) != nullptr &&
        producer->input(0)->producer != nullptr) {
      ir::Value* pre = producer->input(0);
      if (graph.IsGraphOutput(pre) || graph.Users(pre).size() != 1) continue;
      reshape = producer;
      producer = pre->producer;
    }
    if (!CanCarryActivation(*producer)) continue;
    if (std::optional<float> clip = ReluClipMax(*op)) {
      producer->attrs["fused_activation"] = std::string("Relu");
      producer->attrs["fused_clip_max"] = *clip;
    } else if (op->type == "Gelu") {
      producer->attrs["fused_activation"] =
          std::string(op->GetString("approximate", "none") == "tanh" ? "GeluTanh" : "Gelu");
    } else {
      producer->attrs["fused_activation"] = op->type;
    }
    // The producer (or the Reshape after it) now defines the activation's
    // result.
    ir::Op* definer = reshape != nullptr ? reshape : producer;
    ir::Value* out = op->outputs[0];
    definer->outputs[0] = out;
    out->producer = definer;
    fused.push_back(op.get());
  }
  for (ir::Op* op : fused) graph.RemoveOp(op);
  if (!fused.empty()) graph.RemoveDeadValues();
  return !fused.empty();
}

}  // namespace ncc::passes
