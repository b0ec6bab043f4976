// Shape-computation folding. Exporters emit Shape -> Gather -> Unsqueeze ->
// Concat -> Reshape chains that compute, at run time, shapes that are static
// here. This pass folds Shape/Size of static values and the integer
// arithmetic on them, and gives every Reshape a constant shape input that
// spells its (static) output shape exactly, without 0 or -1; the chain that
// fed it is then dead.
#ifndef NCC_COMPILER_PASSES_FOLD_SHAPES_H_
#define NCC_COMPILER_PASSES_FOLD_SHAPES_H_

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace ncc::passes {

absl::StatusOr<bool> FoldShapes(ir::Graph& graph);

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_FOLD_SHAPES_H_
