#include "frontends/freeze_input.h"

#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "npy/npy.h"
#include "text/printable.h"

namespace ncc::frontends {
namespace {

// The IR dtype of an .npy descr (npy/npy.h lists the supported ones).
absl::StatusOr<ir::DType> DTypeOfNpy(const std::string& descr) {
  static const auto* const kDTypes = new std::map<std::string, ir::DType>{
      {"<f4", ir::DType::kF32}, {"<f8", ir::DType::kF64}, {"<f2", ir::DType::kF16},
      {"<i2", ir::DType::kI16}, {"<u2", ir::DType::kU16}, {"<i4", ir::DType::kI32},
      {"<u4", ir::DType::kU32}, {"<i8", ir::DType::kI64}, {"<u8", ir::DType::kU64},
      {"|i1", ir::DType::kI8},  {"|u1", ir::DType::kU8},  {"|b1", ir::DType::kBool},
  };
  auto it = kDTypes->find(descr);
  if (it == kDTypes->end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dtype ", ncc::text::QuotedName(descr), " is not supported"));
  }
  return it->second;
}

}  // namespace

absl::Status ParseFreezeInputFlag(absl::string_view flag,
                                  std::map<std::string, FrozenInput>* frozen) {
  const size_t eq = flag.find('=');
  if (eq == absl::string_view::npos || eq == 0 || eq + 1 == flag.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--freeze-input needs NAME=FILE.npy, got ", ncc::text::QuotedName(flag)));
  }
  const std::string name(flag.substr(0, eq));
  const std::string path(flag.substr(eq + 1));
  if (frozen->count(name) > 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--freeze-input: input ", ncc::text::QuotedName(name), " is frozen twice"));
  }
  auto array = npy::Read(path);
  if (!array.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--freeze-input ", name, ": ", array.status().message()));
  }
  auto dtype = DTypeOfNpy(array->dtype_descr);
  if (!dtype.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--freeze-input ", name, ": ", path, ": ", dtype.status().message()));
  }
  FrozenInput& value = (*frozen)[name];
  value.dtype = *dtype;
  value.shape = array->shape;
  value.data = std::move(array->data);
  return absl::OkStatus();
}

}  // namespace ncc::frontends
