// Einsum with one or two operands as one batched TensorE matmul: each
// operand is gathered by a strided DMA into [batch, free, contracted] order
// (repeated labels read the diagonal, labels missing from an operand
// broadcast with stride 0), multiplied, and the result scattered into the
// output's label order. One operand sums over its contracted labels with a
// vector of ones; without any, Einsum is a single strided copy (transpose,
// diagonal).
#ifndef NCC_COMPILER_LOWER_EINSUM_H_
#define NCC_COMPILER_LOWER_EINSUM_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckEinsum(const ir::Op& op);
absl::Status LowerEinsum(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_EINSUM_H_
