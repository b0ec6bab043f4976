// Gemm and MatMul: tiled TensorE matmuls accumulating over K in one PSUM
// bank, with the output features on partitions so that the bias and the
// activation fuse into the Scalar engine's PSUM -> SBUF evacuation.
#ifndef NCC_COMPILER_LOWER_MATMUL_H_
#define NCC_COMPILER_LOWER_MATMUL_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

// A strided 2-D view of a DRAM/WEIGHTS tensor: element (r, c) is at
// offset + r * row_stride + c * col_stride (elements).
struct MatrixView {
  DramTensor tensor;
  int64_t offset = 0;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t row_stride = 0;
  int64_t col_stride = 0;
};

// y[M, N] = act(alpha * a[M, K] x b[K, N] + beta * c), c broadcast to
// [M, N] by its strides (zero for a broadcast axis), `c` may be null.
absl::Status EmitMatmul(LowerContext& ctx, const MatrixView& a, const MatrixView& b,
                        const MatrixView* c, float alpha, float beta, neff::ActivationFunction func,
                        const MatrixView& y);

// y = func(a x b) with ONNX MatMul's shapes: a [..., M, K] (or [K]), b
// [K, N] or [..., K, N] with a's rank (batch dims of 1 broadcast), y the
// broadcast result; all row-major.
absl::Status EmitBatchedMatMul(LowerContext& ctx, const DramTensor& a, const DramTensor& b,
                               const DramTensor& y, neff::ActivationFunction func);

absl::Status CheckGemm(const ir::Op& op);
absl::Status LowerGemm(const ir::Op& op, LowerContext& ctx);
absl::Status CheckCumSum(const ir::Op& op);
absl::Status LowerCumSum(const ir::Op& op, LowerContext& ctx);
absl::Status CheckMatMul(const ir::Op& op);
absl::Status LowerMatMul(const ir::Op& op, LowerContext& ctx);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_MATMUL_H_
