#include "runtime/kernels/matmul.h"

#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "runtime/kernels/cast.h"

namespace ncc::kernels {
namespace {

// Tile limits of the fast paths (the NeuronCore's own: K, M <= 128,
// N <= 512); larger shapes use the reference.
constexpr int kMaxK = 128, kMaxM = 128, kMaxN = 512;

bool FitsTile(int k, int m, int n) { return k <= kMaxK && m <= kMaxM && n <= kMaxN; }

// ---------------------------------------------------------------------------
// CPU detection.

struct CpuFeatures {
  bool avx2_fma = false;
  bool avx512f = false;
  bool avx512bf16 = false;
  bool amx_bf16 = false;
};

// XCR0: the register state the OS saves on context switches.
uint32_t Xcr0() {
  uint32_t eax, edx;
  __asm__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return eax;
}

// SSE and AVX state.
bool OsSavesYmm() { return (Xcr0() & 0x6u) == 0x6u; }

// SSE, AVX, opmask, ZMM_Hi256 and Hi16_ZMM state.
bool OsSavesZmm() { return (Xcr0() & 0xe6u) == 0xe6u; }

bool RequestAmxPermission() {
  // Linux: tile data state is off until the process asks for it.
  constexpr long kArchReqXcompPerm = 0x1023;
  constexpr long kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
}

const CpuFeatures& Cpu() {
  static const CpuFeatures features = [] {
    CpuFeatures f;
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
    const bool osxsave = (ecx >> 27) & 1u, fma = (ecx >> 12) & 1u;
    if (!osxsave || !OsSavesYmm()) return f;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return f;
    f.avx2_fma = fma && ((ebx >> 5) & 1u);
    if (!OsSavesZmm()) return f;
    f.avx512f = (ebx >> 16) & 1u;
    const bool amx_tile = (edx >> 24) & 1u, amx_bf16 = (edx >> 22) & 1u;
    unsigned eax1 = 0, ebx1, ecx1, edx1;
    __get_cpuid_count(7, 1, &eax1, &ebx1, &ecx1, &edx1);
    f.avx512bf16 = f.avx512f && ((eax1 >> 5) & 1u);
    f.amx_bf16 = f.avx512f && amx_tile && amx_bf16 && RequestAmxPermission();
    return f;
  }();
  return features;
}

// ---------------------------------------------------------------------------
// fp32.

void FinishRow(const float* sum, float* out, int n, bool accumulate) {
  if (accumulate) {
    for (int j = 0; j < n; ++j) out[j] += sum[j];
  } else {
    std::memcpy(out, sum, n * sizeof(float));
  }
}

// AVX2 + FMA (the repository's x86-64-v3 baseline, but carried by target
// attributes so that builds at a lower -march, e.g. Bazel's exec
// configuration or another workspace's, still compile; run only after CPUID
// says AVX2 and FMA): blocks of kRows output rows x 32 columns (4 ymm) held
// in registers over the k loop; column tails use masked loads and stores.
template <int kRows>
__attribute__((target("avx2,fma"))) void Avx2F32Block(const MatmulArgs& a, int m0, int n0) {
  __m256i mask[4];
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
#pragma GCC unroll 8
  for (int v = 0; v < 4; ++v) {
    const int left = std::clamp(a.n - (n0 + 8 * v), 0, 8);
    mask[v] = _mm256_cmpgt_epi32(_mm256_set1_epi32(left), lane);
  }
  __m256 acc[kRows][4];
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 8
    for (int v = 0; v < 4; ++v) acc[r][v] = _mm256_setzero_ps();
  }
  for (int k = 0; k < a.k; ++k) {
    const float* mv = a.moving + k * a.moving_ld + n0;
    const float* st = a.stationary + k * a.stationary_ld + m0;
    __m256 b[4];
#pragma GCC unroll 8
    for (int v = 0; v < 4; ++v) b[v] = _mm256_maskload_ps(mv + 8 * v, mask[v]);
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
      const __m256 sv = _mm256_broadcast_ss(st + r);
#pragma GCC unroll 8
      for (int v = 0; v < 4; ++v) acc[r][v] = _mm256_fmadd_ps(sv, b[v], acc[r][v]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
    float* out = a.out + (m0 + r) * a.out_ld + n0;
#pragma GCC unroll 8
    for (int v = 0; v < 4; ++v) {
      __m256 x = acc[r][v];
      if (a.accumulate) x = _mm256_add_ps(_mm256_maskload_ps(out + 8 * v, mask[v]), x);
      _mm256_maskstore_ps(out + 8 * v, mask[v], x);
    }
  }
}

__attribute__((target("avx2,fma"))) void MatmulF32Avx2(const MatmulArgs& a) {
  for (int n0 = 0; n0 < a.n; n0 += 32) {
    int m = 0;
    for (; m + 3 <= a.m; m += 3) Avx2F32Block<3>(a, m, n0);
    for (; m < a.m; ++m) Avx2F32Block<1>(a, m, n0);
  }
}

// The baseline path: AVX2 + FMA, or the scalar reference on a CPU without
// them (the same fused arithmetic, so the same bits).
void MatmulF32Portable(const MatmulArgs& a) {
  if (Cpu().avx2_fma) return MatmulF32Avx2(a);
  MatmulF32Reference(a);
}

// AVX-512: the moving operand is packed one 64-column panel at a time
// (k rows of 64 floats, contiguous: 32 KiB, L1-resident) and the stationary
// operand once per call ([k][m], contiguous). In SBUF both are rows one
// partition (192 KiB) apart, which map to the same few cache sets; packed,
// the k loop streams through memory in order. Blocks of kRows output rows
// x 64 columns (4 zmm each) stay in registers over the whole k loop; column
// tails use masks. Each output is still fma(st, mv, sum) over k in order,
// so the result is bit-identical to the reference.
struct alignas(64) F32Packed {
  float st[kMaxK * kMaxM];
  float panel[kMaxK * 64];
};

template <int kRows>
__attribute__((target("avx512f"))) void Avx512F32Block(const float* st, int st_ld,
                                                       const float* panel, int k, float* out,
                                                       int64_t out_ld, int cols, bool accumulate) {
  __mmask16 mask[4];
#pragma GCC unroll 8
  for (int v = 0; v < 4; ++v) {
    const int left = std::clamp(cols - 16 * v, 0, 16);
    mask[v] = static_cast<__mmask16>((1u << left) - 1u);
  }
  __m512 acc[kRows][4];
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 8
    for (int v = 0; v < 4; ++v) acc[r][v] = _mm512_setzero_ps();
  }
  for (int kk = 0; kk < k; ++kk) {
    const float* mv = panel + kk * 64;
    const float* s = st + kk * st_ld;
    __m512 b[4];
#pragma GCC unroll 8
    for (int v = 0; v < 4; ++v) b[v] = _mm512_load_ps(mv + 16 * v);
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
      const __m512 sv = _mm512_set1_ps(s[r]);
#pragma GCC unroll 8
      for (int v = 0; v < 4; ++v) acc[r][v] = _mm512_fmadd_ps(sv, b[v], acc[r][v]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
    float* o = out + r * out_ld;
#pragma GCC unroll 8
    for (int v = 0; v < 4; ++v) {
      __m512 x = acc[r][v];
      if (accumulate) {
        x = _mm512_add_ps(_mm512_maskz_loadu_ps(mask[v], o + 16 * v), x);
      }
      _mm512_mask_storeu_ps(o + 16 * v, mask[v], x);
    }
  }
}

// Copies n floats to `out` and zeroes it up to `width` (a multiple of 16):
// masked vector moves, not memcpy / fill, whose start-up cost dominated the
// packing of the short rows (64 to 512 bytes) matmuls pack.
__attribute__((target("avx512f"))) inline void PackRow(const float* in, int n, float* out,
                                                       int width) {
  for (int i = 0; i < width; i += 16) {
    const int left = std::clamp(n - i, 0, 16);
    const __mmask16 mask = static_cast<__mmask16>((1u << left) - 1u);
    _mm512_storeu_ps(out + i, _mm512_maskz_loadu_ps(mask, in + i));
  }
}

__attribute__((target("avx512f"))) void MatmulF32Avx512(const MatmulArgs& a) {
  static thread_local std::unique_ptr<F32Packed> packed;
  if (packed == nullptr) packed = std::make_unique<F32Packed>();
  F32Packed& p = *packed;
  const int st_ld = (a.m + 15) / 16 * 16;
  for (int kk = 0; kk < a.k; ++kk) {
    PackRow(a.stationary + kk * a.stationary_ld, a.m, p.st + kk * st_ld, st_ld);
  }
  for (int n0 = 0; n0 < a.n; n0 += 64) {
    const int cols = std::min(64, a.n - n0);
    for (int kk = 0; kk < a.k; ++kk) {
      PackRow(a.moving + kk * a.moving_ld + n0, cols, p.panel + kk * 64, 64);
    }
    float* out = a.out + n0;
    int m = 0;
    for (; m + 6 <= a.m; m += 6) {
      Avx512F32Block<6>(p.st + m, st_ld, p.panel, a.k, out + m * a.out_ld, a.out_ld, cols,
                        a.accumulate);
    }
    switch (a.m - m) {
      case 5:
        Avx512F32Block<5>(p.st + m, st_ld, p.panel, a.k, out + m * a.out_ld, a.out_ld, cols,
                          a.accumulate);
        break;
      case 4:
        Avx512F32Block<4>(p.st + m, st_ld, p.panel, a.k, out + m * a.out_ld, a.out_ld, cols,
                          a.accumulate);
        break;
      case 3:
        Avx512F32Block<3>(p.st + m, st_ld, p.panel, a.k, out + m * a.out_ld, a.out_ld, cols,
                          a.accumulate);
        break;
      case 2:
        Avx512F32Block<2>(p.st + m, st_ld, p.panel, a.k, out + m * a.out_ld, a.out_ld, cols,
                          a.accumulate);
        break;
      case 1:
        Avx512F32Block<1>(p.st + m, st_ld, p.panel, a.k, out + m * a.out_ld, a.out_ld, cols,
                          a.accumulate);
        break;
      default:
        break;
    }
  }
}

// ---------------------------------------------------------------------------
// bf16: operands packed once per call into zero-padded, pair-interleaved
// ("VNNI") layouts: stationary as st[k-pair][m] (two bf16 in 32 bits),
// moving as mv[k-pair][n][2].

__attribute__((target("avx512f"))) void InterleavePairs(const uint16_t* k0, const uint16_t* k1,
                                                        int n, int n_pad, uint32_t* out);

struct alignas(64) Bf16Packed {
  static constexpr int kPairs = kMaxK / 2;
  uint32_t st[kPairs][kMaxM];
  uint32_t mv[kPairs][kMaxN];
  int pairs = 0;
};

void PackBf16(const MatmulBf16Args& a, int n_pad, Bf16Packed* p) {
  p->pairs = (a.k + 1) / 2;
  for (int kp = 0; kp < p->pairs; ++kp) {
    const int k0 = 2 * kp, k1 = 2 * kp + 1;
    const uint16_t* s0 = a.stationary + k0 * a.stationary_ld;
    const uint16_t* s1 = k1 < a.k ? a.stationary + k1 * a.stationary_ld : nullptr;
    for (int m = 0; m < a.m; ++m) {
      p->st[kp][m] = s0[m] | (s1 ? uint32_t{s1[m]} << 16 : 0u);
    }
    InterleavePairs(a.moving + k0 * a.moving_ld, k1 < a.k ? a.moving + k1 * a.moving_ld : nullptr,
                    a.n, n_pad, p->mv[kp]);
  }
}

Bf16Packed& PackScratch() {
  static thread_local Bf16Packed packed;
  return packed;
}

template <int kRows>
__attribute__((target("avx512f,avx512bf16"))) void Avx512Bf16Block(const MatmulBf16Args& a,
                                                                   const Bf16Packed& p, int m0,
                                                                   int n0) {
  __m512 acc[kRows][4];
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 8
    for (int v = 0; v < 4; ++v) acc[r][v] = _mm512_setzero_ps();
  }
  for (int kp = 0; kp < p.pairs; ++kp) {
    __m512i b[4];
#pragma GCC unroll 8
    for (int v = 0; v < 4; ++v) {
      b[v] = _mm512_load_si512(reinterpret_cast<const void*>(&p.mv[kp][n0 + 16 * v]));
    }
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
      const __m512i s = _mm512_set1_epi32(static_cast<int>(p.st[kp][m0 + r]));
#pragma GCC unroll 8
      for (int v = 0; v < 4; ++v) {
        acc[r][v] = _mm512_dpbf16_ps(acc[r][v], (__m512bh)s, (__m512bh)b[v]);
      }
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
    float* out = a.out + (m0 + r) * a.out_ld + n0;
#pragma GCC unroll 8
    for (int v = 0; v < 4; ++v) {
      const int left = std::clamp(a.n - (n0 + 16 * v), 0, 16);
      const __mmask16 mask = static_cast<__mmask16>((1u << left) - 1u);
      __m512 x = acc[r][v];
      if (a.accumulate) {
        x = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, out + 16 * v), x);
      }
      _mm512_mask_storeu_ps(out + 16 * v, mask, x);
    }
  }
}

__attribute__((target("avx512f,avx512bf16"))) void MatmulBf16Avx512(const MatmulBf16Args& a) {
  Bf16Packed& p = PackScratch();
  const int n_pad = (a.n + 63) / 64 * 64;
  PackBf16(a, n_pad, &p);
  for (int n0 = 0; n0 < a.n; n0 += 64) {
    int m = 0;
    for (; m + 4 <= a.m; m += 4) Avx512Bf16Block<4>(a, p, m, n0);
    for (; m < a.m; ++m) Avx512Bf16Block<1>(a, p, m, n0);
  }
}

// AMX: tiles of 16 rows x 64 bytes. C blocks of 32 x 32 fp32 (tmm0-3) from
// A = stationary^T [m][32 k] (tmm4-5) and B = moving pairs [16 k-pairs][16 n]
// (tmm6-7).
struct alignas(64) AmxBuffers {
  static constexpr int kMPad = kMaxM, kKPad = kMaxK, kNPad = kMaxN;
  uint16_t a[kMPad][kKPad];      // A[m][k]
  uint32_t b[kKPad / 2][kNPad];  // B[k-pair][n]
  float c[kMPad][kNPad];
};

struct alignas(64) TileConfig {
  uint8_t palette_id;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

// C [m_pad x n_pad] (+)= A [m_pad x k_pad] . B, B as [k_pad / 2][n_pad]
// pairs; C is loaded first when `load_c`, else starts at zero.
__attribute__((target("amx-tile,amx-bf16"))) void AmxKernel(const uint16_t* a, long a_stride,
                                                            const uint32_t* b, long b_stride,
                                                            float* c, long c_stride, bool load_c,
                                                            int m_pad, int k_pad, int n_pad) {
  TileConfig cfg = {};
  cfg.palette_id = 1;
  for (int t = 0; t < 8; ++t) {
    cfg.rows[t] = 16;
    cfg.colsb[t] = 64;
  }
  _tile_loadconfig(&cfg);
  __asm__ volatile("" ::: "memory");
  const long a_row = a_stride / 2, b_row = b_stride / 4, c_row = c_stride / 4;
  for (int m0 = 0; m0 < m_pad; m0 += 32) {
    for (int n0 = 0; n0 < n_pad; n0 += 32) {
      float* c00 = c + m0 * c_row + n0;
      float* c01 = c00 + 16;
      float* c10 = c00 + 16 * c_row;
      float* c11 = c10 + 16;
      if (load_c) {
        _tile_loadd(0, c00, c_stride);
        _tile_loadd(1, c01, c_stride);
        _tile_loadd(2, c10, c_stride);
        _tile_loadd(3, c11, c_stride);
      } else {
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
      }
      for (int k0 = 0; k0 < k_pad; k0 += 32) {
        _tile_loadd(4, a + m0 * a_row + k0, a_stride);
        _tile_loadd(5, a + (m0 + 16) * a_row + k0, a_stride);
        _tile_loadd(6, b + (k0 / 2) * b_row + n0, b_stride);
        _tile_loadd(7, b + (k0 / 2) * b_row + n0 + 16, b_stride);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
      }
      _tile_stored(0, c00, c_stride);
      _tile_stored(1, c01, c_stride);
      _tile_stored(2, c10, c_stride);
      _tile_stored(3, c11, c_stride);
    }
  }
  __asm__ volatile("" ::: "memory");
  _tile_release();
}

// Interleaves rows k0 and k1 (null: zeros) of n bf16 into n 32-bit pairs,
// zero-padded to n_pad.
__attribute__((target("avx512f"))) void InterleavePairs(const uint16_t* k0, const uint16_t* k1,
                                                        int n, int n_pad, uint32_t* out) {
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    // The maskz forms: the unmasked ones start from _mm512_undefined, which
    // gcc 12 flags with -Wmaybe-uninitialized.
    constexpr __mmask16 kAll = 0xffff;
    const __m512i lo = _mm512_maskz_cvtepu16_epi32(
        kAll, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(k0 + i)));
    __m512i hi = _mm512_setzero_si512();
    if (k1 != nullptr) {
      hi = _mm512_maskz_slli_epi32(
          kAll,
          _mm512_maskz_cvtepu16_epi32(kAll,
                                      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(k1 + i))),
          16);
    }
    _mm512_storeu_si512(out + i, _mm512_or_si512(lo, hi));
  }
  for (; i < n; ++i) out[i] = k0[i] | (k1 ? uint32_t{k1[i]} << 16 : 0u);
  for (; i < n_pad; ++i) out[i] = 0;
}

// Transposes 16 x 16 32-bit elements: row i of `in` (stride in_ld) becomes
// column i of `out` (stride out_ld), in registers.
__attribute__((target("avx512f"))) void Transpose16x16(const uint32_t* in, int64_t in_ld,
                                                       uint32_t* out, int64_t out_ld) {
  // The maskz forms: the unmasked ones start from _mm512_undefined, which
  // gcc 12 flags with -Wuninitialized.
  constexpr __mmask16 k16 = 0xffff;
  constexpr __mmask8 k8 = 0xff;
  __m512i r[16], t[16], u[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) r[i] = _mm512_maskz_loadu_epi32(k16, in + i * in_ld);
    // t: 32-bit interleave of row pairs; u: 64-bit interleave, so that each
    // 128-bit lane L of u[4q + j] holds rows 4q..4q+3 of column 4L + j.
#pragma GCC unroll 8
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_maskz_unpacklo_epi32(k16, r[i], r[i + 1]);
    t[i + 1] = _mm512_maskz_unpackhi_epi32(k16, r[i], r[i + 1]);
  }
#pragma GCC unroll 4
  for (int q = 0; q < 16; q += 4) {
    u[q] = _mm512_maskz_unpacklo_epi64(k8, t[q], t[q + 2]);
    u[q + 1] = _mm512_maskz_unpackhi_epi64(k8, t[q], t[q + 2]);
    u[q + 2] = _mm512_maskz_unpacklo_epi64(k8, t[q + 1], t[q + 3]);
    u[q + 3] = _mm512_maskz_unpackhi_epi64(k8, t[q + 1], t[q + 3]);
  }
  // Gather lane L of u[j], u[4 + j], u[8 + j], u[12 + j] into column 4L + j.
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    const __m512i x0 = _mm512_maskz_shuffle_i32x4(k16, u[j], u[4 + j], 0x88);
    const __m512i x1 = _mm512_maskz_shuffle_i32x4(k16, u[j], u[4 + j], 0xdd);
    const __m512i y0 = _mm512_maskz_shuffle_i32x4(k16, u[8 + j], u[12 + j], 0x88);
    const __m512i y1 = _mm512_maskz_shuffle_i32x4(k16, u[8 + j], u[12 + j], 0xdd);
    _mm512_storeu_si512(out + (0 + j) * out_ld, _mm512_maskz_shuffle_i32x4(k16, x0, y0, 0x88));
    _mm512_storeu_si512(out + (4 + j) * out_ld, _mm512_maskz_shuffle_i32x4(k16, x1, y1, 0x88));
    _mm512_storeu_si512(out + (8 + j) * out_ld, _mm512_maskz_shuffle_i32x4(k16, x0, y0, 0xdd));
    _mm512_storeu_si512(out + (12 + j) * out_ld, _mm512_maskz_shuffle_i32x4(k16, x1, y1, 0xdd));
  }
}

void MatmulBf16Amx(const MatmulBf16Args& a) {
  static thread_local AmxBuffers buf;
  const int m_pad = (a.m + 31) / 32 * 32;
  const int k_pad = (a.k + 31) / 32 * 32;
  const int n_pad = (a.n + 31) / 32 * 32;
  // A[m][k] in k pairs: interleave stationary rows 2kp and 2kp + 1 into
  // pairs[kp][m] (vectorised), then transpose 32-bit pairs in 16 x 16
  // blocks. Padding rows and columns are zero.
  alignas(64) static thread_local uint32_t pairs[AmxBuffers::kKPad / 2][AmxBuffers::kMPad];
  for (int kp = 0; kp < k_pad / 2; ++kp) {
    const int k0 = 2 * kp, k1 = k0 + 1;
    if (k0 >= a.k) {
      std::fill(pairs[kp], pairs[kp] + m_pad, 0u);
      continue;
    }
    InterleavePairs(a.stationary + k0 * a.stationary_ld,
                    k1 < a.k ? a.stationary + k1 * a.stationary_ld : nullptr, a.m, m_pad,
                    pairs[kp]);
  }
  uint32_t* a32 = reinterpret_cast<uint32_t*>(&buf.a[0][0]);
  constexpr int64_t kA32Ld = AmxBuffers::kKPad / 2;
  for (int kb = 0; kb < k_pad / 2; kb += 16) {
    for (int mb = 0; mb < m_pad; mb += 16) {
      Transpose16x16(&pairs[kb][mb], AmxBuffers::kMPad, a32 + mb * kA32Ld + kb, kA32Ld);
    }
  }
  for (int kp = 0; kp < k_pad / 2; ++kp) {
    const int k0 = 2 * kp, k1 = k0 + 1;
    if (k0 >= a.k) {
      std::fill(buf.b[kp], buf.b[kp] + n_pad, 0u);
      continue;
    }
    InterleavePairs(a.moving + k0 * a.moving_ld, k1 < a.k ? a.moving + k1 * a.moving_ld : nullptr,
                    a.n, n_pad, buf.b[kp]);
  }
  constexpr long kAStride = AmxBuffers::kKPad * 2;
  constexpr long kBStride = AmxBuffers::kNPad * 4;
  if (a.m == m_pad && a.n == n_pad) {
    // Whole 32 x 32 blocks: accumulate in place in out.
    AmxKernel(&buf.a[0][0], kAStride, &buf.b[0][0], kBStride, a.out, a.out_ld * 4, a.accumulate,
              m_pad, k_pad, n_pad);
    return;
  }
  AmxKernel(&buf.a[0][0], kAStride, &buf.b[0][0], kBStride, &buf.c[0][0], AmxBuffers::kNPad * 4,
            false, m_pad, k_pad, n_pad);
  for (int m = 0; m < a.m; ++m) {
    FinishRow(buf.c[m], a.out + m * a.out_ld, a.n, a.accumulate);
  }
}

// Portable bf16: widen both operands to fp32 once and run the best fp32
// kernel (AVX-512F where the CPU has it, as on Intel machines whose CPUID
// hides AVX512-BF16 and AMX; else AVX2 + FMA). Products of bf16 values are
// exact in fp32, so this is the reference's arithmetic exactly (fused adds
// in k order) on every fp32 path.
void MatmulBf16Portable(const MatmulBf16Args& a) {
  static thread_local std::vector<float> st, mv;
  st.resize(static_cast<size_t>(a.k) * a.m);
  mv.resize(static_cast<size_t>(a.k) * a.n);
  for (int k = 0; k < a.k; ++k) {
    Bf16ToF32Array(a.stationary + k * a.stationary_ld, st.data() + k * a.m, a.m);
    Bf16ToF32Array(a.moving + k * a.moving_ld, mv.data() + k * a.n, a.n);
  }
  const MatmulArgs widened{a.k,  a.m, a.n,     st.data(), a.m, mv.data(), a.n,
                          a.out, a.out_ld, a.accumulate};
  if (Cpu().avx512f) return MatmulF32Avx512(widened);
  MatmulF32Portable(widened);
}

}  // namespace

const char* MatmulPathName(MatmulPath path) {
  switch (path) {
    case MatmulPath::kReference:
      return "reference";
    case MatmulPath::kPortable:
      return "portable";
    case MatmulPath::kAvx512:
      return "avx512";
    case MatmulPath::kAmx:
      return "amx";
  }
  return "?";
}

bool MatmulF32PathAvailable(MatmulPath path) {
  switch (path) {
    case MatmulPath::kReference:
    case MatmulPath::kPortable:
      return true;
    case MatmulPath::kAvx512:
      return Cpu().avx512f;
    case MatmulPath::kAmx:
      return false;
  }
  return false;
}

bool MatmulBf16PathAvailable(MatmulPath path) {
  switch (path) {
    case MatmulPath::kReference:
    case MatmulPath::kPortable:
      return true;
    case MatmulPath::kAvx512:
      return Cpu().avx512bf16;
    case MatmulPath::kAmx:
      return Cpu().amx_bf16;
  }
  return false;
}

MatmulPath BestMatmulF32Path() {
  return Cpu().avx512f ? MatmulPath::kAvx512 : MatmulPath::kPortable;
}

MatmulPath BestMatmulBf16Path() {
  if (Cpu().amx_bf16) return MatmulPath::kAmx;
  if (Cpu().avx512bf16) return MatmulPath::kAvx512;
  return MatmulPath::kPortable;
}

void MatmulF32Reference(const MatmulArgs& a) {
  for (int m = 0; m < a.m; ++m) {
    float* out = a.out + m * a.out_ld;
    for (int n = 0; n < a.n; ++n) {
      float sum = 0.0f;
      for (int k = 0; k < a.k; ++k) {
        sum = std::fma(a.stationary[k * a.stationary_ld + m], a.moving[k * a.moving_ld + n], sum);
      }
      out[n] = a.accumulate ? out[n] + sum : sum;
    }
  }
}

void MatmulF32With(MatmulPath path, const MatmulArgs& a) {
  if (a.m <= 0 || a.n <= 0) return;
  if (path == MatmulPath::kReference || !FitsTile(a.k, a.m, a.n)) {
    return MatmulF32Reference(a);
  }
  if (path == MatmulPath::kAvx512 && Cpu().avx512f) return MatmulF32Avx512(a);
  MatmulF32Portable(a);
}

void MatmulF32(const MatmulArgs& a) { MatmulF32With(BestMatmulF32Path(), a); }

void MatmulBf16Reference(const MatmulBf16Args& a) {
  for (int m = 0; m < a.m; ++m) {
    float* out = a.out + m * a.out_ld;
    for (int n = 0; n < a.n; ++n) {
      float sum = 0.0f;
      for (int k = 0; k < a.k; ++k) {
        sum = std::fma(Bf16ToF32(a.stationary[k * a.stationary_ld + m]),
                       Bf16ToF32(a.moving[k * a.moving_ld + n]), sum);
      }
      out[n] = a.accumulate ? out[n] + sum : sum;
    }
  }
}

void MatmulBf16With(MatmulPath path, const MatmulBf16Args& a) {
  if (a.m <= 0 || a.n <= 0) return;
  if (path == MatmulPath::kReference || !FitsTile(a.k, a.m, a.n) || a.k <= 0) {
    return MatmulBf16Reference(a);
  }
  if (path == MatmulPath::kAmx && Cpu().amx_bf16) return MatmulBf16Amx(a);
  if (path == MatmulPath::kAvx512 && Cpu().avx512bf16) return MatmulBf16Avx512(a);
  MatmulBf16Portable(a);
}

void MatmulBf16(const MatmulBf16Args& a) { MatmulBf16With(BestMatmulBf16Path(), a); }

}  // namespace ncc::kernels
