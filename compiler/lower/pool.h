// Pooling: MaxPool and AveragePool (1-D, 2-D and 3-D, strides, pads, dilations,
// ceil_mode, count_include_pad) as Vector-engine max/add chains over strided
// windows of a padded SBUF tile, channels on partitions; GlobalAveragePool
// and GlobalMaxPool as free-axis reductions. 3-D pooling is two 2-D passes
// (over height and width, then over depth), its windows being separable.
// Planes too large for one tile are tiled along the output height and width
// (and the kernel's rows), each tile loading the padded input window it
// needs; MaxPool whose stride and dilation share a factor loads only the
// rows and columns its windows read.
#ifndef NCC_COMPILER_LOWER_POOL_H_
#define NCC_COMPILER_LOWER_POOL_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckPool(const ir::Op& op);
absl::Status LowerPool(const ir::Op& op, LowerContext& ctx);
absl::Status CheckGlobalPool(const ir::Op& op);
absl::Status LowerGlobalPool(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_POOL_H_
