#include "compiler/lower/constant_ops.h"

#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/lower/data_movement.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

absl::StatusOr<double> ScalarOf(const ir::Value* v, absl::string_view what) {
  if (v == nullptr || !v->is_constant || v->num_elements() != 1) {
    return Unsupported(absl::StrCat(what, " must be a compile-time constant scalar"));
  }
  switch (v->dtype) {
    case ir::DType::kF32:
      return v->data_as<float>()[0];
    case ir::DType::kI64:
      return static_cast<double>(v->data_as<int64_t>()[0]);
    case ir::DType::kI32:
      return v->data_as<int32_t>()[0];
    default:
      return Unsupported(absl::StrCat(what, " must be f32, i32 or i64"));
  }
}

absl::StatusOr<std::vector<double>> Values(const ir::Op& op) {
  const ir::Value* out = op.outputs[0];
  const int64_t n = out->num_elements();
  if (op.type == "Shape") {
    const ir::Shape& s = op.input(0)->shape;
    const int64_t rank = static_cast<int64_t>(s.size());
    int64_t start = op.GetInt("start", 0), end = op.GetInt("end", rank);
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, start, rank);
    return std::vector<double>(s.begin() + start, s.begin() + end);
  }
  if (op.type == "EyeLike") {
    // Ones on the k-th diagonal of the 2-D output, zeros elsewhere.
    const ir::Shape& s = out->shape;
    if (s.size() != 2) {
      return Unsupported(absl::StrCat("EyeLike of rank ", s.size(), " (only 2-D)"));
    }
    const int64_t k = op.GetInt("k", 0);
    std::vector<double> v(n, 0.0);
    for (int64_t i = 0; i < s[0]; ++i) {
      if (i + k >= 0 && i + k < s[1]) v[i * s[1] + i + k] = 1.0;
    }
    return v;
  }
  if (op.type == "Size")
    return std::vector<double>{static_cast<double>(op.input(0)->num_elements())};
  if (op.type == "ConstantOfShape") {
    // The output's static shape fixes the element count whatever computed
    // the shape input.
    return std::vector<double>(n, op.GetFloat("value", 0.0f));
  }
  // Range
  auto start = ScalarOf(op.input(0), "start");
  auto delta = ScalarOf(op.input(2), "delta");
  if (!start.ok()) return start.status();
  if (!delta.ok()) return delta.status();
  if (auto limit = ScalarOf(op.input(1), "limit"); !limit.ok()) return limit.status();
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = *start + i * *delta;
  return v;
}

}  // namespace

DramTensor WeightsFromDoubles(LowerContext& ctx, const std::string& name, ir::DType dtype,
                              const ir::Shape& shape, const std::vector<double>& values) {
  const int elem = ir::DTypeSize(dtype);
  Buffer buf;
  buf.name = name;
  buf.space = Space::WEIGHTS;
  buf.bytes = static_cast<int64_t>(values.size()) * elem;
  buf.data.resize(buf.bytes);
  for (size_t i = 0; i < values.size(); ++i) {
    uint8_t* p = buf.data.data() + i * elem;
    const double v = values[i];
    switch (dtype) {
      case ir::DType::kF32: {
        float f = static_cast<float>(v);
        std::memcpy(p, &f, 4);
        break;
      }
      case ir::DType::kI64: {
        int64_t x = static_cast<int64_t>(v);
        std::memcpy(p, &x, 8);
        break;
      }
      case ir::DType::kI32: {
        int32_t x = static_cast<int32_t>(v);
        std::memcpy(p, &x, 4);
        break;
      }
      case ir::DType::kBool:
        *p = v != 0;
        break;
      case ir::DType::kI8:
        *p = static_cast<uint8_t>(static_cast<int8_t>(v));
        break;
      case ir::DType::kU8:
        *p = static_cast<uint8_t>(v);
        break;
      case ir::DType::kF64:
        std::memcpy(p, &v, 8);
        break;
      case ir::DType::kI16: {
        int16_t x = static_cast<int16_t>(v);
        std::memcpy(p, &x, 2);
        break;
      }
      case ir::DType::kU16: {
        uint16_t x = static_cast<uint16_t>(v);
        std::memcpy(p, &x, 2);
        break;
      }
      case ir::DType::kU32: {
        uint32_t x = static_cast<uint32_t>(v);
        std::memcpy(p, &x, 4);
        break;
      }
      case ir::DType::kU64: {
        uint64_t x = static_cast<uint64_t>(v);
        std::memcpy(p, &x, 8);
        break;
      }
      case ir::DType::kBF16: {
        float f = static_cast<float>(v);
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        bits += 0x7fff + ((bits >> 16) & 1);
        uint16_t h = static_cast<uint16_t>(bits >> 16);
        std::memcpy(p, &h, 2);
        break;
      }
      case ir::DType::kF16: {
        // Exact for the small integers and fill values these ops produce.
        _Float16 h = static_cast<_Float16>(v);
        std::memcpy(p, &h, 2);
        break;
      }
    }
  }
  DramTensor t;
  t.buffer = ctx.program().AddBuffer(std::move(buf));
  t.space = Space::WEIGHTS;
  t.dtype = ToNeffDType(dtype).value_or(neff::DType::F32);
  t.shape = shape;
  return t;
}

absl::Status CheckComputedConstant(const ir::Op& op) {
  if (op.type == "Range") {
    for (int i = 0; i < 3; ++i) {
      if (op.input(i) == nullptr || !op.input(i)->is_constant) {
        return Unsupported("start, limit and delta must be compile-time constants");
      }
    }
  }
  auto v = Values(op);
  return v.ok() ? absl::OkStatus() : v.status();
}

absl::Status LowerComputedConstant(const ir::Op& op, LowerContext& ctx) {
  auto values = Values(op);
  if (!values.ok()) return values.status();
  const ir::Value* out = op.outputs[0];
  if (out->num_elements() == 0) return absl::OkStatus();
  DramTensor constant = WeightsFromDoubles(ctx, ctx.Name("value"), out->dtype, out->shape, *values);
  const DramTensor& y = ctx.Tensor(out);
  EmitStridedCopy(ctx, constant, 0, RowMajorStrides(out->shape), y, 0, RowMajorStrides(out->shape),
                  out->shape);
  return absl::OkStatus();
}

}  // namespace ncc::lower
