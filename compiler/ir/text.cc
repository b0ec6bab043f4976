#include "compiler/ir/text.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ncc::ir {
namespace {

bool IsPlainNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

std::string Quote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string NameRef(absl::string_view name) {
  bool plain = !name.empty();
  for (char c : name) plain = plain && IsPlainNameChar(c);
  return absl::StrCat("%", plain ? std::string(name) : Quote(name));
}

std::string FloatText(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  std::string s = buf;
  if (s.find_first_of(".eEni") == std::string::npos) s += ".0";
  return s;
}

std::string TypeText(const Value& v) {
  return absl::StrCat(DTypeName(v.dtype), ShapeToString(v.shape));
}

std::string AttrText(const Attribute& attr) {
  if (auto* i = std::get_if<int64_t>(&attr)) return absl::StrCat(*i);
  if (auto* f = std::get_if<float>(&attr)) return FloatText(*f);
  if (auto* s = std::get_if<std::string>(&attr)) return Quote(*s);
  if (auto* is = std::get_if<std::vector<int64_t>>(&attr)) {
    return absl::StrCat("[", absl::StrJoin(*is, ","), "]");
  }
  if (auto* ss = std::get_if<std::vector<std::string>>(&attr)) {
    std::vector<std::string> parts;
    for (const std::string& s : *ss) parts.push_back(Quote(s));
    return absl::StrCat("[", absl::StrJoin(parts, ","), "]");
  }
  const auto& fs = std::get<std::vector<float>>(attr);
  std::vector<std::string> parts;
  for (float f : fs) parts.push_back(FloatText(f));
  return absl::StrCat("[", absl::StrJoin(parts, ","), "]");
}

double ElementAt(const Value& v, int64_t i) {
  switch (v.dtype) {
    case DType::kF32:
      return v.data_as<float>()[i];
    case DType::kI32:
      return v.data_as<int32_t>()[i];
    case DType::kI64:
      return static_cast<double>(v.data_as<int64_t>()[i]);
    case DType::kBool:
    case DType::kU8:
      return v.data[i];
    case DType::kI8:
      return static_cast<int8_t>(v.data[i]);
    case DType::kF64:
      return v.data_as<double>()[i];
    case DType::kI16:
      return v.data_as<int16_t>()[i];
    case DType::kU16:
      return v.data_as<uint16_t>()[i];
    case DType::kU32:
      return v.data_as<uint32_t>()[i];
    case DType::kU64:
      return static_cast<double>(v.data_as<uint64_t>()[i]);
    case DType::kBF16: {
      uint32_t bits = static_cast<uint32_t>(v.data_as<uint16_t>()[i]) << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    }
    case DType::kF16:
      return std::nan("");  // printed elided below
  }
  return 0;
}

std::string ConstantText(const Value& v, const PrintOptions& options) {
  int64_t n = v.num_elements();
  if (n > options.max_constant_elements || v.dtype == DType::kF16 || v.dtype == DType::kBF16) {
    return absl::StrCat("constant <elided ", n, " elements>");
  }
  std::vector<std::string> parts;
  for (int64_t i = 0; i < n; ++i) {
    double e = ElementAt(v, i);
    parts.push_back(IsFloat(v.dtype) ? FloatText(e) : absl::StrCat(static_cast<int64_t>(e)));
  }
  return absl::StrCat("constant [", absl::StrJoin(parts, ", "), "]");
}

}  // namespace

std::string Print(const Graph& graph, const PrintOptions& options) {
  std::vector<std::string> ins, outs;
  for (Value* v : graph.inputs()) {
    ins.push_back(absl::StrCat(NameRef(v->name), ": ", TypeText(*v)));
  }
  for (Value* v : graph.outputs()) outs.push_back(NameRef(v->name));
  std::string text =
      absl::StrCat("graph ", NameRef(graph.name()).substr(1), "(", absl::StrJoin(ins, ", "),
                   ") -> (", absl::StrJoin(outs, ", "), ") {\n");
  for (const auto& v : graph.values()) {
    if (!v->is_constant) continue;
    absl::StrAppend(&text, "  ", NameRef(v->name), ": ", TypeText(*v), " = ",
                    ConstantText(*v, options), "\n");
  }
  for (const auto& op : graph.ops()) {
    std::vector<std::string> results, args, attrs;
    for (Value* v : op->outputs) {
      results.push_back(absl::StrCat(NameRef(v->name), ": ", TypeText(*v)));
    }
    for (Value* v : op->inputs) args.push_back(v ? NameRef(v->name) : "_");
    for (const auto& [key, attr] : op->attrs) {
      attrs.push_back(absl::StrCat(key, "=", AttrText(attr)));
    }
    absl::StrAppend(&text, "  ", absl::StrJoin(results, ", "), " = ", op->type, "(",
                    absl::StrJoin(args, ", "), ")");
    if (!attrs.empty()) absl::StrAppend(&text, " {", absl::StrJoin(attrs, ", "), "}");
    if (!op->name.empty()) absl::StrAppend(&text, " @", Quote(op->name));
    text += "\n";
  }
  text += "}\n";
  return text;
}

namespace {

class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::StatusOr<std::unique_ptr<Graph>> ParseGraph() {
    if (!ConsumeWord("graph")) return Error("expected 'graph'");
    std::string name;
    if (!ParseName(&name)) return Error("expected graph name");
    graph_ = std::make_unique<Graph>(name);
    if (!Consume('(')) return Error("expected '('");
    while (!Consume(')')) {
      if (!graph_->inputs().empty() && !Consume(',')) return Error("expected ','");
      Value* v;
      if (auto s = ParseTypedValue(&v); !s.ok()) return s;
      graph_->inputs().push_back(v);
    }
    if (!Consume('-') || !Consume('>') || !Consume('(')) return Error("expected '-> ('");
    std::vector<std::string> output_names;
    while (!Consume(')')) {
      if (!output_names.empty() && !Consume(',')) return Error("expected ','");
      std::string out;
      if (!Consume('%') || !ParseName(&out)) return Error("expected %output");
      output_names.push_back(out);
    }
    if (!Consume('{')) return Error("expected '{'");
    while (!Consume('}')) {
      if (auto s = ParseStatement(); !s.ok()) return s;
    }
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after graph");
    for (const std::string& out : output_names) {
      Value* v = graph_->FindValue(out);
      if (v == nullptr) return Error(absl::StrCat("undefined output %", out));
      graph_->outputs().push_back(v);
    }
    if (auto s = Verify(*graph_); !s.ok()) return s;
    return std::move(graph_);
  }

 private:
  absl::Status ParseStatement() {
    std::vector<Value*> results;
    do {
      Value* v;
      if (auto s = ParseTypedValue(&v); !s.ok()) return s;
      results.push_back(v);
    } while (Consume(','));
    if (!Consume('=')) return Error("expected '='");
    std::string op_type;
    if (!ParseName(&op_type)) return Error("expected op type or 'constant'");
    if (op_type == "constant") {
      if (results.size() != 1) return Error("a constant defines one value");
      return ParseConstant(results[0]);
    }
    if (!Consume('(')) return Error("expected '('");
    std::vector<Value*> args;
    while (!Consume(')')) {
      if (!args.empty() && !Consume(',')) return Error("expected ','");
      if (Consume('_')) {
        args.push_back(nullptr);
        continue;
      }
      std::string arg;
      if (!Consume('%') || !ParseName(&arg)) return Error("expected %operand");
      Value* v = graph_->FindValue(arg);
      if (v == nullptr) return Error(absl::StrCat("undefined value %", arg));
      args.push_back(v);
    }
    Op* op = graph_->AddOp(op_type, "", args, results);
    if (Consume('{')) {
      while (!Consume('}')) {
        if (!op->attrs.empty() && !Consume(',')) return Error("expected ','");
        std::string key;
        if (!ParseName(&key) || !Consume('=')) return Error("expected key=value");
        Attribute attr;
        if (auto s = ParseAttr(&attr); !s.ok()) return s;
        op->attrs[key] = std::move(attr);
      }
    }
    if (Consume('@')) {
      if (!ParseName(&op->name)) return Error("expected node name after '@'");
    }
    return absl::OkStatus();
  }

  absl::Status ParseConstant(Value* v) {
    v->is_constant = true;
    if (!Consume('[')) return Error("expected '[' (elided constants do not parse)");
    std::vector<double> elems;
    while (!Consume(']')) {
      if (!elems.empty() && !Consume(',')) return Error("expected ','");
      double d;
      bool is_float;
      if (!ParseNumber(&d, &is_float)) return Error("expected number");
      elems.push_back(d);
    }
    if (static_cast<int64_t>(elems.size()) != v->num_elements()) {
      return Error(absl::StrCat("constant %", v->name, " has ", elems.size(),
                                " elements, its type needs ", v->num_elements()));
    }
    v->data.resize(v->size_bytes());
    for (size_t i = 0; i < elems.size(); ++i) {
      switch (v->dtype) {
        case DType::kF32: {
          float f = static_cast<float>(elems[i]);
          std::memcpy(&v->data[i * 4], &f, 4);
          break;
        }
        case DType::kI32: {
          int32_t x = static_cast<int32_t>(elems[i]);
          std::memcpy(&v->data[i * 4], &x, 4);
          break;
        }
        case DType::kI64: {
          int64_t x = static_cast<int64_t>(elems[i]);
          std::memcpy(&v->data[i * 8], &x, 8);
          break;
        }
        case DType::kBool:
        case DType::kU8:
        case DType::kI8:
          v->data[i] = static_cast<uint8_t>(static_cast<int64_t>(elems[i]));
          break;
        case DType::kI16:
        case DType::kU16: {
          const uint16_t x = static_cast<uint16_t>(static_cast<int64_t>(elems[i]));
          std::memcpy(&v->data[i * 2], &x, 2);
          break;
        }
        case DType::kU32: {
          const uint32_t x = static_cast<uint32_t>(static_cast<int64_t>(elems[i]));
          std::memcpy(&v->data[i * 4], &x, 4);
          break;
        }
        case DType::kU64: {
          const uint64_t x = static_cast<uint64_t>(elems[i]);
          std::memcpy(&v->data[i * 8], &x, 8);
          break;
        }
        default:
          return Error("constants in text must be f32, integers or bool");
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParseAttr(Attribute* attr) {
    SkipSpace();
    if (Peek() == '"') {
      std::string s;
      ParseQuoted(&s);
      *attr = s;
      return absl::OkStatus();
    }
    if (Consume('[')) {
      SkipSpace();
      if (Peek() == '"') {
        std::vector<std::string> strings;
        while (!Consume(']')) {
          if (!strings.empty() && !Consume(',')) return Error("expected ','");
          SkipSpace();
          std::string s;
          if (!ParseQuoted(&s)) return Error("expected a quoted string");
          strings.push_back(std::move(s));
        }
        *attr = std::move(strings);
        return absl::OkStatus();
      }
      std::vector<double> elems;
      bool any_float = false;
      while (!Consume(']')) {
        if (!elems.empty() && !Consume(',')) return Error("expected ','");
        double d;
        bool is_float;
        if (!ParseNumber(&d, &is_float)) return Error("expected number");
        any_float |= is_float;
        elems.push_back(d);
      }
      if (any_float) {
        *attr = std::vector<float>(elems.begin(), elems.end());
      } else {
        std::vector<int64_t> ints;
        for (double d : elems) ints.push_back(static_cast<int64_t>(d));
        *attr = ints;
      }
      return absl::OkStatus();
    }
    double d;
    bool is_float;
    if (!ParseNumber(&d, &is_float)) return Error("expected attribute value");
    if (is_float) {
      *attr = static_cast<float>(d);
    } else {
      *attr = static_cast<int64_t>(d);
    }
    return absl::OkStatus();
  }

  absl::Status ParseTypedValue(Value** out) {
    std::string name, dtype_name;
    if (!Consume('%') || !ParseName(&name)) return Error("expected %name");
    if (!Consume(':')) return Error("expected ':' and a type");
    SkipSpace();
    while (pos_ < text_.size() && std::isalnum(static_cast<unsigned char>(text_[pos_]))) {
      dtype_name.push_back(text_[pos_++]);
    }
    auto dtype = ParseDType(dtype_name);
    if (!dtype.ok()) return Error(std::string(dtype.status().message()));
    Shape shape;
    if (!Consume('[')) return Error("expected '[' shape");
    while (!Consume(']')) {
      if (!shape.empty() && !Consume(',')) return Error("expected ','");
      double d;
      bool is_float;
      if (!ParseNumber(&d, &is_float) || is_float) return Error("expected dimension");
      shape.push_back(static_cast<int64_t>(d));
    }
    if (graph_->FindValue(name) != nullptr) {
      return Error(absl::StrCat("%", name, " is defined twice"));
    }
    *out = graph_->AddValue(name, *dtype, shape);
    return absl::OkStatus();
  }

  bool ParseName(std::string* out) {
    SkipSpace();
    if (Peek() == '"') return ParseQuoted(out);
    size_t start = pos_;
    while (pos_ < text_.size() && IsPlainNameChar(text_[pos_])) ++pos_;
    *out = std::string(text_.substr(start, pos_ - start));
    return !out->empty();
  }

  bool ParseQuoted(std::string* out) {
    if (Peek() != '"') return false;
    ++pos_;
    out->clear();
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      out->push_back(text_[pos_++]);
    }
    if (pos_ >= text_.size()) return false;
    ++pos_;
    return true;
  }

  bool ParseNumber(double* out, bool* is_float) {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.' ||
            text_[pos_] == '-' || text_[pos_] == '+')) {
      ++pos_;
    }
    absl::string_view token = text_.substr(start, pos_ - start);
    *is_float = token.find_first_of(".eEni") != absl::string_view::npos;
    if (token == "nan" || token == "-nan") {
      *out = std::nan("");
      return true;
    }
    if (token == "inf" || token == "-inf") {
      *out = token[0] == '-' ? -INFINITY : INFINITY;
      return true;
    }
    return absl::SimpleAtod(token, out);
  }

  void SkipSpace() {
    while (pos_ < text_.size()) {
      if (std::isspace(static_cast<unsigned char>(text_[pos_]))) {
        ++pos_;
      } else if (text_[pos_] == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  char Peek() {
    SkipSpace();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }

  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }

  bool ConsumeWord(absl::string_view word) {
    SkipSpace();
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  absl::Status Error(absl::string_view message) {
    int line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return absl::InvalidArgumentError(absl::StrCat("IR text ", line, ":", col, ": ", message));
  }

  absl::string_view text_;
  size_t pos_ = 0;
  std::unique_ptr<Graph> graph_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Graph>> Parse(absl::string_view text) {
  return Parser(text).ParseGraph();
}

}  // namespace ncc::ir
