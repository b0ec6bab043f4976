// What an MXNet operator converter sees: one symbol node, its inputs as IR
// values, its attributes (strings as MXNet prints them, parsed here), and
// helpers that emit ONNX-style IR ops (the compiler IR's op set, at
// kIrOpset). A symbol carries no shapes, so every converter computes its
// outputs' static shapes from its inputs'. MXNet's vision operators are NCHW
// like the IR's, so no layout bookkeeping is needed.
#ifndef NCC_FRONTENDS_MXNET_CONVERT_H_
#define NCC_FRONTENDS_MXNET_CONVERT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/graph.h"
#include "compiler/ir/shape_rules.h"
#include "frontends/mxnet/symbol.h"

namespace ncc::mxnet_frontend {

// The ONNX opset whose operator semantics the emitted IR follows.
inline constexpr int64_t kIrOpset = 17;

// Evaluates `expr` (a StatusOr); on error returns its status, else binds `lhs`.
#define NCC_MX_ASSIGN(lhs, expr)                 \
  auto lhs##_or = (expr);                        \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto lhs = std::move(*lhs##_or)

#define NCC_MX_RETURN_IF_ERROR(expr)   \
  do {                                 \
    absl::Status _status = (expr);     \
    if (!_status.ok()) return _status; \
  } while (0)

// MXNet's dtype names ("float32", "int64", ...) -> IR dtypes; nullopt for
// names it does not know or the engines cannot hold.
std::optional<ir::DType> DTypeFromName(absl::string_view name);

// Attribute values as MXNet prints them. Parse* return nullopt when `text`
// is not of that kind.
std::optional<int64_t> ParseInt(absl::string_view text);
std::optional<double> ParseFloat(absl::string_view text);
std::optional<bool> ParseBool(absl::string_view text);  // True/true/1, False/false/0
// "(3, 3)", "[3,3]", "(3,)", "3" (one element), "()"; elements may be
// "None" (nullopt).
std::optional<std::vector<std::optional<int64_t>>> ParseTuple(absl::string_view text);

// The IR graph being built: unique value names.
class GraphBuilder {
 public:
  explicit GraphBuilder(ir::Graph& graph) : graph_(graph) {}
  ir::Graph& graph() { return graph_; }
  // A value name not used yet, starting from `base`.
  std::string NewName(absl::string_view base);

 private:
  ir::Graph& graph_;
  std::set<std::string> names_;
  std::map<std::string, int> next_suffix_;
};

// An input of the node being converted.
struct InputValue {
  ir::Value* value = nullptr;
  // The variable's name when the input is a parameter from the params file
  // (for messages about its shape); empty otherwise.
  std::string param;
};

class ConvertContext {
 public:
  ConvertContext(GraphBuilder& builder, const SymbolNode& node, std::vector<InputValue> inputs)
      : builder_(builder), node_(node), inputs_(std::move(inputs)) {}

  const SymbolNode& node() const { return node_; }
  ir::Graph& graph() { return builder_.graph(); }
  size_t num_inputs() const { return inputs_.size(); }
  ir::Value* Input(size_t i) const { return inputs_.at(i).value; }
  const ir::Shape& InputShape(size_t i) const { return inputs_.at(i).value->shape; }
  int64_t Rank(size_t i) const { return static_cast<int64_t>(InputShape(i).size()); }
  // INVALID_ARGUMENT unless the node has at least `n` inputs.
  absl::Status NeedInputs(size_t n) const;

  // Attributes; absent ones take `def`, or are an error without one. A value
  // of the wrong kind is an error naming the attribute and its text.
  bool Has(absl::string_view name) const;
  absl::StatusOr<int64_t> Int(absl::string_view name, std::optional<int64_t> def = {}) const;
  absl::StatusOr<double> Float(absl::string_view name, std::optional<double> def = {}) const;
  absl::StatusOr<bool> Bool(absl::string_view name, std::optional<bool> def = {}) const;
  absl::StatusOr<std::string> String(absl::string_view name,
                                     std::optional<std::string> def = {}) const;
  // A tuple of ints (no None); a single int is a one-element tuple.
  absl::StatusOr<std::vector<int64_t>> Ints(absl::string_view name,
                                            std::optional<std::vector<int64_t>> def = {}) const;
  // A tuple whose elements may be None.
  absl::StatusOr<std::vector<std::optional<int64_t>>> OptionalInts(absl::string_view name) const;
  // An int or None (absent is None).
  absl::StatusOr<std::optional<int64_t>> OptionalInt(absl::string_view name) const;
  // An attribute in `allowed` (the first is the default).
  absl::StatusOr<std::string> Choice(absl::string_view name,
                                     const std::vector<std::string>& allowed) const;

  // Checks input i's shape: a parameter whose array in the params file has
  // another shape is named with both shapes; any other input mismatch is an
  // INVALID_ARGUMENT naming `role`.
  absl::Status ExpectShape(size_t i, const ir::Shape& want, absl::string_view role) const;

  // Appends an op with one output (or several).
  ir::Value* Emit(absl::string_view type, std::vector<ir::Value*> inputs, ir::Shape shape,
                  ir::DType dtype, std::map<std::string, ir::Attribute> attrs = {});
  std::vector<ir::Value*> EmitMulti(absl::string_view type, std::vector<ir::Value*> inputs,
                                    const std::vector<ir::Shape>& shapes, ir::DType dtype,
                                    std::map<std::string, ir::Attribute> attrs = {});
  ir::Value* I64Constant(const std::vector<int64_t>& values, bool scalar = false);
  ir::Value* ScalarConstant(double value, ir::DType dtype);
  ir::Value* Constant(ir::DType dtype, ir::Shape shape, const std::vector<double>& values);
  ir::Value* Reshape(ir::Value* value, const ir::Shape& shape);
  ir::Value* Transpose(ir::Value* value, const std::vector<int64_t>& perm);
  ir::Value* CastTo(ir::Value* value, ir::DType dtype);
  // A binary element-wise op with numpy broadcasting (error when the shapes
  // do not broadcast).
  absl::StatusOr<ir::Value*> Binary(absl::string_view type, ir::Value* a, ir::Value* b);
  // A unary op of the same shape and dtype.
  ir::Value* Unary(absl::string_view type, ir::Value* x,
                   std::map<std::string, ir::Attribute> attrs = {});

  // Binds output k of the node.
  void Set(size_t k, ir::Value* value);
  const std::vector<ir::Value*>& outputs() const { return outputs_; }

  // "Convolution 'conv0'" for messages.
  std::string Where() const;
  // UNIMPLEMENTED for this node as used here; all such nodes are reported
  // at once.
  absl::Status Unsupported(absl::string_view reason) const;
  // INVALID_ARGUMENT; the importer adds the node's location.
  absl::Status Invalid(absl::string_view reason) const;

 private:
  const std::string* Find(absl::string_view name) const;
  absl::Status AttrError(absl::string_view name, absl::string_view want) const;

  GraphBuilder& builder_;
  const SymbolNode& node_;
  std::vector<InputValue> inputs_;
  std::vector<ir::Value*> outputs_;
};

using Converter = absl::Status (*)(ConvertContext& ctx);

struct MxnetOpSupport {
  const char* op;      // "Convolution"
  Converter convert;
  const char* limits;  // human-readable limits; "" when there are none
  // Inputs from this index on are the op's parameters (weights, biases,
  // BatchNorm's statistics, PReLU's gamma), which the params file must hold;
  // 0 when the op has none.
  int first_param = 0;
  // Inputs from this index on are training labels (SoftmaxOutput's), which
  // inference does not read: a variable used only there is no model input.
  int first_label = 0;
};

using ir::BroadcastShapes;
using ir::NormalizeAxis;

}  // namespace ncc::mxnet_frontend

#endif  // NCC_FRONTENDS_MXNET_CONVERT_H_
