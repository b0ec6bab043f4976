// The Tensor engine's matmul on fp32 rows: out[m][n] = (accumulate ? out[m][n]
// : 0) + sum_k stationary[k][m] * moving[k][n], summed over k in order and
// added to the accumulator last (the fast path keeps exactly that order, so
// both give bit-identical results).
#ifndef NCC_RUNTIME_KERNELS_MATMUL_H_
#define NCC_RUNTIME_KERNELS_MATMUL_H_

#include <cstdint>

namespace ncc::kernels {

// Row k of stationary starts at stationary + k * stationary_ld (M contiguous
// floats); row k of moving at moving + k * moving_ld (N floats); row m of out
// at out + m * out_ld (N floats).
struct MatmulArgs {
  int k;
  int m;
  int n;
  const float* stationary;
  int64_t stationary_ld;
  const float* moving;
  int64_t moving_ld;
  float* out;
  int64_t out_ld;
  bool accumulate;
};

void MatmulF32Reference(const MatmulArgs& args);
// Vectorised (row-broadcast, unit-stride inner loop). N <= 512.
void MatmulF32(const MatmulArgs& args);

}  // namespace ncc::kernels

#endif  // NCC_RUNTIME_KERNELS_MATMUL_H_
