// Recognises LayerNorm written out as primitives (how exporters emit it
// before opset 17: ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt, Div,
// then an optional Mul by a scale and Add of a bias, all over the last axis)
// and replaces it with one LayerNormalization, which lowers to a single
// pass over SBUF-resident rows instead of nine DRAM round trips.
#ifndef NCC_COMPILER_PASSES_FUSE_LAYER_NORM_H_
#define NCC_COMPILER_PASSES_FUSE_LAYER_NORM_H_

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace ncc::passes {

absl::StatusOr<bool> FuseLayerNorm(ir::Graph& graph);

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_FUSE_LAYER_NORM_H_
