// Brings models of newer ONNX versions down to what the bundled libonnx
// (1.12: IR version 8, opset 17) checks and infers. The importer decides
// which versions it reads: IR versions up to kMaxOnnxIrVersion and
// default-domain opsets up to kMaxOnnxOpset. Nodes whose operator changed
// in opsets 18-21 are rewritten into their opset-17 form (Split's
// num_outputs -> split sizes, the reductions' axes input -> attribute, Pad's
// axes -> full-rank pads, ...) or into an equivalent subgraph of opset-17
// ops (GroupNormalization, Mish, Gelu, CenterCropPad); ops whose newer
// version only adds types pass unchanged. What has no opset-17 equivalent is
// reported as unsupported, all nodes at once. The model then declares
// opset 17 and IR version 8.
#ifndef NCC_FRONTENDS_ONNX_VERSION_ADAPTER_H_
#define NCC_FRONTENDS_ONNX_VERSION_ADAPTER_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "frontends/onnx/op_registry.h"
#include "onnx/onnx_pb.h"

namespace ncc::onnx_frontend {

inline constexpr int64_t kMaxOnnxIrVersion = 10;
// kMaxOnnxOpset (21) is in op_registry.h, whose table it bounds.
// What libonnx 1.12 reads.
inline constexpr int64_t kAdaptedOnnxOpset = 17;
inline constexpr int64_t kAdaptedOnnxIrVersion = 8;

struct VersionAdaptation {
  // The versions the file declares (default domain).
  int64_t model_opset = 0;
  int64_t model_ir_version = 0;
  // Nodes rewritten into an opset-17 form or replaced by a subgraph.
  int rewritten_nodes = 0;
};

// The versions and element types alone, checked first: versions above the
// maximum (InvalidArgument, one line naming both numbers), float8 and 4-bit
// element types (Unimplemented, every tensor and node that has them).
absl::Status CheckOnnxVersions(const onnx::ModelProto& model);

// Runs libonnx's shape inference on a model (the importer's guarded run).
using OnnxShapeInference = std::function<absl::Status(onnx::ModelProto&)>;

// CheckOnnxVersions, then the rewrite. Rewrites that need a shape the graph
// does not declare (CenterCropPad, Pad's or Resize's axes on an
// intermediate tensor) are deferred while `infer` (when given) runs on a
// copy without them; the shapes it finds complete them. Errors: versions above the maximum
// (InvalidArgument, naming both numbers), float8 / 4-bit element types and nodes without an
// opset-17 form (Unimplemented, every one listed). Shapes the rewrites need come from the graph's
// declared shapes (inputs, value_info, outputs, initializers), so input pins must already be
// applied.
absl::StatusOr<VersionAdaptation> AdaptToOpset17(onnx::ModelProto* model,
                                                 const OnnxShapeInference& infer = nullptr);

}  // namespace ncc::onnx_frontend

#endif  // NCC_FRONTENDS_ONNX_VERSION_ADAPTER_H_
