// Checks an ONNX graph against the operators' specifications before any
// third-party code (the checker's shape inference, libonnx's shape
// inference, constant propagation) or the lowering sees it: libonnx divides
// by strides and block sizes it never checked, and attributes out of range
// otherwise surface only as "dynamic dimensions" or as wrong results.
// Problems name the node ("Transpose 'T1': perm [0, 5] is not a permutation
// of 2 axes") and are InvalidArgument (exit code 2 in neuron-cc).
#ifndef NCC_FRONTENDS_ONNX_VALIDATE_H_
#define NCC_FRONTENDS_ONNX_VALIDATE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "onnx/onnx_pb.h"

namespace ncc::onnx_frontend {

// What is known about a tensor before or between rounds of shape inference.
struct KnownTensors {
  // The static shape of a tensor, or nullopt when some dimension is unknown.
  std::function<std::optional<std::vector<int64_t>>(const std::string&)> shape;
  // The value of a constant (initializer or folded) tensor, or null.
  std::function<const onnx::TensorProto*(const std::string&)> constant;
  // The rank of a tensor whose shape is not static but whose rank is known
  // (symbolic or unknown dimensions), or nullopt. May be empty. Rules that
  // need only ranks (axis ranges, Conv/pool ranks, Gemm, MatMul, Transpose)
  // use it, so they hold even where shape inference left dimensions unknown.
  std::function<std::optional<int64_t>(const std::string&)> rank;
};

// The graph as a whole: at least one output, no output listed twice, no
// empty or NUL-containing tensor names, no tensor defined twice.
absl::Status ValidateGraph(const onnx::GraphProto& graph);

// Every default-domain node's attributes, and the input shapes and constant
// inputs known so far, against the operator's specification (opset `opset`).
// Checks that need unknown dimensions are skipped (those that need only a
// rank use KnownTensors::rank); calling this again after shape inference
// completes them. All problems are reported in one status.
absl::Status ValidateNodes(const onnx::GraphProto& graph, int64_t opset, const KnownTensors& known);

}  // namespace ncc::onnx_frontend

#endif  // NCC_FRONTENDS_ONNX_VALIDATE_H_
