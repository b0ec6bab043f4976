// The quantization family, computed in fp32 on the engines as on the
// NeuronCore: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear,
// MatMulInteger, ConvInteger, QLinearMatMul and QLinearConv. Zero points
// are subtracted first, so the integer matmuls and convolutions multiply
// values in [-255, 255] (exact in bf16) and accumulate exact integers in
// fp32 PSUM while every partial sum stays below 2^24 in magnitude, which
// K * 255 * 255 < 2^24 guarantees for K <= 258 contracted elements.
// Rounding is half to even, composed from fp32 adds (see RoundHalfEven).
#ifndef NCC_COMPILER_LOWER_QUANTIZE_H_
#define NCC_COMPILER_LOWER_QUANTIZE_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckQuantizeLinear(const ir::Op& op);
absl::Status LowerQuantizeLinear(const ir::Op& op, LowerContext& ctx);
absl::Status CheckDequantizeLinear(const ir::Op& op);
absl::Status LowerDequantizeLinear(const ir::Op& op, LowerContext& ctx);
absl::Status CheckDynamicQuantizeLinear(const ir::Op& op);
absl::Status LowerDynamicQuantizeLinear(const ir::Op& op, LowerContext& ctx);
// MatMulInteger and QLinearMatMul.
absl::Status CheckIntegerMatMul(const ir::Op& op);
absl::Status LowerIntegerMatMul(const ir::Op& op, LowerContext& ctx);
// ConvInteger and QLinearConv.
absl::Status CheckIntegerConv(const ir::Op& op);
absl::Status LowerIntegerConv(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_QUANTIZE_H_
