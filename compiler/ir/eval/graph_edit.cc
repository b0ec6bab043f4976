#include "compiler/ir/eval/graph_edit.h"

#include <cmath>
#include <cstring>

namespace ncc::ir::eval {

void ReplaceAllUses(ir::Graph& graph, ir::Value* from, ir::Value* to) {
  for (const auto& op : graph.ops()) {
    for (ir::Value*& in : op->inputs) {
      if (in == from) in = to;
    }
  }
  for (ir::Value*& out : graph.outputs()) {
    if (out == from) out = to;
  }
}

bool HasSingleUse(const ir::Graph& graph, const ir::Value* value) {
  if (graph.IsGraphOutput(value)) return false;
  int uses = 0;
  for (const auto& op : graph.ops()) {
    for (const ir::Value* in : op->inputs) uses += in == value;
  }
  return uses == 1;
}

bool BypassValue(ir::Graph& graph, ir::Value* out, ir::Value* in) {
  if (!graph.IsGraphOutput(out)) {
    ReplaceAllUses(graph, out, in);
    return true;
  }
  if (in->producer == nullptr || !HasSingleUse(graph, in) || out->dtype != in->dtype) {
    return false;
  }
  ir::Op* producer = in->producer;
  for (ir::Value*& o : producer->outputs) {
    if (o == in) o = out;
  }
  out->producer = producer;
  in->producer = nullptr;
  // The single reader of `in` is the op being bypassed; it now reads `out`
  // only until the caller removes it.
  ReplaceAllUses(graph, in, out);
  return true;
}

uint16_t FloatToBf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if (std::isnan(f)) return static_cast<uint16_t>((bits >> 16) | 0x40);
  uint32_t rounding = 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

float Bf16ToFloat(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t FloatToF16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t abs = x & 0x7fffffff;
  if (abs >= 0x7f800000) {  // inf or nan
    return static_cast<uint16_t>(sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 : 0));
  }
  if (abs >= 0x477ff000) return static_cast<uint16_t>(sign | 0x7c00);  // overflow
  if (abs < 0x38800000) {                                              // subnormal half (or zero)
    // Value in units of 2^-24, rounded to nearest even.
    float a;
    std::memcpy(&a, &abs, 4);
    float scaled = a * 16777216.0f;  // exact: power of two
    float r = std::nearbyint(scaled);
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(r));
  }
  uint32_t mant = abs & 0x7fffff;
  uint32_t exp = (abs >> 23) - 127 + 15;
  uint32_t h = (exp << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) ++h;  // may carry into exp
  return static_cast<uint16_t>(sign | h);
}

float F16ToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  float f;
  if (exp == 0) {
    f = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -f : f;
  }
  uint32_t bits;
  if (exp == 31) {
    bits = sign | 0x7f800000 | (mant << 13);
  } else {
    bits = sign | ((exp - 15 + 127) << 23) | (mant << 13);
  }
  std::memcpy(&f, &bits, 4);
  return f;
}

namespace {

template <typename T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <typename T>
void Store(uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

// One element of `dtype` at `p` as a double, and back.
double LoadAsDouble(const uint8_t* p, ir::DType dtype) {
  switch (dtype) {
    case ir::DType::kF32:
      return Load<float>(p);
    case ir::DType::kBF16:
      return Bf16ToFloat(Load<uint16_t>(p));
    case ir::DType::kF16:
      return F16ToFloat(Load<uint16_t>(p));
    case ir::DType::kI32:
      return Load<int32_t>(p);
    case ir::DType::kI64:
      return static_cast<double>(Load<int64_t>(p));
    case ir::DType::kBool:
      return Load<uint8_t>(p) != 0;
    case ir::DType::kI8:
      return Load<int8_t>(p);
    case ir::DType::kU8:
      return Load<uint8_t>(p);
    case ir::DType::kF64:
      return Load<double>(p);
    case ir::DType::kI16:
      return Load<int16_t>(p);
    case ir::DType::kU16:
      return Load<uint16_t>(p);
    case ir::DType::kU32:
      return Load<uint32_t>(p);
    case ir::DType::kU64:
      return static_cast<double>(Load<uint64_t>(p));
  }
  return 0;
}

void StoreFromDouble(uint8_t* p, ir::DType dtype, double v) {
  switch (dtype) {
    case ir::DType::kF32:
      Store<float>(p, static_cast<float>(v));
      break;
    case ir::DType::kBF16:
      Store<uint16_t>(p, FloatToBf16(static_cast<float>(v)));
      break;
    case ir::DType::kF16:
      Store<uint16_t>(p, FloatToF16(static_cast<float>(v)));
      break;
    case ir::DType::kI32:
      Store<int32_t>(p, static_cast<int32_t>(v));
      break;
    case ir::DType::kI64:
      Store<int64_t>(p, static_cast<int64_t>(v));
      break;
    case ir::DType::kBool:
      Store<uint8_t>(p, v != 0 ? 1 : 0);
      break;
    case ir::DType::kI8:
      Store<int8_t>(p, static_cast<int8_t>(v));
      break;
    case ir::DType::kU8:
      Store<uint8_t>(p, static_cast<uint8_t>(v));
      break;
    case ir::DType::kF64:
      Store<double>(p, v);
      break;
    case ir::DType::kI16:
      Store<int16_t>(p, static_cast<int16_t>(v));
      break;
    case ir::DType::kU16:
      Store<uint16_t>(p, static_cast<uint16_t>(v));
      break;
    case ir::DType::kU32:
      Store<uint32_t>(p, static_cast<uint32_t>(v));
      break;
    case ir::DType::kU64:
      Store<uint64_t>(p, static_cast<uint64_t>(v));
      break;
  }
}

}  // namespace

std::vector<double> ConstantAsDoubles(const ir::Value& value) {
  const int64_t n = value.num_elements();
  const int size = ir::DTypeSize(value.dtype);
  std::vector<double> out(n);
  const uint8_t* p = value.data.data();
  for (int64_t i = 0; i < n; ++i, p += size) out[i] = LoadAsDouble(p, value.dtype);
  return out;
}

std::vector<uint8_t> BytesFromDoubles(const std::vector<double>& values, ir::DType dtype) {
  const int size = ir::DTypeSize(dtype);
  std::vector<uint8_t> bytes(values.size() * size);
  uint8_t* p = bytes.data();
  for (double v : values) {
    StoreFromDouble(p, dtype, v);
    p += size;
  }
  return bytes;
}

std::vector<uint8_t> ConvertConstant(const ir::Value& value, ir::DType dtype) {
  const int64_t n = value.num_elements();
  const int in_size = ir::DTypeSize(value.dtype), out_size = ir::DTypeSize(dtype);
  std::vector<uint8_t> bytes(n * out_size);
  const uint8_t* in = value.data.data();
  uint8_t* out = bytes.data();
  // Auto-cast's weights: float -> double -> float is exact, so these are
  // the generic path's results without its switches.
  if (value.dtype == ir::DType::kF32 && dtype == ir::DType::kBF16) {
    for (int64_t i = 0; i < n; ++i, in += 4, out += 2) {
      // FloatToBf16 without branches, so that the loop vectorizes.
      const uint32_t bits = Load<uint32_t>(in);
      const uint32_t rounded = (bits + 0x7fff + ((bits >> 16) & 1)) >> 16;
      const uint32_t quiet_nan = (bits >> 16) | 0x40;
      Store<uint16_t>(
          out, static_cast<uint16_t>((bits & 0x7fffffff) > 0x7f800000 ? quiet_nan : rounded));
    }
    return bytes;
  }
  if (value.dtype == ir::DType::kF32 && dtype == ir::DType::kF16) {
    for (int64_t i = 0; i < n; ++i, in += 4, out += 2) {
      Store<uint16_t>(out, FloatToF16(Load<float>(in)));
    }
    return bytes;
  }
  for (int64_t i = 0; i < n; ++i, in += in_size, out += out_size) {
    StoreFromDouble(out, dtype, LoadAsDouble(in, value.dtype));
  }
  return bytes;
}

ir::Value* AddConstantFromDoubles(ir::Graph& graph, absl::string_view base, ir::DType dtype,
                                  ir::Shape shape, const std::vector<double>& values) {
  return graph.AddConstant(graph.UniqueName(base), dtype, std::move(shape),
                           BytesFromDoubles(values, dtype));
}

ir::Value* AddI64Constant(ir::Graph& graph, absl::string_view base,
                          const std::vector<int64_t>& values) {
  std::vector<uint8_t> bytes(values.size() * 8);
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return graph.AddConstant(graph.UniqueName(base), ir::DType::kI64,
                           {static_cast<int64_t>(values.size())}, std::move(bytes));
}

}  // namespace ncc::ir::eval
