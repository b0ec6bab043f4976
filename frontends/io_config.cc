#include "frontends/io_config.h"

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"

namespace ncc::frontends {
namespace {

absl::StatusOr<int64_t> ParsePositiveDim(absl::string_view text) {
  int64_t dim = 0;
  if (!absl::SimpleAtoi(text, &dim) || dim <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not a positive integer"));
  }
  return dim;
}

// The JSON subset --io-config needs: objects, arrays, strings and integers,
// each with the byte offset where it starts, for messages.
struct Json {
  enum class Kind { kObject, kArray, kString, kInt };
  Kind kind = Kind::kInt;
  size_t offset = 0;
  int64_t integer = 0;
  std::string string;
  std::vector<Json> items;                            // kArray
  std::vector<std::pair<std::string, Json>> members;  // kObject, in order
};

// A char iterator that records how far nlohmann's lexer has read, so that the
// SAX events below can say where each value starts.
class TrackedIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackedIterator(const char* p, const char** read_end) : p_(p), read_end_(read_end) {}
  reference operator*() const { return *p_; }
  TrackedIterator& operator++() {
    *read_end_ = ++p_;
    return *this;
  }
  bool operator==(const TrackedIterator& other) const { return p_ == other.p_; }
  bool operator!=(const TrackedIterator& other) const { return p_ != other.p_; }

 private:
  const char* p_;
  const char** read_end_;
};

// Builds the Json tree from nlohmann's SAX events, rejecting what --io-config
// does not accept (floats, booleans, null, duplicate keys, non-ASCII \u
// escapes, deep nesting) and rewording nlohmann's syntax errors in the
// messages users have always seen.
class JsonReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit JsonReader(absl::string_view text) : text_(text) {}

  absl::StatusOr<Json> Parse() {
    const char* read_end = text_.data();
    TrackedIterator begin(text_.data(), &read_end), end(text_.data() + text_.size(), &read_end);
    read_end_ = &read_end;
    const bool ok = nlohmann::json::sax_parse(begin, end, this);
    if (!status_.ok()) return status_;
    if (!ok || !done_) return ErrorAt(text_.size(), "unexpected end of input, expected a value");
    return std::move(root_);
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

  bool null() override { return Unexpected(Read() - 4); }
  bool boolean(bool value) override { return Unexpected(Read() - (value ? 4 : 5)); }
  bool number_integer(number_integer_t value) override { return Integer(value); }
  bool number_unsigned(number_unsigned_t value) override {
    if (value > static_cast<number_unsigned_t>(std::numeric_limits<int64_t>::max())) {
      return Fail(NumberStart(), absl::StrCat("invalid integer '", value, "'"));
    }
    return Integer(static_cast<int64_t>(value));
  }
  bool number_float(number_float_t, const string_t& text) override {
    if (text.find_first_of(".eE") == std::string::npos) {  // beyond 64 bits
      return Fail(NumberStart(), absl::StrCat("invalid integer '", text, "'"));
    }
    return Fail(NumberStart(), "expected an integer");
  }
  bool string(string_t& value) override {
    const size_t start = StringStart();
    if (!AsciiEscapesOnly(start)) return false;
    Json* json = Add(start, Json::Kind::kString);
    if (json == nullptr) return false;
    json->string = std::move(value);
    return true;
  }
  bool binary(binary_t&) override { return Fail(Read(), "unexpected binary value"); }
  bool start_object(std::size_t) override { return Open(Json::Kind::kObject); }
  bool key(string_t& key) override {
    const size_t start = StringStart();
    if (!AsciiEscapesOnly(start)) return false;
    for (const auto& member : open_.back()->members) {
      if (member.first == key) return Fail(start, absl::StrCat("duplicate key \"", key, "\""));
    }
    key_ = std::move(key);
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(Json::Kind::kArray); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& error) override;

 private:
  static constexpr int kMaxDepth = 32;

  size_t Read() const { return static_cast<size_t>(*read_end_ - text_.data()); }

  // The opening quote of the string token that ends just before Read(): the
  // first '"' going back that is not escaped (JSON escapes every inner '"').
  size_t StringStart() const {
    size_t quote = Read() - 1;
    while (quote > 0) {
      --quote;
      if (text_[quote] != '"') continue;
      size_t backslashes = 0;
      while (backslashes < quote && text_[quote - 1 - backslashes] == '\\') ++backslashes;
      if (backslashes % 2 == 0) return quote;
    }
    return 0;
  }

  // The lexer reads one character past a number (unless at the end).
  size_t NumberStart() const {
    auto in_number = [](char c) {
      return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
    };
    size_t p = Read();
    if (p > 0 && !in_number(text_[p - 1])) --p;
    while (p > 0 && in_number(text_[p - 1])) --p;
    return p;
  }

  bool AsciiEscapesOnly(size_t start) {
    const size_t end = Read();
    for (size_t i = start; i + 1 < end; ++i) {
      if (text_[i] != '\\') continue;
      uint32_t code = 0;
      if (text_[i + 1] == 'u' &&
          (!absl::SimpleHexAtoi(text_.substr(i + 2, 4), &code) || code > 0x7f)) {
        return Fail(i, "only \\u escapes of ASCII characters are supported");
      }
      ++i;  // skip the escaped character
    }
    return true;
  }

  bool Fail(size_t offset, absl::string_view what) {
    if (status_.ok()) status_ = ErrorAt(offset, what);
    return false;
  }

  bool Unexpected(size_t offset) {
    return Fail(offset, absl::StrCat("unexpected character '", text_.substr(offset, 1),
                                     "', expected an object, array, string or integer"));
  }

  // A new value in the open container (or the document); null on error.
  Json* Add(size_t offset, Json::Kind kind) {
    if (static_cast<int>(open_.size()) > kMaxDepth) {
      Fail(offset, "nesting too deep");
      return nullptr;
    }
    Json* json;
    if (open_.empty()) {
      json = &root_;
      done_ = true;
    } else if (open_.back()->kind == Json::Kind::kObject) {
      json = &open_.back()->members.emplace_back(std::move(key_), Json{}).second;
    } else {
      json = &open_.back()->items.emplace_back();
    }
    json->kind = kind;
    json->offset = offset;
    return json;
  }

  bool Integer(int64_t value) {
    Json* json = Add(NumberStart(), Json::Kind::kInt);
    if (json == nullptr) return false;
    json->integer = value;
    return true;
  }

  // A container stays at the same address while open: only the innermost
  // open container's vector grows.
  bool Open(Json::Kind kind) {
    Json* json = Add(Read() - 1, kind);
    if (json == nullptr) return false;
    open_.push_back(json);
    return true;
  }

  bool Close() {
    open_.pop_back();
    return true;
  }

  absl::string_view text_;
  const char** read_end_ = nullptr;
  Json root_;
  bool done_ = false;
  std::vector<Json*> open_;
  std::string key_;
  absl::Status status_;
};

// nlohmann's messages are "... syntax error while parsing CONTEXT - DETAIL;
// expected TOKEN", where DETAIL is "unexpected TOKEN" or a lexer error
// ("invalid string: ...; last read: '...'").
bool JsonReader::parse_error(std::size_t position, const std::string& last_token,
                             const nlohmann::detail::exception& error) {
  const std::string what = error.what();
  const size_t dash = what.find(" - ");
  absl::string_view detail = dash == std::string::npos ? absl::string_view(what)
                                                       : absl::string_view(what).substr(dash + 3);
  const bool lexer_error = absl::StartsWith(detail, "invalid ");
  // Where the offending token starts. The lexer's token text is exact for
  // strings and numbers; for literals and one-character tokens it also holds
  // what preceded them since the last string or number.
  const size_t read = std::min(position, text_.size());
  size_t token = read >= last_token.size() ? read - last_token.size() : 0;
  auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!last_token.empty() &&
      absl::string_view("{}[]:,").find(last_token.back()) != absl::string_view::npos) {
    token = read - 1;
  } else if (absl::StartsWith(detail, "invalid literal") ||
             (!lexer_error && !last_token.empty() && is_alpha(last_token.back()))) {
    token = read - 1;  // a literal: back to its first letter
    while (token > 0 && is_alpha(text_[token - 1])) --token;
  }
  if (absl::EndsWith(what, "; expected end of input")) {
    return Fail(lexer_error ? read - 1 : token, "unexpected text after the top-level value");
  }
  if (absl::StartsWith(detail, "unexpected end of input")) {
    if (absl::EndsWith(what, "; expected string literal")) {
      return Fail(text_.size(), "expected a string key");
    }
    if (absl::EndsWith(what, "; expected ':'")) return Fail(text_.size(), "expected ':'");
    return Fail(text_.size(), "unexpected end of input, expected a value");
  }
  if (lexer_error) {
    if (absl::StartsWith(detail, "invalid string: missing closing quote")) {
      return Fail(token, "unterminated string");
    }
    if (absl::StartsWith(detail, "invalid string: control character")) {
      return Fail(read - 1, "control character in string");
    }
    if (absl::StartsWith(detail, "invalid string: forbidden character after backslash")) {
      return Fail(read - 2, absl::StrCat("invalid escape '\\", text_.substr(read - 1, 1), "'"));
    }
    if (absl::StartsWith(detail, "invalid string: '\\u'") ||
        absl::StartsWith(detail, "invalid string: surrogate")) {
      return Fail(read - 1, "only \\u escapes of ASCII characters are supported");
    }
    if (absl::StartsWith(detail, "invalid number")) return Fail(token, "expected an integer");
    if (absl::StartsWith(detail, "invalid literal")) return Unexpected(token);
    return Fail(read - 1, detail.substr(0, detail.find("; last read")));
  }
  if (absl::EndsWith(what, "; expected string literal"))
    return Fail(token, "expected a string key");
  if (absl::EndsWith(what, "; expected ':'")) return Fail(token, "expected ':'");
  if (absl::EndsWith(what, "; expected '}'")) return Fail(token, "expected ',' or '}'");
  if (absl::EndsWith(what, "; expected ']'")) return Fail(token, "expected ',' or ']'");
  return Unexpected(token);
}

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

absl::StatusOr<InputShapes> ParseInputShapeFlag(absl::string_view flag) {
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
  return InputShapes{{std::string(name), std::move(dims)}};
}

absl::StatusOr<IoConfig> ParseIoConfig(absl::string_view json) {
  JsonReader parser(json);
  auto doc = parser.Parse();
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

}  // namespace ncc::frontends
