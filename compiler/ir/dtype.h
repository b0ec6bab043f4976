// Element types of IR values, NEFF tensors and on-chip tiles.
#ifndef NCC_COMPILER_IR_DTYPE_H_
#define NCC_COMPILER_IR_DTYPE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ncc::ir {

enum class DType : uint8_t {
  kF32,
  kBF16,
  kF16,
  kI32,
  kI64,
  kBool,
  kI8,
  kU8,
  // Storage only: the engines have no float64. The ONNX importer computes
  // float64 models in float32 and keeps f64 only at the graph boundary.
  kF64,
  // Integer storage types; the engines compute them in float32 (exact below
  // 2^24) like the other integer types.
  kI16,
  kU16,
  kU32,
  kU64,
};

// Short name used by the text form and by error messages: f32, bf16, ...
absl::string_view DTypeName(DType dtype);
absl::StatusOr<DType> ParseDType(absl::string_view name);
int DTypeSize(DType dtype);
bool IsFloat(DType dtype);

using Shape = std::vector<int64_t>;

// Both saturate at INT64_MAX instead of overflowing, so that a hostile
// shape ([2^31, 2^31, 4]) compares as too large rather than wrapping around.
int64_t NumElements(const Shape& shape);
int64_t SizeInBytes(const Shape& shape, DType dtype);
// "[1,3,224,224]"
std::string ShapeToString(const Shape& shape);

}  // namespace ncc::ir

#endif  // NCC_COMPILER_IR_DTYPE_H_
