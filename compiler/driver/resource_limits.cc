#include "compiler/driver/resource_limits.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "text/printable.h"

namespace ncc::driver {
namespace {

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? std::numeric_limits<int64_t>::max() : sum;
}

std::string DescribeTensor(const ir::Value& value) {
  std::string what = absl::StrCat("tensor ", ncc::text::QuotedName(value.name), " (",
                                  ir::DTypeName(value.dtype), " ", ir::ShapeToString(value.shape));
  if (value.producer != nullptr) absl::StrAppend(&what, ", output of ", value.producer->Describe());
  if (value.is_constant) absl::StrAppend(&what, ", a constant");
  return absl::StrCat(what, ")");
}

}  // namespace

std::string DescribeBytes(int64_t bytes) {
  if (bytes == std::numeric_limits<int64_t>::max()) return "over 8 EiB";
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return absl::StrCat(bytes, " bytes");
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (value >= 1024 && unit < 5) {
    value /= 1024;
    ++unit;
  }
  return absl::StrCat(absl::StrFormat("%.4g", value), " ", kUnits[unit]);
}

absl::Status CheckResourceLimits(const ir::Graph& graph, const target::CoreSpec& spec) {
  const int64_t limit = spec.device_memory_bytes;
  auto too_large = [&](const std::string& what, int64_t bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(what, " needs ", DescribeBytes(bytes),
                                                     ", more than the ", DescribeBytes(limit),
                                                     " of device memory of a ", spec.name));
  };
  int64_t resident = 0;
  for (const auto& value : graph.values()) {
    const int64_t bytes = value->size_bytes();
    if (bytes > limit) return too_large(DescribeTensor(*value), bytes);
    if (value->is_constant) resident = SaturatingAdd(resident, bytes);
  }
  for (const ir::Value* value : graph.inputs()) {
    resident = SaturatingAdd(resident, value->size_bytes());
  }
  for (const ir::Value* value : graph.outputs()) {
    if (!value->is_constant) resident = SaturatingAdd(resident, value->size_bytes());
  }
  if (resident > limit) {
    return too_large("the model's weights, inputs and outputs together", resident);
  }
  return absl::OkStatus();
}

}  // namespace ncc::driver
