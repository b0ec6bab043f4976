#include "frontends/onnx/io_config.h"

#include <cstddef>
#include <limits>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ncc::onnx_frontend {
namespace {

absl::StatusOr<int64_t> ParsePositiveDim(absl::string_view text) {
  int64_t dim = 0;
  if (!absl::SimpleAtoi(text, &dim) || dim <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not a positive integer"));
  }
  return dim;
}

// The JSON subset --io-config needs: objects, arrays, strings and integers.
struct Json {
  enum class Kind { kObject, kArray, kString, kInt };
  Kind kind = Kind::kInt;
  size_t offset = 0;  // where the value starts, for messages
  int64_t integer = 0;
  std::string string;
  std::vector<Json> items;                            // kArray
  std::vector<std::pair<std::string, Json>> members;  // kObject, in order
};

class JsonParser {
 public:
  explicit JsonParser(absl::string_view text) : text_(text) {}

  absl::StatusOr<Json> ParseDocument() {
    auto value = ParseValue(0);
    if (!value.ok()) return value.status();
    SkipSpace();
    if (pos_ != text_.size()) return ErrorAt(pos_, "unexpected text after the top-level value");
    return value;
  }

  // "line L, column C (offset O)" for a byte offset.
  std::string Where(size_t offset) const {
    int line = 1;
    int column = 1;
    for (size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return absl::StrCat("line ", line, ", column ", column, " (offset ", offset, ")");
  }

  absl::Status ErrorAt(size_t offset, absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("--io-config: ", what, " at ", Where(offset)));
  }

 private:
  static constexpr int kMaxDepth = 32;

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  absl::StatusOr<Json> ParseValue(int depth) {
    if (depth > kMaxDepth) return ErrorAt(pos_, "nesting too deep");
    SkipSpace();
    if (pos_ >= text_.size()) return ErrorAt(pos_, "unexpected end of input, expected a value");
    char c = text_[pos_];
    if (c == '{') return ParseObject(depth);
    if (c == '[') return ParseArray(depth);
    if (c == '"') {
      Json value;
      value.kind = Json::Kind::kString;
      value.offset = pos_;
      auto s = ParseString();
      if (!s.ok()) return s.status();
      value.string = *std::move(s);
      return value;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return ParseInt();
    return ErrorAt(pos_, absl::StrCat("unexpected character '", std::string(1, c),
                                      "', expected an object, array, string or integer"));
  }

  absl::StatusOr<Json> ParseObject(int depth) {
    Json value;
    value.kind = Json::Kind::kObject;
    value.offset = pos_;
    ++pos_;  // '{'
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return value;
    }
    std::set<std::string> keys;
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') {
        return ErrorAt(pos_, "expected a string key");
      }
      size_t key_offset = pos_;
      auto key = ParseString();
      if (!key.ok()) return key.status();
      if (!keys.insert(*key).second) {
        return ErrorAt(key_offset, absl::StrCat("duplicate key \"", *key, "\""));
      }
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':') return ErrorAt(pos_, "expected ':'");
      ++pos_;
      auto member = ParseValue(depth + 1);
      if (!member.ok()) return member.status();
      value.members.emplace_back(*std::move(key), *std::move(member));
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return value;
      }
      return ErrorAt(pos_, "expected ',' or '}'");
    }
  }

  absl::StatusOr<Json> ParseArray(int depth) {
    Json value;
    value.kind = Json::Kind::kArray;
    value.offset = pos_;
    ++pos_;  // '['
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return value;
    }
    while (true) {
      auto item = ParseValue(depth + 1);
      if (!item.ok()) return item.status();
      value.items.push_back(*std::move(item));
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return value;
      }
      return ErrorAt(pos_, "expected ',' or ']'");
    }
  }

  // Strings with the simple escapes; \u is accepted for ASCII only, which is
  // all a tensor name or dtype needs.
  absl::StatusOr<std::string> ParseString() {
    size_t start = pos_;
    ++pos_;  // '"'
    std::string out;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return ErrorAt(pos_, "control character in string");
      }
      if (c != '\\') {
        out.push_back(c);
        ++pos_;
        continue;
      }
      if (pos_ + 1 >= text_.size()) break;
      char e = text_[pos_ + 1];
      switch (e) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          uint32_t code = 0;
          if (pos_ + 6 > text_.size() || !absl::SimpleHexAtoi(text_.substr(pos_ + 2, 4), &code) ||
              code > 0x7f) {
            return ErrorAt(pos_, "only \\u escapes of ASCII characters are supported");
          }
          out.push_back(static_cast<char>(code));
          pos_ += 4;
          break;
        }
        default:
          return ErrorAt(pos_, absl::StrCat("invalid escape '\\", std::string(1, e), "'"));
      }
      pos_ += 2;
    }
    return ErrorAt(start, "unterminated string");
  }

  absl::StatusOr<Json> ParseInt() {
    Json value;
    value.kind = Json::Kind::kInt;
    value.offset = pos_;
    size_t end = pos_;
    if (text_[end] == '-') ++end;
    while (end < text_.size() && text_[end] >= '0' && text_[end] <= '9') ++end;
    if (end < text_.size() && (text_[end] == '.' || text_[end] == 'e' || text_[end] == 'E')) {
      return ErrorAt(pos_, "expected an integer");
    }
    absl::string_view digits = text_.substr(pos_, end - pos_);
    if (!absl::SimpleAtoi(digits, &value.integer)) {
      return ErrorAt(pos_, absl::StrCat("invalid integer '", digits, "'"));
    }
    pos_ = end;
    return value;
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

absl::StatusOr<ir::DType> ParseNumpyDType(absl::string_view name) {
  static const auto* const kNames = new std::map<std::string, ir::DType, std::less<>>{
      {"float32", ir::DType::kF32}, {"float16", ir::DType::kF16}, {"bfloat16", ir::DType::kBF16},
      {"int64", ir::DType::kI64},   {"int32", ir::DType::kI32},   {"int8", ir::DType::kI8},
      {"uint8", ir::DType::kU8},    {"bool", ir::DType::kBool},   {"int16", ir::DType::kI16},
      {"uint16", ir::DType::kU16},  {"uint32", ir::DType::kU32},  {"uint64", ir::DType::kU64},
  };
  auto it = kNames->find(name);
  if (it == kNames->end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown dtype \"", name,
                     "\" (expected float32, float16, bfloat16, int64, int32, int16, int8, uint64, "
                     "uint32, uint16, uint8 or bool)"));
  }
  return it->second;
}

}  // namespace

absl::StatusOr<std::map<std::string, std::vector<int64_t>>> ParseInputShapeFlag(
    absl::string_view flag) {
  auto usage = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--input-shape '", flag, "': ", why, " (expected NAME=D0,D1,..., e.g. x=1,3,224,224)"));
  };
  size_t eq = flag.rfind('=');
  if (eq == absl::string_view::npos) return usage("missing '='");
  absl::string_view name = flag.substr(0, eq);
  absl::string_view dims_text = flag.substr(eq + 1);
  if (name.empty()) return usage("empty input name");
  if (dims_text.empty()) return usage("no dimensions");
  std::vector<int64_t> dims;
  for (absl::string_view part : absl::StrSplit(dims_text, ',')) {
    auto dim = ParsePositiveDim(part);
    if (!dim.ok())
      return usage(absl::StrCat("dimension ", dims.size(), " ", dim.status().message()));
    dims.push_back(*dim);
  }
  return std::map<std::string, std::vector<int64_t>>{{std::string(name), std::move(dims)}};
}

absl::StatusOr<IoConfig> ParseIoConfig(absl::string_view json) {
  JsonParser parser(json);
  auto doc = parser.ParseDocument();
  if (!doc.ok()) return doc.status();
  if (doc->kind != Json::Kind::kObject) {
    return parser.ErrorAt(doc->offset, "expected a top-level object");
  }
  IoConfig config;
  bool saw_inputs = false;
  for (const auto& [key, value] : doc->members) {
    if (key == "inputs") {
      saw_inputs = true;
      if (value.kind != Json::Kind::kObject) {
        return parser.ErrorAt(value.offset, "\"inputs\" must be an object");
      }
      for (const auto& [name, spec] : value.members) {
        auto bad_spec = [&, &name = name](size_t offset, absl::string_view why) {
          return parser.ErrorAt(offset, absl::StrCat("input \"", name, "\": ", why,
                                                     " (expected [[D0,D1,...], \"dtype\"])"));
        };
        if (spec.kind != Json::Kind::kArray || spec.items.size() != 2) {
          return bad_spec(spec.offset, "expected a two-element array");
        }
        const Json& shape = spec.items[0];
        const Json& dtype = spec.items[1];
        if (shape.kind != Json::Kind::kArray) {
          return bad_spec(shape.offset, "shape must be an array of integers");
        }
        std::vector<int64_t> dims;
        for (const Json& dim : shape.items) {
          if (dim.kind != Json::Kind::kInt || dim.integer <= 0) {
            return bad_spec(dim.offset,
                            absl::StrCat("dimension ", dims.size(), " must be a positive integer"));
          }
          dims.push_back(dim.integer);
        }
        if (dtype.kind != Json::Kind::kString) {
          return bad_spec(dtype.offset, "dtype must be a string");
        }
        auto parsed = ParseNumpyDType(dtype.string);
        if (!parsed.ok()) return bad_spec(dtype.offset, parsed.status().message());
        config.input_shapes[name] = std::move(dims);
        config.input_dtypes[name] = *parsed;
      }
    } else if (key == "outputs") {
      if (value.kind != Json::Kind::kArray) {
        return parser.ErrorAt(value.offset, "\"outputs\" must be an array of strings");
      }
      std::set<std::string> seen;
      for (const Json& item : value.items) {
        if (item.kind != Json::Kind::kString || item.string.empty()) {
          return parser.ErrorAt(item.offset, "\"outputs\" entries must be non-empty strings");
        }
        if (!seen.insert(item.string).second) {
          return parser.ErrorAt(item.offset,
                                absl::StrCat("output \"", item.string, "\" listed twice"));
        }
        config.outputs.push_back(item.string);
      }
    } else {
      return parser.ErrorAt(value.offset,
                            absl::StrCat("unknown key \"", key,
                                         "\" (expected \"inputs\" and optionally \"outputs\")"));
    }
  }
  if (!saw_inputs) return parser.ErrorAt(doc->offset, "missing \"inputs\"");
  return config;
}

}  // namespace ncc::onnx_frontend
