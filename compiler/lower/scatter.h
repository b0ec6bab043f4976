// Scatter, ScatterElements and ScatterND. The engines have no indirect
// write, so each block of output positions collects its updates with a
// matmul: a 0/1 match matrix [update, position] (1 where the update targets
// the position) times [updates | 1] gives, per position, the sum of its
// updates and how many there were; positions with none keep data.
// reduction 'mul' instead lays every update's factor (or 1) beside data on
// each position row and multiplies them with a Vector-engine reduction.
#ifndef NCC_COMPILER_LOWER_SCATTER_H_
#define NCC_COMPILER_LOWER_SCATTER_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckScatter(const ir::Op& op);
absl::Status LowerScatter(const ir::Op& op, LowerContext& ctx);

// MaxUnpool: X scattered into zeros at I's flat indices (MaxPool's Indices
// output), the same matmul collection.
absl::Status CheckMaxUnpool(const ir::Op& op);
absl::Status LowerMaxUnpool(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_SCATTER_H_
