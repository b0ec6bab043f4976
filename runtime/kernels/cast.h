// Scalar conversions between fp32 and the 16-bit float formats the
// NeuronCore stores (bf16, IEEE fp16), rounding to nearest even.
#ifndef NCC_RUNTIME_KERNELS_CAST_H_
#define NCC_RUNTIME_KERNELS_CAST_H_

#include <cstdint>
#include <cstring>

namespace ncc::kernels {

inline float Bf16ToF32(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Round to nearest even; NaN stays a (quiet) NaN with its sign.
inline uint16_t F32ToBf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) {
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  }
  uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

float F16ToF32(uint16_t h);
uint16_t F32ToF16(float f);

// Converts `n` contiguous values.
void F32ToBf16Array(const float* src, uint16_t* dst, int64_t n);
void Bf16ToF32Array(const uint16_t* src, float* dst, int64_t n);

}  // namespace ncc::kernels

#endif  // NCC_RUNTIME_KERNELS_CAST_H_
