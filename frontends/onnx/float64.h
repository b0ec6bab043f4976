// float64 models on a NeuronCore, which has no float64 arithmetic: the graph
// is computed in float32 and float64 stays only at its boundary, so users
// keep passing and receiving float64 buffers.
#ifndef NCC_FRONTENDS_ONNX_FLOAT64_H_
#define NCC_FRONTENDS_ONNX_FLOAT64_H_

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace ncc::onnx_frontend {

struct NarrowedFloat64 {
  int constants = 0;  // initializers and constant attributes rounded to f32
  int casts = 0;      // Cast/CastLike/dtype attributes retargeted to f32
  int boundary = 0;   // graph inputs and outputs that keep float64
  bool any() const { return constants + casts + boundary > 0; }
};

// Rewrites `model` in place, before shape inference: float64 initializers
// and tensor attributes become float32 (rounded to nearest), `to`/`dtype`
// attributes naming DOUBLE name FLOAT, value_info types follow, each float64
// graph input gets a Cast to float32 in front of its readers and each float64
// graph output a Cast from float32 after its producer (the DMA converts at
// the boundary). A float64 payload that cannot be decoded is an error naming
// the tensor.
absl::StatusOr<NarrowedFloat64> NarrowFloat64(onnx::ModelProto* model);

}  // namespace ncc::onnx_frontend

#endif  // NCC_FRONTENDS_ONNX_FLOAT64_H_
