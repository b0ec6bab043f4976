// ONNX-level constant propagation for the shape computations that function
// expansions and exporters write (Shape -> Slice -> Concat -> Reshape, ...):
// ONNX shape inference leaves their results dynamic unless they are
// initializers, so the nodes that compute them are evaluated here and
// replaced by initializers, and shape inference runs again.
#ifndef NCC_FRONTENDS_ONNX_CONSTANT_PROPAGATION_H_
#define NCC_FRONTENDS_ONNX_CONSTANT_PROPAGATION_H_

#include <string>

#include "onnx/onnx_pb.h"

namespace ncc::onnx_frontend {

// One sweep over `model`'s nodes in order, using the shapes that shape
// inference has written into the model. Replaces by initializers:
//  - small shape computations (Shape, Size, Gather, Slice, Concat, Range,
//    Cast, integer arithmetic, ...) whose inputs are all constants, or whose
//    input's shape is static for Shape and Size; evaluated with the
//    compiler's host evaluator;
//  - every node whose outputs all have zero elements (there is nothing to
//    compute).
//  - every If whose condition is a constant, by the nodes of the branch it
//    takes (outer-scope names read as they are; clashing names renamed).
// Also drops zero-size operands of Concat and resolves the axes of Reduce*
// nodes that an empty or runtime `axes` input leaves open (see the .cc).
// Zero-size graph inputs count as constants (they hold no data). Returns
// whether the model changed.
bool PropagateConstants(onnx::ModelProto* model);

// Why an If stays unsupported: "the condition depends on input 'x'; only
// an If whose condition is known at compile time ... is compiled".
std::string DescribeIfCondition(const onnx::GraphProto& graph, const onnx::NodeProto& node);

}  // namespace ncc::onnx_frontend

#endif  // NCC_FRONTENDS_ONNX_CONSTANT_PROPAGATION_H_
