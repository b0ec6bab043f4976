// Elements of the simulated memories: the codecs between each NEFF element
// type and fp32, the compute type (ints saturate, NaN -> 0), bulk conversions,
// and the packing of access patterns into and out of contiguous runs. Header
// only and inline: these are the simulator's innermost loops, and its one
// user (instructions.cc) must be able to inline them.
#ifndef NCC_RUNTIME_SIM_ELEMENTS_H_
#define NCC_RUNTIME_SIM_ELEMENTS_H_

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

#include "neff/access_pattern.h"
#include "neff/format.h"
#include "runtime/kernels/cast.h"

namespace ncc::sim::elements {

using neff::ApGeometry;
using neff::DType;

// ---------------------------------------------------------------------------
// Element codecs: fp32 is the compute type; ints saturate, NaN -> 0.

template <typename I>
inline I SaturateFromFloat(float v) {
  if (v != v) return 0;
  constexpr float lo = static_cast<float>(std::numeric_limits<I>::min());
  constexpr float hi = static_cast<float>(std::numeric_limits<I>::max());
  if (v <= lo) return std::numeric_limits<I>::min();
  if (v >= hi) return std::numeric_limits<I>::max();
  return static_cast<I>(v);
}

template <typename I>
inline I SaturateFromInt(int64_t v) {
  if (v < static_cast<int64_t>(std::numeric_limits<I>::min())) {
    return std::numeric_limits<I>::min();
  }
  if (v > static_cast<int64_t>(std::numeric_limits<I>::max())) {
    return std::numeric_limits<I>::max();
  }
  return static_cast<I>(v);
}

template <typename T>
inline T Read(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename T>
inline void Write(uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

template <DType D>
inline float LoadF32(const uint8_t* p) {
  if constexpr (D == DType::F32) return Read<float>(p);
  if constexpr (D == DType::BF16) return kernels::Bf16ToF32(Read<uint16_t>(p));
  if constexpr (D == DType::F16) return kernels::F16ToF32(Read<uint16_t>(p));
  if constexpr (D == DType::I32) return static_cast<float>(Read<int32_t>(p));
  if constexpr (D == DType::I64) return static_cast<float>(Read<int64_t>(p));
  if constexpr (D == DType::BOOL) return p[0] != 0 ? 1.0f : 0.0f;
  if constexpr (D == DType::I8) return static_cast<float>(Read<int8_t>(p));
  if constexpr (D == DType::U8) return static_cast<float>(p[0]);
  if constexpr (D == DType::F64) return static_cast<float>(Read<double>(p));
  if constexpr (D == DType::I16) return static_cast<float>(Read<int16_t>(p));
  if constexpr (D == DType::U16) return static_cast<float>(Read<uint16_t>(p));
  if constexpr (D == DType::U32) return static_cast<float>(Read<uint32_t>(p));
  if constexpr (D == DType::U64) return static_cast<float>(Read<uint64_t>(p));
  return 0.0f;
}

template <DType D>
inline void StoreF32(uint8_t* p, float v) {
  if constexpr (D == DType::F32) Write<float>(p, v);
  if constexpr (D == DType::BF16) Write<uint16_t>(p, kernels::F32ToBf16(v));
  if constexpr (D == DType::F16) Write<uint16_t>(p, kernels::F32ToF16(v));
  if constexpr (D == DType::I32) Write<int32_t>(p, SaturateFromFloat<int32_t>(v));
  if constexpr (D == DType::I64) Write<int64_t>(p, SaturateFromFloat<int64_t>(v));
  if constexpr (D == DType::BOOL) p[0] = v != 0.0f ? 1 : 0;
  if constexpr (D == DType::I8) Write<int8_t>(p, SaturateFromFloat<int8_t>(v));
  if constexpr (D == DType::U8) p[0] = SaturateFromFloat<uint8_t>(v);
  if constexpr (D == DType::F64) Write<double>(p, v);
  if constexpr (D == DType::I16) Write<int16_t>(p, SaturateFromFloat<int16_t>(v));
  if constexpr (D == DType::U16) Write<uint16_t>(p, SaturateFromFloat<uint16_t>(v));
  if constexpr (D == DType::U32) Write<uint32_t>(p, SaturateFromFloat<uint32_t>(v));
  if constexpr (D == DType::U64) Write<uint64_t>(p, SaturateFromFloat<uint64_t>(v));
}

inline bool IsInt(DType d) {
  return d == DType::I32 || d == DType::I64 || d == DType::BOOL || d == DType::I8 ||
         d == DType::U8 || d == DType::I16 || d == DType::U16 || d == DType::U32 || d == DType::U64;
}

inline int64_t LoadI64(DType d, const uint8_t* p) {
  switch (d) {
    case DType::I32:
      return Read<int32_t>(p);
    case DType::I64:
      return Read<int64_t>(p);
    case DType::BOOL:
      return p[0] != 0;
    case DType::I8:
      return Read<int8_t>(p);
    case DType::U8:
      return p[0];
    case DType::I16:
      return Read<int16_t>(p);
    case DType::U16:
      return Read<uint16_t>(p);
    case DType::U32:
      return Read<uint32_t>(p);
    case DType::U64: {  // saturates above int64's range
      const uint64_t v = Read<uint64_t>(p);
      return v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                 ? std::numeric_limits<int64_t>::max()
                 : static_cast<int64_t>(v);
    }
    default:
      return 0;
  }
}

inline void StoreI64(DType d, uint8_t* p, int64_t v) {
  switch (d) {
    case DType::I32:
      Write<int32_t>(p, SaturateFromInt<int32_t>(v));
      break;
    case DType::I64:
      Write<int64_t>(p, v);
      break;
    case DType::BOOL:
      p[0] = v != 0;
      break;
    case DType::I8:
      Write<int8_t>(p, SaturateFromInt<int8_t>(v));
      break;
    case DType::U8:
      p[0] = SaturateFromInt<uint8_t>(v);
      break;
    case DType::I16:
      Write<int16_t>(p, SaturateFromInt<int16_t>(v));
      break;
    case DType::U16:
      Write<uint16_t>(p, SaturateFromInt<uint16_t>(v));
      break;
    case DType::U32:
      Write<uint32_t>(p, SaturateFromInt<uint32_t>(v));
      break;
    case DType::U64:
      Write<uint64_t>(p, static_cast<uint64_t>(std::max<int64_t>(v, 0)));
      break;
    default:
      break;
  }
}

// Dispatches a template on the runtime dtype (once per call, not per element).
#define NCC_DISPATCH_DTYPE(dtype, FN, ...) \
  switch (dtype) {                         \
    case DType::F32:                       \
      FN<DType::F32>(__VA_ARGS__);         \
      break;                               \
    case DType::BF16:                      \
      FN<DType::BF16>(__VA_ARGS__);        \
      break;                               \
    case DType::F16:                       \
      FN<DType::F16>(__VA_ARGS__);         \
      break;                               \
    case DType::I32:                       \
      FN<DType::I32>(__VA_ARGS__);         \
      break;                               \
    case DType::I64:                       \
      FN<DType::I64>(__VA_ARGS__);         \
      break;                               \
    case DType::BOOL:                      \
      FN<DType::BOOL>(__VA_ARGS__);        \
      break;                               \
    case DType::I8:                        \
      FN<DType::I8>(__VA_ARGS__);          \
      break;                               \
    case DType::U8:                        \
      FN<DType::U8>(__VA_ARGS__);          \
      break;                               \
    case DType::F64:                       \
      FN<DType::F64>(__VA_ARGS__);         \
      break;                               \
    case DType::I16:                       \
      FN<DType::I16>(__VA_ARGS__);         \
      break;                               \
    case DType::U16:                       \
      FN<DType::U16>(__VA_ARGS__);         \
      break;                               \
    case DType::U32:                       \
      FN<DType::U32>(__VA_ARGS__);         \
      break;                               \
    case DType::U64:                       \
      FN<DType::U64>(__VA_ARGS__);         \
      break;                               \
  }

constexpr int ElemSizeOf(DType d) {
  switch (d) {
    case DType::F32:
    case DType::I32:
    case DType::U32:
      return 4;
    case DType::I64:
    case DType::F64:
    case DType::U64:
      return 8;
    case DType::BF16:
    case DType::F16:
    case DType::I16:
    case DType::U16:
      return 2;
    case DType::BOOL:
    case DType::I8:
    case DType::U8:
      return 1;
  }
  return 1;
}

template <DType D>
inline void LoadArray(const uint8_t* src, float* dst, int64_t n) {
  if constexpr (D == DType::BF16) {
    // Vectorised; bf16 data is 2-byte aligned (the verifier checks it).
    return kernels::Bf16ToF32Array(reinterpret_cast<const uint16_t*>(src), dst, n);
  }
  constexpr int kSize = ElemSizeOf(D);
  for (int64_t i = 0; i < n; ++i) dst[i] = LoadF32<D>(src + i * kSize);
}

template <DType D>
inline void StoreArray(const float* src, uint8_t* dst, int64_t n) {
  if constexpr (D == DType::BF16) {
    return kernels::F32ToBf16Array(src, reinterpret_cast<uint16_t*>(dst), n);
  }
  constexpr int kSize = ElemSizeOf(D);
  for (int64_t i = 0; i < n; ++i) StoreF32<D>(dst + i * kSize, src[i]);
}

// Converts n packed elements; int<->int keeps integers exact (saturating),
// everything else goes through fp32.
inline void ConvertArray(DType from, const uint8_t* src, DType to, uint8_t* dst, int64_t n) {
  const int fs = neff::DTypeSize(from), ts = neff::DTypeSize(to);
  if (IsInt(from) && IsInt(to)) {
    for (int64_t i = 0; i < n; ++i) {
      StoreI64(to, dst + i * ts, LoadI64(from, src + i * fs));
    }
    return;
  }
  // The casts auto-cast programs are made of, vectorised and without the
  // fp32 staging (the same per-element conversions).
  if (from == DType::F32 && to == DType::BF16) {
    return kernels::F32ToBf16Array(reinterpret_cast<const float*>(src),
                                   reinterpret_cast<uint16_t*>(dst), n);
  }
  if (from == DType::BF16 && to == DType::F32) {
    return kernels::Bf16ToF32Array(reinterpret_cast<const uint16_t*>(src),
                                   reinterpret_cast<float*>(dst), n);
  }
  constexpr int64_t kChunk = 1024;
  float tmp[kChunk] = {};
  for (int64_t i = 0; i < n; i += kChunk) {
    int64_t len = std::min(kChunk, n - i);
    NCC_DISPATCH_DTYPE(from, LoadArray, src + i * fs, tmp, len);
    NCC_DISPATCH_DTYPE(to, StoreArray, tmp, dst + i * ts, len);
  }
}

// ---------------------------------------------------------------------------
// Access-pattern walks. `base` is the space base plus g.start.

// The first `left` (<= 8) of eight 32-bit lanes.
__attribute__((target("avx2"))) inline __m256i FirstLanes(int64_t left) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(std::min<int64_t>(left, 8))),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// GatherRun4 on AVX2: contiguous runs in vectors, stride-2 runs
// deinterleaved eight elements at a time. Loads never pass the run's last
// element (masked), so a run ending at the end of its memory is read safely.
__attribute__((target("avx2"))) inline void GatherRun4Avx2(const float* in, int64_t n,
                                                           int64_t stride, float* o) {
  int64_t i = 0;
  if (stride == 4) {
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(o + i, _mm256_loadu_ps(in + i));
    if (i < n) {
      _mm256_maskstore_ps(o + i, FirstLanes(n - i), _mm256_maskload_ps(in + i, FirstLanes(n - i)));
    }
    return;
  }
  // stride == 8: source floats 2i .. 2i + 14 hold elements i .. i + 7.
  for (; i + 8 <= n; i += 8) {
    const __m256 lo = _mm256_loadu_ps(in + 2 * i);
    const __m256 hi = _mm256_maskload_ps(in + 2 * i + 8, FirstLanes(7));
    // Even lanes of lo and hi per 128-bit half, then the 64-bit pieces in
    // order.
    const __m256 even = _mm256_shuffle_ps(lo, hi, 0x88);
    _mm256_storeu_ps(o + i,
                     _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(even), 0xd8)));
  }
  for (; i < n; ++i) o[i] = in[2 * i];
}

// Packs one run of n 4-byte elements `stride` bytes apart into `out`. Runs
// of conv windows are 7 to 112 elements: AVX2 vectors (carried by a target
// attribute, chosen when the CPU has AVX2) instead of a memcpy call per run
// or an element at a time.
inline void GatherRun4(const uint8_t* run, int64_t n, int64_t stride, uint8_t* out) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2 && (stride == 4 || stride == 8)) {
    return GatherRun4Avx2(reinterpret_cast<const float*>(run), n, stride,
                          reinterpret_cast<float*>(out));
  }
  for (int64_t i = 0; i < n; ++i) std::memcpy(out + i * 4, run + i * stride, 4);
}

template <int kSize>
inline void GatherRawT(const ApGeometry& g, const uint8_t* base, int64_t p_begin, int64_t p_end,
                       uint8_t* out) {
  for (int64_t p = p_begin; p < p_end; ++p) {
    const uint8_t* pp = base + p * g.partition_stride;
    if (g.free_contiguous) {
      std::memcpy(out, pp, g.free_size * kSize);
      out += g.free_size * kSize;
      continue;
    }
    for (int64_t i0 = 0; i0 < g.size[0]; ++i0) {
      for (int64_t i1 = 0; i1 < g.size[1]; ++i1) {
        const uint8_t* run = pp + i0 * g.stride[0] + i1 * g.stride[1];
        if constexpr (kSize == 4) {
          GatherRun4(run, g.size[2], g.stride[2], out);
          out += g.size[2] * kSize;
        } else if (g.stride[2] == kSize) {
          std::memcpy(out, run, g.size[2] * kSize);
          out += g.size[2] * kSize;
        } else {
          for (int64_t i2 = 0; i2 < g.size[2]; ++i2) {
            std::memcpy(out, run + i2 * g.stride[2], kSize);
            out += kSize;
          }
        }
      }
    }
  }
}

template <int kSize>
inline void ScatterRawT(const ApGeometry& g, uint8_t* base, int64_t p_begin, int64_t p_end,
                        const uint8_t* in) {
  for (int64_t p = p_begin; p < p_end; ++p) {
    uint8_t* pp = base + p * g.partition_stride;
    if (g.free_contiguous) {
      std::memcpy(pp, in, g.free_size * kSize);
      in += g.free_size * kSize;
      continue;
    }
    for (int64_t i0 = 0; i0 < g.size[0]; ++i0) {
      for (int64_t i1 = 0; i1 < g.size[1]; ++i1) {
        uint8_t* run = pp + i0 * g.stride[0] + i1 * g.stride[1];
        if (g.stride[2] == kSize) {
          std::memcpy(run, in, g.size[2] * kSize);
          in += g.size[2] * kSize;
        } else {
          for (int64_t i2 = 0; i2 < g.size[2]; ++i2) {
            std::memcpy(run + i2 * g.stride[2], in, kSize);
            in += kSize;
          }
        }
      }
    }
  }
}

// Packs partitions [p_begin, p_end) of the pattern, in visiting order.
inline void GatherRaw(const ApGeometry& g, const uint8_t* base, int64_t p_begin, int64_t p_end,
                      uint8_t* out) {
  switch (g.elem_size) {
    case 1:
      return GatherRawT<1>(g, base, p_begin, p_end, out);
    case 2:
      return GatherRawT<2>(g, base, p_begin, p_end, out);
    case 4:
      return GatherRawT<4>(g, base, p_begin, p_end, out);
    default:
      return GatherRawT<8>(g, base, p_begin, p_end, out);
  }
}

inline void ScatterRaw(const ApGeometry& g, uint8_t* base, int64_t p_begin, int64_t p_end,
                       const uint8_t* in) {
  switch (g.elem_size) {
    case 1:
      return ScatterRawT<1>(g, base, p_begin, p_end, in);
    case 2:
      return ScatterRawT<2>(g, base, p_begin, p_end, in);
    case 4:
      return ScatterRawT<4>(g, base, p_begin, p_end, in);
    default:
      return ScatterRawT<8>(g, base, p_begin, p_end, in);
  }
}

}  // namespace ncc::sim::elements

#endif  // NCC_RUNTIME_SIM_ELEMENTS_H_
