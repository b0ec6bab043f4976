// What a TensorFlow operator converter sees: one NodeDef, its data inputs as
// IR values, and helpers that emit ONNX-style IR ops (the compiler IR's op
// set, at kIrOpset). TensorFlow graphs carry no output shapes, so every
// converter computes its outputs' static shapes; an op whose inputs are all
// constants is evaluated on the host as it is emitted (the Shape ->
// StridedSlice -> Pack -> Reshape chains of TF graphs fold at import).
//
// Layout: TF's conv, pool, batch-norm and resize ops are NHWC; the IR's are
// NCHW. A TF tensor is held as an IR value plus a flag saying the value is
// the NCHW transpose of the logical NHWC tensor. NHWC ops produce NCHW values;
// element-wise ops, bias adds, pads and reductions keep that layout; any other
// op asks for the logical tensor and gets one Transpose, made once per value.
// A chain of NHWC ops therefore keeps one transpose at each end.
#ifndef NCC_FRONTENDS_TENSORFLOW_CONVERT_H_
#define NCC_FRONTENDS_TENSORFLOW_CONVERT_H_

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
#include "frontends/tensorflow/proto/node_def.pb.h"

namespace ncc::tensorflow_frontend {

// The ONNX opset whose operator semantics the emitted IR follows.
inline constexpr int64_t kIrOpset = 17;

// Evaluates `expr` (a StatusOr); on error returns its status, else binds `lhs`.
#define NCC_TF_ASSIGN(lhs, expr)                 \
  auto lhs##_or = (expr);                        \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto lhs = std::move(*lhs##_or)

#define NCC_TF_RETURN_IF_ERROR(expr)   \
  do {                                 \
    absl::Status _status = (expr);     \
    if (!_status.ok()) return _status; \
  } while (0)

// A TF tensor as the importer holds it.
struct TfValue {
  ir::Value* value = nullptr;
  // `value` is the NCHW transpose (perm [0,3,1,2]) of the logical NHWC tensor.
  bool nchw = false;
};

// TF DataType -> IR dtype; error for strings, resources, complex and
// quantized types. Double becomes float32 (the engines have no float64).
absl::StatusOr<ir::DType> IrDType(int tf_dtype);

// Perm of NHWC -> NCHW and back.
inline const std::vector<int64_t> kToNchw = {0, 3, 1, 2};
inline const std::vector<int64_t> kToNhwc = {0, 2, 3, 1};

class GraphBuilder;

class ConvertContext {
 public:
  ConvertContext(GraphBuilder& builder, const tfproto::NodeDef& node,
                 std::vector<TfValue> inputs)
      : builder_(builder), node_(node), inputs_(std::move(inputs)) {}

  const tfproto::NodeDef& node() const { return node_; }
  ir::Graph& graph();
  size_t num_inputs() const { return inputs_.size(); }

  // Input i in TF's logical layout.
  ir::Value* Input(size_t i);
  // Input i as held (maybe NCHW; see TfValue).
  const TfValue& Raw(size_t i) const { return inputs_.at(i); }
  // Input i (logically NHWC, rank 4) in NCHW.
  ir::Value* InputNchw(size_t i);
  // Input i's logical shape.
  ir::Shape InputShape(size_t i) const;
  bool IsConstant(size_t i) const { return inputs_.at(i).value->is_constant; }
  // A constant input's elements; an error naming the input otherwise.
  absl::StatusOr<std::vector<int64_t>> ConstInts(size_t i);
  absl::StatusOr<std::vector<double>> ConstDoubles(size_t i);

  // Attributes; an error when a required one is absent or of another kind.
  bool HasAttr(absl::string_view name) const;
  absl::StatusOr<int64_t> AttrInt(absl::string_view name, std::optional<int64_t> def = {}) const;
  absl::StatusOr<float> AttrFloat(absl::string_view name, std::optional<float> def = {}) const;
  absl::StatusOr<bool> AttrBool(absl::string_view name, std::optional<bool> def = {}) const;
  absl::StatusOr<std::string> AttrString(absl::string_view name,
                                         std::optional<std::string> def = {}) const;
  absl::StatusOr<std::vector<int64_t>> AttrInts(absl::string_view name,
                                                std::optional<std::vector<int64_t>> def = {}) const;
  absl::StatusOr<std::vector<std::string>> AttrStrings(absl::string_view name) const;
  absl::StatusOr<ir::DType> AttrDType(absl::string_view name) const;

  // Appends an op with one output; folds it to a constant when every input
  // is constant and the host evaluates the op.
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

  // Binds output k.
  absl::Status Set(size_t k, ir::Value* value, bool nchw = false);

  // "Conv2D 'name'" for messages.
  std::string Where() const;
  // UNIMPLEMENTED for this node as used here; all such nodes are reported
  // at once.
  absl::Status Unsupported(absl::string_view reason) const;
  // INVALID_ARGUMENT; the importer adds the node's location.
  absl::Status Invalid(absl::string_view reason) const;

 private:
  const tfproto::AttrValue* FindAttr(absl::string_view name) const;
  absl::Status AttrError(absl::string_view name, absl::string_view want) const;

  GraphBuilder& builder_;
  const tfproto::NodeDef& node_;
  std::vector<TfValue> inputs_;
};

using Converter = absl::Status (*)(ConvertContext& ctx);

struct TensorflowOpSupport {
  const char* op;      // "Conv2D"
  Converter convert;   // null: handled by the importer itself (Const, Placeholder)
  const char* limits;  // human-readable limits; "" when there are none
};

// The IR graph being built and the TF tensors bound so far.
class GraphBuilder {
 public:
  explicit GraphBuilder(ir::Graph& graph) : graph_(graph) {}
  ir::Graph& graph() { return graph_; }

  // The logical / NCHW form of a held tensor (one Transpose per value, cached).
  ir::Value* Logical(const TfValue& v);
  ir::Value* Nchw(const TfValue& v);

  // A value name not used yet, starting from `base` (the graph's own
  // UniqueName scans every value: quadratic on large models).
  std::string NewName(absl::string_view base);

  void Bind(const std::string& tensor, TfValue value) { tensors_[tensor] = value; }
  const TfValue* Find(const std::string& tensor) const;

 private:
  ir::Graph& graph_;
  std::map<std::string, TfValue> tensors_;
  std::set<std::string> names_;
  std::map<std::string, int> next_suffix_;
  std::map<const ir::Value*, ir::Value*> logical_cache_;
  std::map<const ir::Value*, ir::Value*> nchw_cache_;
};

using ir::BroadcastShapes;
using ir::NormalizeAxis;

}  // namespace ncc::tensorflow_frontend

#endif  // NCC_FRONTENDS_TENSORFLOW_CONVERT_H_
