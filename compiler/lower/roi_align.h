// RoiAlign (average mode): each region's bilinear samples are separable, so
// the pooled [out_h, out_w] map of one channel is Wy * X * Wx^T, with
// Wy[ph][h] the mean over a bin's sample rows of the tent weight
// max(0, 1 - |clamp(y, 0, H - 1) - h|) (zero for a sample outside
// [-1, H]), and Wx likewise. The weights are built on chip from the run-time
// box (one input row/column per partition), the channel's rows are gathered
// at the run-time batch index, and two TensorE matmuls contract h and w.
#ifndef NCC_COMPILER_LOWER_ROI_ALIGN_H_
#define NCC_COMPILER_LOWER_ROI_ALIGN_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckRoiAlign(const ir::Op& op);
absl::Status LowerRoiAlign(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_ROI_ALIGN_H_
