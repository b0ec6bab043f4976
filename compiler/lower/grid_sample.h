// GridSample (4-D: X [N, C, H, W], a run-time grid [N, Ho, Wo, 2]): modes
// bilinear, nearest and bicubic; padding zeros, border and reflection;
// align_corners 0/1 (PyTorch's grid_sample semantics, which ONNX's tests
// follow).
//
// Output positions sit on partitions (up to 128 per tile). Per position the
// Vector/Scalar engines compute, in fp32, the source coordinate, then per
// tap (1, 4 or 16) the row h * W + w and its weight (zero for a tap outside
// the image); DMA_GATHER fetches that row of X[n] viewed as [H * W rows, C]
// and the weighted rows accumulate into [positions, C].
#ifndef NCC_COMPILER_LOWER_GRID_SAMPLE_H_
#define NCC_COMPILER_LOWER_GRID_SAMPLE_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckGridSample(const ir::Op& op);
absl::Status LowerGridSample(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_GRID_SAMPLE_H_
