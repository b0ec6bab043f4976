// RNN, GRU and LSTM unrolled over their static sequence length. The hidden
// (and cell) state sits transposed on chip, [hidden partitions, batch], so
// that each step's gate pre-activations W_g X_t^T + R_g H^T come out of one
// accumulating pair of TensorE matmuls as [hidden, batch] PSUM tiles: the
// next step's moving operand without any transpose, and the per-gate biases
// per-partition scalars that fuse into the Scalar engine's activation.
// X^T is loaded once for all steps; its projection W_g X_t^T opens each
// step's PSUM accumulation group instead of being precomputed, since it does
// not depend on the state and so stays off the serial chain through H.
// A runtime sequence_lens is exact: per step, lanes whose sequence has ended
// keep their state (Select) and write zeros to Y.
#ifndef NCC_COMPILER_LOWER_RECURRENT_H_
#define NCC_COMPILER_LOWER_RECURRENT_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckRecurrent(const ir::Op& op);
absl::Status LowerRecurrent(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_RECURRENT_H_
