#include "compiler/passes/auto_cast.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ir/eval/graph_edit.h"

namespace ncc::passes {
namespace {

const std::set<std::string>& MatmulOps() {
  static const std::set<std::string> kOps = {"Conv", "ConvTranspose", "Gemm", "MatMul"};
  return kOps;
}

// A depthwise convolution (one input channel per group) runs on the Vector
// and GpSimd engines in FP32 whatever its operands' type (compiler/lower/
// conv.cc), so casting its operands would only round them: on trained
// networks that is where most of the BF16 error came from (faceres: output
// cosine 0.992 with them cast, 0.9996 without, same estimated latency).
// It stays FP32 in both modes.
bool IsDepthwiseConv(const ir::Op& op) {
  if (op.type != "Conv" || op.inputs.empty() || op.input(0) == nullptr) return false;
  const int64_t group = op.GetInt("group", 1);
  const ir::Shape& x = op.input(0)->shape;
  return group > 1 && x.size() >= 2 && x[1] == group;
}

// Float compute ops that `all` runs in 16 bits.
const std::set<std::string>& ComputeOps() {
  static const std::set<std::string> kOps = {"Abs",
                                             "Add",
                                             "AveragePool",
                                             "BatchNormalization",
                                             "Clip",
                                             "Cos",
                                             "Div",
                                             "Elu",
                                             "Erf",
                                             "Exp",
                                             "Gelu",
                                             "GlobalAveragePool",
                                             "GlobalMaxPool",
                                             "HardSigmoid",
                                             "HardSwish",
                                             "InstanceNormalization",
                                             "LayerNormalization",
                                             "LeakyRelu",
                                             "Log",
                                             "LogSoftmax",
                                             "Max",
                                             "MaxPool",
                                             "Min",
                                             "Mul",
                                             "Neg",
                                             "Pow",
                                             "Reciprocal",
                                             "ReduceL2",
                                             "ReduceMax",
                                             "ReduceMean",
                                             "ReduceMin",
                                             "ReduceSum",
                                             "Relu",
                                             "Selu",
                                             "Sigmoid",
                                             "Sin",
                                             "Softmax",
                                             "Softplus",
                                             "Sqrt",
                                             "Sub",
                                             "Tanh"};
  return kOps;
}

// Ops whose float data inputs pass through unchanged in value: they take the
// dtype of their data inputs.
const std::set<std::string>& LayoutOps() {
  static const std::set<std::string> kOps = {"Concat",  "Dropout",   "Expand",   "Flatten",
                                             "Gather",  "Identity",  "Reshape",  "Slice",
                                             "Squeeze", "Transpose", "Unsqueeze"};
  return kOps;
}

// Data inputs of a layout op (the rest are indices/shapes).
std::vector<size_t> LayoutDataInputs(const ir::Op& op) {
  std::vector<size_t> idx = {0};
  if (op.type == "Concat") {
    for (size_t i = 1; i < op.inputs.size(); ++i) idx.push_back(i);
  }
  return idx;
}

class AutoCaster {
 public:
  AutoCaster(ir::Graph& graph, const AutoCastPolicy& policy)
      : graph_(graph), policy_(policy), low_(policy.type) {}

  bool Run() {
    std::vector<ir::Op*> ops;
    for (const auto& op : graph_.ops()) ops.push_back(op.get());
    for (ir::Op* op : ops) Visit(*op);
    if (policy_.mode == AutoCastMode::kAll) RestoreGraphOutputs();
    return changed_;
  }

 private:
  bool Excluded(const ir::Op& op) const { return policy_.exclude.count(op.type) > 0; }

  void Visit(ir::Op& op) {
    const bool is_matmul =
        MatmulOps().count(op.type) > 0 && !Excluded(op) && !IsDepthwiseConv(op);
    const bool all = policy_.mode == AutoCastMode::kAll;
    if (is_matmul) {
      for (size_t i = 0; i < 2 && i < op.inputs.size(); ++i) CastInput(op, i, low_);
      if (all) LowerOutputs(op);
      return;
    }
    if (!all) return;
    if (ComputeOps().count(op.type) > 0 && !Excluded(op)) {
      for (size_t i = 0; i < op.inputs.size(); ++i) CastInput(op, i, low_);
      LowerOutputs(op);
      return;
    }
    if (LayoutOps().count(op.type) > 0 && !Excluded(op)) {
      std::vector<size_t> data = LayoutDataInputs(op);
      bool any_low = false;
      for (size_t i : data) any_low |= op.input(i) != nullptr && op.input(i)->dtype == low_;
      if (!any_low) return;
      for (size_t i : data) CastInput(op, i, low_);
      LowerOutputs(op);
      return;
    }
    // Everything else reads FP32.
    for (size_t i = 0; i < op.inputs.size(); ++i) {
      if (op.inputs[i] != nullptr && op.inputs[i]->dtype == low_) CastInput(op, i, ir::DType::kF32);
    }
  }

  // Makes op input i read a `to` version of itself (float inputs only).
  void CastInput(ir::Op& op, size_t i, ir::DType to) {
    ir::Value* v = op.inputs[i];
    if (v == nullptr || !ir::IsFloat(v->dtype) || v->dtype == to) return;
    if (to == low_ && v->dtype != ir::DType::kF32) return;
    auto key = std::make_pair(v, to);
    auto it = casts_.find(key);
    if (it == casts_.end()) {
      const char* suffix =
          to == ir::DType::kF32 ? ".f32" : (to == ir::DType::kBF16 ? ".bf16" : ".f16");
      ir::Value* c = graph_.AddValue(graph_.UniqueName(v->name + suffix), to, v->shape);
      ir::Op* cast =
          graph_.InsertOpBefore(&op, "Cast", absl::StrCat(op.name, "/autocast"), {v}, {c});
      cast->attrs["to"] = OnnxTypeCode(to);
      it = casts_.emplace(key, c).first;
    }
    op.inputs[i] = it->second;
    changed_ = true;
  }

  void LowerOutputs(ir::Op& op) {
    for (ir::Value* out : op.outputs) {
      if (out->dtype != ir::DType::kF32) continue;
      out->dtype = low_;
      changed_ = true;
    }
  }

  // Graph outputs keep their name and f32 type: the producer writes a 16-bit
  // value and a final Cast writes the output.
  void RestoreGraphOutputs() {
    for (ir::Value* out : graph_.outputs()) {
      if (out->dtype != low_ || out->producer == nullptr) continue;
      const char* suffix = low_ == ir::DType::kBF16 ? ".bf16" : ".f16";
      ir::Value* low = graph_.AddValue(graph_.UniqueName(out->name + suffix), low_, out->shape);
      for (const auto& op : graph_.ops()) {
        for (ir::Value*& in : op->inputs) {
          if (in == out) in = low;
        }
        for (ir::Value*& o : op->outputs) {
          if (o == out) o = low;
        }
      }
      low->producer = out->producer;
      out->dtype = ir::DType::kF32;
      ir::Op* cast =
          graph_.AddOp("Cast", absl::StrCat(low->producer->name, "/autocast_out"), {low}, {out});
      cast->attrs["to"] = OnnxTypeCode(ir::DType::kF32);
    }
  }

  ir::Graph& graph_;
  const AutoCastPolicy& policy_;
  const ir::DType low_;
  std::map<std::pair<ir::Value*, ir::DType>, ir::Value*> casts_;
  bool changed_ = false;
};

}  // namespace


absl::StatusOr<bool> AutoCast(ir::Graph& graph, const AutoCastPolicy& policy) {
  if (!policy.enabled()) return false;
  if (policy.type != ir::DType::kBF16 && policy.type != ir::DType::kF16) {
    return absl::InvalidArgumentError("auto-cast type must be bf16 or fp16");
  }
  return AutoCaster(graph, policy).Run();
}

}  // namespace ncc::passes
