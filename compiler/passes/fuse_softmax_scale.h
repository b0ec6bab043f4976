// Folds a division or multiplication by a positive constant scalar into the
// Softmax or LogSoftmax that reads it (attention's softmax(QK^T / sqrt(d))):
// the softmax scales its input on the Scalar engine as part of the exp, so
// the scaled scores are never a tensor of their own. The softmax gets
// input_scale = 1/c (Div) or c (Mul); the scaled value must have no other
// reader. Positive scales only: softmax(s * x) takes max(s * x) = s * max(x).
#ifndef NCC_COMPILER_PASSES_FUSE_SOFTMAX_SCALE_H_
#define NCC_COMPILER_PASSES_FUSE_SOFTMAX_SCALE_H_

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace ncc::passes {

absl::StatusOr<bool> FuseSoftmaxScale(ir::Graph& graph);

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_FUSE_SOFTMAX_SCALE_H_
