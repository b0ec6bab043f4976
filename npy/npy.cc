#include "npy/npy.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fileio/bounded_read.h"
#include "fileio/safe_write.h"

namespace ncc::npy {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
// Headers are a few hundred bytes; format 2.0 allows 4 GiB.
constexpr int64_t kMaxHeaderBytes = int64_t{1} << 20;

// A tiny parser for the header's Python dict literal, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
 public:
  explicit HeaderParser(absl::string_view text) : text_(text) {}

  absl::Status Parse(std::string* descr, bool* fortran, std::vector<int64_t>* shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    if (!Eat('{')) return Error("expected '{'");
    while (true) {
      if (Eat('}')) break;
      std::string key;
      if (!String(&key)) return Error("expected a quoted key");
      if (!Eat(':')) return Error("expected ':'");
      if (key == "descr") {
        if (!String(descr)) return Error("'descr' must be a string");
        have_descr = true;
      } else if (key == "fortran_order") {
        if (!Bool(fortran)) return Error("'fortran_order' must be True/False");
        have_fortran = true;
      } else if (key == "shape") {
        if (!Tuple(shape)) return Error("'shape' must be a tuple of integers");
        have_shape = true;
      } else {
        return Error(absl::StrCat("unexpected key '", key, "'"));
      }
      if (Eat(',')) continue;
      if (Eat('}')) break;
      return Error("expected ',' or '}'");
    }
    if (!have_descr || !have_fortran || !have_shape) {
      return Error("header needs 'descr', 'fortran_order' and 'shape'");
    }
    return absl::OkStatus();
  }

 private:
  void Skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Eat(char c) {
    Skip();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool String(std::string* out) {
    Skip();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      return false;
    }
    char quote = text_[pos_++];
    size_t end = text_.find(quote, pos_);
    if (end == absl::string_view::npos) return false;
    *out = std::string(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return true;
  }
  bool Bool(bool* out) {
    Skip();
    if (text_.substr(pos_, 4) == "True") {
      *out = true;
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      *out = false;
      pos_ += 5;
      return true;
    }
    return false;
  }
  bool Int(int64_t* out) {
    Skip();
    size_t start = pos_;
    int64_t v = 0;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      if (v > (INT64_MAX - 9) / 10) return false;
      v = v * 10 + (text_[pos_++] - '0');
    }
    if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 longs
    *out = v;
    return pos_ > start;
  }
  bool Tuple(std::vector<int64_t>* out) {
    out->clear();
    if (!Eat('(')) return false;
    while (true) {
      if (Eat(')')) return true;
      int64_t v;
      if (!Int(&v)) return false;
      out->push_back(v);
      if (Eat(',')) continue;
      return Eat(')');
    }
  }
  absl::Status Error(const std::string& what) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad .npy header (", what, " at offset ", pos_, ")"));
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

std::string Normalise(absl::string_view descr) {
  if (descr == "<u1" || descr == "|u1" || descr == "u1") return "|u1";
  if (descr == "<i1" || descr == "|i1" || descr == "i1") return "|i1";
  if (descr == "<b1" || descr == "|b1" || descr == "b1") return "|b1";
  return std::string(descr);
}

}  // namespace

int64_t Array::NumElements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int ItemSize(absl::string_view descr) {
  const std::string d = Normalise(descr);
  if (d == "<f4" || d == "<i4" || d == "<u4") return 4;
  if (d == "<f8" || d == "<i8" || d == "<u8") return 8;
  if (d == "<f2" || d == "<i2" || d == "<u2") return 2;
  if (d == "|u1" || d == "|i1" || d == "|b1") return 1;
  return 0;
}

namespace {

// The header of a .npy file of `file_size` bytes whose first bytes are
// `bytes` (the whole file, or a prefix holding the header): the array without
// its data, and where the data starts. Checks that the data the header
// declares is exactly what the file holds, so a reader can refuse a lying
// header before reading the rest.
struct Header {
  Array array;
  size_t data_offset = 0;
};

absl::StatusOr<Header> ParseHeader(absl::string_view bytes, absl::string_view name,
                                   uint64_t file_size) {
  auto error = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", what));
  };
  if (bytes.size() < 10 || bytes.substr(0, kMagicLen) != absl::string_view(kMagic, kMagicLen)) {
    return error("not a .npy file (missing the \\x93NUMPY magic)");
  }
  const uint8_t major = static_cast<uint8_t>(bytes[6]);
  size_t header_len, header_start;
  if (major == 1) {
    header_len =
        static_cast<uint8_t>(bytes[8]) | static_cast<size_t>(static_cast<uint8_t>(bytes[9])) << 8;
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return error("truncated .npy header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) {
      header_len |= static_cast<size_t>(static_cast<uint8_t>(bytes[8 + i])) << (8 * i);
    }
    header_start = 12;
  } else {
    return error(absl::StrCat("unsupported .npy format version ", major));
  }
  if (header_len > file_size - header_start) {
    return error("truncated .npy header");
  }
  if (header_len > bytes.size() - header_start) {
    return error(absl::StrCat("the .npy header of ", header_len, " bytes is over the limit of ",
                              kMaxHeaderBytes, " bytes"));
  }
  std::string descr;
  bool fortran = false;
  Array array;
  HeaderParser parser(bytes.substr(header_start, header_len));
  if (absl::Status s = parser.Parse(&descr, &fortran, &array.shape); !s.ok()) {
    return error(std::string(s.message()));
  }
  if (fortran) {
    return error(
        "Fortran-order arrays are not supported (save with "
        "np.ascontiguousarray)");
  }
  if (!descr.empty() && descr[0] == '>') {
    return error(absl::StrCat("big-endian dtype '", descr, "' is not supported (use .astype('<",
                              descr.substr(1), "'))"));
  }
  const int item = ItemSize(descr);
  if (item == 0) {
    return error(absl::StrCat("unsupported dtype '", descr,
                              "' (supported: <f4 <f8 <f2 <i2 <u2 <i4 <u4 <i8 <u8 |i1 |u1 |b1)"));
  }
  array.dtype_descr = Normalise(descr);
  __int128 expected = item;
  for (int64_t d : array.shape) {
    expected *= d;
    if (expected > static_cast<__int128>(file_size)) break;
  }
  const uint64_t data_len = file_size - header_start - header_len;
  if (expected != static_cast<__int128>(data_len)) {
    return error(absl::StrCat(
        "shape (", absl::StrJoin(array.shape, ", "), ") of ", array.dtype_descr, " needs ",
        expected > static_cast<__int128>(file_size) ? std::string("more")
                                                    : absl::StrCat(static_cast<int64_t>(expected)),
        " data bytes but the file has ", data_len, " (truncated?)"));
  }
  return Header{std::move(array), header_start + header_len};
}

}  // namespace

absl::StatusOr<Array> Parse(absl::string_view bytes, absl::string_view name) {
  auto header = ParseHeader(bytes, name, bytes.size());
  if (!header.ok()) return header.status();
  const char* data = bytes.data() + header->data_offset;
  header->array.data.assign(data, bytes.data() + bytes.size());
  return std::move(header->array);
}

absl::StatusOr<Array> Read(const std::string& path) {
  auto file = fileio::RegularFile::Open(path);
  if (!file.ok()) return file.status();
  if (file->size() > fileio::kArrayFileLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", fileio::FormatBytes(file->size()), " is over the limit of ",
                     fileio::FormatBytes(fileio::kArrayFileLimit), " for a .npy file"));
  }
  // The header first, so that a header declaring more (or less) data than
  // the file holds is refused before the data is read.
  auto prefix = file->Read(std::min<int64_t>(file->size(), 12 + kMaxHeaderBytes));
  if (!prefix.ok()) return prefix.status();
  auto header = ParseHeader(*prefix, path, file->size());
  if (!header.ok()) return header.status();
  auto rest = file->Read(file->size() - static_cast<int64_t>(prefix->size()));
  if (!rest.ok()) return rest.status();
  // Parse checks the sizes again: the file may have changed meanwhile.
  return Parse(absl::StrCat(*prefix, *rest), path);
}

absl::StatusOr<std::string> Serialize(const Array& array) {
  const int item = ItemSize(array.dtype_descr);
  if (item == 0) {
    return absl::InvalidArgumentError(absl::StrCat("unsupported dtype '", array.dtype_descr, "'"));
  }
  __int128 expected = item;
  for (int64_t d : array.shape) {
    if (d < 0) return absl::InvalidArgumentError("negative dimension");
    expected *= d;
    if (expected > static_cast<__int128>(array.data.size())) break;
  }
  if (expected != static_cast<__int128>(array.data.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("data has ", array.data.size(), " bytes, which does not match shape (",
                     absl::StrJoin(array.shape, ", "), ") of ", array.dtype_descr));
  }
  std::string shape = absl::StrJoin(array.shape, ", ");
  if (array.shape.size() == 1) shape += ",";
  std::string header = absl::StrCat("{'descr': '", Normalise(array.dtype_descr),
                                    "', 'fortran_order': False, 'shape': (", shape, "), }");
  // Pad with spaces so the data starts 64-byte aligned; end with '\n'.
  size_t prefix = 10;
  if (header.size() + 1 + prefix > 65535) prefix = 12;
  size_t total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out(kMagic, kMagicLen);
  if (prefix == 10) {
    out.push_back('\x01');
    out.push_back('\x00');
    out.push_back(static_cast<char>(header.size() & 0xff));
    out.push_back(static_cast<char>(header.size() >> 8));
  } else {
    out.push_back('\x02');
    out.push_back('\x00');
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(header.size() >> (8 * i)));
  }
  out += header;
  out.append(reinterpret_cast<const char*>(array.data.data()), array.data.size());
  return out;
}

absl::Status Write(const std::string& path, const Array& array,
                   absl::Span<const std::string> inputs) {
  auto bytes = Serialize(array);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", bytes.status().message()));
  }
  return fileio::WriteFileSafely(path, *bytes, inputs);
}

}  // namespace ncc::npy
