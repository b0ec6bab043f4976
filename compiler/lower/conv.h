// Conv (2-D, any groups, strides, dilations, explicit or auto padding) as
// PSUM-accumulated TensorE matmuls over kernel positions: input channels on
// partitions, output channels as the stationary free axis, output pixels as
// the moving free axis read straight out of a padded SBUF input tile by a
// strided access pattern (no im2col copy).
#ifndef NCC_COMPILER_LOWER_CONV_H_
#define NCC_COMPILER_LOWER_CONV_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckConv(const ir::Op& op);
absl::Status LowerConv(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_CONV_H_
