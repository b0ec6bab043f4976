// Recognises GELU written out with Erf (PyTorch's export of F.gelu:
// x * (1 + erf(x / sqrt(2))) * 0.5, in any operand order) and replaces it
// with one Gelu op: a single Scalar-engine activation instead of five
// element-wise ops.
#ifndef NCC_COMPILER_PASSES_FUSE_GELU_H_
#define NCC_COMPILER_PASSES_FUSE_GELU_H_

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace ncc::passes {

absl::StatusOr<bool> FuseGelu(ir::Graph& graph);

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_FUSE_GELU_H_
