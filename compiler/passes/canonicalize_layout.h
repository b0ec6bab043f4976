// Transpose/reshape canonicalisation and cancellation:
//   - Transpose(Transpose(x, p1), p2) -> Transpose(x, p1[p2[i]]), or x when
//     that is the identity permutation;
//   - a Reshape, Flatten, Squeeze or Unsqueeze of another one (or of an
//     Identity) -> one Reshape of the original input with a constant shape;
//   - Transpose with the identity permutation, a reshape to the same shape,
//     Identity and inference Dropout are removed.
// Ops left without readers are deleted.
#ifndef NCC_COMPILER_PASSES_CANONICALIZE_LAYOUT_H_
#define NCC_COMPILER_PASSES_CANONICALIZE_LAYOUT_H_

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace ncc::passes {

absl::StatusOr<bool> CanonicalizeLayout(ir::Graph& graph);

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_CANONICALIZE_LAYOUT_H_
