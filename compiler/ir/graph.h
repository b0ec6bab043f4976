// The compiler's graph IR: a topologically ordered list of Ops over Values
// with static shapes. Frontends build it, passes rewrite it, lowering reads it.
#ifndef NCC_COMPILER_IR_GRAPH_H_
#define NCC_COMPILER_IR_GRAPH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/bytes.h"
#include "compiler/ir/dtype.h"

namespace ncc::ir {

class Op;

// A tensor: a graph input, a constant (weights) or an op's result.
struct Value {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  Op* producer = nullptr;  // null for graph inputs and constants
  bool is_constant = false;
  Bytes data;  // constant payload, little-endian, row-major

  int64_t num_elements() const { return NumElements(shape); }
  int64_t size_bytes() const { return SizeInBytes(shape, dtype); }
  // Typed view of a constant's payload.
  template <typename T>
  const T* data_as() const {
    return reinterpret_cast<const T*>(data.data());
  }
};

using Attribute = std::variant<int64_t, float, std::string, std::vector<int64_t>,
                               std::vector<float>, std::vector<std::string>>;

class Op {
 public:
  std::string type;            // ONNX-style op type: "Conv", "Gemm", "Relu", ...
  std::string name;            // source node name, kept for errors and profiles
  std::vector<Value*> inputs;  // an absent optional input is nullptr
  std::vector<Value*> outputs;
  std::map<std::string, Attribute> attrs;

  bool has_attr(absl::string_view key) const { return attrs.count(std::string(key)) > 0; }
  int64_t GetInt(absl::string_view key, int64_t default_value) const;
  float GetFloat(absl::string_view key, float default_value) const;
  std::string GetString(absl::string_view key, absl::string_view default_value) const;
  std::vector<int64_t> GetInts(absl::string_view key, std::vector<int64_t> default_value) const;
  std::vector<std::string> GetStrings(absl::string_view key,
                                      std::vector<std::string> default_value) const;
  // Input i, or nullptr when absent.
  Value* input(size_t i) const { return i < inputs.size() ? inputs[i] : nullptr; }
  // "Conv 'conv1'" for messages.
  std::string Describe() const;
};

class Graph {
 public:
  explicit Graph(std::string name = "main") : name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  // Opset of the default ONNX domain the ops follow (0: the latest).
  int64_t opset() const { return opset_; }
  void set_opset(int64_t opset) { opset_ = opset; }

  Value* AddValue(absl::string_view name, DType dtype, Shape shape);
  Value* AddConstant(absl::string_view name, DType dtype, Shape shape, Bytes data);
  // Appends an op at the end of the order (the caller keeps topological
  // order) and sets the outputs' producer.
  Op* AddOp(absl::string_view type, absl::string_view name, std::vector<Value*> inputs,
            std::vector<Value*> outputs);
  // Inserts before `before` (or appends when null).
  Op* InsertOpBefore(Op* before, absl::string_view type, absl::string_view name,
                     std::vector<Value*> inputs, std::vector<Value*> outputs);
  void RemoveOp(Op* op);
  // Removes values that are neither graph inputs/outputs nor used nor produced.
  void RemoveDeadValues();

  Value* FindValue(absl::string_view name) const;
  // Ops that read `value`, in program order.
  std::vector<Op*> Users(const Value* value) const;
  bool IsGraphOutput(const Value* value) const;
  // A name not yet used by any value, starting from `base`.
  std::string UniqueName(absl::string_view base) const;

  std::vector<Value*>& inputs() { return inputs_; }
  const std::vector<Value*>& inputs() const { return inputs_; }
  std::vector<Value*>& outputs() { return outputs_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  const std::vector<std::unique_ptr<Op>>& ops() const { return ops_; }
  const std::vector<std::unique_ptr<Value>>& values() const { return values_; }

 private:
  std::string name_;
  int64_t opset_ = 0;
  std::vector<std::unique_ptr<Value>> values_;
  std::vector<std::unique_ptr<Op>> ops_;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
};

// Checks structure: unique value names, every op input defined before use,
// each value produced once, graph outputs defined, shapes non-negative and
// constants' payload sizes matching their shapes.
absl::Status Verify(const Graph& graph);

}  // namespace ncc::ir

#endif  // NCC_COMPILER_IR_GRAPH_H_
