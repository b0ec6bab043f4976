// Convert-chain cleanup after auto-cast:
//   - Cast of a constant becomes a constant of the target type (weights are
//     stored in bf16/fp16 in the NEFF, not cast at run time);
//   - Cast(Cast(x: A) -> B) -> C becomes Cast(x) -> C when A -> B is exact
//     (B represents every A value: bf16/f16 -> f32, narrow int -> wider int);
//   - a Cast to the type it already has is removed, so an exact round trip
//     such as bf16 -> f32 -> bf16 disappears.
// f32 -> bf16 -> f32 is rounding, not an identity, and is kept.
#ifndef NCC_COMPILER_PASSES_SIMPLIFY_CASTS_H_
#define NCC_COMPILER_PASSES_SIMPLIFY_CASTS_H_

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace ncc::passes {

absl::StatusOr<bool> SimplifyCasts(ir::Graph& graph);

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_SIMPLIFY_CASTS_H_
