#include "compiler/ir/dtype.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ncc::ir {
namespace {

struct DTypeInfo {
  DType dtype;
  absl::string_view name;
  int size;
  bool is_float;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::kF32, "f32", 4, true},  {DType::kBF16, "bf16", 2, true},
    {DType::kF16, "f16", 2, true},  {DType::kI32, "i32", 4, false},
    {DType::kI64, "i64", 8, false}, {DType::kBool, "bool", 1, false},
    {DType::kI8, "i8", 1, false},   {DType::kU8, "u8", 1, false},
    {DType::kF64, "f64", 8, true},  {DType::kI16, "i16", 2, false},
    {DType::kU16, "u16", 2, false}, {DType::kU32, "u32", 4, false},
    {DType::kU64, "u64", 8, false},
};

const DTypeInfo& Info(DType dtype) { return kDTypes[static_cast<int>(dtype)]; }

}  // namespace

absl::string_view DTypeName(DType dtype) { return Info(dtype).name; }
int DTypeSize(DType dtype) { return Info(dtype).size; }
bool IsFloat(DType dtype) { return Info(dtype).is_float; }

absl::StatusOr<DType> ParseDType(absl::string_view name) {
  for (const DTypeInfo& info : kDTypes) {
    if (info.name == name) return info.dtype;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown dtype '", name, "'"));
}

int64_t NumElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (__builtin_mul_overflow(n, d, &n)) return std::numeric_limits<int64_t>::max();
  }
  return n;
}

int64_t SizeInBytes(const Shape& shape, DType dtype) {
  int64_t bytes = 0;
  if (__builtin_mul_overflow(NumElements(shape), DTypeSize(dtype), &bytes)) {
    return std::numeric_limits<int64_t>::max();
  }
  return bytes;
}

std::string ShapeToString(const Shape& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

}  // namespace ncc::ir
