// Element-wise ops: binary arithmetic with NumPy broadcasting on the Vector
// engine (Add, Sub, Mul, Div, Max, Min) and unary activations on the Scalar
// engine (Relu, Sigmoid, Tanh, Exp), over [128 x F] tiles of the flattened
// output.
#ifndef NCC_COMPILER_LOWER_ELEMENTWISE_H_
#define NCC_COMPILER_LOWER_ELEMENTWISE_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckBinary(const ir::Op& op);
absl::Status LowerBinary(const ir::Op& op, LowerContext& ctx);
absl::Status CheckUnary(const ir::Op& op);
// Clip with constant bounds is unary; with bounds computed at run time it
// is a max/min against broadcast operands.
absl::Status CheckClip(const ir::Op& op);
absl::Status LowerClip(const ir::Op& op, LowerContext& ctx);
absl::Status LowerUnary(const ir::Op& op, LowerContext& ctx);
// Shrink: two compare-and-select passes.
absl::Status CheckShrink(const ir::Op& op);
absl::Status LowerShrink(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_ELEMENTWISE_H_
