// Element-wise math, activations, reductions, ArgMax, Select and Cast.
// Element-wise ops keep an NCHW-held input in NCHW (see convert.h).
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "frontends/tensorflow/op_table.h"

namespace ncc::tensorflow_frontend {
namespace {

// Unary ops: the layout passes through.
absl::Status Unary(ConvertContext& ctx, const char* type,
                   std::map<std::string, ir::Attribute> attrs = {}) {
  const TfValue& x = ctx.Raw(0);
  ir::Value* v = x.value;
  return ctx.Set(0, ctx.Emit(type, {v}, v->shape, v->dtype, std::move(attrs)), x.nchw);
}

// The inputs of an n-ary element-wise op in one layout: when any is held in
// NCHW and the result has rank 4, all are brought to NCHW (lower ranks are
// first padded to rank 4 with leading ones, as broadcasting does);
// otherwise all are logical. Returns whether the result is NCHW.
absl::StatusOr<bool> ElementwiseInputs(ConvertContext& ctx, size_t n,
                                       std::vector<ir::Value*>& values, ir::Shape& out_shape) {
  ir::Shape shape;
  bool any_nchw = false;
  for (size_t i = 0; i < n; ++i) {
    auto s = BroadcastShapes(shape, ctx.InputShape(i));
    if (!s.ok()) return ctx.Invalid(s.status().message());
    shape = *s;
    any_nchw |= ctx.Raw(i).nchw;
  }
  const bool nchw = any_nchw && shape.size() == 4;
  values.clear();
  for (size_t i = 0; i < n; ++i) {
    if (!nchw) {
      values.push_back(ctx.Input(i));
      continue;
    }
    if (ctx.Raw(i).nchw) {
      values.push_back(ctx.Raw(i).value);
      continue;
    }
    ir::Value* v = ctx.Input(i);
    ir::Shape padded(4 - v->shape.size(), 1);
    padded.insert(padded.end(), v->shape.begin(), v->shape.end());
    values.push_back(ctx.Transpose(ctx.Reshape(v, padded), kToNchw));
  }
  out_shape = nchw ? ir::Shape{shape[0], shape[3], shape[1], shape[2]} : shape;
  return nchw;
}

absl::Status Binary(ConvertContext& ctx, const char* type, bool bool_out = false) {
  std::vector<ir::Value*> v;
  ir::Shape shape;
  NCC_TF_ASSIGN(nchw, ElementwiseInputs(ctx, 2, v, shape));
  if (v[0]->dtype != v[1]->dtype) return ctx.Invalid("inputs have different dtypes");
  const ir::DType dtype = bool_out ? ir::DType::kBool : v[0]->dtype;
  return ctx.Set(0, ctx.Emit(type, {v[0], v[1]}, shape, dtype), nchw);
}

absl::Status Add(ConvertContext& ctx) { return Binary(ctx, "Add"); }
absl::Status Sub(ConvertContext& ctx) { return Binary(ctx, "Sub"); }
absl::Status Mul(ConvertContext& ctx) { return Binary(ctx, "Mul"); }
absl::Status Div(ConvertContext& ctx) { return Binary(ctx, "Div"); }
absl::Status Maximum(ConvertContext& ctx) { return Binary(ctx, "Max"); }
absl::Status Minimum(ConvertContext& ctx) { return Binary(ctx, "Min"); }
absl::Status Pow(ConvertContext& ctx) { return Binary(ctx, "Pow"); }
absl::Status Prelu(ConvertContext& ctx) { return Binary(ctx, "PRelu"); }
absl::Status Greater(ConvertContext& ctx) { return Binary(ctx, "Greater", true); }
absl::Status Less(ConvertContext& ctx) { return Binary(ctx, "Less", true); }
absl::Status Equal(ConvertContext& ctx) { return Binary(ctx, "Equal", true); }

// Division rounded toward negative infinity. Integers: (x - mod(x, y)) / y,
// with mod taking the divisor's sign (ONNX Mod, fmod 0), so the division is
// exact; floats: floor(x / y).
absl::Status FloorDiv(ConvertContext& ctx) {
  std::vector<ir::Value*> v;
  ir::Shape shape;
  NCC_TF_ASSIGN(nchw, ElementwiseInputs(ctx, 2, v, shape));
  if (v[0]->dtype != v[1]->dtype) return ctx.Invalid("inputs have different dtypes");
  const ir::DType dtype = v[0]->dtype;
  if (ir::IsFloat(dtype)) {
    ir::Value* q = ctx.Emit("Div", {v[0], v[1]}, shape, dtype);
    return ctx.Set(0, ctx.Emit("Floor", {q}, shape, dtype), nchw);
  }
  ir::Value* m = ctx.Emit("Mod", {v[0], v[1]}, shape, dtype, {{"fmod", int64_t{0}}});
  ir::Value* exact = ctx.Emit("Sub", {v[0], m}, shape, dtype);
  return ctx.Set(0, ctx.Emit("Div", {exact, v[1]}, shape, dtype), nchw);
}

// The remainder with the divisor's sign (integers only: ONNX Mod needs
// fmod 1 for floats, which takes the dividend's sign).
absl::Status FloorMod(ConvertContext& ctx) {
  std::vector<ir::Value*> v;
  ir::Shape shape;
  NCC_TF_ASSIGN(nchw, ElementwiseInputs(ctx, 2, v, shape));
  if (v[0]->dtype != v[1]->dtype) return ctx.Invalid("inputs have different dtypes");
  const ir::DType dtype = v[0]->dtype;
  if (ir::IsFloat(dtype)) {
    // x - floor(x / y) * y
    ir::Value* q = ctx.Emit("Floor", {ctx.Emit("Div", {v[0], v[1]}, shape, dtype)}, shape, dtype);
    return ctx.Set(
        0, ctx.Emit("Sub", {v[0], ctx.Emit("Mul", {q, v[1]}, shape, dtype)}, shape, dtype), nchw);
  }
  return ctx.Set(0, ctx.Emit("Mod", {v[0], v[1]}, shape, dtype, {{"fmod", int64_t{0}}}), nchw);
}

absl::Status SquaredDifference(ConvertContext& ctx) {
  std::vector<ir::Value*> v;
  ir::Shape shape;
  NCC_TF_ASSIGN(nchw, ElementwiseInputs(ctx, 2, v, shape));
  ir::Value* d = ctx.Emit("Sub", {v[0], v[1]}, shape, v[0]->dtype);
  return ctx.Set(0, ctx.Emit("Mul", {d, d}, shape, d->dtype), nchw);
}

absl::Status Relu(ConvertContext& ctx) { return Unary(ctx, "Relu"); }
absl::Status Elu(ConvertContext& ctx) { return Unary(ctx, "Elu", {{"alpha", 1.0f}}); }
absl::Status Selu(ConvertContext& ctx) { return Unary(ctx, "Selu"); }
absl::Status Sigmoid(ConvertContext& ctx) { return Unary(ctx, "Sigmoid"); }
absl::Status Tanh(ConvertContext& ctx) { return Unary(ctx, "Tanh"); }
absl::Status Softplus(ConvertContext& ctx) { return Unary(ctx, "Softplus"); }
absl::Status Sqrt(ConvertContext& ctx) { return Unary(ctx, "Sqrt"); }
absl::Status Exp(ConvertContext& ctx) { return Unary(ctx, "Exp"); }
absl::Status Log(ConvertContext& ctx) { return Unary(ctx, "Log"); }
absl::Status Neg(ConvertContext& ctx) { return Unary(ctx, "Neg"); }
absl::Status Abs(ConvertContext& ctx) { return Unary(ctx, "Abs"); }
absl::Status Floor(ConvertContext& ctx) { return Unary(ctx, "Floor"); }
absl::Status Reciprocal(ConvertContext& ctx) { return Unary(ctx, "Reciprocal"); }

absl::Status LeakyRelu(ConvertContext& ctx) {
  NCC_TF_ASSIGN(alpha, ctx.AttrFloat("alpha", 0.2f));
  return Unary(ctx, "LeakyRelu", {{"alpha", alpha}});
}

absl::Status Relu6(ConvertContext& ctx) {
  const TfValue& x = ctx.Raw(0);
  ir::Value* v = x.value;
  return ctx.Set(0,
                 ctx.Emit("Clip", {v, ctx.ScalarConstant(0, v->dtype), ctx.ScalarConstant(6, v->dtype)},
                          v->shape, v->dtype),
                 x.nchw);
}

absl::Status Rsqrt(ConvertContext& ctx) {
  const TfValue& x = ctx.Raw(0);
  ir::Value* v = x.value;
  ir::Value* s = ctx.Emit("Sqrt", {v}, v->shape, v->dtype);
  return ctx.Set(0, ctx.Emit("Reciprocal", {s}, v->shape, v->dtype), x.nchw);
}

absl::Status Square(ConvertContext& ctx) {
  const TfValue& x = ctx.Raw(0);
  ir::Value* v = x.value;
  return ctx.Set(0, ctx.Emit("Mul", {v, v}, v->shape, v->dtype), x.nchw);
}

absl::Status Cast(ConvertContext& ctx) {
  NCC_TF_ASSIGN(dtype, ctx.AttrDType("DstT"));
  const TfValue& x = ctx.Raw(0);
  return ctx.Set(0, ctx.CastTo(x.value, dtype), x.nchw);
}

// Mean, Sum, Max, Min, Prod over constant axes.
absl::Status Reduce(ConvertContext& ctx, const char* type) {
  NCC_TF_ASSIGN(axes_in, ctx.ConstInts(1));
  NCC_TF_ASSIGN(keep, ctx.AttrBool("keep_dims", false));
  const ir::Shape in = ctx.InputShape(0);
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<bool> reduced(rank, false);
  for (int64_t a : axes_in) {
    auto axis = NormalizeAxis(a, rank);
    if (!axis.ok()) return ctx.Invalid(axis.status().message());
    reduced[*axis] = true;
  }
  if (axes_in.empty()) return ctx.Set(0, ctx.Raw(0).value, ctx.Raw(0).nchw);
  // In NCHW when the input is held so and the kept axes stay in order.
  const TfValue& x = ctx.Raw(0);
  bool nchw = x.nchw;
  if (nchw && !keep) {
    std::vector<int64_t> kept;
    for (int64_t logical : kToNchw) {
      if (!reduced[logical]) kept.push_back(logical);
    }
    if (!std::is_sorted(kept.begin(), kept.end())) nchw = false;
  }
  ir::Value* v = nchw ? x.value : ctx.Input(0);
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t logical = nchw ? kToNchw[i] : i;
    if (reduced[logical]) axes.push_back(i);
  }
  ir::Shape out;
  for (int64_t i = 0; i < rank; ++i) {
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) {
      out.push_back(v->shape[i]);
    } else if (keep) {
      out.push_back(1);
    }
  }
  std::map<std::string, ir::Attribute> attrs = {{"keepdims", int64_t{keep}}};
  std::vector<ir::Value*> inputs = {v};
  if (std::string(type) == "ReduceSum") {
    inputs.push_back(ctx.I64Constant(axes));
  } else {
    attrs["axes"] = axes;
  }
  ir::Value* y = ctx.Emit(type, inputs, out, v->dtype, attrs);
  // Without keep_dims an NCHW input leaves a logical result (its kept axes are in order).
  return ctx.Set(0, y, nchw && keep);
}

absl::Status Mean(ConvertContext& ctx) { return Reduce(ctx, "ReduceMean"); }
absl::Status Sum(ConvertContext& ctx) { return Reduce(ctx, "ReduceSum"); }
absl::Status Max(ConvertContext& ctx) { return Reduce(ctx, "ReduceMax"); }
absl::Status Min(ConvertContext& ctx) { return Reduce(ctx, "ReduceMin"); }
absl::Status Prod(ConvertContext& ctx) { return Reduce(ctx, "ReduceProd"); }

absl::Status ArgMax(ConvertContext& ctx) {
  ir::Value* x = ctx.Input(0);
  NCC_TF_ASSIGN(dims, ctx.ConstInts(1));
  if (dims.size() != 1) return ctx.Invalid("dimension must be one value");
  NCC_TF_ASSIGN(axis, NormalizeAxis(dims[0], static_cast<int64_t>(x->shape.size())));
  ir::DType out_type = ir::DType::kI64;
  if (ctx.HasAttr("output_type")) {
    NCC_TF_ASSIGN(t, ctx.AttrDType("output_type"));
    out_type = t;
  }
  ir::Shape out = x->shape;
  out.erase(out.begin() + axis);
  ir::Value* y = ctx.Emit(ctx.node().op() == "ArgMin" ? "ArgMin" : "ArgMax", {x}, out,
                          ir::DType::kI64, {{"axis", axis}, {"keepdims", int64_t{0}}});
  return ctx.Set(0, ctx.CastTo(y, out_type));
}

// Select (rank-1 condition picks rows) and SelectV2 (broadcasting).
absl::Status Select(ConvertContext& ctx) {
  ir::Value* c = ctx.Input(0);
  ir::Value* a = ctx.Input(1);
  ir::Value* b = ctx.Input(2);
  if (ctx.node().op() == "Select" && c->shape.size() == 1 && a->shape.size() > 1) {
    ir::Shape s(a->shape.size(), 1);
    s[0] = c->shape[0];
    c = ctx.Reshape(c, s);
  }
  auto ab = BroadcastShapes(a->shape, b->shape);
  if (!ab.ok()) return ctx.Invalid(ab.status().message());
  auto shape = BroadcastShapes(c->shape, *ab);
  if (!shape.ok()) return ctx.Invalid(shape.status().message());
  return ctx.Set(0, ctx.Emit("Where", {c, a, b}, *shape, a->dtype));
}

constexpr TensorflowOpSupport kOps[] = {
    {"Abs", Abs, ""},
    {"Add", Add, ""},
    {"AddV2", Add, ""},
    {"ArgMax", ArgMax, "dimension known at compile time"},
    {"ArgMin", ArgMax, "dimension known at compile time"},
    {"Cast", Cast, ""},
    {"Elu", Elu, ""},
    {"Equal", Equal, ""},
    {"Exp", Exp, ""},
    {"Floor", Floor, ""},
    {"FloorDiv", FloorDiv, ""},
    {"FloorMod", FloorMod, ""},
    {"Greater", Greater, ""},
    {"LeakyRelu", LeakyRelu, ""},
    {"Less", Less, ""},
    {"Log", Log, ""},
    {"Max", Max, "axes known at compile time"},
    {"Maximum", Maximum, ""},
    {"Mean", Mean, "axes known at compile time"},
    {"Min", Min, "axes known at compile time"},
    {"Minimum", Minimum, ""},
    {"Mul", Mul, ""},
    {"Neg", Neg, ""},
    {"Pow", Pow, ""},
    {"Prelu", Prelu, "alpha broadcasts against the input"},
    {"Prod", Prod, "axes known at compile time"},
    {"RealDiv", Div, ""},
    {"Reciprocal", Reciprocal, ""},
    {"Relu", Relu, ""},
    {"Relu6", Relu6, ""},
    {"Rsqrt", Rsqrt, ""},
    {"Select", Select, ""},
    {"SelectV2", Select, ""},
    {"Selu", Selu, ""},
    {"Sigmoid", Sigmoid, ""},
    {"Softplus", Softplus, ""},
    {"Sqrt", Sqrt, ""},
    {"Square", Square, ""},
    {"SquaredDifference", SquaredDifference, ""},
    {"Sub", Sub, ""},
    {"Sum", Sum, "axes known at compile time"},
    {"Tanh", Tanh, ""},
};

}  // namespace

absl::Span<const TensorflowOpSupport> MathOps() { return kOps; }

}  // namespace ncc::tensorflow_frontend
