// What an operator converter sees: one TorchScript node whose result depends
// on runtime data, its inputs (IR values for tensors, concrete values for
// everything else), and the concrete outputs libtorch computed for it on
// example tensors of the pinned shapes, which fix each output's shape and
// dtype. A converter emits ONNX-style IR ops (the compiler IR's op set, at
// kIrOpset) and binds each tensor output with Set(); Set() checks the IR
// value's shape and dtype against libtorch's, so a converter that disagrees
// with torch fails loudly instead of compiling a wrong model.
#ifndef NCC_FRONTENDS_PYTORCH_CONVERT_H_
#define NCC_FRONTENDS_PYTORCH_CONVERT_H_

#include <torch/script.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/graph.h"

namespace ncc::pytorch_frontend {

// The ONNX opset whose operator semantics the emitted IR follows.
inline constexpr int64_t kIrOpset = 17;

// torch dtype -> IR dtype; error for complex, quantized and other dtypes the
// IR does not hold.
absl::StatusOr<ir::DType> IrDType(at::ScalarType type);

class Interpreter;

class ConvertContext {
 public:
  ConvertContext(Interpreter& interp, const torch::jit::Node& node,
                 const std::vector<c10::IValue>& inputs, const std::vector<c10::IValue>& outputs)
      : interp_(interp), node_(node), inputs_(inputs), outputs_(outputs) {}

  const torch::jit::Node& node() const { return node_; }
  ir::Graph& graph();
  size_t num_inputs() const { return inputs_.size(); }
  const c10::IValue& input(size_t i) const { return inputs_.at(i); }
  const c10::IValue& output(size_t i) const { return outputs_.at(i); }

  // Input i as an IR value: the runtime value it was converted to, or a
  // constant holding its data when it only depends on constants. Scalars
  // (int/float/bool) become rank-0 constants of `scalar_dtype`.
  absl::StatusOr<ir::Value*> Tensor(size_t i, ir::DType scalar_dtype = ir::DType::kF32);
  // Any tensor the node sees (e.g. an element of a list input), as by Tensor().
  absl::StatusOr<ir::Value*> TensorValue(const at::Tensor& tensor);
  // A list of tensors (cat, stack, ...), each as by Tensor().
  absl::StatusOr<std::vector<ir::Value*>> TensorList(size_t i);
  // Non-tensor inputs; an error naming the argument when the value is absent,
  // of another type, or computed from tensor data at run time.
  absl::StatusOr<int64_t> Int(size_t i) const;
  absl::StatusOr<double> Double(size_t i) const;
  absl::StatusOr<bool> Bool(size_t i) const;
  absl::StatusOr<std::vector<int64_t>> Ints(size_t i) const;
  bool IsNone(size_t i) const { return inputs_.at(i).isNone(); }
  bool IsTensor(size_t i) const { return inputs_.at(i).isTensor(); }
  // True when input i is a tensor whose value is only known at run time.
  bool IsRuntimeTensor(size_t i) const;
  // For a constant tensor input: its data (CPU, contiguous).
  const at::Tensor& ConstantTensor(size_t i) const { return inputs_.at(i).toTensor(); }

  // Output k's shape and dtype as torch computed them.
  ir::Shape OutShape(size_t k = 0) const;
  absl::StatusOr<ir::DType> OutDType(size_t k = 0) const;

  // Appends an op with one output of the given shape and dtype.
  ir::Value* Emit(absl::string_view type, std::vector<ir::Value*> inputs, ir::Shape shape,
                  ir::DType dtype, std::map<std::string, ir::Attribute> attrs = {});
  // As Emit, with output k's shape and dtype.
  absl::StatusOr<ir::Value*> EmitOut(absl::string_view type, std::vector<ir::Value*> inputs,
                                     std::map<std::string, ir::Attribute> attrs = {},
                                     size_t k = 0);
  // Appends an op with several outputs (shapes and dtypes given).
  std::vector<ir::Value*> EmitMulti(absl::string_view type, std::vector<ir::Value*> inputs,
                                    const std::vector<ir::Shape>& shapes,
                                    const std::vector<ir::DType>& dtypes,
                                    std::map<std::string, ir::Attribute> attrs = {});
  // Constants.
  ir::Value* I64Constant(const std::vector<int64_t>& values, bool scalar = false);
  ir::Value* ScalarConstant(double value, ir::DType dtype);
  ir::Value* Constant(const at::Tensor& tensor);
  // `value` cast to `dtype` (itself when it already has it).
  ir::Value* CastTo(ir::Value* value, ir::DType dtype);
  // `value` reshaped to `shape` (itself when it already has it).
  ir::Value* ReshapeTo(ir::Value* value, const ir::Shape& shape);

  // Binds output k; checks shape and dtype against torch's.
  absl::Status Set(size_t k, ir::Value* value);
  // Binds one torch tensor among the outputs (an element of a returned list,
  // e.g. split's), with the same check.
  absl::Status SetTensor(const at::Tensor& out, ir::Value* value);

  // "aten::foo at model.py:12" -- for messages.
  std::string Where() const;
  // An UNIMPLEMENTED status for this node: the op cannot be compiled as used
  // here (e.g. "padding_mode='circular'"); all such nodes are reported at once.
  absl::Status Unsupported(absl::string_view reason) const;

 private:
  absl::Status ArgError(size_t i, absl::string_view want) const;

  Interpreter& interp_;
  const torch::jit::Node& node_;
  const std::vector<c10::IValue>& inputs_;
  const std::vector<c10::IValue>& outputs_;
};

// A converter for one TorchScript op kind.
using Converter = absl::Status (*)(ConvertContext& ctx);

struct TorchOpSupport {
  const char* kind;    // "aten::conv2d"
  Converter convert;   // null: handled by the interpreter itself
  const char* limits;  // human-readable limits; "" when there are none
};

}  // namespace ncc::pytorch_frontend

#endif  // NCC_FRONTENDS_PYTORCH_CONVERT_H_
