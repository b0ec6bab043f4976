// BatchNorm folding for inference. BatchNormalization(x) = x * s + t with
// s = scale / sqrt(var + epsilon) and t = B - mean * s per channel (axis 1).
// When x comes from a Conv or Gemm with constant weights and nothing else
// reads x, s is folded into the weights (per output channel) and t into the
// bias. Otherwise the BatchNormalization becomes Mul(x, s) and Add(_, t) with
// constants shaped [C, 1, ...] so they broadcast over the channel axis.
#ifndef NCC_COMPILER_PASSES_FOLD_BATCH_NORM_H_
#define NCC_COMPILER_PASSES_FOLD_BATCH_NORM_H_

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace ncc::passes {

absl::StatusOr<bool> FoldBatchNorm(ir::Graph& graph);

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_FOLD_BATCH_NORM_H_
