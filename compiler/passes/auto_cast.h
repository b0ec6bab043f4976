// Auto-cast: makes chosen ops compute in bf16/fp16 by inserting ONNX `Cast`
// ops (attribute to=16 for bf16, 10 for fp16, 1 back to f32).
//
// IR form produced (what lowering consumes):
//   matmult: each f32 data operand (inputs 0 and 1) of Conv, Gemm, MatMul is
//     read through `%v.bf16: bf16[...] = Cast(%v) {to=16}` placed right before
//     its first such reader (shared by later readers). Bias operands stay
//     f32; the op's output stays f32 (accumulation in FP32 PSUM, bias and
//     activation applied in FP32 on evacuation). Nothing else changes.
//   all: additionally every float compute op (element-wise, activations,
//     pooling, normalisations, reductions, Softmax) reads 16-bit inputs and
//     its outputs become 16-bit, as do the outputs of Conv/Gemm/MatMul (PSUM
//     still accumulates FP32; the evacuation writes 16 bits). Layout ops
//     (Reshape, Transpose, Concat, ...) carry 16-bit values through. Ops of
//     other types or excluded types read f32 through `Cast {to=1}`; graph
//     inputs and outputs keep their f32 names and types (a final Cast {to=1}
//     writes each graph output).
// Casts of constants are left for SimplifyCasts to fold into the constants.
#ifndef NCC_COMPILER_PASSES_AUTO_CAST_H_
#define NCC_COMPILER_PASSES_AUTO_CAST_H_

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ir/onnx_type_code.h"
#include "compiler/passes/auto_cast_policy.h"

namespace ncc::passes {

absl::StatusOr<bool> AutoCast(ir::Graph& graph, const AutoCastPolicy& policy);

// ONNX TensorProto.DataType codes used in Cast's `to` attribute.
using ir::OnnxTypeCode;

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_AUTO_CAST_H_
