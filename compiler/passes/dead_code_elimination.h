// Dead-code elimination: removes ops none of whose outputs reach a graph
// output, and constants nobody reads.
#ifndef NCC_COMPILER_PASSES_DEAD_CODE_ELIMINATION_H_
#define NCC_COMPILER_PASSES_DEAD_CODE_ELIMINATION_H_

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace ncc::passes {

absl::StatusOr<bool> EliminateDeadCode(ir::Graph& graph);

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_DEAD_CODE_ELIMINATION_H_
