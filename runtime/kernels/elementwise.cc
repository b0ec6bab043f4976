#include "runtime/kernels/elementwise.h"

#include <cmath>

namespace ncc::kernels {

float ApplyAct(Act func, float x) {
  switch (func) {
    case Act::kIdentity: return x;
    case Act::kRelu: return x > 0.0f ? x : 0.0f;
    case Act::kSigmoid: return 1.0f / (1.0f + std::exp(-x));
    case Act::kTanh: return std::tanh(x);
    case Act::kExp: return std::exp(x);
  }
  return x;
}

void AluTensorTensorReference(Alu op, const float* a, const float* b,
                              float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = ApplyAlu(op, a[i], b[i]);
}

void AluTensorScalarReference(Alu op, const float* a, float imm, float* out,
                              int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = ApplyAlu(op, a[i], imm);
}

void ActivationReference(Act func, const float* a, float scale, float bias,
                         float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = ApplyAct(func, a[i] * scale + bias);
}

namespace {

// One loop per op, with the op a template constant, so each loop is a plain
// unit-stride loop gcc vectorises. In-place use (out == a) is allowed, so no
// __restrict; gcc adds a runtime overlap check.
template <Alu kOp>
void TensorTensorLoop(const float* a, const float* b, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = ApplyAlu(kOp, a[i], b[i]);
}

template <Alu kOp>
void TensorScalarLoop(const float* a, float imm, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = ApplyAlu(kOp, a[i], imm);
}

}  // namespace

void AluTensorTensor(Alu op, const float* a, const float* b, float* out,
                     int64_t n) {
  switch (op) {
    case Alu::kAdd: return TensorTensorLoop<Alu::kAdd>(a, b, out, n);
    case Alu::kSubtract: return TensorTensorLoop<Alu::kSubtract>(a, b, out, n);
    case Alu::kMultiply: return TensorTensorLoop<Alu::kMultiply>(a, b, out, n);
    case Alu::kDivide: return TensorTensorLoop<Alu::kDivide>(a, b, out, n);
    case Alu::kMax: return TensorTensorLoop<Alu::kMax>(a, b, out, n);
    case Alu::kMin: return TensorTensorLoop<Alu::kMin>(a, b, out, n);
  }
}

void AluTensorScalar(Alu op, const float* a, float imm, float* out, int64_t n) {
  switch (op) {
    case Alu::kAdd: return TensorScalarLoop<Alu::kAdd>(a, imm, out, n);
    case Alu::kSubtract: return TensorScalarLoop<Alu::kSubtract>(a, imm, out, n);
    case Alu::kMultiply: return TensorScalarLoop<Alu::kMultiply>(a, imm, out, n);
    case Alu::kDivide: return TensorScalarLoop<Alu::kDivide>(a, imm, out, n);
    case Alu::kMax: return TensorScalarLoop<Alu::kMax>(a, imm, out, n);
    case Alu::kMin: return TensorScalarLoop<Alu::kMin>(a, imm, out, n);
  }
}

void Activation(Act func, const float* a, float scale, float bias, float* out,
                int64_t n) {
  switch (func) {
    case Act::kIdentity:
      for (int64_t i = 0; i < n; ++i) out[i] = a[i] * scale + bias;
      return;
    case Act::kRelu:
      for (int64_t i = 0; i < n; ++i) {
        float x = a[i] * scale + bias;
        out[i] = x > 0.0f ? x : 0.0f;
      }
      return;
    default:
      // Transcendentals: libm per element (same results as the reference).
      ActivationReference(func, a, scale, bias, out, n);
      return;
  }
}

}  // namespace ncc::kernels
