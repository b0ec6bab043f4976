// Scalar references and the Highway fast paths (compiled once per SIMD
// target by foreach_target, chosen at run time by HWY_DYNAMIC_DISPATCH).
// clang-format off: foreach_target must come first and re-includes this file.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/kernels/elementwise.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// clang-format on

#include <cmath>
#include <limits>

#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"
#include "runtime/kernels/elementwise.h"

HWY_BEFORE_NAMESPACE();
namespace ncc::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;

template <Alu kOp>
HWY_INLINE VF AluV(DF d, VF a, VF b) {
  const VF one = hn::Set(d, 1.0f);
  if constexpr (kOp == Alu::kAdd) return hn::Add(a, b);
  if constexpr (kOp == Alu::kSubtract) return hn::Sub(a, b);
  if constexpr (kOp == Alu::kMultiply) return hn::Mul(a, b);
  if constexpr (kOp == Alu::kDivide) return hn::Div(a, b);
  // x86 max/min return the second operand when either is NaN, which is
  // exactly the reference's `a > b ? a : b` / `a < b ? a : b`.
  if constexpr (kOp == Alu::kMax) return hn::IfThenElse(hn::Gt(a, b), a, b);
  if constexpr (kOp == Alu::kMin) return hn::IfThenElse(hn::Lt(a, b), a, b);
  if constexpr (kOp == Alu::kIsEqual) return hn::IfThenElseZero(hn::Eq(a, b), one);
  // Not(Eq): true for NaN, like C's !=.
  if constexpr (kOp == Alu::kNotEqual) return hn::IfThenZeroElse(hn::Eq(a, b), one);
  if constexpr (kOp == Alu::kIsGt) return hn::IfThenElseZero(hn::Gt(a, b), one);
  if constexpr (kOp == Alu::kIsGe) return hn::IfThenElseZero(hn::Ge(a, b), one);
  if constexpr (kOp == Alu::kIsLt) return hn::IfThenElseZero(hn::Lt(a, b), one);
  if constexpr (kOp == Alu::kIsLe) return hn::IfThenElseZero(hn::Le(a, b), one);
  if constexpr (kOp == Alu::kBypass) return a;
  return a;  // kPow, kFmod, kMod and the shifts never reach here (scalar)
}

template <Alu kOp>
void TensorTensorT(const float* a, const float* b, float* out, int64_t n) {
  const DF d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    hn::StoreU(AluV<kOp>(d, hn::LoadU(d, a + i), hn::LoadU(d, b + i)), d, out + i);
  }
  for (; i < n; ++i) out[i] = ApplyAlu(kOp, a[i], b[i]);
}

template <Alu kOp, Alu kOp2>
void TensorScalarT(float s1, float s2, const float* a, float* out, int64_t n) {
  const DF d;
  const VF v1 = hn::Set(d, s1), v2 = hn::Set(d, s2);
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    VF x = AluV<kOp>(d, hn::LoadU(d, a + i), v1);
    hn::StoreU(AluV<kOp2>(d, x, v2), d, out + i);
  }
  for (; i < n; ++i) out[i] = ApplyAlu(kOp2, ApplyAlu(kOp, a[i], s1), s2);
}

// clang-format does not settle on one layout for this list.
// clang-format off
#define NCC_ALU_CASES(MACRO)                                                         \
  MACRO(kAdd) MACRO(kSubtract) MACRO(kMultiply) MACRO(kDivide) MACRO(kMax) MACRO(kMin) \
  MACRO(kIsEqual) MACRO(kNotEqual) MACRO(kIsGt) MACRO(kIsGe) MACRO(kIsLt) MACRO(kIsLe) \
  MACRO(kBypass)
// clang-format on

void TensorTensorImpl(Alu op, const float* a, const float* b, float* out, int64_t n) {
  switch (op) {
#define NCC_CASE(OP) \
  case Alu::OP:      \
    return TensorTensorT<Alu::OP>(a, b, out, n);
    NCC_ALU_CASES(NCC_CASE)
#undef NCC_CASE
    case Alu::kPow:
    case Alu::kFmod:
    case Alu::kMod:
    case Alu::kShiftLeft:
    case Alu::kShiftRight:
      return AluTensorTensorReference(op, a, b, out, n);
  }
}

// The common second ops are instantiated; the rest go through two passes.
template <Alu kOp>
void TensorScalarFirst(float s1, Alu op2, float s2, const float* a, float* out, int64_t n) {
  switch (op2) {
    case Alu::kBypass:
      return TensorScalarT<kOp, Alu::kBypass>(s1, s2, a, out, n);
    case Alu::kAdd:
      return TensorScalarT<kOp, Alu::kAdd>(s1, s2, a, out, n);
    case Alu::kMultiply:
      return TensorScalarT<kOp, Alu::kMultiply>(s1, s2, a, out, n);
    case Alu::kMax:
      return TensorScalarT<kOp, Alu::kMax>(s1, s2, a, out, n);
    case Alu::kMin:
      return TensorScalarT<kOp, Alu::kMin>(s1, s2, a, out, n);
    default:
      TensorScalarT<kOp, Alu::kBypass>(s1, s2, a, out, n);
      // Second op over the first's result (element-wise, so in place is fine).
      for (int64_t i = 0; i < n; ++i) out[i] = ApplyAlu(op2, out[i], s2);
      return;
  }
}

void TensorScalarImpl(Alu op, float s1, Alu op2, float s2, const float* a, float* out, int64_t n) {
  switch (op) {
#define NCC_CASE(OP) \
  case Alu::OP:      \
    return TensorScalarFirst<Alu::OP>(s1, op2, s2, a, out, n);
    NCC_ALU_CASES(NCC_CASE)
#undef NCC_CASE
    case Alu::kPow:
    case Alu::kFmod:
    case Alu::kMod:
    case Alu::kShiftLeft:
    case Alu::kShiftRight:
      return AluTensorScalarReference(op, s1, op2, s2, a, out, n);
  }
}

// Vector forms of ApplyAct for inputs inside `Domain` (lanes outside it,
// and NaN, are recomputed by the scalar reference).
template <Act kF>
HWY_INLINE VF ActV(DF d, VF x) {
  const VF zero = hn::Zero(d), one = hn::Set(d, 1.0f);
  if constexpr (kF == Act::kIdentity) return x;
  if constexpr (kF == Act::kRelu) return hn::IfThenElse(hn::Gt(x, zero), x, zero);
  if constexpr (kF == Act::kSquare) return hn::Mul(x, x);
  if constexpr (kF == Act::kAbs) return hn::Abs(x);
  if constexpr (kF == Act::kSign) {
    return hn::IfThenElse(hn::Gt(x, zero), one, hn::IfThenElse(hn::Lt(x, zero), hn::Neg(one), x));
  }
  if constexpr (kF == Act::kSqrt) return hn::Sqrt(x);
  if constexpr (kF == Act::kRsqrt) return hn::Div(one, hn::Sqrt(x));
  if constexpr (kF == Act::kReciprocal) return hn::Div(one, x);
  if constexpr (kF == Act::kExp) return hn::Exp(d, x);
  if constexpr (kF == Act::kLog) return hn::Log(d, x);
  if constexpr (kF == Act::kTanh) return hn::Tanh(d, x);
  if constexpr (kF == Act::kSin) return hn::Sin(d, x);
  if constexpr (kF == Act::kCos) return hn::Cos(d, x);
  if constexpr (kF == Act::kFloor) return hn::Floor(x);
  if constexpr (kF == Act::kCeil) return hn::Ceil(x);
  if constexpr (kF == Act::kRound) return hn::Round(x);  // ties to even
  if constexpr (kF == Act::kSigmoid) {
    return hn::Div(one, hn::Add(one, hn::Exp(d, hn::Neg(x))));
  }
  if constexpr (kF == Act::kSilu) {
    return hn::Mul(x, hn::Div(one, hn::Add(one, hn::Exp(d, hn::Neg(x)))));
  }
  if constexpr (kF == Act::kSoftplus) {
    return hn::Add(hn::Max(x, zero), hn::Log1p(d, hn::Exp(d, hn::Neg(hn::Abs(x)))));
  }
  if constexpr (kF == Act::kGeluTanh) {
    const VF c = hn::Set(d, 0.7978845608028654f), k = hn::Set(d, 0.044715f);
    const VF x3 = hn::Mul(hn::Mul(x, x), x);
    const VF t = hn::Tanh(d, hn::Mul(c, hn::Add(x, hn::Mul(k, x3))));
    return hn::Mul(hn::Mul(hn::Set(d, 0.5f), x), hn::Add(one, t));
  }
  return x;
}

// Inputs for which ActV is valid; false for NaN.
template <Act kF>
HWY_INLINE hn::Mask<DF> Domain(DF d, VF x) {
  auto in = [&](float lo, float hi) {
    return hn::And(hn::Ge(x, hn::Set(d, lo)), hn::Le(x, hn::Set(d, hi)));
  };
  constexpr float kMax = std::numeric_limits<float>::max();
  switch (kF) {
    case Act::kExp:
      return in(-87.0f, 88.0f);
    case Act::kSigmoid:
    case Act::kSilu:
    case Act::kTanh:
    case Act::kSoftplus:
    case Act::kGeluTanh:
      return in(-80.0f, 80.0f);
    case Act::kLog:
      return in(std::numeric_limits<float>::min(), kMax);
    case Act::kSin:
    case Act::kCos:
      return in(-30000.0f, 30000.0f);
    default:
      return hn::Eq(x, x);
  }
}

template <Act kF>
void ActivationT(const float* a, float scale, float bias, float* out, int64_t n) {
  const DF d;
  const VF vs = hn::Set(d, scale), vb = hn::Set(d, bias);
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  constexpr bool kExact = kF == Act::kIdentity || kF == Act::kRelu || kF == Act::kSquare ||
                          kF == Act::kAbs || kF == Act::kSign || kF == Act::kSqrt ||
                          kF == Act::kRsqrt || kF == Act::kReciprocal || kF == Act::kFloor ||
                          kF == Act::kCeil || kF == Act::kRound;
  int64_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    // Not fused: x is rounded after the multiply, as in the reference.
    const VF x = hn::Add(hn::Mul(hn::LoadU(d, a + i), vs), vb);
    if (!kExact && !hn::AllTrue(d, Domain<kF>(d, x))) {
      for (int64_t j = i; j < i + lanes; ++j) {
        out[j] = ApplyAct(kF, a[j] * scale + bias);
      }
      continue;
    }
    hn::StoreU(ActV<kF>(d, x), d, out + i);
  }
  for (; i < n; ++i) out[i] = ApplyAct(kF, a[i] * scale + bias);
}

void ActivationImpl(Act func, const float* a, float scale, float bias, float* out, int64_t n) {
  switch (func) {
#define NCC_CASE(F) \
  case Act::F:      \
    return ActivationT<Act::F>(a, scale, bias, out, n);
    // clang-format off
    NCC_CASE(kIdentity) NCC_CASE(kRelu) NCC_CASE(kSigmoid) NCC_CASE(kTanh)
    NCC_CASE(kExp) NCC_CASE(kGeluTanh) NCC_CASE(kSqrt) NCC_CASE(kRsqrt)
    NCC_CASE(kReciprocal) NCC_CASE(kLog) NCC_CASE(kSquare) NCC_CASE(kAbs)
    NCC_CASE(kSilu) NCC_CASE(kSoftplus) NCC_CASE(kSign) NCC_CASE(kSin)
    NCC_CASE(kCos) NCC_CASE(kFloor) NCC_CASE(kCeil) NCC_CASE(kRound)
    // clang-format on
#undef NCC_CASE
        // libm on both paths.
        case Act::kGelu : case Act::kErf : case Act::kTan : case Act::kSinh : case Act::kCosh
        : case Act::kAsin : case Act::kAcos : case Act::kAtan : case Act::kAsinh : case Act::kAcosh
        : case Act::kAtanh : return ActivationReference(func, a, scale, bias, out, n);
  }
}

template <Alu kOp>
float FoldScalar(const float* a, int64_t r) {
  float acc = a[0];
  for (int64_t i = 1; i < r; ++i) acc = ApplyAlu(kOp, acc, a[i]);
  return acc;
}

// Max/min fold: order-independent except for NaN and signed zeros, so the
// vector path runs only when the group holds neither (checked per group).
template <Alu kOp>
float FoldMaxMin(const float* a, int64_t r) {
  const DF d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  if (r < 2 * lanes) return FoldScalar<kOp>(a, r);
  VF acc = hn::LoadU(d, a);
  auto bad = hn::Or(hn::Ne(acc, acc), hn::Eq(acc, hn::Zero(d)));
  int64_t i = lanes;
  for (; i + lanes <= r; i += lanes) {
    const VF x = hn::LoadU(d, a + i);
    bad = hn::Or(bad, hn::Or(hn::Ne(x, x), hn::Eq(x, hn::Zero(d))));
    acc = AluV<kOp>(d, acc, x);
  }
  float result =
      kOp == Alu::kMax ? hn::GetLane(hn::MaxOfLanes(d, acc)) : hn::GetLane(hn::MinOfLanes(d, acc));
  for (; i < r; ++i) {
    if (a[i] != a[i] || a[i] == 0.0f) return FoldScalar<kOp>(a, r);
    result = ApplyAlu(kOp, result, a[i]);
  }
  if (!hn::AllFalse(d, bad)) return FoldScalar<kOp>(a, r);
  return result;
}

void ReduceImpl(Alu op, const float* a, int64_t groups, int64_t r, float* out) {
  if (op != Alu::kMax && op != Alu::kMin) {
    // Sums and products fold left to right: sequential by definition.
    return ReduceReference(op, a, groups, r, out);
  }
  for (int64_t g = 0; g < groups; ++g) {
    out[g] =
        op == Alu::kMax ? FoldMaxMin<Alu::kMax>(a + g * r, r) : FoldMaxMin<Alu::kMin>(a + g * r, r);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace ncc::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ncc::kernels {

HWY_EXPORT(TensorTensorImpl);
HWY_EXPORT(TensorScalarImpl);
HWY_EXPORT(ActivationImpl);
HWY_EXPORT(ReduceImpl);

bool ActIsExact(Act func) {
  switch (func) {
    case Act::kIdentity:
    case Act::kRelu:
    case Act::kSquare:
    case Act::kAbs:
    case Act::kSign:
    case Act::kSqrt:
    case Act::kRsqrt:
    case Act::kReciprocal:
    case Act::kFloor:
    case Act::kCeil:
    case Act::kRound:
    case Act::kGelu:  // libm on both paths
    case Act::kErf:
    case Act::kTan:
    case Act::kSinh:
    case Act::kCosh:
    case Act::kAsin:
    case Act::kAcos:
    case Act::kAtan:
    case Act::kAsinh:
    case Act::kAcosh:
    case Act::kAtanh:
      return true;
    default:
      return false;
  }
}

float ApplyAct(Act func, float x) {
  switch (func) {
    case Act::kIdentity:
      return x;
    case Act::kRelu:
      return x > 0.0f ? x : 0.0f;
    case Act::kSigmoid:
      return 1.0f / (1.0f + std::exp(-x));
    case Act::kTanh:
      return std::tanh(x);
    case Act::kExp:
      return std::exp(x);
    case Act::kGelu:
      return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    case Act::kGeluTanh: {
      const float t = std::tanh(0.7978845608028654f * (x + 0.044715f * (x * x * x)));
      return 0.5f * x * (1.0f + t);
    }
    case Act::kErf:
      return std::erf(x);
    case Act::kSqrt:
      return std::sqrt(x);
    case Act::kRsqrt:
      return 1.0f / std::sqrt(x);
    case Act::kReciprocal:
      return 1.0f / x;
    case Act::kLog:
      return std::log(x);
    case Act::kSquare:
      return x * x;
    case Act::kAbs:
      return std::fabs(x);
    case Act::kSilu:
      return x * (1.0f / (1.0f + std::exp(-x)));
    case Act::kSoftplus:
      // Stable form of log(1 + e^x).
      return (x > 0.0f ? x : 0.0f) + std::log1p(std::exp(-std::fabs(x)));
    case Act::kSign:
      return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x);
    case Act::kSin:
      return std::sin(x);
    case Act::kCos:
      return std::cos(x);
    case Act::kTan:
      return std::tan(x);
    case Act::kSinh:
      return std::sinh(x);
    case Act::kCosh:
      return std::cosh(x);
    case Act::kAsin:
      return std::asin(x);
    case Act::kAcos:
      return std::acos(x);
    case Act::kAtan:
      return std::atan(x);
    case Act::kAsinh:
      return std::asinh(x);
    case Act::kAcosh:
      return std::acosh(x);
    case Act::kAtanh:
      return std::atanh(x);
    case Act::kFloor:
      return std::floor(x);
    case Act::kCeil:
      return std::ceil(x);
    case Act::kRound:
      // The simulator never leaves the default rounding mode (to nearest,
      // ties to even), so nearbyint is IEEE roundToIntegralTiesToEven.
      return std::nearbyint(x);
  }
  return x;
}

void AluTensorTensorReference(Alu op, const float* a, const float* b, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = ApplyAlu(op, a[i], b[i]);
}

void AluTensorScalarReference(Alu op, float s1, Alu op2, float s2, const float* a, float* out,
                              int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    out[i] = ApplyAlu(op2, ApplyAlu(op, a[i], s1), s2);
  }
}

void ActivationReference(Act func, const float* a, float scale, float bias, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = ApplyAct(func, a[i] * scale + bias);
}

void ReduceReference(Alu op, const float* a, int64_t groups, int64_t r, float* out) {
  for (int64_t g = 0; g < groups; ++g) {
    const float* row = a + g * r;
    float acc = row[0];
    for (int64_t i = 1; i < r; ++i) acc = ApplyAlu(op, acc, row[i]);
    out[g] = acc;
  }
}

void AluTensorTensor(Alu op, const float* a, const float* b, float* out, int64_t n) {
  HWY_DYNAMIC_DISPATCH(TensorTensorImpl)(op, a, b, out, n);
}

void AluTensorScalar(Alu op, float s1, Alu op2, float s2, const float* a, float* out, int64_t n) {
  HWY_DYNAMIC_DISPATCH(TensorScalarImpl)(op, s1, op2, s2, a, out, n);
}

void Activation(Act func, const float* a, float scale, float bias, float* out, int64_t n) {
  HWY_DYNAMIC_DISPATCH(ActivationImpl)(func, a, scale, bias, out, n);
}

void Reduce(Alu op, const float* a, int64_t groups, int64_t r, float* out) {
  if (r <= 0) return;
  HWY_DYNAMIC_DISPATCH(ReduceImpl)(op, a, groups, r, out);
}

}  // namespace ncc::kernels
#endif  // HWY_ONCE
