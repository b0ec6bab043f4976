// Reductions: mean, sum, amax/amin, max/min (values and indices), argmax.
#include "absl/strings/str_cat.h"
#include "frontends/pytorch/op_table.h"
#include "frontends/pytorch/ops_util.h"

namespace ncc::pytorch_frontend {
namespace {

// The reduced axes: dims (None or empty: all), normalised and sorted.
absl::StatusOr<std::vector<int64_t>> Axes(ConvertContext& ctx, size_t i, int64_t rank) {
  std::vector<int64_t> dims;
  if (i < ctx.num_inputs() && !ctx.IsNone(i)) {
    NCC_PT_ASSIGN(d, ctx.Ints(i));
    dims = d;
  }
  std::vector<int64_t> axes;
  if (dims.empty()) {
    for (int64_t a = 0; a < rank; ++a) axes.push_back(a);
    return axes;
  }
  for (int64_t d : dims) {
    NCC_PT_ASSIGN(a, NormalizeDim(d, rank));
    axes.push_back(a);
  }
  std::sort(axes.begin(), axes.end());
  return axes;
}

ir::Shape KeptShape(const ir::Shape& in, const std::vector<int64_t>& axes) {
  ir::Shape s = in;
  for (int64_t a : axes) s[a] = 1;
  return s;
}

// reduce(self, dim, keepdim, dtype): `type` with keepdims=1, reshaped to
// torch's output (which drops the dims unless keepdim). ReduceSum takes its
// axes as an input (opset 13+), the others as an attribute (opset < 18).
absl::Status Reduce(ConvertContext& ctx, const char* type, size_t dim_i) {
  NCC_PT_ASSIGN(out_dtype, ctx.OutDType());
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  // Counting a mask (`(x > 0).sum()`, an integer result): the lowering
  // reduces f32 only, which holds every count below 2^24 exactly.
  const bool count = x->dtype == ir::DType::kBool && std::string(type) == "ReduceSum" &&
                     !ir::IsFloat(out_dtype) && ir::NumElements(x->shape) < (int64_t{1} << 24);
  const ir::DType dtype = count ? ir::DType::kF32 : out_dtype;
  x = ctx.CastTo(x, dtype);
  NCC_PT_ASSIGN(axes, Axes(ctx, dim_i, Rank(x)));
  ir::Value* y;
  if (std::string(type) == "ReduceSum") {
    y = ctx.Emit(type, {x, ctx.I64Constant(axes)}, KeptShape(x->shape, axes), dtype,
                 {{"keepdims", int64_t{1}}});
  } else {
    y = ctx.Emit(type, {x}, KeptShape(x->shape, axes), dtype,
                 {{"axes", axes}, {"keepdims", int64_t{1}}});
  }
  return SetReshaped(ctx, ctx.CastTo(y, out_dtype));
}

// mean(self, dim, keepdim, dtype) / mean(self, dtype)
absl::Status Mean(ConvertContext& ctx) {
  return Reduce(ctx, "ReduceMean", ctx.num_inputs() > 2 ? 1 : 99);
}
absl::Status Sum(ConvertContext& ctx) {
  return Reduce(ctx, "ReduceSum", ctx.num_inputs() > 2 ? 1 : 99);
}
absl::Status Amax(ConvertContext& ctx) { return Reduce(ctx, "ReduceMax", 1); }
absl::Status Amin(ConvertContext& ctx) { return Reduce(ctx, "ReduceMin", 1); }
absl::Status Prod(ConvertContext& ctx) {
  return Reduce(ctx, "ReduceProd", ctx.num_inputs() > 2 ? 1 : 99);
}

// max/min(self) -> value; max/min(self, dim, keepdim) -> (values, indices);
// max/min(self, other) -> element-wise.
absl::Status MaxMin(ConvertContext& ctx, bool max) {
  if (ctx.num_inputs() == 2 && ctx.IsTensor(1)) {
    return ConvertBinary(ctx, max ? "Max" : "Min");
  }
  const char* reduce = max ? "ReduceMax" : "ReduceMin";
  if (ctx.num_inputs() == 1) return Reduce(ctx, reduce, 99);
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(dim, ctx.Int(1));
  NCC_PT_ASSIGN(axis, NormalizeDim(dim, Rank(x)));
  ir::Shape kept = KeptShape(x->shape, {axis});
  ir::Value* values = ctx.Emit(reduce, {x}, kept, x->dtype,
                               {{"axes", std::vector<int64_t>{axis}}, {"keepdims", int64_t{1}}});
  NCC_PT_RETURN_IF_ERROR(SetReshaped(ctx, values, 0));
  ir::Value* indices = ctx.Emit(max ? "ArgMax" : "ArgMin", {x}, kept, ir::DType::kI64,
                                {{"axis", axis}, {"keepdims", int64_t{1}}});
  return SetReshaped(ctx, indices, 1);
}
absl::Status Max(ConvertContext& ctx) { return MaxMin(ctx, true); }
absl::Status Min(ConvertContext& ctx) { return MaxMin(ctx, false); }

// argmax/argmin(self, dim=None, keepdim=False)
absl::Status ArgMaxMin(ConvertContext& ctx, const char* type) {
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  int64_t axis = 0;
  if (ctx.num_inputs() > 1 && !ctx.IsNone(1)) {
    NCC_PT_ASSIGN(dim, ctx.Int(1));
    NCC_PT_ASSIGN(a, NormalizeDim(dim, Rank(x)));
    axis = a;
  } else {
    x = ctx.ReshapeTo(x, {ir::NumElements(x->shape)});
  }
  ir::Value* y = ctx.Emit(type, {x}, KeptShape(x->shape, {axis}), ir::DType::kI64,
                          {{"axis", axis}, {"keepdims", int64_t{1}}});
  return SetReshaped(ctx, y);
}
absl::Status ArgMax(ConvertContext& ctx) { return ArgMaxMin(ctx, "ArgMax"); }
absl::Status ArgMin(ConvertContext& ctx) { return ArgMaxMin(ctx, "ArgMin"); }

constexpr TorchOpSupport kOps[] = {
    {"aten::amax", Amax, ""},
    {"aten::amin", Amin, ""},
    {"aten::argmax", ArgMax, ""},
    {"aten::argmin", ArgMin, ""},
    {"aten::max", Max, "all forms"},
    {"aten::mean", Mean, ""},
    {"aten::min", Min, "all forms"},
    {"aten::prod", Prod, ""},
    {"aten::sum", Sum, "float, or a bool mask (counts below 2^24)"},
};

}  // namespace

absl::Span<const TorchOpSupport> ReduceOps() { return kOps; }

}  // namespace ncc::pytorch_frontend
