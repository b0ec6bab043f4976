// Element-wise, activation and reduction kernels over contiguous fp32 runs
// (the Vector, GpSimd and Scalar engines' inner loops). Each has a plain
// scalar reference (ApplyAlu / ApplyAct, *Reference) and a fast path built
// with Highway and dispatched at run time to the best SIMD target the CPU
// has (elementwise_hwy.cc).
//
// Exactness (docs/isa.md): every ALU op and the activations identity, relu,
// square, abs, sign, sqrt, rsqrt, reciprocal, floor, ceil and round are
// bit-identical between the two paths (IEEE fp32, no fused multiply-add). The
// transcendental activations (sigmoid, tanh, exp, log, sin, cos, silu,
// softplus, gelu_tanh) use Highway's vector math on the fast path and agree
// with the reference to a few ulp; gelu, erf, pow and the other trigonometric
// and hyperbolic functions (tan, sinh, cosh, asin, acos, atan, asinh, acosh,
// atanh) use libm on both paths.
#ifndef NCC_RUNTIME_KERNELS_ELEMENTWISE_H_
#define NCC_RUNTIME_KERNELS_ELEMENTWISE_H_

#include <cmath>
#include <cstdint>

namespace ncc::kernels {

// Mirrors neff::AluOp.
enum class Alu : uint8_t {
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kMax,
  kMin,
  kPow,
  kIsEqual,
  kNotEqual,
  kIsGt,
  kIsGe,
  kIsLt,
  kIsLe,
  kBypass,
  kFmod,
  kMod,
  kShiftLeft,
  kShiftRight,
};
inline constexpr int kNumAluOps = 18;

// Mirrors neff::ActivationFunction.
enum class Act : uint8_t {
  kIdentity,
  kRelu,
  kSigmoid,
  kTanh,
  kExp,
  kGelu,
  kGeluTanh,
  kErf,
  kSqrt,
  kRsqrt,
  kReciprocal,
  kLog,
  kSquare,
  kAbs,
  kSilu,
  kSoftplus,
  kSign,
  kSin,
  kCos,
  kTan,
  kSinh,
  kCosh,
  kAsin,
  kAcos,
  kAtan,
  kAsinh,
  kAcosh,
  kAtanh,
  kFloor,
  kCeil,
  kRound,
};
inline constexpr int kNumActs = 31;

// True for the activations whose fast path is bit-identical to the reference.
bool ActIsExact(Act func);

// out[i] = a[i] op b[i]. `out` may equal `a` or `b` (in place).
void AluTensorTensor(Alu op, const float* a, const float* b, float* out, int64_t n);
void AluTensorTensorReference(Alu op, const float* a, const float* b, float* out, int64_t n);
// out[i] = (a[i] op s1) op2 s2; op2 == kBypass skips the second op.
void AluTensorScalar(Alu op, float s1, Alu op2, float s2, const float* a, float* out, int64_t n);
void AluTensorScalarReference(Alu op, float s1, Alu op2, float s2, const float* a, float* out,
                              int64_t n);
// out[i] = func(a[i] * scale + bias). `out` may equal `a`.
void Activation(Act func, const float* a, float scale, float bias, float* out, int64_t n);
void ActivationReference(Act func, const float* a, float scale, float bias, float* out, int64_t n);

// out[g] = a[g*r] op a[g*r+1] op ... op a[g*r+r-1] for g < groups, folded
// left to right in fp32 (the order docs/isa.md specifies). `op` is kAdd,
// kMultiply, kMax or kMin.
void Reduce(Alu op, const float* a, int64_t groups, int64_t r, float* out);
void ReduceReference(Alu op, const float* a, int64_t groups, int64_t r, float* out);

// An ALU operand as an unsigned 64-bit integer for the shifts: truncated
// toward zero, NaN and negatives give 0, values from 2^64 saturate.
inline uint64_t ShiftOperand(float v) {
  if (!(v > 0.0f)) return 0;
  if (v >= 18446744073709551616.0f) return ~uint64_t{0};
  return static_cast<uint64_t>(v);
}

// Scalar definitions shared by both paths.
inline float ApplyAlu(Alu op, float a, float b) {
  switch (op) {
    case Alu::kAdd:
      return a + b;
    case Alu::kSubtract:
      return a - b;
    case Alu::kMultiply:
      return a * b;
    case Alu::kDivide:
      return a / b;
    case Alu::kMax:
      return a > b ? a : b;
    case Alu::kMin:
      return a < b ? a : b;
    case Alu::kPow:
      return std::pow(a, b);
    case Alu::kIsEqual:
      return a == b ? 1.0f : 0.0f;
    case Alu::kNotEqual:
      return a != b ? 1.0f : 0.0f;
    case Alu::kIsGt:
      return a > b ? 1.0f : 0.0f;
    case Alu::kIsGe:
      return a >= b ? 1.0f : 0.0f;
    case Alu::kIsLt:
      return a < b ? 1.0f : 0.0f;
    case Alu::kIsLe:
      return a <= b ? 1.0f : 0.0f;
    case Alu::kBypass:
      return a;
    case Alu::kFmod:
      return std::fmod(a, b);
    case Alu::kMod: {
      const float r = std::fmod(a, b);
      return r != 0.0f && ((r < 0.0f) != (b < 0.0f)) ? r + b : r;
    }
    case Alu::kShiftLeft: {
      const uint64_t s = ShiftOperand(b);
      return s >= 64 ? 0.0f : static_cast<float>(ShiftOperand(a) << s);
    }
    case Alu::kShiftRight: {
      const uint64_t s = ShiftOperand(b);
      return s >= 64 ? 0.0f : static_cast<float>(ShiftOperand(a) >> s);
    }
  }
  return a;
}
float ApplyAct(Act func, float x);

}  // namespace ncc::kernels

#endif  // NCC_RUNTIME_KERNELS_ELEMENTWISE_H_
