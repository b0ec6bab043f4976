// Constant folding: an op whose inputs are all constants (and Shape/Size,
// which need only a static shape) is evaluated on the host and replaced by a
// constant. Results are capped so that folding never blows a small graph up
// into large weights (e.g. ConstantOfShape or Expand of a scalar).
#ifndef NCC_COMPILER_PASSES_CONSTANT_FOLD_H_
#define NCC_COMPILER_PASSES_CONSTANT_FOLD_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace ncc::passes {

struct ConstantFoldOptions {
  // A result may have at most max(max_elements, elements of its constant
  // inputs) elements: folding may rewrite weights (a Transpose of a weight)
  // but not grow the NEFF from nothing.
  int64_t max_elements = 1 << 16;
  // When true, only ops producing integer values fold (shape arithmetic).
  bool integer_only = false;
};

absl::StatusOr<bool> ConstantFold(ir::Graph& graph, const ConstantFoldOptions& options = {});

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_CONSTANT_FOLD_H_
