// Layout-only ops (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout in
// inference): DRAM tensors are row-major, so the result aliases the input's
// buffer with a new shape and costs no instruction; a copy is emitted only
// when the result must have its own buffer (a model output).
#ifndef NCC_COMPILER_LOWER_LAYOUT_H_
#define NCC_COMPILER_LOWER_LAYOUT_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

bool IsLayoutAlias(const ir::Op& op);
absl::Status CheckLayout(const ir::Op& op);
absl::Status LowerLayout(const ir::Op& op, LowerContext& ctx);
// A DRAM -> DRAM copy of `src` into `dst` (same element count).
void EmitCopy(LowerContext& ctx, const DramTensor& src, const DramTensor& dst);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_LAYOUT_H_
