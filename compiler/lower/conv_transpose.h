// ConvTranspose (1-D and 2-D) as a stride-1 Conv: the input is spread out
// by the strides into a zeroed DRAM tensor (zero insertion and the full
// padding in one strided copy), and the weights are flipped spatially with
// their input and output channels swapped (at compile time when constant,
// by a strided DMA otherwise); the Conv lowering does the rest.
#ifndef NCC_COMPILER_LOWER_CONV_TRANSPOSE_H_
#define NCC_COMPILER_LOWER_CONV_TRANSPOSE_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckConvTranspose(const ir::Op& op);
absl::Status LowerConvTranspose(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_CONV_TRANSPOSE_H_
