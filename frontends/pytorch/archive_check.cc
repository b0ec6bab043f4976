#include "frontends/pytorch/archive_check.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <zlib.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "text/printable.h"

namespace ncc::pytorch_frontend {
namespace {

uint64_t Le(absl::string_view bytes, size_t at, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(bytes[at + i]);
  return v;
}

// Bytes of a fixed-size argument, or -1 for opcodes handled separately.
int FixedArgument(uint8_t op) {
  switch (op) {
    case 'K': case 'h': case 'q': case 0x80: case 0x82: return 1;  // BININT1 BINGET BINPUT PROTO EXT1
    case 'M': case 0x83: return 2;                                 // BININT2 EXT2
    case 'J': case 'j': case 'r': case 0x84: return 4;             // BININT LONG_BINGET LONG_BINPUT EXT4
    case 'G': return 8;                                            // BINFLOAT
    case '(': case '.': case '0': case '1': case '2': case 'N': case 'Q': case 'R':
    case 'a': case 'b': case 'd': case '}': case 'e': case 'l': case ']': case 'o':
    case 's': case 't': case ')': case 'u': case 0x81: case 0x85: case 0x86: case 0x87:
    case 0x88: case 0x89: case 0x8f: case 0x90: case 0x91: case 0x92: case 0x93: case 0x94:
    case 0x97: case 0x98:
      return 0;
    default:
      return -1;
  }
}

// Length-prefixed opcodes: the prefix's size in bytes, or 0.
int LengthPrefix(uint8_t op) {
  switch (op) {
    case 'U': case 'C': case 0x8c: case 0x8a: return 1;  // SHORT_BINSTRING SHORT_BINBYTES SHORT_BINUNICODE LONG1
    case 'T': case 'X': case 'B': case 0x8b: return 4;   // BINSTRING BINUNICODE BINBYTES LONG4
    case 0x8d: case 0x8e: case 0x96: return 8;           // BINUNICODE8 BINBYTES8 BYTEARRAY8
    default: return 0;
  }
}

// Opcodes whose argument is one (or, for GLOBAL and INST, two) text lines.
int TextLines(uint8_t op) {
  switch (op) {
    case 'F': case 'I': case 'L': case 'S': case 'V': case 'P': case 'g': case 'p': return 1;
    case 'c': case 'i': return 2;
    default: return 0;
  }
}

// A raw-deflate record inflated to exactly `size` bytes.
absl::StatusOr<std::string> Inflate(absl::string_view in, uint64_t size,
                                    absl::string_view name) {
  constexpr uint64_t kMaxInflatedPickle = uint64_t{256} << 20;
  if (size > kMaxInflatedPickle) {
    return absl::InvalidArgumentError(absl::StrCat(
        "compressed pickle '", name, "' claims ", size, " bytes (more than 256 MiB)"));
  }
  std::string out(size, '\0');
  z_stream z{};
  if (inflateInit2(&z, -15) != Z_OK) return absl::InternalError("zlib inflateInit2 failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&z, Z_FINISH);
  const uint64_t produced = z.total_out;
  inflateEnd(&z);
  if (rc != Z_STREAM_END || produced != size) {
    return absl::InvalidArgumentError(
        absl::StrCat("compressed pickle '", name, "' does not inflate to its ", size, " bytes"));
  }
  return out;
}

}  // namespace

absl::Status CheckPickle(absl::string_view record, absl::string_view name) {
  auto corrupt = [&](size_t at, absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("record '", name, "' is corrupt at byte ", at, ": ", what));
  };
  size_t pos = 0;
  while (pos < record.size()) {
    const size_t at = pos;
    const uint8_t op = static_cast<uint8_t>(record[pos++]);
    const size_t left = record.size() - pos;
    if (op == '.') return absl::OkStatus();  // STOP
    if (op == 0x95) {                        // FRAME: an 8-byte frame length
      if (left < 8) return corrupt(at, "truncated frame header");
      if (Le(record, pos, 8) > left - 8) return corrupt(at, "a frame runs past the end");
      pos += 8;
      continue;
    }
    if (int n = FixedArgument(op); n >= 0) {
      if (static_cast<size_t>(n) > left) return corrupt(at, "truncated opcode argument");
      pos += n;
      continue;
    }
    if (int prefix = LengthPrefix(op); prefix > 0) {
      if (static_cast<size_t>(prefix) > left) return corrupt(at, "truncated length");
      const uint64_t length = Le(record, pos, prefix);
      if (length > left - prefix) {
        return corrupt(at, absl::StrCat("a value of ", length, " bytes runs past the end (",
                                        left - prefix, " bytes left)"));
      }
      pos += prefix + length;
      continue;
    }
    if (int lines = TextLines(op); lines > 0) {
      for (int i = 0; i < lines; ++i) {
        size_t nl = record.find('\n', pos);
        if (nl == absl::string_view::npos) return corrupt(at, "unterminated text argument");
        pos = nl + 1;
      }
      continue;
    }
    return corrupt(at, absl::StrCat("unknown pickle opcode 0x", absl::Hex(op)));
  }
  return absl::InvalidArgumentError(absl::StrCat("record '", name, "' has no STOP opcode"));
}

namespace {

// One value on the stack of StorageRecords' partial unpickler.
struct PickleValue {
  enum Kind { kOther, kMark, kString, kInt, kGlobal, kTuple, kStorage } kind = kOther;
  std::string text;  // kString, kGlobal ("module.name")
  int64_t number = 0;  // kInt; kStorage: its index in StorageRecords' result
  std::vector<PickleValue> items;  // kTuple
};

// Bytes per element of a torch.<Type>Storage class.
int64_t StorageElementSize(absl::string_view global) {
  static const auto* const kSizes = new absl::flat_hash_map<std::string, int64_t>{
      {"torch.FloatStorage", 4},        {"torch.DoubleStorage", 8},
      {"torch.HalfStorage", 2},         {"torch.BFloat16Storage", 2},
      {"torch.LongStorage", 8},         {"torch.IntStorage", 4},
      {"torch.ShortStorage", 2},        {"torch.CharStorage", 1},
      {"torch.ByteStorage", 1},         {"torch.BoolStorage", 1},
      {"torch.ComplexFloatStorage", 8}, {"torch.ComplexDoubleStorage", 16},
      {"torch.QInt8Storage", 1},        {"torch.QUInt8Storage", 1},
      {"torch.QInt32Storage", 4}};
  auto it = kSizes->find(std::string(global));
  return it == kSizes->end() ? 0 : it->second;
}

// _rebuild_tensor_v2(storage, offset, sizes, strides, ...): raises the
// storage's view_end to what the tensor reads.
void NoteTensorView(const PickleValue& args, std::vector<StorageRecord>* storages) {
  const auto& a = args.items;
  if (args.kind != PickleValue::kTuple || a.size() < 4 || a[0].kind != PickleValue::kStorage ||
      a[1].kind != PickleValue::kInt || a[2].kind != PickleValue::kTuple ||
      a[3].kind != PickleValue::kTuple || a[2].items.size() != a[3].items.size() ||
      a[0].number < 0 || a[0].number >= static_cast<int64_t>(storages->size())) {
    return;
  }
  constexpr int64_t kInvalid = std::numeric_limits<int64_t>::max();
  int64_t end = a[1].number;  // the offset, then past the last element read
  bool empty = false;
  bool invalid = a[1].number < 0;
  for (size_t d = 0; d < a[2].items.size(); ++d) {
    const PickleValue& size = a[2].items[d];
    const PickleValue& stride = a[3].items[d];
    if (size.kind != PickleValue::kInt || stride.kind != PickleValue::kInt) return;
    if (size.number < 0 || stride.number < 0) invalid = true;
    if (size.number == 0) empty = true;
  }
  if (!invalid && !empty) {
    for (size_t d = 0; d < a[2].items.size() && !invalid; ++d) {
      const int64_t size = a[2].items[d].number;
      const int64_t stride = a[3].items[d].number;
      int64_t extent = 0;
      if (__builtin_mul_overflow(size - 1, stride, &extent) ||
          __builtin_add_overflow(end, extent, &end)) {
        invalid = true;
      }
    }
    if (!invalid && __builtin_add_overflow(end, 1, &end)) invalid = true;
  }
  StorageRecord& storage = (*storages)[a[0].number];
  if (invalid) {
    storage.view_end = kInvalid;
  } else if (!empty) {
    storage.view_end = std::max(storage.view_end, end);
  }
}

}  // namespace

std::vector<StorageRecord> StorageRecords(absl::string_view record) {
  std::vector<StorageRecord> out;
  std::vector<PickleValue> stack;
  absl::flat_hash_map<uint64_t, PickleValue> memo;
  auto pop = [&]() -> std::optional<PickleValue> {
    if (stack.empty()) return std::nullopt;
    PickleValue v = std::move(stack.back());
    stack.pop_back();
    return v;
  };
  // The values above the topmost mark, which is removed; nullopt without one.
  auto pop_to_mark = [&]() -> std::optional<std::vector<PickleValue>> {
    for (size_t i = stack.size(); i-- > 0;) {
      if (stack[i].kind != PickleValue::kMark) continue;
      std::vector<PickleValue> items(std::make_move_iterator(stack.begin() + i + 1),
                                     std::make_move_iterator(stack.end()));
      stack.resize(i);
      return items;
    }
    return std::nullopt;
  };
  auto push = [&](PickleValue::Kind kind) -> PickleValue& {
    stack.emplace_back();
    stack.back().kind = kind;
    return stack.back();
  };
  size_t pos = 0;
  // CheckPickle ran first: every argument is inside the record.
  while (pos < record.size()) {
    const uint8_t op = static_cast<uint8_t>(record[pos++]);
    if (op == '.') break;
    if (op == 0x95) {
      pos += 8;
      continue;
    }
    const int fixed = FixedArgument(op);
    const int prefix = LengthPrefix(op);
    uint64_t argument = 0;
    absl::string_view bytes;
    std::string lines[2];
    if (fixed > 0) {
      argument = Le(record, pos, fixed);
      pos += fixed;
    } else if (prefix > 0) {
      const uint64_t length = Le(record, pos, prefix);
      bytes = record.substr(pos + prefix, length);
      pos += prefix + length;
    } else if (const int n = TextLines(op); n > 0) {
      for (int i = 0; i < n; ++i) {
        const size_t nl = record.find('\n', pos);
        lines[i] = std::string(record.substr(pos, nl - pos));
        pos = nl + 1;
      }
    }
    switch (op) {
      case 0x80:  // PROTO
        break;
      case '(':  // MARK
        push(PickleValue::kMark);
        break;
      case 'X':
      case 0x8c:
      case 'T':
      case 'U':
      case 'B':
      case 'C':  // strings and bytes
        push(PickleValue::kString).text = std::string(bytes);
        break;
      case 'K':
      case 'M':  // BININT1 BININT2
        push(PickleValue::kInt).number = static_cast<int64_t>(argument);
        break;
      case 'J':  // BININT
        push(PickleValue::kInt).number = static_cast<int32_t>(argument);
        break;
      case 0x8a: {  // LONG1: little-endian two's complement
        uint64_t value = 0;
        if (bytes.size() > 8) return out;
        for (size_t i = 0; i < bytes.size(); ++i) {
          value |= uint64_t{static_cast<uint8_t>(bytes[i])} << (8 * i);
        }
        if (!bytes.empty() && bytes.size() < 8 && (bytes.back() & 0x80)) {
          value |= ~uint64_t{0} << (8 * bytes.size());  // sign extension
        }
        push(PickleValue::kInt).number = static_cast<int64_t>(value);
        break;
      }
      case 'c':  // GLOBAL
        push(PickleValue::kGlobal).text = absl::StrCat(lines[0], ".", lines[1]);
        break;
      case 0x93: {  // STACK_GLOBAL
        auto name = pop(), module = pop();
        if (!name || !module) return out;
        push(PickleValue::kGlobal).text = absl::StrCat(module->text, ".", name->text);
        break;
      }
      case 'q':
      case 'r':  // BINPUT LONG_BINPUT
        if (stack.empty()) return out;
        memo[argument] = stack.back();
        break;
      case 0x94:  // MEMOIZE
        if (stack.empty()) return out;
        memo[memo.size()] = stack.back();
        break;
      case 'h':
      case 'j': {  // BINGET LONG_BINGET
        auto it = memo.find(argument);
        if (it == memo.end()) return out;
        stack.push_back(it->second);
        break;
      }
      case 't': {  // TUPLE
        auto items = pop_to_mark();
        if (!items) return out;
        push(PickleValue::kTuple).items = std::move(*items);
        break;
      }
      case ')':  // EMPTY_TUPLE
        push(PickleValue::kTuple);
        break;
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1 TUPLE2 TUPLE3
        const size_t n = op - 0x84;
        if (stack.size() < n) return out;
        std::vector<PickleValue> items(std::make_move_iterator(stack.end() - n),
                                       std::make_move_iterator(stack.end()));
        stack.resize(stack.size() - n);
        push(PickleValue::kTuple).items = std::move(items);
        break;
      }
      case 'Q': {  // BINPERSID: ('storage', class, key, location, numel)
        auto id = pop();
        if (!id) return out;
        const auto& t = id->items;
        if (id->kind == PickleValue::kTuple && t.size() == 5 && t[0].kind == PickleValue::kString &&
            t[0].text == "storage" && t[1].kind == PickleValue::kGlobal &&
            t[2].kind == PickleValue::kString && t[4].kind == PickleValue::kInt) {
          out.push_back({t[2].text, t[4].number, StorageElementSize(t[1].text)});
          push(PickleValue::kStorage).number = static_cast<int64_t>(out.size() - 1);
        } else {
          push(PickleValue::kOther);
        }
        break;
      }
      case 'N':
      case 0x88:
      case 0x89:
      case 'G':
      case '}':
      case ']':  // NONE TRUE FALSE FLOAT {} []
        push(PickleValue::kOther);
        break;
      case 'l':
      case 'd':  // LIST DICT
        if (!pop_to_mark()) return out;
        push(PickleValue::kOther);
        break;
      case 'a':
      case 'b':
      case '0':  // APPEND BUILD POP
        if (!pop()) return out;
        break;
      case 's':  // SETITEM
        if (!pop() || !pop()) return out;
        break;
      case 'e':
      case 'u':
      case '1':  // APPENDS SETITEMS POP_MARK
        if (!pop_to_mark()) return out;
        break;
      case 'R':
      case 0x81: {  // REDUCE NEWOBJ
        auto args = pop(), callable = pop();
        if (!args || !callable) return out;
        if (op == 'R' && callable->kind == PickleValue::kGlobal &&
            callable->text == "torch._utils._rebuild_tensor_v2") {
          NoteTensorView(*args, &out);
        }
        push(PickleValue::kOther);
        break;
      }
      case '2':  // DUP
        if (stack.empty()) return out;
        stack.push_back(stack.back());
        break;
      default:  // not written by torch.jit.save; libtorch's unpickler decides
        return out;
    }
  }
  return out;
}

absl::Status CheckArchive(absl::string_view bytes, absl::string_view origin) {
  auto corrupt = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": corrupt TorchScript archive: ", what));
  };
  const size_t size = bytes.size();
  // The end-of-central-directory record: the last "PK\5\6" within 64 KiB + 22.
  if (size < 22) return corrupt("too short for a zip archive");
  size_t eocd = std::string::npos;
  const size_t lowest = size > 65557 ? size - 65557 : 0;
  for (size_t i = size - 22 + 1; i-- > lowest;) {
    if (bytes.compare(i, 4, "PK\x05\x06") == 0) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string::npos) return corrupt("no zip end-of-central-directory record");
  uint64_t entries = Le(bytes, eocd + 10, 2);
  uint64_t cd_size = Le(bytes, eocd + 12, 4);
  uint64_t cd_offset = Le(bytes, eocd + 16, 4);
  if (cd_offset == 0xFFFFFFFFu || entries == 0xFFFFu || cd_size == 0xFFFFFFFFu) {
    // Zip64: the locator sits just before the end record.
    if (eocd < 20 || bytes.compare(eocd - 20, 4, "PK\x06\x07") != 0) {
      return corrupt("zip64 locator missing");
    }
    const uint64_t z64 = Le(bytes, eocd - 20 + 8, 8);
    if (z64 > size - 56 || bytes.compare(z64, 4, "PK\x06\x06") != 0) {
      return corrupt("zip64 end record outside the file");
    }
    entries = Le(bytes, z64 + 32, 8);
    cd_size = Le(bytes, z64 + 40, 8);
    cd_offset = Le(bytes, z64 + 48, 8);
  }
  if (cd_offset > size || cd_size > size - cd_offset) {
    return corrupt("central directory outside the file");
  }
  if (entries > cd_size / 46) return corrupt("more entries than the central directory holds");

  size_t pos = cd_offset;
  const size_t cd_end = cd_offset + cd_size;
  // Every entry's size, and the storages the pickles read with the record
  // each one names, checked against each other at the end.
  absl::flat_hash_map<std::string, uint64_t> entry_sizes;
  std::vector<std::pair<std::string, StorageRecord>> storages;
  for (uint64_t e = 0; e < entries; ++e) {
    if (pos + 46 > cd_end || bytes.compare(pos, 4, "PK\x01\x02") != 0) {
      return corrupt(absl::StrCat("central directory entry ", e, " is malformed"));
    }
    const uint64_t method = Le(bytes, pos + 10, 2);
    uint64_t compressed = Le(bytes, pos + 20, 4);
    uint64_t uncompressed = Le(bytes, pos + 24, 4);
    const size_t name_len = Le(bytes, pos + 28, 2);
    const size_t extra_len = Le(bytes, pos + 30, 2);
    const size_t comment_len = Le(bytes, pos + 32, 2);
    uint64_t local = Le(bytes, pos + 42, 4);
    if (pos + 46 + name_len + extra_len + comment_len > cd_end) {
      return corrupt(absl::StrCat("central directory entry ", e, " runs past its end"));
    }
    const absl::string_view name = bytes.substr(pos + 46, name_len);
    // Zip64 extra field: the 64-bit values of the fields set to 0xFFFFFFFF.
    for (size_t x = pos + 46 + name_len; x + 4 <= pos + 46 + name_len + extra_len;) {
      const uint64_t id = Le(bytes, x, 2), len = Le(bytes, x + 2, 2);
      if (x + 4 + len > pos + 46 + name_len + extra_len) break;
      if (id == 1) {
        size_t f = x + 4;
        auto next = [&](uint64_t* field) {
          if (*field == 0xFFFFFFFFu && f + 8 <= x + 4 + len) {
            *field = Le(bytes, f, 8);
            f += 8;
          }
        };
        next(&uncompressed);
        next(&compressed);
        next(&local);
      }
      x += 4 + len;
    }
    const std::string shown = text::PrintableName(name.substr(0, 200));
    // torch.jit.save stores pickles and tensor data and deflates the code/
    // sources and their debug pickles (.debug_pkl). Nothing may claim more
    // than deflate can expand to (1032:1); every pickle is checked, deflated
    // ones after inflating them (bounded).
    const bool is_pickle = absl::EndsWith(name, "pkl");
    if (method != 0 && method != 8) {
      return corrupt(absl::StrCat("entry '", shown, "' is compressed with method ", method));
    }
    if (method == 0 ? compressed != uncompressed
                    : uncompressed > compressed * 1032 + 1024) {
      return corrupt(absl::StrCat("entry '", shown, "' has inconsistent sizes (", compressed,
                                  " bytes in the file, ", uncompressed, " claimed)"));
    }
    if (local > size || size - local < 30 || bytes.compare(local, 4, "PK\x03\x04") != 0) {
      return corrupt(absl::StrCat("entry '", shown, "' has no local header in the file"));
    }
    const uint64_t data = local + 30 + Le(bytes, local + 26, 2) + Le(bytes, local + 28, 2);
    if (data > size || compressed > size - data) {
      return corrupt(absl::StrCat("entry '", shown, "' (", compressed,
                                  " bytes) runs past the end of the file"));
    }
    if (is_pickle) {
      std::string inflated;
      absl::string_view record = bytes.substr(data, compressed);
      if (method == 8) {
        absl::StatusOr<std::string> out = Inflate(record, uncompressed, shown);
        if (!out.ok()) return corrupt(out.status().message());
        inflated = std::move(*out);
        record = inflated;
      }
      absl::Status status = CheckPickle(record, shown);
      if (!status.ok()) return corrupt(status.message());
      // data.pkl reads its tensors from data/KEY, constants.pkl from
      // constants/KEY.
      for (const char* pickle : {"data", "constants"}) {
        if (!absl::EndsWith(name, absl::StrCat(pickle, ".pkl"))) continue;
        const std::string dir(name.substr(0, name.size() - 4));
        for (StorageRecord& storage : StorageRecords(record)) {
          storages.emplace_back(absl::StrCat(dir, "/"), std::move(storage));
        }
      }
    }
    entry_sizes[std::string(name)] = uncompressed;
    pos += 46 + name_len + extra_len + comment_len;
  }
  // libtorch 1.13 makes each storage numel * element size bytes long over
  // its record's bytes without comparing the two (a fuzz finding declared 4
  // floats over a 12-byte record, and libtorch read past it).
  for (const auto& [dir, storage] : storages) {
    const std::string record = dir + storage.key;
    // Nor does it compare a tensor's offset, sizes and strides with its
    // storage: a tensor reading past it reads past the record.
    if (storage.view_end > storage.numel) {
      return corrupt(absl::StrCat(
          "a tensor reads ",
          storage.view_end == std::numeric_limits<int64_t>::max()
              ? std::string("a negative or overflowing range of")
              : absl::StrCat("elements up to ", storage.view_end, " of"),
          " a storage of ", storage.numel, " elements (record '", text::PrintableName(record),
          "')"));
    }
    auto it = entry_sizes.find(record);
    if (it == entry_sizes.end() || storage.numel <= 0 || storage.element_size == 0) continue;
    const uint64_t needed = static_cast<uint64_t>(storage.numel);
    if (needed > it->second / storage.element_size) {
      return corrupt(absl::StrCat("a storage of ", storage.numel, " elements of ",
                                  storage.element_size, " bytes reads record '",
                                  text::PrintableName(record), "' of ", it->second, " bytes"));
    }
  }
  return absl::OkStatus();
}

}  // namespace ncc::pytorch_frontend
