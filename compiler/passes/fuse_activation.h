// Conv/MatMul + bias + activation fusion.
//
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

// Fuses a bias Add into the op before it, so that the bias is added on the
// way out of PSUM: MatMul(A[M,K], B[K,N]) + bias[N] (or [1,N]) becomes
// Gemm(A, B, bias), and Conv(x, W[, b]) + bias[M,1,1] (or [1,M,1,1]) becomes
// Conv(x, W, b + bias). Run it before FuseActivation so that
// Relu(MatMul + b) ends as one Gemm {fused_activation="Relu"}.
absl::StatusOr<bool> FuseBias(ir::Graph& graph);

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_FUSE_ACTIVATION_H_
