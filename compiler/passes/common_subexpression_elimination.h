// Common-subexpression elimination: two ops of the same type, attributes and
// inputs compute the same values, so the later one's readers read the
// earlier one's outputs. Constants with identical dtype, shape and bytes are
// merged the same way (exporters often duplicate shape constants).
#ifndef NCC_COMPILER_PASSES_COMMON_SUBEXPRESSION_ELIMINATION_H_
#define NCC_COMPILER_PASSES_COMMON_SUBEXPRESSION_ELIMINATION_H_

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace ncc::passes {

absl::StatusOr<bool> EliminateCommonSubexpressions(ir::Graph& graph);

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_COMMON_SUBEXPRESSION_ELIMINATION_H_
