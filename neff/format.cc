#include "neff/format.h"

#include "absl/strings/str_cat.h"
#include "fileio/bounded_read.h"

namespace neff {

absl::StatusOr<const Model*> OpenModel(absl::string_view bytes) {
  if (bytes.size() < 8) {
    return absl::InvalidArgumentError(absl::StrCat("not a NEFF: file is ", bytes.size(), " bytes"));
  }
  if (!flatbuffers::BufferHasIdentifier(bytes.data(), ModelIdentifier(),
                                        /*size_prefixed=*/true)) {
    return absl::InvalidArgumentError("not a NEFF: missing the 'NEFF' file identifier");
  }
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                 /*max_depth=*/64,
                                 /*max_tables=*/100000000);
  uint32_t declared = flatbuffers::ReadScalar<uint32_t>(bytes.data());
  if (declared != bytes.size() - sizeof(uint32_t)) {
    return absl::InvalidArgumentError(
        absl::StrCat("corrupt NEFF: header says ", declared + sizeof(uint32_t),
                     " bytes but the file has ", bytes.size(), " (truncated?)"));
  }
  if (!VerifySizePrefixedModelBuffer(verifier)) {
    return absl::InvalidArgumentError(
        "corrupt NEFF: the FlatBuffers verifier rejected the file (truncated "
        "or damaged)");
  }
  const Model* model = GetSizePrefixedModel(bytes.data());
  if (model->version_major() > kVersionMajor) {
    return absl::UnimplementedError(
        absl::StrCat("NEFF format ", model->version_major(), ".", model->version_minor(),
                     " is newer than this runtime's ", kVersionMajor, ".", kVersionMinor));
  }
  return model;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  return ncc::fileio::ReadRegularFile(path, ncc::fileio::kModelFileLimit, "a model file");
}

int DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::F32:
    case DType::I32:
    case DType::U32:
      return 4;
    case DType::BF16:
    case DType::F16:
    case DType::I16:
    case DType::U16:
      return 2;
    case DType::I64:
    case DType::F64:
    case DType::U64:
      return 8;
    case DType::BOOL:
    case DType::I8:
    case DType::U8:
      return 1;
  }
  return 0;
}

const char* DTypeName(DType dtype) { return EnumNameDType(dtype); }

const char* DTypeUserName(DType dtype) {
  switch (dtype) {
    case DType::F32:
      return "float32";
    case DType::BF16:
      return "bfloat16";
    case DType::F16:
      return "float16";
    case DType::I32:
      return "int32";
    case DType::I64:
      return "int64";
    case DType::BOOL:
      return "bool";
    case DType::I8:
      return "int8";
    case DType::U8:
      return "uint8";
    case DType::F64:
      return "float64";
    case DType::I16:
      return "int16";
    case DType::U16:
      return "uint16";
    case DType::U32:
      return "uint32";
    case DType::U64:
      return "uint64";
  }
  return nullptr;
}

absl::string_view TargetName(const Model& model) {
  const flatbuffers::String* name =
      model.metadata() != nullptr ? model.metadata()->target() : nullptr;
  return name != nullptr ? absl::string_view(name->c_str(), name->size()) : absl::string_view();
}

}  // namespace neff
