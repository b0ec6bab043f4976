// What an op must satisfy to be lowered (element types, fused activation),
// shared by the per-op-family support checks, and the status they report.
#ifndef NCC_COMPILER_LOWER_OP_REQUIREMENTS_H_
#define NCC_COMPILER_LOWER_OP_REQUIREMENTS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/graph.h"

namespace ncc::lower {

// An UNIMPLEMENTED status saying what about an op is unsupported
// (the driver lists every such op at once).
absl::Status Unsupported(absl::string_view what);
// Every present input and output is f32.
absl::Status RequireF32(const ir::Op& op);
// Matmul-like ops (Conv, Gemm, MatMul): the two multiplied operands may be
// f32, bf16 or f16 (auto-cast); bias and output are f32.
absl::Status RequireMatmulTypes(const ir::Op& op);
// A `fused_activation` attribute, if any, names a Scalar engine function.
absl::Status CheckFusedActivation(const ir::Op& op);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_OP_REQUIREMENTS_H_
