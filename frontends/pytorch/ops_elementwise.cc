// Element-wise arithmetic, comparisons and activations.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "frontends/pytorch/op_table.h"
#include "frontends/pytorch/ops_util.h"

namespace ncc::pytorch_frontend {
namespace {

// add/sub(self, other, alpha=1): self +/- alpha * other.
absl::Status AddSub(ConvertContext& ctx, const char* type) {
  double alpha = 1.0;
  if (ctx.num_inputs() > 2 && !ctx.IsNone(2)) {
    NCC_PT_ASSIGN(a, ctx.Double(2));
    alpha = a;
  }
  if (alpha == 1.0) return ConvertBinary(ctx, type);
  NCC_PT_ASSIGN(dtype, PromotedDType(ctx, 0, 1));
  NCC_PT_ASSIGN(x, ctx.Tensor(0, dtype));
  NCC_PT_ASSIGN(y, ctx.Tensor(1, dtype));
  x = ctx.CastTo(x, dtype);
  y = ctx.CastTo(y, dtype);
  y = ctx.Emit("Mul", {y, ctx.ScalarConstant(alpha, dtype)}, y->shape, dtype);
  return ctx.Set(0, ctx.Emit(type, {x, y}, ctx.OutShape(), dtype));
}

absl::Status Add(ConvertContext& ctx) { return AddSub(ctx, "Add"); }
absl::Status Sub(ConvertContext& ctx) { return AddSub(ctx, "Sub"); }

// rsub(self, other, alpha=1) = other - alpha * self.
absl::Status Rsub(ConvertContext& ctx) {
  double alpha = 1.0;
  if (ctx.num_inputs() > 2) {
    NCC_PT_ASSIGN(a, ctx.Double(2));
    alpha = a;
  }
  NCC_PT_ASSIGN(dtype, PromotedDType(ctx, 0, 1));
  NCC_PT_ASSIGN(x, ctx.Tensor(0, dtype));
  NCC_PT_ASSIGN(y, ctx.Tensor(1, dtype));
  x = ctx.CastTo(x, dtype);
  y = ctx.CastTo(y, dtype);
  if (alpha != 1.0) x = ctx.Emit("Mul", {x, ctx.ScalarConstant(alpha, dtype)}, x->shape, dtype);
  return ctx.Set(0, ctx.Emit("Sub", {y, x}, ctx.OutShape(), dtype));
}

absl::Status Mul(ConvertContext& ctx) { return ConvertBinary(ctx, "Mul"); }

absl::Status Div(ConvertContext& ctx) {
  std::string mode;
  if (ctx.num_inputs() > 2 && !ctx.IsNone(2)) mode = ctx.input(2).toStringRef();
  NCC_PT_ASSIGN(out_dtype, ctx.OutDType());
  // True division of integers gives float: compute in the output dtype.
  NCC_PT_ASSIGN(x, ctx.Tensor(0, out_dtype));
  NCC_PT_ASSIGN(y, ctx.Tensor(1, out_dtype));
  if (mode.empty()) {
    x = ctx.CastTo(x, out_dtype);
    y = ctx.CastTo(y, out_dtype);
    return ctx.Set(0, ctx.Emit("Div", {x, y}, ctx.OutShape(), out_dtype));
  }
  if (mode != "floor" && mode != "trunc") {
    return ctx.Unsupported(absl::StrCat("rounding_mode='", mode, "'"));
  }
  // Divide in f32, round, and return in torch's dtype.
  ir::Value* xf = ctx.CastTo(x, ir::DType::kF32);
  ir::Value* yf = ctx.CastTo(y, ir::DType::kF32);
  ir::Value* q = ctx.Emit("Div", {xf, yf}, ctx.OutShape(), ir::DType::kF32);
  if (mode == "floor") {
    q = ctx.Emit("Floor", {q}, q->shape, ir::DType::kF32);
  } else {
    // trunc(q) = sign(q) * floor(|q|)
    ir::Value* mag = ctx.Emit("Floor", {ctx.Emit("Abs", {q}, q->shape, ir::DType::kF32)}, q->shape,
                              ir::DType::kF32);
    q = ctx.Emit("Mul", {ctx.Emit("Sign", {q}, q->shape, ir::DType::kF32), mag}, q->shape,
                 ir::DType::kF32);
  }
  return ctx.Set(0, ctx.CastTo(q, out_dtype));
}

absl::Status Pow(ConvertContext& ctx) {
  // x ** 2 and x ** 0.5 are common; they stay cheap element-wise ops.
  if (!ctx.IsTensor(1) && ctx.input(1).isScalar()) {
    NCC_PT_ASSIGN(e, ctx.Double(1));
    NCC_PT_ASSIGN(dtype, ctx.OutDType());
    NCC_PT_ASSIGN(x, ctx.Tensor(0, dtype));
    x = ctx.CastTo(x, dtype);
    if (e == 2.0) return ctx.Set(0, ctx.Emit("Mul", {x, x}, ctx.OutShape(), dtype));
    if (e == 1.0) return ctx.Set(0, ctx.Emit("Identity", {x}, ctx.OutShape(), dtype));
    if (e == 0.5) return ctx.Set(0, ctx.Emit("Sqrt", {x}, ctx.OutShape(), dtype));
  }
  return ConvertBinary(ctx, "Pow");
}

absl::Status Maximum(ConvertContext& ctx) { return ConvertBinary(ctx, "Max"); }
absl::Status Minimum(ConvertContext& ctx) { return ConvertBinary(ctx, "Min"); }
absl::Status Eq(ConvertContext& ctx) { return ConvertBinary(ctx, "Equal", 0, 1, true); }
absl::Status Lt(ConvertContext& ctx) { return ConvertBinary(ctx, "Less", 0, 1, true); }
absl::Status Le(ConvertContext& ctx) { return ConvertBinary(ctx, "LessOrEqual", 0, 1, true); }
absl::Status Gt(ConvertContext& ctx) { return ConvertBinary(ctx, "Greater", 0, 1, true); }
absl::Status Ge(ConvertContext& ctx) { return ConvertBinary(ctx, "GreaterOrEqual", 0, 1, true); }
absl::Status Ne(ConvertContext& ctx) {
  NCC_PT_ASSIGN(dtype, PromotedDType(ctx, 0, 1));
  NCC_PT_ASSIGN(x, ctx.Tensor(0, dtype));
  NCC_PT_ASSIGN(y, ctx.Tensor(1, dtype));
  ir::Value* eq = ctx.Emit("Equal", {ctx.CastTo(x, dtype), ctx.CastTo(y, dtype)}, ctx.OutShape(),
                           ir::DType::kBool);
  return ctx.Set(0, ctx.Emit("Not", {eq}, ctx.OutShape(), ir::DType::kBool));
}

absl::Status Logical(ConvertContext& ctx, const char* type) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0, ir::DType::kBool));
  NCC_PT_ASSIGN(y, ctx.Tensor(1, ir::DType::kBool));
  return ctx.Set(0, ctx.Emit(type, {ctx.CastTo(x, ir::DType::kBool), ctx.CastTo(y, ir::DType::kBool)},
                             ctx.OutShape(), ir::DType::kBool));
}
absl::Status LogicalAnd(ConvertContext& ctx) { return Logical(ctx, "And"); }
absl::Status LogicalOr(ConvertContext& ctx) { return Logical(ctx, "Or"); }
absl::Status LogicalXor(ConvertContext& ctx) { return Logical(ctx, "Xor"); }
absl::Status LogicalNot(ConvertContext& ctx) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0, ir::DType::kBool));
  return ctx.Set(0, ctx.Emit("Not", {ctx.CastTo(x, ir::DType::kBool)}, ctx.OutShape(),
                             ir::DType::kBool));
}

// where(condition, self, other)
absl::Status Where(ConvertContext& ctx) {
  if (ctx.num_inputs() != 3) return ctx.Unsupported("where(condition) with one argument");
  NCC_PT_ASSIGN(dtype, ctx.OutDType());
  NCC_PT_ASSIGN(c, ctx.Tensor(0, ir::DType::kBool));
  NCC_PT_ASSIGN(x, ctx.Tensor(1, dtype));
  NCC_PT_ASSIGN(y, ctx.Tensor(2, dtype));
  return ctx.Set(0, ctx.Emit("Where",
                             {ctx.CastTo(c, ir::DType::kBool), ctx.CastTo(x, dtype),
                              ctx.CastTo(y, dtype)},
                             ctx.OutShape(), dtype));
}

// masked_fill(self, mask, value)
absl::Status MaskedFill(ConvertContext& ctx) {
  NCC_PT_ASSIGN(dtype, ctx.OutDType());
  NCC_PT_ASSIGN(x, ctx.Tensor(0, dtype));
  NCC_PT_ASSIGN(mask, ctx.Tensor(1, ir::DType::kBool));
  NCC_PT_ASSIGN(value, ctx.Tensor(2, dtype));
  value = ctx.CastTo(value, dtype);
  return ctx.Set(0, ctx.Emit("Where", {ctx.CastTo(mask, ir::DType::kBool), value, x},
                             ctx.OutShape(), dtype));
}

absl::Status Relu(ConvertContext& ctx) { return ConvertUnary(ctx, "Relu"); }
absl::Status Sigmoid(ConvertContext& ctx) { return ConvertUnary(ctx, "Sigmoid"); }
absl::Status Tanh(ConvertContext& ctx) { return ConvertUnary(ctx, "Tanh"); }
absl::Status Exp(ConvertContext& ctx) { return ConvertUnary(ctx, "Exp"); }
absl::Status Log(ConvertContext& ctx) { return ConvertUnary(ctx, "Log"); }
absl::Status Sqrt(ConvertContext& ctx) { return ConvertUnary(ctx, "Sqrt"); }
absl::Status Neg(ConvertContext& ctx) { return ConvertUnary(ctx, "Neg"); }
absl::Status Abs(ConvertContext& ctx) { return ConvertUnary(ctx, "Abs"); }
absl::Status Erf(ConvertContext& ctx) { return ConvertUnary(ctx, "Erf"); }
absl::Status Sin(ConvertContext& ctx) { return ConvertUnary(ctx, "Sin"); }
absl::Status Cos(ConvertContext& ctx) { return ConvertUnary(ctx, "Cos"); }
absl::Status Reciprocal(ConvertContext& ctx) { return ConvertUnary(ctx, "Reciprocal"); }
absl::Status Floor(ConvertContext& ctx) { return ConvertUnary(ctx, "Floor"); }
absl::Status Ceil(ConvertContext& ctx) { return ConvertUnary(ctx, "Ceil"); }
absl::Status Round(ConvertContext& ctx) { return ConvertUnary(ctx, "Round"); }
absl::Status Sign(ConvertContext& ctx) { return ConvertUnary(ctx, "Sign"); }
absl::Status Softplus(ConvertContext& ctx) {
  NCC_PT_ASSIGN(beta, ctx.Double(1));
  if (beta != 1.0) return ctx.Unsupported("beta != 1");
  return ConvertUnary(ctx, "Softplus");
}
absl::Status Rsqrt(ConvertContext& ctx) {
  NCC_PT_ASSIGN(dtype, ctx.OutDType());
  NCC_PT_ASSIGN(x, ctx.Tensor(0, dtype));
  ir::Value* s = ctx.Emit("Sqrt", {ctx.CastTo(x, dtype)}, ctx.OutShape(), dtype);
  return ctx.Set(0, ctx.Emit("Reciprocal", {s}, ctx.OutShape(), dtype));
}

absl::Status Gelu(ConvertContext& ctx) {
  std::string approximate = "none";
  if (ctx.num_inputs() > 1 && ctx.input(1).isString()) approximate = ctx.input(1).toStringRef();
  return ConvertUnary(ctx, "Gelu", {{"approximate", approximate}});
}

// silu(x) = x * sigmoid(x)
absl::Status Silu(ConvertContext& ctx) {
  NCC_PT_ASSIGN(dtype, ctx.OutDType());
  NCC_PT_ASSIGN(x, ctx.Tensor(0, dtype));
  ir::Value* s = ctx.Emit("Sigmoid", {x}, x->shape, dtype);
  return ctx.Set(0, ctx.Emit("Mul", {x, s}, ctx.OutShape(), dtype));
}

// mish(x) = x * tanh(softplus(x))
absl::Status Mish(ConvertContext& ctx) {
  NCC_PT_ASSIGN(dtype, ctx.OutDType());
  NCC_PT_ASSIGN(x, ctx.Tensor(0, dtype));
  ir::Value* sp = ctx.Emit("Softplus", {x}, x->shape, dtype);
  ir::Value* t = ctx.Emit("Tanh", {sp}, x->shape, dtype);
  return ctx.Set(0, ctx.Emit("Mul", {x, t}, ctx.OutShape(), dtype));
}

absl::Status Hardswish(ConvertContext& ctx) { return ConvertUnary(ctx, "HardSwish"); }
absl::Status Hardsigmoid(ConvertContext& ctx) {
  return ConvertUnary(ctx, "HardSigmoid", {{"alpha", 1.0f / 6.0f}, {"beta", 0.5f}});
}

absl::Status ClipBetween(ConvertContext& ctx, double lo, double hi) {
  NCC_PT_ASSIGN(dtype, ctx.OutDType());
  NCC_PT_ASSIGN(x, ctx.Tensor(0, dtype));
  x = ctx.CastTo(x, dtype);
  std::vector<ir::Value*> inputs = {x, ctx.ScalarConstant(lo, dtype), ctx.ScalarConstant(hi, dtype)};
  return ctx.Set(0, ctx.Emit("Clip", inputs, ctx.OutShape(), dtype));
}

absl::Status Relu6(ConvertContext& ctx) { return ClipBetween(ctx, 0.0, 6.0); }
absl::Status Hardtanh(ConvertContext& ctx) {
  NCC_PT_ASSIGN(lo, ctx.Double(1));
  NCC_PT_ASSIGN(hi, ctx.Double(2));
  return ClipBetween(ctx, lo, hi);
}

// clamp(self, min=None, max=None) with numbers.
absl::Status Clamp(ConvertContext& ctx) {
  if ((ctx.num_inputs() > 1 && ctx.IsTensor(1)) || (ctx.num_inputs() > 2 && ctx.IsTensor(2))) {
    // clamp.Tensor: max(min(x, hi), lo)
    NCC_PT_ASSIGN(dtype, ctx.OutDType());
    NCC_PT_ASSIGN(x, ctx.Tensor(0, dtype));
    x = ctx.CastTo(x, dtype);
    if (!ctx.IsNone(1)) {
      NCC_PT_ASSIGN(lo, ctx.Tensor(1, dtype));
      x = ctx.Emit("Max", {x, ctx.CastTo(lo, dtype)}, ctx.OutShape(), dtype);
    }
    if (!ctx.IsNone(2)) {
      NCC_PT_ASSIGN(hi, ctx.Tensor(2, dtype));
      x = ctx.Emit("Min", {x, ctx.CastTo(hi, dtype)}, ctx.OutShape(), dtype);
    }
    return ctx.Set(0, x);
  }
  double lo = -INFINITY, hi = INFINITY;
  if (!ctx.IsNone(1)) {
    NCC_PT_ASSIGN(v, ctx.Double(1));
    lo = v;
  }
  if (ctx.num_inputs() > 2 && !ctx.IsNone(2)) {
    NCC_PT_ASSIGN(v, ctx.Double(2));
    hi = v;
  }
  return ClipBetween(ctx, lo, hi);
}
absl::Status ClampMin(ConvertContext& ctx) {
  NCC_PT_ASSIGN(lo, ctx.Double(1));
  return ClipBetween(ctx, lo, INFINITY);
}
absl::Status ClampMax(ConvertContext& ctx) {
  NCC_PT_ASSIGN(hi, ctx.Double(1));
  return ClipBetween(ctx, -INFINITY, hi);
}

absl::Status LeakyRelu(ConvertContext& ctx) {
  double slope = 0.01;
  if (ctx.num_inputs() > 1) {
    NCC_PT_ASSIGN(s, ctx.Double(1));
    slope = s;
  }
  return ConvertUnary(ctx, "LeakyRelu", {{"alpha", static_cast<float>(slope)}});
}

// elu(self, alpha, scale, input_scale)
absl::Status Elu(ConvertContext& ctx) {
  NCC_PT_ASSIGN(alpha, ctx.Double(1));
  if (ctx.num_inputs() > 3) {
    NCC_PT_ASSIGN(scale, ctx.Double(2));
    NCC_PT_ASSIGN(input_scale, ctx.Double(3));
    if (scale != 1.0 || input_scale != 1.0) return ctx.Unsupported("scale != 1 (selu-style)");
  }
  return ConvertUnary(ctx, "Elu", {{"alpha", static_cast<float>(alpha)}});
}

// Dropout and other identities in eval mode.
absl::Status Dropout(ConvertContext& ctx) {
  if (ctx.num_inputs() > 2) {
    NCC_PT_ASSIGN(train, ctx.Bool(2));
    if (train) return ctx.Unsupported("dropout with train=True");
  }
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  return ctx.Set(0, ctx.Emit("Identity", {x}, ctx.OutShape(), x->dtype));
}

constexpr TorchOpSupport kOps[] = {
    {"aten::abs", Abs, ""},
    {"aten::add", Add, ""},
    {"aten::ceil", Ceil, ""},
    {"aten::clamp", Clamp, ""},
    {"aten::clamp_max", ClampMax, ""},
    {"aten::clamp_min", ClampMin, ""},
    {"aten::clip", Clamp, ""},
    {"aten::cos", Cos, ""},
    {"aten::div", Div, "rounding_mode None, 'floor' or 'trunc'"},
    {"aten::dropout", Dropout, "eval mode (train=False): identity"},
    {"aten::elu", Elu, "scale = input_scale = 1"},
    {"aten::eq", Eq, ""},
    {"aten::erf", Erf, ""},
    {"aten::exp", Exp, ""},
    {"aten::feature_dropout", Dropout, "eval mode: identity"},
    {"aten::floor", Floor, ""},
    {"aten::ge", Ge, ""},
    {"aten::gelu", Gelu, "approximate 'none' or 'tanh'"},
    {"aten::gt", Gt, ""},
    {"aten::hardsigmoid", Hardsigmoid, ""},
    {"aten::hardswish", Hardswish, ""},
    {"aten::hardtanh", Hardtanh, ""},
    {"aten::le", Le, ""},
    {"aten::leaky_relu", LeakyRelu, ""},
    {"aten::log", Log, ""},
    {"aten::logical_and", LogicalAnd, ""},
    {"aten::logical_not", LogicalNot, ""},
    {"aten::logical_or", LogicalOr, ""},
    {"aten::logical_xor", LogicalXor, ""},
    {"aten::lt", Lt, ""},
    {"aten::masked_fill", MaskedFill, ""},
    {"aten::maximum", Maximum, ""},
    {"aten::minimum", Minimum, ""},
    {"aten::mish", Mish, ""},
    {"aten::mul", Mul, ""},
    {"aten::ne", Ne, ""},
    {"aten::neg", Neg, ""},
    {"aten::pow", Pow, ""},
    {"aten::reciprocal", Reciprocal, ""},
    {"aten::relu", Relu, ""},
    {"aten::relu6", Relu6, ""},
    {"aten::round", Round, "decimals = 0"},
    {"aten::rsqrt", Rsqrt, ""},
    {"aten::rsub", Rsub, ""},
    {"aten::sigmoid", Sigmoid, ""},
    {"aten::sign", Sign, ""},
    {"aten::silu", Silu, ""},
    {"aten::sin", Sin, ""},
    {"aten::softplus", Softplus, "beta = 1"},
    {"aten::sqrt", Sqrt, ""},
    {"aten::sub", Sub, ""},
    {"aten::tanh", Tanh, ""},
    {"aten::true_divide", Div, ""},
    {"aten::where", Where, "three-argument form"},
};

}  // namespace

absl::Span<const TorchOpSupport> ElementwiseOps() { return kOps; }

}  // namespace ncc::pytorch_frontend
