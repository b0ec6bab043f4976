// Element-wise arithmetic (same-shape, broadcasting and scalar forms),
// comparisons, unary math, clip, reductions, dot, batch_dot and where, with
// MXNet 1.x's semantics: comparisons return 0/1 in the input's dtype, round
// goes half away from zero, reducing every axis without keepdims leaves
// shape (1,).
#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "frontends/mxnet/convert.h"
#include "frontends/mxnet/op_table.h"

namespace ncc::mxnet_frontend {
namespace {

absl::Status ExactInputs(const ConvertContext& ctx, size_t n) {
  if (ctx.num_inputs() == n) return absl::OkStatus();
  return ctx.Invalid(absl::StrCat("has ", ctx.num_inputs(), " inputs; it takes ", n));
}

// add_n, Concat and stack name their input count in num_args.
absl::Status CheckNumArgs(const ConvertContext& ctx) {
  if (ctx.num_inputs() == 0) return ctx.Invalid("has no inputs");
  if (!ctx.Has("num_args")) return absl::OkStatus();
  NCC_MX_ASSIGN(num_args, ctx.Int("num_args"));
  if (num_args != static_cast<int64_t>(ctx.num_inputs())) {
    return ctx.Invalid(
        absl::StrCat("num_args is ", num_args, " but the node has ", ctx.num_inputs(), " inputs"));
  }
  return absl::OkStatus();
}

// A 0/1 result of a comparison, in `dtype` as MXNet returns it.
ir::Value* CompareAs(ConvertContext& ctx, const char* type, ir::Value* a, ir::Value* b,
                     const ir::Shape& shape, ir::DType dtype) {
  ir::Value* c;
  if (absl::string_view(type) == "NotEqual") {
    c = ctx.Emit("Not", {ctx.Emit("Equal", {a, b}, shape, ir::DType::kBool)}, shape,
                 ir::DType::kBool);
  } else {
    c = ctx.Emit(type, {a, b}, shape, ir::DType::kBool);
  }
  return ctx.CastTo(c, dtype);
}

bool IsCompare(absl::string_view type) {
  return type == "Equal" || type == "NotEqual" || type == "Greater" || type == "GreaterOrEqual" ||
         type == "Less" || type == "LessOrEqual";
}

// Python-style modulo as MXNet's mod computes it: the result takes the
// divisor's sign, and x mod 0 is 0.
ir::Value* MxnetMod(ConvertContext& ctx, ir::Value* a, ir::Value* b, const ir::Shape& shape) {
  const ir::DType dtype = a->dtype;
  const ir::DType kBool = ir::DType::kBool;
  ir::Value* zero = ctx.ScalarConstant(0, dtype);
  ir::Value* r;
  if (ir::IsFloat(dtype)) {
    // fmod takes the dividend's sign; move a non-zero remainder whose sign
    // differs from the divisor's by one divisor.
    ir::Value* f = ctx.Emit("Mod", {a, b}, shape, dtype, {{"fmod", int64_t{1}}});
    ir::Value* differ = ctx.Emit(
        "Xor",
        {ctx.Emit("Less", {f, zero}, shape, kBool), ctx.Emit("Less", {b, zero}, b->shape, kBool)},
        shape, kBool);
    ir::Value* nonzero =
        ctx.Emit("Not", {ctx.Emit("Equal", {f, zero}, shape, kBool)}, shape, kBool);
    ir::Value* fix = ctx.Emit("And", {differ, nonzero}, shape, kBool);
    r = ctx.Emit("Where", {fix, ctx.Emit("Add", {f, b}, shape, dtype), f}, shape, dtype);
  } else {
    r = ctx.Emit("Mod", {a, b}, shape, dtype, {{"fmod", int64_t{0}}});
  }
  ir::Value* b_zero = ctx.Emit("Equal", {b, zero}, b->shape, kBool);
  return ctx.Emit("Where", {b_zero, zero, r}, shape, dtype);
}

// elemwise_*: both inputs of one shape.
absl::Status Elemwise(ConvertContext& ctx, const char* type) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 2));
  if (ctx.InputShape(0) != ctx.InputShape(1)) {
    return ctx.Invalid(
        absl::StrCat("inputs differ in shape: ", ir::ShapeToString(ctx.InputShape(0)), " and ",
                     ir::ShapeToString(ctx.InputShape(1))));
  }
  NCC_MX_ASSIGN(y, ctx.Binary(type, ctx.Input(0), ctx.Input(1)));
  ctx.Set(0, y);
  return absl::OkStatus();
}

// broadcast_*: numpy broadcasting.
absl::Status Broadcast(ConvertContext& ctx, const char* type) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 2));
  ir::Value* a = ctx.Input(0);
  ir::Value* b = ctx.CastTo(ctx.Input(1), a->dtype);
  auto shape = BroadcastShapes(a->shape, b->shape);
  if (!shape.ok()) return ctx.Invalid(shape.status().message());
  if (IsCompare(type)) {
    ctx.Set(0, CompareAs(ctx, type, a, b, *shape, a->dtype));
  } else if (absl::string_view(type) == "Mod") {
    ctx.Set(0, MxnetMod(ctx, a, b, *shape));
  } else {
    ctx.Set(0, ctx.Emit(type, {a, b}, *shape, a->dtype));
  }
  return absl::OkStatus();
}

// _*_scalar: the "scalar" attribute in the input's dtype, on the right or
// (reverse) on the left.
absl::Status Scalar(ConvertContext& ctx, const char* type, bool reverse = false) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  NCC_MX_ASSIGN(scalar, ctx.Float("scalar", 1.0));
  ir::Value* x = ctx.Input(0);
  ir::Value* s = ctx.ScalarConstant(scalar, x->dtype);
  ir::Value* a = reverse ? s : x;
  ir::Value* b = reverse ? x : s;
  if (IsCompare(type)) {
    ctx.Set(0, CompareAs(ctx, type, a, b, x->shape, x->dtype));
  } else {
    ctx.Set(0, ctx.Emit(type, {a, b}, x->shape, x->dtype));
  }
  return absl::OkStatus();
}

absl::Status AddN(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(CheckNumArgs(ctx));
  ir::Value* sum = ctx.Input(0);
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    if (ctx.InputShape(i) != sum->shape) {
      return ctx.Invalid(absl::StrCat("input ", i, " is ", ir::ShapeToString(ctx.InputShape(i)),
                                      "; input 0 is ", ir::ShapeToString(sum->shape)));
    }
    NCC_MX_ASSIGN(next, ctx.Binary("Add", sum, ctx.Input(i)));
    sum = next;
  }
  ctx.Set(0, sum);
  return absl::OkStatus();
}

absl::Status Unary(ConvertContext& ctx, const char* type) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ctx.Set(0, ctx.Unary(type, ctx.Input(0)));
  return absl::OkStatus();
}

// floor, ceil and round of an integer are the integer.
absl::Status Rounding(ConvertContext& ctx, const char* type) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ir::Value* x = ctx.Input(0);
  ctx.Set(0, ir::IsFloat(x->dtype) ? ctx.Unary(type, x) : x);
  return absl::OkStatus();
}

absl::Status Round(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ir::Value* x = ctx.Input(0);
  if (!ir::IsFloat(x->dtype)) {
    ctx.Set(0, x);
    return absl::OkStatus();
  }
  // Half away from zero (std::round), where the IR's Round goes half to
  // even: m = floor(|x|) + (frac(|x|) >= 0.5), with x's sign. The fraction
  // |x| - floor(|x|) is exact, so ties are seen as ties at every magnitude.
  const ir::Shape& s = x->shape;
  const ir::DType t = x->dtype;
  ir::Value* a = ctx.Unary("Abs", x);
  ir::Value* f = ctx.Unary("Floor", a);
  ir::Value* frac = ctx.Emit("Sub", {a, f}, s, t);
  ir::Value* below = ctx.Emit("Less", {frac, ctx.ScalarConstant(0.5, t)}, s, ir::DType::kBool);
  ir::Value* up = ctx.Emit("Add", {f, ctx.ScalarConstant(1, t)}, s, t);
  ir::Value* m = ctx.Emit("Where", {below, f, up}, s, t);
  ir::Value* negative = ctx.Emit("Less", {x, ctx.ScalarConstant(0, t)}, s, ir::DType::kBool);
  ctx.Set(0, ctx.Emit("Where", {negative, ctx.Unary("Neg", m), m}, s, t));
  return absl::OkStatus();
}

absl::Status Rsqrt(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ctx.Set(0, ctx.Unary("Reciprocal", ctx.Unary("Sqrt", ctx.Input(0))));
  return absl::OkStatus();
}

absl::Status Square(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ir::Value* x = ctx.Input(0);
  ctx.Set(0, ctx.Emit("Mul", {x, x}, x->shape, x->dtype));
  return absl::OkStatus();
}

// log(sigmoid(x)) = -softplus(-x), without sigmoid's underflow to log(0).
absl::Status LogSigmoid(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ir::Value* x = ctx.Input(0);
  ctx.Set(0, ctx.Unary("Neg", ctx.Unary("Softplus", ctx.Unary("Neg", x))));
  return absl::OkStatus();
}

// MXNet's clip: x > a_max -> a_max, else x < a_min -> a_min, else x. With
// a_min <= a_max that is ONNX Clip; otherwise every x becomes one bound.
absl::Status Clip(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  NCC_MX_ASSIGN(a_min, ctx.Float("a_min"));
  NCC_MX_ASSIGN(a_max, ctx.Float("a_max"));
  if (std::isnan(a_min) || std::isnan(a_max)) return ctx.Invalid("a_min or a_max is NaN");
  ir::Value* x = ctx.Input(0);
  ir::Value* lo = ctx.ScalarConstant(a_min, x->dtype);
  ir::Value* hi = ctx.ScalarConstant(a_max, x->dtype);
  if (a_min <= a_max) {
    ctx.Set(0, ctx.Emit("Clip", {x, lo, hi}, x->shape, x->dtype));
    return absl::OkStatus();
  }
  ir::Value* above = ctx.Emit("Greater", {x, hi}, x->shape, ir::DType::kBool);
  ctx.Set(0, ctx.Emit("Where", {above, hi, lo}, x->shape, x->dtype));
  return absl::OkStatus();
}

// sum, mean, max, min, prod: axis None or () reduces every axis; exclude
// reduces the axes not listed.
absl::Status Reduce(ConvertContext& ctx, const char* type) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  NCC_MX_ASSIGN(keepdims, ctx.Bool("keepdims", false));
  NCC_MX_ASSIGN(exclude, ctx.Bool("exclude", false));
  std::vector<std::optional<int64_t>> listed;
  if (ctx.Has("axis")) {
    NCC_MX_ASSIGN(axis, ctx.OptionalInts("axis"));
    listed = axis;
    if (listed.size() == 1 && !listed[0]) listed.clear();  // "None"
  }
  ir::Value* x = ctx.Input(0);
  const int64_t rank = ctx.Rank(0);
  std::vector<bool> reduced(rank, listed.empty());
  if (!listed.empty()) {
    std::vector<bool> named(rank, false);
    for (const auto& a : listed) {
      if (!a) return ctx.Invalid("axis mixes None with integers");
      NCC_MX_ASSIGN(axis, NormalizeAxis(*a, rank));
      if (named[axis]) return ctx.Invalid(absl::StrCat("axis ", *a, " is listed twice"));
      named[axis] = true;
    }
    for (int64_t i = 0; i < rank; ++i) reduced[i] = named[i] != exclude;
  }
  std::vector<int64_t> axes;
  ir::Shape kept, out_keep;
  for (int64_t i = 0; i < rank; ++i) {
    if (reduced[i]) axes.push_back(i);
    if (!reduced[i]) kept.push_back(x->shape[i]);
    out_keep.push_back(reduced[i] ? 1 : x->shape[i]);
  }
  // MXNet's arrays have at least one dimension: reducing all of them leaves (1,).
  ir::Shape out = keepdims ? out_keep : kept.empty() ? ir::Shape{1} : kept;
  if (axes.empty()) {  // nothing to reduce (a scalar, or exclude naming every axis)
    ctx.Set(0, ctx.Reshape(x, out));
    return absl::OkStatus();
  }
  std::map<std::string, ir::Attribute> attrs = {{"keepdims", int64_t{1}}};
  std::vector<ir::Value*> inputs = {x};
  if (absl::string_view(type) == "ReduceSum") {
    inputs.push_back(ctx.I64Constant(axes));
  } else {
    attrs["axes"] = axes;
  }
  ir::Value* y = ctx.Emit(type, inputs, out_keep, x->dtype, std::move(attrs));
  ctx.Set(0, ctx.Reshape(y, out));
  return absl::OkStatus();
}

ir::Value* MatMul(ConvertContext& ctx, ir::Value* a, ir::Value* b) {
  ir::Shape out = a->shape;
  out.back() = b->shape.back();
  return ctx.Emit("MatMul", {a, b}, out, a->dtype);
}

std::vector<int64_t> SwapLastTwo(int64_t rank) {
  std::vector<int64_t> perm(rank);
  for (int64_t i = 0; i < rank; ++i) perm[i] = i;
  std::swap(perm[rank - 1], perm[rank - 2]);
  return perm;
}

absl::Status BatchDot(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 2));
  NCC_MX_ASSIGN(ta, ctx.Bool("transpose_a", false));
  NCC_MX_ASSIGN(tb, ctx.Bool("transpose_b", false));
  ir::Value* a = ctx.Input(0);
  ir::Value* b = ctx.CastTo(ctx.Input(1), a->dtype);
  const int64_t rank = ctx.Rank(0);
  if (rank < 3 || ctx.Rank(1) != rank) {
    return ctx.Invalid(absl::StrCat("inputs are ", ir::ShapeToString(a->shape), " and ",
                                    ir::ShapeToString(b->shape),
                                    "; want two arrays of one rank, 3 or more"));
  }
  if (ta) a = ctx.Transpose(a, SwapLastTwo(rank));
  if (tb) b = ctx.Transpose(b, SwapLastTwo(rank));
  if (!std::equal(a->shape.begin(), a->shape.end() - 2, b->shape.begin()) ||
      a->shape[rank - 1] != b->shape[rank - 2]) {
    return ctx.Invalid(absl::StrCat("cannot multiply ", ir::ShapeToString(a->shape), " by ",
                                    ir::ShapeToString(b->shape), " batch by batch"));
  }
  ctx.Set(0, MatMul(ctx, a, b));
  return absl::OkStatus();
}

// dot contracts a's last axis with b's first: both are viewed as matrices
// (leading axes x last axis, first axis x trailing axes), multiplied and
// the product given back a's leading and b's trailing axes.
absl::Status Dot(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 2));
  NCC_MX_ASSIGN(ta, ctx.Bool("transpose_a", false));
  NCC_MX_ASSIGN(tb, ctx.Bool("transpose_b", false));
  ir::Value* a = ctx.Input(0);
  ir::Value* b = ctx.CastTo(ctx.Input(1), a->dtype);
  const int64_t ra = ctx.Rank(0), rb = ctx.Rank(1);
  if (ra == 0 || rb == 0) return ctx.Invalid("inputs must have at least one dimension");
  if ((ta && ra != 2) || (tb && rb != 2)) {
    return ctx.Unsupported("transpose_a/transpose_b of an input whose rank is not 2");
  }
  if (ta) a = ctx.Transpose(a, {1, 0});
  if (tb) b = ctx.Transpose(b, {1, 0});
  const int64_t k = a->shape.back();
  if (b->shape.front() != k) {
    return ctx.Invalid(absl::StrCat("cannot contract ", ir::ShapeToString(a->shape), " with ",
                                    ir::ShapeToString(b->shape)));
  }
  ir::Shape lead(a->shape.begin(), a->shape.end() - 1);
  ir::Shape trail(b->shape.begin() + 1, b->shape.end());
  ir::Shape out = lead;
  out.insert(out.end(), trail.begin(), trail.end());
  if (out.empty()) out = {1};  // the inner product of two vectors
  ir::Value* a2 = ctx.Reshape(a, {ir::NumElements(lead), k});
  ir::Value* b2 = ctx.Reshape(b, {k, ir::NumElements(trail)});
  ctx.Set(0, ctx.Reshape(MatMul(ctx, a2, b2), out));
  return absl::OkStatus();
}

// x / sqrt(x.shape[-1]).
absl::Status DivSqrtDim(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 1));
  ir::Value* x = ctx.Input(0);
  if (x->shape.empty()) return ctx.Invalid("input has no dimensions");
  const double d = std::sqrt(static_cast<double>(x->shape.back()));
  ctx.Set(0, ctx.Emit("Div", {x, ctx.ScalarConstant(d, x->dtype)}, x->shape, x->dtype));
  return absl::OkStatus();
}

// where(condition, x, y): condition of x's shape, or 1-D picking x's rows.
absl::Status Where(ConvertContext& ctx) {
  NCC_MX_RETURN_IF_ERROR(ExactInputs(ctx, 3));
  ir::Value* c = ctx.Input(0);
  ir::Value* x = ctx.Input(1);
  ir::Value* y = ctx.CastTo(ctx.Input(2), x->dtype);
  if (y->shape != x->shape) {
    return ctx.Invalid(absl::StrCat("x is ", ir::ShapeToString(x->shape), " but y is ",
                                    ir::ShapeToString(y->shape)));
  }
  if (c->shape != x->shape) {
    if (c->shape.size() != 1 || x->shape.empty() || c->shape[0] != x->shape[0]) {
      return ctx.Invalid(absl::StrCat("condition is ", ir::ShapeToString(c->shape),
                                      "; want x's shape ", ir::ShapeToString(x->shape),
                                      " or its first dimension"));
    }
    ir::Shape rows(x->shape.size(), 1);
    rows[0] = c->shape[0];
    c = ctx.Reshape(c, rows);
  }
  if (c->dtype != ir::DType::kBool) {
    ir::Value* zero =
        ctx.Emit("Equal", {c, ctx.ScalarConstant(0, c->dtype)}, c->shape, ir::DType::kBool);
    c = ctx.Emit("Not", {zero}, c->shape, ir::DType::kBool);
  }
  ctx.Set(0, ctx.Emit("Where", {c, x, y}, x->shape, x->dtype));
  return absl::OkStatus();
}

absl::Status ElemwiseAdd(ConvertContext& ctx) { return Elemwise(ctx, "Add"); }
absl::Status ElemwiseSub(ConvertContext& ctx) { return Elemwise(ctx, "Sub"); }
absl::Status ElemwiseMul(ConvertContext& ctx) { return Elemwise(ctx, "Mul"); }
absl::Status ElemwiseDiv(ConvertContext& ctx) { return Elemwise(ctx, "Div"); }
absl::Status ElemwisePow(ConvertContext& ctx) { return Elemwise(ctx, "Pow"); }
absl::Status ElemwiseMax(ConvertContext& ctx) { return Elemwise(ctx, "Max"); }
absl::Status ElemwiseMin(ConvertContext& ctx) { return Elemwise(ctx, "Min"); }

absl::Status BroadcastAdd(ConvertContext& ctx) { return Broadcast(ctx, "Add"); }
absl::Status BroadcastSub(ConvertContext& ctx) { return Broadcast(ctx, "Sub"); }
absl::Status BroadcastMul(ConvertContext& ctx) { return Broadcast(ctx, "Mul"); }
absl::Status BroadcastDiv(ConvertContext& ctx) { return Broadcast(ctx, "Div"); }
absl::Status BroadcastPow(ConvertContext& ctx) { return Broadcast(ctx, "Pow"); }
absl::Status BroadcastMax(ConvertContext& ctx) { return Broadcast(ctx, "Max"); }
absl::Status BroadcastMin(ConvertContext& ctx) { return Broadcast(ctx, "Min"); }
absl::Status BroadcastMod(ConvertContext& ctx) { return Broadcast(ctx, "Mod"); }
absl::Status BroadcastEqual(ConvertContext& ctx) { return Broadcast(ctx, "Equal"); }
absl::Status BroadcastNotEqual(ConvertContext& ctx) { return Broadcast(ctx, "NotEqual"); }
absl::Status BroadcastGreater(ConvertContext& ctx) { return Broadcast(ctx, "Greater"); }
absl::Status BroadcastGreaterEqual(ConvertContext& ctx) { return Broadcast(ctx, "GreaterOrEqual"); }
absl::Status BroadcastLesser(ConvertContext& ctx) { return Broadcast(ctx, "Less"); }
absl::Status BroadcastLesserEqual(ConvertContext& ctx) { return Broadcast(ctx, "LessOrEqual"); }

absl::Status PlusScalar(ConvertContext& ctx) { return Scalar(ctx, "Add"); }
absl::Status MinusScalar(ConvertContext& ctx) { return Scalar(ctx, "Sub"); }
absl::Status RMinusScalar(ConvertContext& ctx) { return Scalar(ctx, "Sub", true); }
absl::Status MulScalar(ConvertContext& ctx) { return Scalar(ctx, "Mul"); }
absl::Status DivScalar(ConvertContext& ctx) { return Scalar(ctx, "Div"); }
absl::Status RDivScalar(ConvertContext& ctx) { return Scalar(ctx, "Div", true); }
absl::Status PowerScalar(ConvertContext& ctx) { return Scalar(ctx, "Pow"); }
absl::Status RPowerScalar(ConvertContext& ctx) { return Scalar(ctx, "Pow", true); }
absl::Status MaximumScalar(ConvertContext& ctx) { return Scalar(ctx, "Max"); }
absl::Status MinimumScalar(ConvertContext& ctx) { return Scalar(ctx, "Min"); }
absl::Status EqualScalar(ConvertContext& ctx) { return Scalar(ctx, "Equal"); }
absl::Status NotEqualScalar(ConvertContext& ctx) { return Scalar(ctx, "NotEqual"); }
absl::Status GreaterScalar(ConvertContext& ctx) { return Scalar(ctx, "Greater"); }
absl::Status GreaterEqualScalar(ConvertContext& ctx) { return Scalar(ctx, "GreaterOrEqual"); }
absl::Status LesserScalar(ConvertContext& ctx) { return Scalar(ctx, "Less"); }
absl::Status LesserEqualScalar(ConvertContext& ctx) { return Scalar(ctx, "LessOrEqual"); }

absl::Status Exp(ConvertContext& ctx) { return Unary(ctx, "Exp"); }
absl::Status Log(ConvertContext& ctx) { return Unary(ctx, "Log"); }
absl::Status Sqrt(ConvertContext& ctx) { return Unary(ctx, "Sqrt"); }
absl::Status Abs(ConvertContext& ctx) { return Unary(ctx, "Abs"); }
absl::Status Negative(ConvertContext& ctx) { return Unary(ctx, "Neg"); }
absl::Status Reciprocal(ConvertContext& ctx) { return Unary(ctx, "Reciprocal"); }
absl::Status Sin(ConvertContext& ctx) { return Unary(ctx, "Sin"); }
absl::Status Cos(ConvertContext& ctx) { return Unary(ctx, "Cos"); }
absl::Status Erf(ConvertContext& ctx) { return Unary(ctx, "Erf"); }
absl::Status Floor(ConvertContext& ctx) { return Rounding(ctx, "Floor"); }
absl::Status Ceil(ConvertContext& ctx) { return Rounding(ctx, "Ceil"); }
absl::Status Sign(ConvertContext& ctx) { return Unary(ctx, "Sign"); }
absl::Status Relu(ConvertContext& ctx) { return Unary(ctx, "Relu"); }
absl::Status Sigmoid(ConvertContext& ctx) { return Unary(ctx, "Sigmoid"); }
absl::Status Tanh(ConvertContext& ctx) { return Unary(ctx, "Tanh"); }
absl::Status Softsign(ConvertContext& ctx) { return Unary(ctx, "Softsign"); }

absl::Status Sum(ConvertContext& ctx) { return Reduce(ctx, "ReduceSum"); }
absl::Status Mean(ConvertContext& ctx) { return Reduce(ctx, "ReduceMean"); }
absl::Status Max(ConvertContext& ctx) { return Reduce(ctx, "ReduceMax"); }
absl::Status Min(ConvertContext& ctx) { return Reduce(ctx, "ReduceMin"); }
absl::Status Prod(ConvertContext& ctx) { return Reduce(ctx, "ReduceProd"); }

constexpr char kSameShape[] = "inputs of one shape";
constexpr char kDotLimits[] =
    "transpose_a/transpose_b only for 2-D inputs (N-D inputs are contracted untransposed)";

}  // namespace

absl::Span<const MxnetOpSupport> MathOps() {
  static const MxnetOpSupport kOps[] = {
      // Same-shape element-wise ops and the names MXNet's symbol API gives them.
      {"elemwise_add", ElemwiseAdd, kSameShape},
      {"_plus", ElemwiseAdd, kSameShape},
      {"_Plus", ElemwiseAdd, kSameShape},
      {"_add", ElemwiseAdd, kSameShape},
      {"_grad_add", ElemwiseAdd, kSameShape},
      {"elemwise_sub", ElemwiseSub, kSameShape},
      {"_minus", ElemwiseSub, kSameShape},
      {"_Minus", ElemwiseSub, kSameShape},
      {"_sub", ElemwiseSub, kSameShape},
      {"elemwise_mul", ElemwiseMul, kSameShape},
      {"_mul", ElemwiseMul, kSameShape},
      {"_Mul", ElemwiseMul, kSameShape},
      {"elemwise_div", ElemwiseDiv, kSameShape},
      {"_div", ElemwiseDiv, kSameShape},
      {"_Div", ElemwiseDiv, kSameShape},
      {"_power", ElemwisePow, kSameShape},
      {"_Power", ElemwisePow, kSameShape},
      {"_maximum", ElemwiseMax, kSameShape},
      {"_Maximum", ElemwiseMax, kSameShape},
      {"_minimum", ElemwiseMin, kSameShape},
      {"_Minimum", ElemwiseMin, kSameShape},
      {"add_n", AddN, kSameShape},
      {"ElementWiseSum", AddN, kSameShape},
      // Broadcasting.
      {"broadcast_add", BroadcastAdd, ""},
      {"broadcast_plus", BroadcastAdd, ""},
      {"broadcast_sub", BroadcastSub, ""},
      {"broadcast_minus", BroadcastSub, ""},
      {"broadcast_mul", BroadcastMul, ""},
      {"broadcast_div", BroadcastDiv, ""},
      {"broadcast_power", BroadcastPow, ""},
      {"broadcast_maximum", BroadcastMax, ""},
      {"broadcast_minimum", BroadcastMin, ""},
      {"broadcast_mod", BroadcastMod, ""},
      {"broadcast_equal", BroadcastEqual, ""},
      {"broadcast_not_equal", BroadcastNotEqual, ""},
      {"broadcast_greater", BroadcastGreater, ""},
      {"broadcast_greater_equal", BroadcastGreaterEqual, ""},
      {"broadcast_lesser", BroadcastLesser, ""},
      {"broadcast_lesser_equal", BroadcastLesserEqual, ""},
      // With a scalar.
      {"_plus_scalar", PlusScalar, ""},
      {"_PlusScalar", PlusScalar, ""},
      {"_minus_scalar", MinusScalar, ""},
      {"_MinusScalar", MinusScalar, ""},
      {"_rminus_scalar", RMinusScalar, ""},
      {"_RMinusScalar", RMinusScalar, ""},
      {"_mul_scalar", MulScalar, ""},
      {"_MulScalar", MulScalar, ""},
      {"_div_scalar", DivScalar, ""},
      {"_DivScalar", DivScalar, ""},
      {"_rdiv_scalar", RDivScalar, ""},
      {"_RDivScalar", RDivScalar, ""},
      {"_power_scalar", PowerScalar, ""},
      {"_PowerScalar", PowerScalar, ""},
      {"_rpower_scalar", RPowerScalar, ""},
      {"_RPowerScalar", RPowerScalar, ""},
      {"_maximum_scalar", MaximumScalar, ""},
      {"_MaximumScalar", MaximumScalar, ""},
      {"_minimum_scalar", MinimumScalar, ""},
      {"_MinimumScalar", MinimumScalar, ""},
      {"_equal_scalar", EqualScalar, ""},
      {"_not_equal_scalar", NotEqualScalar, ""},
      {"_greater_scalar", GreaterScalar, ""},
      {"_greater_equal_scalar", GreaterEqualScalar, ""},
      {"_lesser_scalar", LesserScalar, ""},
      {"_lesser_equal_scalar", LesserEqualScalar, ""},
      // Unary.
      {"exp", Exp, ""},
      {"log", Log, ""},
      {"sqrt", Sqrt, ""},
      {"rsqrt", Rsqrt, ""},
      {"square", Square, ""},
      {"abs", Abs, ""},
      {"negative", Negative, ""},
      {"reciprocal", Reciprocal, ""},
      {"sin", Sin, ""},
      {"cos", Cos, ""},
      {"erf", Erf, ""},
      {"floor", Floor, ""},
      {"ceil", Ceil, ""},
      {"round", Round, ""},
      {"sign", Sign, ""},
      {"relu", Relu, ""},
      {"sigmoid", Sigmoid, ""},
      {"tanh", Tanh, ""},
      {"log_sigmoid", LogSigmoid, ""},
      {"softsign", Softsign, ""},
      {"clip", Clip, ""},
      // Reductions.
      {"sum", Sum, ""},
      {"sum_axis", Sum, ""},
      {"mean", Mean, ""},
      {"max", Max, ""},
      {"max_axis", Max, ""},
      {"min", Min, ""},
      {"min_axis", Min, ""},
      {"prod", Prod, ""},
      // Products.
      {"dot", Dot, kDotLimits},
      {"batch_dot", BatchDot, "batch dimensions equal (no broadcasting, as in MXNet)"},
      {"_contrib_div_sqrt_dim", DivSqrtDim, ""},
      {"where", Where, ""},
  };
  return kOps;
}

}  // namespace ncc::mxnet_frontend
