// Row-wise ops with the reduced axes on the free axis and rows on the 128
// partitions: Softmax, LogSoftmax, the Reduce* family, LayerNormalization;
// and BatchNormalization (inference) as a per-channel affine with channels on
// partitions.
#ifndef NCC_COMPILER_LOWER_NORM_H_
#define NCC_COMPILER_LOWER_NORM_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckSoftmax(const ir::Op& op);
absl::Status LowerSoftmax(const ir::Op& op, LowerContext& ctx);
absl::Status CheckReduce(const ir::Op& op);
absl::Status LowerReduce(const ir::Op& op, LowerContext& ctx);
absl::Status CheckLayerNorm(const ir::Op& op);
absl::Status LowerLayerNorm(const ir::Op& op, LowerContext& ctx);
absl::Status CheckArgReduce(const ir::Op& op);
absl::Status LowerArgReduce(const ir::Op& op, LowerContext& ctx);
absl::Status CheckTrilu(const ir::Op& op);
absl::Status LowerTrilu(const ir::Op& op, LowerContext& ctx);
absl::Status CheckBatchNorm(const ir::Op& op);
absl::Status LowerBatchNorm(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_NORM_H_
