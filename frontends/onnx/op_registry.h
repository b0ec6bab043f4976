// The ONNX operators neuron-cc accepts: one table (op type, opset range,
// element types, attribute limits) that drives both the importer's support
// check and `neuron-cc list-operators --framework ONNX`. Adding an operator
// is one row in op_registry.cc (plus its lowering in compiler/lower; a test
// in tests/conformance keeps the two lists equal).
//
// The check runs on the ONNX graph after shape inference and reports every
// unsupported node at once: op type, node name, what exactly is unsupported,
// and the model's opset.
#ifndef NCC_FRONTENDS_ONNX_OP_REGISTRY_H_
#define NCC_FRONTENDS_ONNX_OP_REGISTRY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "frontends/unsupported.h"
#include "onnx/onnx_pb.h"

namespace ncc::onnx_frontend {

// The newest default-domain opset the bundled ONNX (1.12) defines.
inline constexpr int kLatestOnnxOpset = 17;
// The newest default-domain opset the importer reads: models at opsets
// 18-21 are rewritten into opset-17 forms (frontends/onnx/version_adapter.h).
inline constexpr int kMaxOnnxOpset = 21;

// A set of onnx::TensorProto::DataType values, one bit each.
using ElemTypeSet = uint32_t;
constexpr ElemTypeSet ElemTypeBit(int32_t elem_type) { return ElemTypeSet{1} << elem_type; }
inline constexpr ElemTypeSet kFloat32Only = ElemTypeBit(onnx::TensorProto::FLOAT);
// Every element type the IR holds (layout ops move bytes of any of them).
inline constexpr ElemTypeSet kAnyIrType =
    ElemTypeBit(onnx::TensorProto::FLOAT) | ElemTypeBit(onnx::TensorProto::FLOAT16) |
    ElemTypeBit(onnx::TensorProto::BFLOAT16) | ElemTypeBit(onnx::TensorProto::INT64) |
    ElemTypeBit(onnx::TensorProto::INT32) | ElemTypeBit(onnx::TensorProto::INT8) |
    ElemTypeBit(onnx::TensorProto::UINT8) | ElemTypeBit(onnx::TensorProto::BOOL) |
    ElemTypeBit(onnx::TensorProto::INT16) | ElemTypeBit(onnx::TensorProto::UINT16) |
    ElemTypeBit(onnx::TensorProto::UINT32) | ElemTypeBit(onnx::TensorProto::UINT64);

// What the attribute checks may look at: the node, and what shape inference
// found for its inputs and outputs.
struct NodeTypes {
  // Element type (TensorProto::DataType) and rank per input/output; 0 / -1
  // when unknown or when the input is omitted.
  std::vector<int32_t> input_elem_types, output_elem_types;
  std::vector<int> input_ranks, output_ranks;
};

// Appends one message per unsupported attribute value / input form, e.g.
// "attribute 'mode'='cubic' (supported: nearest, linear)".
using NodeCheck = void (*)(const onnx::NodeProto& node, const NodeTypes& types,
                           std::vector<std::string>* problems);

// OnnxOpSupport::flags.
enum OpFlags : uint32_t {
  kNoFlags = 0,
  // The frontend resolves the op itself (Constant becomes an IR constant),
  // so the lowering never sees it.
  kFrontendOnly = 1,
  // T is input 1, not input 0 (Where: input 0 is the bool condition).
  kTypeFromInput1 = 2,
  // Output 0 is bool whatever T is (comparisons).
  kBoolOutput = 4,
  // Output 0's element type is fixed by the op or an attribute, not T
  // (Shape and Size give int64; ConstantOfShape's comes from `value`).
  kOutputNotT = 8,
};

struct OnnxOpSupport {
  const char* op_type;  // default domain (ai.onnx)
  int min_opset;        // model opsets accepted, inclusive
  int max_opset;
  ElemTypeSet elem_types;  // element types of T (input 0 and output 0)
  const char* limits;      // human-readable limits; "" when there are none
  NodeCheck check;         // attribute/input-form limits; may be null
  uint32_t flags = kNoFlags;
};

// The registry, sorted by op type.
absl::Span<const OnnxOpSupport> OnnxSupportedOps();
// Null when `op_type` (default domain) is not supported at any opset.
const OnnxOpSupport* FindOnnxOp(const std::string& op_type);

using UnsupportedNode = frontends::UnsupportedNode;

// Every problem with `node` under the model's default-domain `opset`
// (empty when supported). One entry per problem.
std::vector<UnsupportedNode> CheckOnnxNode(const onnx::NodeProto& node,
                                           const std::string& node_name, int64_t opset,
                                           const NodeTypes& types);

// frontends::DescribeUnsupportedNodes for ONNX at the model's opset: "3
// unsupported ONNX nodes at opset 13: Foo x2 ('a', 'b'): op type is not
// supported; Conv x1 ('c'): ... (see `neuron-cc list-operators --framework
// ONNX`)".
std::string DescribeUnsupportedNodes(const std::vector<UnsupportedNode>& nodes, int64_t opset);

// `neuron-cc list-operators --framework ONNX`: a human table, and JSON
// ({"framework": "ONNX", "operators": [{"op_type", "min_opset",
// "max_opset", "dtypes": [...], "limits"}...], "decomposed": ["Mish (18)",
// ...]}); the decomposed ops are read as subgraphs of listed ones.
std::string FormatOperatorTable();
std::string FormatOperatorJson();

// "float32", "int64", ... (the names list-operators prints).
std::string ElemTypeDisplayName(int32_t elem_type);

}  // namespace ncc::onnx_frontend

#endif  // NCC_FRONTENDS_ONNX_OP_REGISTRY_H_
