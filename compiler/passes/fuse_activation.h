// Fuses an activation (Relu, Sigmoid, Tanh) into the op that produces its
// input when that op can apply it on the way out of PSUM or SBUF (Conv,
// Gemm, MatMul and binary element-wise ops): `Relu(Conv(x))` becomes
// `Conv(x) {fused_activation="Relu"}`.
#ifndef NCC_COMPILER_PASSES_FUSE_ACTIVATION_H_
#define NCC_COMPILER_PASSES_FUSE_ACTIVATION_H_

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace ncc::passes {

// Returns whether the graph changed.
absl::StatusOr<bool> FuseActivation(ir::Graph& graph);

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_FUSE_ACTIVATION_H_
