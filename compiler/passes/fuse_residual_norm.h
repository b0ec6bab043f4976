// Folds a residual Add into the LayerNormalization that reads it
// (transformers' LayerNorm(x + sublayer(x))): the normalisation loads both
// addends and adds them on chip, so the sum never makes a DRAM round trip.
// The LayerNormalization gets the Add's second operand as a fourth input
// and fused_residual=1; the Add's output must have no other reader.
#ifndef NCC_COMPILER_PASSES_FUSE_RESIDUAL_NORM_H_
#define NCC_COMPILER_PASSES_FUSE_RESIDUAL_NORM_H_

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace ncc::passes {

absl::StatusOr<bool> FuseResidualNorm(ir::Graph& graph);

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_FUSE_RESIDUAL_NORM_H_
