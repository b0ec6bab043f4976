// Element-wise kernels over contiguous fp32 runs (the Vector, GpSimd and
// Scalar engines' inner loops), each with a scalar reference.
#ifndef NCC_RUNTIME_KERNELS_ELEMENTWISE_H_
#define NCC_RUNTIME_KERNELS_ELEMENTWISE_H_

#include <cstdint>

namespace ncc::kernels {

// Mirrors neff::AluOp.
enum class Alu : uint8_t { kAdd, kSubtract, kMultiply, kDivide, kMax, kMin };
// Mirrors neff::ActivationFunction.
enum class Act : uint8_t { kIdentity, kRelu, kSigmoid, kTanh, kExp };

// out[i] = a[i] op b[i]. `out` may equal `a` or `b` (in place).
void AluTensorTensor(Alu op, const float* a, const float* b, float* out,
                     int64_t n);
void AluTensorTensorReference(Alu op, const float* a, const float* b,
                              float* out, int64_t n);
// out[i] = a[i] op imm.
void AluTensorScalar(Alu op, const float* a, float imm, float* out, int64_t n);
void AluTensorScalarReference(Alu op, const float* a, float imm, float* out,
                              int64_t n);
// out[i] = func(a[i] * scale + bias).
void Activation(Act func, const float* a, float scale, float bias, float* out,
                int64_t n);
void ActivationReference(Act func, const float* a, float scale, float bias,
                         float* out, int64_t n);

// Scalar definitions shared by both paths.
inline float ApplyAlu(Alu op, float a, float b) {
  switch (op) {
    case Alu::kAdd: return a + b;
    case Alu::kSubtract: return a - b;
    case Alu::kMultiply: return a * b;
    case Alu::kDivide: return a / b;
    case Alu::kMax: return a > b ? a : b;
    case Alu::kMin: return a < b ? a : b;
  }
  return 0.0f;
}
float ApplyAct(Act func, float x);

}  // namespace ncc::kernels

#endif  // NCC_RUNTIME_KERNELS_ELEMENTWISE_H_
