#include "runtime/kernels/matmul.h"

namespace ncc::kernels {

void MatmulF32Reference(const MatmulArgs& a) {
  for (int m = 0; m < a.m; ++m) {
    float* out = a.out + m * a.out_ld;
    for (int n = 0; n < a.n; ++n) {
      float sum = 0.0f;
      for (int k = 0; k < a.k; ++k) {
        sum += a.stationary[k * a.stationary_ld + m] * a.moving[k * a.moving_ld + n];
      }
      out[n] = a.accumulate ? out[n] + sum : sum;
    }
  }
}

namespace {

// sum[0..n) += s * row[0..n): unit stride, no aliasing, so gcc vectorises it
// (AVX2 at -march=x86-64-v3).
inline void Axpy(int n, float s, const float* __restrict row,
                 float* __restrict sum) {
  for (int i = 0; i < n; ++i) sum[i] += s * row[i];
}

}  // namespace

void MatmulF32(const MatmulArgs& a) {
  // Blocks of 4 output rows share each loaded moving row.
  constexpr int kMaxN = 512;
  if (a.n > kMaxN) {
    MatmulF32Reference(a);
    return;
  }
  alignas(64) float sum[4][kMaxN];
  int m = 0;
  for (; m + 4 <= a.m; m += 4) {
    for (int r = 0; r < 4; ++r) {
      for (int n = 0; n < a.n; ++n) sum[r][n] = 0.0f;
    }
    for (int k = 0; k < a.k; ++k) {
      const float* st = a.stationary + k * a.stationary_ld + m;
      const float* mv = a.moving + k * a.moving_ld;
      Axpy(a.n, st[0], mv, sum[0]);
      Axpy(a.n, st[1], mv, sum[1]);
      Axpy(a.n, st[2], mv, sum[2]);
      Axpy(a.n, st[3], mv, sum[3]);
    }
    for (int r = 0; r < 4; ++r) {
      float* out = a.out + (m + r) * a.out_ld;
      if (a.accumulate) {
        for (int n = 0; n < a.n; ++n) out[n] += sum[r][n];
      } else {
        for (int n = 0; n < a.n; ++n) out[n] = sum[r][n];
      }
    }
  }
  for (; m < a.m; ++m) {
    for (int n = 0; n < a.n; ++n) sum[0][n] = 0.0f;
    for (int k = 0; k < a.k; ++k) {
      Axpy(a.n, a.stationary[k * a.stationary_ld + m],
           a.moving + k * a.moving_ld, sum[0]);
    }
    float* out = a.out + m * a.out_ld;
    if (a.accumulate) {
      for (int n = 0; n < a.n; ++n) out[n] += sum[0][n];
    } else {
      for (int n = 0; n < a.n; ++n) out[n] = sum[0][n];
    }
  }
}

}  // namespace ncc::kernels
