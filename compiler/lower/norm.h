// Normalisations with rows on the 128 partitions and the normalised axes on
// the free axis (rows.h): Softmax, LogSoftmax, Layer-, Instance- and
// MeanVarianceNormalization; BatchNormalization as a per-channel affine with
// channels on partitions (training mode: from the batch statistics); LRN
// across channels.
#ifndef NCC_COMPILER_LOWER_NORM_H_
#define NCC_COMPILER_LOWER_NORM_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckSoftmax(const ir::Op& op);
absl::Status LowerSoftmax(const ir::Op& op, LowerContext& ctx);
absl::Status CheckLayerNorm(const ir::Op& op);
absl::Status LowerLayerNorm(const ir::Op& op, LowerContext& ctx);
absl::Status CheckInstanceNorm(const ir::Op& op);
absl::Status LowerInstanceNorm(const ir::Op& op, LowerContext& ctx);
absl::Status CheckMeanVarianceNorm(const ir::Op& op);
absl::Status LowerMeanVarianceNorm(const ir::Op& op, LowerContext& ctx);
// LRN: the channel window is a matmul with a banded 0/1 matrix.
absl::Status CheckLrn(const ir::Op& op);
absl::Status LowerLrn(const ir::Op& op, LowerContext& ctx);
absl::Status CheckBatchNorm(const ir::Op& op);
absl::Status LowerBatchNorm(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_NORM_H_
