#include "frontends/mxnet/params.h"

#include <cstring>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fileio/bounded_read.h"
#include "text/printable.h"

namespace ncc::mxnet_frontend {
namespace {

using text::QuotedName;

// mshadow's type flags: the name, and the IR dtype for the types read.
struct TypeFlag {
  const char* name;
  int64_t size;
  std::optional<ir::DType> dtype;
};

std::optional<TypeFlag> FindTypeFlag(int32_t flag) {
  switch (flag) {
    case 0: return TypeFlag{"float32", 4, ir::DType::kF32};
    case 1: return TypeFlag{"float64", 8, ir::DType::kF64};
    case 2: return TypeFlag{"float16", 2, ir::DType::kF16};
    case 3: return TypeFlag{"uint8", 1, ir::DType::kU8};
    case 4: return TypeFlag{"int32", 4, ir::DType::kI32};
    case 5: return TypeFlag{"int8", 1, ir::DType::kI8};
    case 6: return TypeFlag{"int64", 8, ir::DType::kI64};
    case 7: return TypeFlag{"bool", 1, std::nullopt};
    case 8: return TypeFlag{"int16", 2, std::nullopt};
    case 9: return TypeFlag{"uint16", 2, std::nullopt};
    case 10: return TypeFlag{"uint32", 4, std::nullopt};
    case 11: return TypeFlag{"uint64", 8, std::nullopt};
    case 12: return TypeFlag{"bfloat16", 2, std::nullopt};
    default: return std::nullopt;
  }
}

const char* StorageName(int32_t stype) {
  switch (stype) {
    case 1: return "row_sparse";
    case 2: return "csr";
    default: return "sparse";
  }
}

// A bounds-checked little-endian cursor over the file. Every read names what
// it reads, so a truncated file says where it ends.
class Reader {
 public:
  Reader(absl::string_view bytes, absl::string_view origin) : bytes_(bytes), origin_(origin) {}

  int64_t offset() const { return static_cast<int64_t>(pos_); }
  int64_t left() const { return static_cast<int64_t>(bytes_.size() - pos_); }

  template <typename T>
  absl::StatusOr<T> Read(absl::string_view what) {
    if (left() < static_cast<int64_t>(sizeof(T))) return Truncated(what, sizeof(T));
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }

  absl::StatusOr<absl::string_view> Bytes(int64_t n, absl::string_view what) {
    if (n < 0 || left() < n) return Truncated(what, n);
    absl::string_view out = bytes_.substr(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return out;
  }

  absl::Status Truncated(absl::string_view what, int64_t need) const {
    return absl::DataLossError(absl::StrCat(origin_, ": truncated or not an MXNet params file: ",
                                            what, " needs ", need, " bytes at offset ", pos_,
                                            " but ", left(), " are left"));
  }

  absl::Status Error(absl::string_view message) const {
    return absl::DataLossError(absl::StrCat(origin_, ": ", message));
  }

 private:
  absl::string_view bytes_;
  absl::string_view origin_;
  size_t pos_ = 0;
};

#define NCC_MX_ASSIGN(lhs, expr)                 \
  auto lhs##_or = (expr);                        \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto lhs = std::move(*lhs##_or)

// One array as read, before its name is known.
struct RawArray {
  ParamArray array;
  std::string refused;  // why it is not read ("a csr array"), empty when it is
};

// A shape: int32 (uint32 in V1 and earlier) ndim, then int64 dims. Returns
// nullopt for "no shape" (ndim -1 in V3; ndim 0 before V3).
absl::StatusOr<std::optional<ir::Shape>> ReadShape(Reader& r, uint32_t magic,
                                                   absl::string_view what) {
  NCC_MX_ASSIGN(ndim, r.Read<int32_t>(absl::StrCat(what, "'s rank")));
  if (ndim == -1 && magic == kNDArrayV3Magic) return std::optional<ir::Shape>();
  if (ndim == 0 && magic != kNDArrayV3Magic) return std::optional<ir::Shape>();
  if (ndim < 0 || ndim > 32) {
    return r.Error(absl::StrCat(what, " has rank ", ndim, " (at most 32 is possible)"));
  }
  ir::Shape shape;
  for (int32_t i = 0; i < ndim; ++i) {
    NCC_MX_ASSIGN(dim, r.Read<int64_t>(absl::StrCat(what, "'s dimension ", i)));
    if (dim < 0) return r.Error(absl::StrCat(what, " has dimension ", i, " of size ", dim));
    shape.push_back(dim);
  }
  return std::optional<ir::Shape>(std::move(shape));
}

// The byte size of `shape` elements of `elem` bytes, or an error when it is
// more than the bytes left in the file (so it can never overflow).
absl::StatusOr<int64_t> DataBytes(Reader& r, const ir::Shape& shape, int64_t elem,
                                  absl::string_view what) {
  int64_t bytes = elem;
  for (int64_t d : shape) {
    if (d == 0) return int64_t{0};
  }
  for (int64_t d : shape) {
    if (bytes > r.left() / d) {
      return r.Error(absl::StrCat(what, " is ", ir::ShapeToString(shape), ", larger than the ",
                                  r.left(), " bytes left in the file (truncated, or not an MXNet "
                                  "params file)"));
    }
    bytes *= d;
  }
  return bytes;
}

absl::StatusOr<RawArray> ReadArray(Reader& r, int64_t index) {
  const std::string what = absl::StrCat("array ", index);
  RawArray out;
  NCC_MX_ASSIGN(magic, r.Read<uint32_t>(absl::StrCat(what, "'s magic")));
  if (magic != kNDArrayV1Magic && magic != kNDArrayV2Magic && magic != kNDArrayV3Magic) {
    return r.Error(absl::StrCat(what, " at offset ", r.offset() - 4, " has magic 0x",
                                absl::Hex(magic), ", not an NDArray's (0xF993FAC8..0xF993FACA)"));
  }
  int32_t stype = 0;
  if (magic != kNDArrayV1Magic) {
    NCC_MX_ASSIGN(st, r.Read<int32_t>(absl::StrCat(what, "'s storage type")));
    stype = st;
    if (stype < 0 || stype > 2) {
      return r.Error(absl::StrCat(what, " has storage type ", stype,
                                  " (0 dense, 1 row_sparse, 2 csr)"));
    }
  }
  const int num_aux = stype == 1 ? 1 : stype == 2 ? 2 : 0;
  ir::Shape storage_shape;
  if (stype != 0) {
    NCC_MX_ASSIGN(s, ReadShape(r, magic, absl::StrCat(what, "'s storage shape")));
    if (s) storage_shape = *s;
  }
  NCC_MX_ASSIGN(shape, ReadShape(r, magic, what));
  if (!shape) {
    out.refused = "an empty (shapeless) array";
    return out;
  }
  out.array.shape = *shape;
  NCC_MX_ASSIGN(dev_type, r.Read<int32_t>(absl::StrCat(what, "'s context")));
  NCC_MX_ASSIGN(dev_id, r.Read<int32_t>(absl::StrCat(what, "'s context")));
  (void)dev_type;
  (void)dev_id;
  NCC_MX_ASSIGN(flag, r.Read<int32_t>(absl::StrCat(what, "'s type flag")));
  std::optional<TypeFlag> type = FindTypeFlag(flag);
  if (!type) return r.Error(absl::StrCat(what, " has unknown type flag ", flag));
  std::vector<std::pair<ir::Shape, int64_t>> aux;  // shape, element size
  for (int i = 0; i < num_aux; ++i) {
    NCC_MX_ASSIGN(aux_flag, r.Read<int32_t>(absl::StrCat(what, "'s aux type")));
    std::optional<TypeFlag> aux_type = FindTypeFlag(aux_flag);
    if (!aux_type) return r.Error(absl::StrCat(what, " has unknown aux type flag ", aux_flag));
    NCC_MX_ASSIGN(aux_shape, ReadShape(r, magic, absl::StrCat(what, "'s aux shape")));
    aux.emplace_back(aux_shape ? *aux_shape : ir::Shape{0}, aux_type->size);
  }
  NCC_MX_ASSIGN(bytes, DataBytes(r, stype != 0 ? storage_shape : *shape, type->size,
                                 absl::StrCat(what, "'s data")));
  NCC_MX_ASSIGN(data, r.Bytes(bytes, absl::StrCat(what, "'s data (", ir::ShapeToString(*shape),
                                                   " ", type->name, ")")));
  for (const auto& [aux_shape, elem] : aux) {
    NCC_MX_ASSIGN(aux_bytes, DataBytes(r, aux_shape, elem, absl::StrCat(what, "'s aux data")));
    NCC_MX_ASSIGN(skipped, r.Bytes(aux_bytes, absl::StrCat(what, "'s aux data")));
    (void)skipped;
  }
  if (stype != 0) {
    out.refused = absl::StrCat("a ", StorageName(stype),
                               " array; only dense arrays are read (save it with "
                               "tostype('default'))");
    return out;
  }
  if (!type->dtype) {
    out.refused = absl::StrCat("of type ", type->name,
                               "; float32, float16, float64, uint8, int8, int32 and int64 are read");
    return out;
  }
  out.array.dtype = *type->dtype;
  out.array.data.assign(data.begin(), data.end());
  return out;
}

}  // namespace

absl::StatusOr<std::vector<ParamArray>> ParseParams(absl::string_view bytes,
                                                    absl::string_view origin) {
  Reader r(bytes, origin);
  NCC_MX_ASSIGN(magic, r.Read<uint64_t>("the list magic"));
  if (magic != kNDArrayListMagic) {
    return r.Error(absl::StrCat("not an MXNet params file (magic 0x", absl::Hex(magic),
                                ", want 0x112)"));
  }
  NCC_MX_ASSIGN(reserved, r.Read<uint64_t>("the reserved word"));
  (void)reserved;
  NCC_MX_ASSIGN(count, r.Read<uint64_t>("the array count"));
  // Every array takes at least 4 + 4 bytes (magic and a rank).
  if (count > static_cast<uint64_t>(r.left() / 8)) {
    return r.Error(absl::StrCat("the file says it holds ", count, " arrays but only ", r.left(),
                                " bytes follow"));
  }
  std::vector<RawArray> arrays;
  arrays.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    NCC_MX_ASSIGN(array, ReadArray(r, static_cast<int64_t>(i)));
    arrays.push_back(std::move(array));
  }
  NCC_MX_ASSIGN(name_count, r.Read<uint64_t>("the name count"));
  if (name_count != count) {
    if (name_count == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, ": the ", count, " arrays have no names; a params file for a symbol names "
          "each array (save a dict, as Gluon's export does)"));
    }
    return r.Error(absl::StrCat("the file has ", count, " arrays but ", name_count, " names"));
  }
  std::vector<ParamArray> out;
  out.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    const std::string what = absl::StrCat("the name of array ", i);
    NCC_MX_ASSIGN(length, r.Read<uint64_t>(what));
    if (length > static_cast<uint64_t>(r.left())) return r.Truncated(what, length);
    NCC_MX_ASSIGN(name, r.Bytes(static_cast<int64_t>(length), what));
    RawArray& raw = arrays[i];
    ParamArray& array = raw.array;
    if (absl::StartsWith(name, "arg:")) {
      array.name = std::string(name.substr(4));
    } else if (absl::StartsWith(name, "aux:")) {
      array.name = std::string(name.substr(4));
      array.aux = true;
    } else {
      array.name = std::string(name);
    }
    if (array.name.empty()) return r.Error(absl::StrCat("array ", i, " has an empty name"));
    if (!raw.refused.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(origin, ": parameter ",
                                                     QuotedName(array.name), " is ", raw.refused));
    }
    out.push_back(std::move(array));
  }
  if (r.left() != 0) {
    return r.Error(absl::StrCat(r.left(), " bytes follow the last name at offset ", r.offset(),
                                "; the file is not one NDArray list"));
  }
  return out;
}

absl::StatusOr<std::vector<ParamArray>> ReadParamsFile(const std::string& path) {
  auto bytes = fileio::ReadRegularFile(path, fileio::kModelFileLimit, "an MXNet params file");
  if (!bytes.ok()) return bytes.status();
  return ParseParams(*bytes, path);
}

}  // namespace ncc::mxnet_frontend
