// Turns a frozen, inlined TorchScript graph into the compiler IR by running
// it once, node by node, on example tensors of the pinned shapes.
//
// Every value is tracked as either known at compile time (constants, shapes,
// anything computed only from them) or a runtime value. Nodes that touch only
// compile-time values are evaluated by libtorch on the spot (that is constant
// folding, and it resolves `x.size(1) > 8`, list building and the like).
// Nodes that touch runtime tensors are run by libtorch too, for their output
// shapes and dtypes, and converted to IR ops by their converter
// (op_table.h). prim::If with a compile-time condition keeps the branch it
// takes; prim::Loop with a compile-time trip count and condition is unrolled;
// a condition or trip count that depends on tensor data is reported as
// unsupported, naming the node.
#ifndef NCC_FRONTENDS_PYTORCH_INTERPRETER_H_
#define NCC_FRONTENDS_PYTORCH_INTERPRETER_H_

#include <torch/script.h>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "frontends/unsupported.h"

namespace ncc::pytorch_frontend {

// Where a node came from, for messages: the user's Python source line when
// the archive kept it ("model.py:12:9", line and column), else the
// serialized code's.
std::string SourceLocation(const torch::jit::Node& node);

// One `forward` argument as the compiled model sees it.
struct InterpreterInput {
  std::string name;  // the IR graph input name (the argument name)
  ir::DType dtype = ir::DType::kF32;
  ir::Shape shape;
  // Set for a frozen input (--freeze-input): its data; it is a constant.
  const std::vector<uint8_t>* frozen_data = nullptr;
  // Set for a non-tensor argument: the value it takes (its default).
  std::optional<c10::IValue> constant;
};

// What the interpreter made of one node: for framework integrations that
// split a graph between the NeuronCore and the CPU (frameworks/pytorch).
struct NodeOutcome {
  const torch::jit::Node* node = nullptr;
  // The node's example outputs (on zero inputs of the pinned shapes).
  const std::vector<c10::IValue>* outputs = nullptr;
  // Per output: depends on runtime data (a runtime tensor, a container
  // holding one, or a number read from one). The others are compile-time
  // values: constants once shapes are pinned.
  std::vector<bool> output_runtime;
  // Why the node cannot be compiled (unsupported op, data-dependent control
  // flow, a number read from tensor data on the host); empty when it can.
  std::string unsupported_reason;
};

struct InterpreterResult {
  std::unique_ptr<ir::Graph> graph;
  std::vector<frontends::UnsupportedNode> unsupported;
  std::vector<std::string> notes;
};

class Interpreter {
 public:
  // `origin` prefixes messages (the model path). When `check_support` is
  // false, nodes without a converter become IR ops of their TorchScript kind
  // instead of being reported.
  Interpreter(std::string origin, bool check_support);

  // Called after each node of the graph's top-level block has run (nodes
  // inside If and Loop blocks are reported through their owner).
  void set_observer(std::function<void(const NodeOutcome&)> observer) {
    observer_ = std::move(observer);
  }

  // `inputs` are the graph's inputs after `self`, in order.
  absl::StatusOr<InterpreterResult> Run(torch::jit::Graph& graph,
                                        const std::vector<InterpreterInput>& inputs);

  // For ConvertContext.
  ir::Graph& graph() { return *graph_; }
  const std::string& origin() const { return origin_; }
  bool IsRuntimeTensor(const at::Tensor& tensor) const;
  // The IR value of a tensor: its runtime value, or a constant of its data.
  absl::StatusOr<ir::Value*> IrValueOf(const at::Tensor& tensor);
  void Bind(const at::Tensor& tensor, ir::Value* value);
  bool IsRuntimeScalar(const torch::jit::Value* value) const;
  // A fresh IR value name derived from `base`.
  std::string FreshName(absl::string_view base);
  void AddNote(std::string note);

 private:
  struct Slot {
    c10::IValue value;
    // A non-tensor value computed from runtime tensor data (`x.sum().item()`).
    bool runtime = false;
  };
  struct Binding {
    at::Tensor tensor;  // keeps the TensorImpl alive, so its address is not reused
    ir::Value* value = nullptr;
  };

  absl::Status RunBlock(const torch::jit::Block& block);
  absl::Status RunNode(const torch::jit::Node& node);
  absl::Status RunIf(const torch::jit::Node& node);
  absl::Status RunLoop(const torch::jit::Node& node);
  // Runs the node's libtorch operation on the concrete inputs.
  absl::StatusOr<std::vector<c10::IValue>> Execute(const torch::jit::Node& node,
                                                   std::vector<c10::IValue> inputs);
  absl::Status Convert(const torch::jit::Node& node, const std::vector<c10::IValue>& inputs,
                       const std::vector<c10::IValue>& outputs);
  // Gives each runtime tensor output of an unconvertible node a placeholder
  // (or, without the support check, an op of the node's kind).
  absl::Status BindOpaque(const torch::jit::Node& node, const std::vector<c10::IValue>& inputs,
                          const std::vector<c10::IValue>& outputs);
  void ReportUnsupported(const torch::jit::Node& node, std::string reason);
  bool HasRuntimeData(const c10::IValue& value) const;
  absl::Status FlattenOutput(const c10::IValue& value, std::vector<ir::Value*>* out);
  const Slot& Get(const torch::jit::Value* value) const;
  std::string NodeError(const torch::jit::Node& node, absl::string_view message) const;

  std::string origin_;
  bool check_support_;
  std::unique_ptr<ir::Graph> graph_;
  std::unordered_map<const torch::jit::Value*, Slot> env_;
  std::unordered_map<const c10::TensorImpl*, Binding> bindings_;
  std::set<std::string> names_;
  std::vector<frontends::UnsupportedNode> unsupported_;
  std::vector<std::string> notes_;
  int64_t unrolled_iterations_ = 0;
  std::function<void(const NodeOutcome&)> observer_;
};

}  // namespace ncc::pytorch_frontend

#endif  // NCC_FRONTENDS_PYTORCH_INTERPRETER_H_
