#include "frontends/pytorch/ops_util.h"

#include "absl/strings/str_cat.h"

namespace ncc::pytorch_frontend {

absl::StatusOr<ir::DType> PromotedDType(const ConvertContext& ctx, size_t a, size_t b) {
  const c10::IValue& x = ctx.input(a);
  const c10::IValue& y = ctx.input(b);
  try {
    at::ScalarType type;
    if (x.isTensor() && y.isTensor()) {
      type = at::result_type(x.toTensor(), y.toTensor());
    } else if (x.isTensor() && y.isScalar()) {
      type = at::result_type(x.toTensor(), y.toScalar());
    } else if (x.isScalar() && y.isTensor()) {
      type = at::result_type(x.toScalar(), y.toTensor());
    } else {
      return absl::UnimplementedError("neither operand is a tensor");
    }
    return IrDType(type);
  } catch (const std::exception& e) {
    return absl::UnimplementedError(e.what());
  }
}

absl::Status ConvertBinary(ConvertContext& ctx, const char* type, size_t a, size_t b,
                           bool bool_out) {
  NCC_PT_ASSIGN(dtype, PromotedDType(ctx, a, b));
  NCC_PT_ASSIGN(x, ctx.Tensor(a, dtype));
  NCC_PT_ASSIGN(y, ctx.Tensor(b, dtype));
  x = ctx.CastTo(x, dtype);
  y = ctx.CastTo(y, dtype);
  ir::Value* out = ctx.Emit(type, {x, y}, ctx.OutShape(), bool_out ? ir::DType::kBool : dtype);
  return ctx.Set(0, out);
}

absl::Status ConvertUnary(ConvertContext& ctx, const char* type,
                          std::map<std::string, ir::Attribute> attrs) {
  NCC_PT_ASSIGN(dtype, ctx.OutDType());
  NCC_PT_ASSIGN(x, ctx.Tensor(0, dtype));
  x = ctx.CastTo(x, dtype);
  return ctx.Set(0, ctx.Emit(type, {x}, ctx.OutShape(), dtype, std::move(attrs)));
}

absl::StatusOr<int64_t> NormalizeDim(int64_t dim, int64_t rank) {
  int64_t d = dim < 0 ? dim + rank : dim;
  if (d < 0 || d >= std::max<int64_t>(rank, 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("dim ", dim, " is out of range for a tensor of rank ", rank));
  }
  return d;
}

int64_t Rank(const ir::Value* value) { return static_cast<int64_t>(value->shape.size()); }

absl::Status SetReshaped(ConvertContext& ctx, ir::Value* value, size_t k) {
  return ctx.Set(k, ctx.ReshapeTo(value, ctx.OutShape(k)));
}

}  // namespace ncc::pytorch_frontend
