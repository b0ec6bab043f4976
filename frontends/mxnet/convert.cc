#include "frontends/mxnet/convert.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "compiler/ir/eval/graph_edit.h"
#include "compiler/ir/onnx_type_code.h"
#include "text/printable.h"

namespace ncc::mxnet_frontend {

using text::PrintableName;
using text::QuotedName;

std::optional<ir::DType> DTypeFromName(absl::string_view name) {
  name = absl::StripAsciiWhitespace(name);
  // Python may have printed the dtype as a string literal or a numpy type.
  absl::ConsumePrefix(&name, "<class 'numpy.");
  absl::ConsumeSuffix(&name, "'>");
  if (name.size() >= 2 && (name.front() == '\'' || name.front() == '"') &&
      name.back() == name.front()) {
    name = name.substr(1, name.size() - 2);
  }
  if (name == "float32") return ir::DType::kF32;
  if (name == "float16") return ir::DType::kF16;
  if (name == "float64") return ir::DType::kF32;  // the engines have no float64
  if (name == "bfloat16") return ir::DType::kBF16;
  if (name == "uint8") return ir::DType::kU8;
  if (name == "int8") return ir::DType::kI8;
  if (name == "int32") return ir::DType::kI32;
  if (name == "int64") return ir::DType::kI64;
  if (name == "bool") return ir::DType::kBool;
  return std::nullopt;
}

std::optional<int64_t> ParseInt(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  absl::ConsumeSuffix(&text, "L");  // Python 2 printed longs as 3L
  int64_t v;
  if (absl::SimpleAtoi(text, &v)) return v;
  return std::nullopt;
}

std::optional<double> ParseFloat(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  double v;
  if (absl::SimpleAtod(text, &v)) return v;
  if (text == "inf" || text == "+inf") return HUGE_VAL;
  if (text == "-inf") return -HUGE_VAL;
  return std::nullopt;
}

std::optional<bool> ParseBool(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text == "True" || text == "true" || text == "1") return true;
  if (text == "False" || text == "false" || text == "0") return false;
  return std::nullopt;
}

std::optional<std::vector<std::optional<int64_t>>> ParseTuple(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  std::vector<std::optional<int64_t>> out;
  if ((absl::ConsumePrefix(&text, "(") && absl::ConsumeSuffix(&text, ")")) ||
      (absl::ConsumePrefix(&text, "[") && absl::ConsumeSuffix(&text, "]"))) {
    text = absl::StripAsciiWhitespace(text);
    if (text.empty()) return out;
    absl::ConsumeSuffix(&text, ",");  // "(3,)"
  }
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (item == "None") {
      out.push_back(std::nullopt);
      continue;
    }
    std::optional<int64_t> v = ParseInt(item);
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

// GraphBuilder.

std::string GraphBuilder::NewName(absl::string_view base) {
  std::string candidate(base);
  int& next = next_suffix_[candidate];
  while (names_.count(candidate)) candidate = absl::StrCat(base, "_", ++next);
  names_.insert(candidate);
  return candidate;
}

// ConvertContext.

absl::Status ConvertContext::NeedInputs(size_t n) const {
  if (inputs_.size() >= n) return absl::OkStatus();
  return Invalid(absl::StrCat("has ", inputs_.size(), " inputs; it needs ", n));
}

const std::string* ConvertContext::Find(absl::string_view name) const {
  auto it = node_.attrs.find(std::string(name));
  return it == node_.attrs.end() ? nullptr : &it->second;
}

bool ConvertContext::Has(absl::string_view name) const { return Find(name) != nullptr; }

absl::Status ConvertContext::AttrError(absl::string_view name, absl::string_view want) const {
  const std::string* text = Find(name);
  if (text == nullptr) return Invalid(absl::StrCat("has no attribute '", name, "'"));
  return Invalid(absl::StrCat("attribute '", name, "' is ", QuotedName(*text), ", not ", want));
}

absl::StatusOr<int64_t> ConvertContext::Int(absl::string_view name,
                                            std::optional<int64_t> def) const {
  const std::string* text = Find(name);
  if (text == nullptr && def) return *def;
  std::optional<int64_t> v = text ? ParseInt(*text) : std::nullopt;
  if (!v) return AttrError(name, "an integer");
  return *v;
}

absl::StatusOr<double> ConvertContext::Float(absl::string_view name,
                                             std::optional<double> def) const {
  const std::string* text = Find(name);
  if (text == nullptr && def) return *def;
  std::optional<double> v = text ? ParseFloat(*text) : std::nullopt;
  if (!v) return AttrError(name, "a number");
  return *v;
}

absl::StatusOr<bool> ConvertContext::Bool(absl::string_view name, std::optional<bool> def) const {
  const std::string* text = Find(name);
  if (text == nullptr && def) return *def;
  std::optional<bool> v = text ? ParseBool(*text) : std::nullopt;
  if (!v) return AttrError(name, "True or False");
  return *v;
}

absl::StatusOr<std::string> ConvertContext::String(absl::string_view name,
                                                   std::optional<std::string> def) const {
  const std::string* text = Find(name);
  if (text == nullptr && def) return *def;
  if (text == nullptr) return AttrError(name, "a string");
  absl::string_view v = absl::StripAsciiWhitespace(*text);
  if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"') && v.back() == v.front()) {
    v = v.substr(1, v.size() - 2);
  }
  return std::string(v);
}

absl::StatusOr<std::vector<int64_t>> ConvertContext::Ints(
    absl::string_view name, std::optional<std::vector<int64_t>> def) const {
  const std::string* text = Find(name);
  if (text == nullptr && def) return *def;
  auto tuple = text ? ParseTuple(*text) : std::nullopt;
  if (!tuple) return AttrError(name, "a tuple of integers");
  std::vector<int64_t> out;
  for (const auto& v : *tuple) {
    if (!v) return AttrError(name, "a tuple of integers");
    out.push_back(*v);
  }
  return out;
}

absl::StatusOr<std::vector<std::optional<int64_t>>> ConvertContext::OptionalInts(
    absl::string_view name) const {
  const std::string* text = Find(name);
  auto tuple = text ? ParseTuple(*text) : std::nullopt;
  if (!tuple) return AttrError(name, "a tuple of integers or None");
  return *tuple;
}

absl::StatusOr<std::optional<int64_t>> ConvertContext::OptionalInt(absl::string_view name) const {
  const std::string* text = Find(name);
  if (text == nullptr || absl::StripAsciiWhitespace(*text) == "None") {
    return std::optional<int64_t>();
  }
  std::optional<int64_t> v = ParseInt(*text);
  if (!v) return AttrError(name, "an integer or None");
  return std::optional<int64_t>(*v);
}

absl::StatusOr<std::string> ConvertContext::Choice(absl::string_view name,
                                                   const std::vector<std::string>& allowed) const {
  NCC_MX_ASSIGN(value, String(name, allowed.front()));
  for (const std::string& a : allowed) {
    if (a == value) return value;
  }
  return Unsupported(absl::StrCat(name, " ", QuotedName(value), " is not supported"));
}

absl::Status ConvertContext::ExpectShape(size_t i, const ir::Shape& want,
                                         absl::string_view role) const {
  NCC_MX_RETURN_IF_ERROR(NeedInputs(i + 1));
  const InputValue& in = inputs_[i];
  if (in.value->shape == want) return absl::OkStatus();
  if (!in.param.empty()) {
    return Invalid(absl::StrCat("parameter ", QuotedName(in.param), " (", role, ") is ",
                                ir::ShapeToString(in.value->shape),
                                " in the params file but the symbol needs ",
                                ir::ShapeToString(want)));
  }
  return Invalid(absl::StrCat(role, " is ", ir::ShapeToString(in.value->shape), "; want ",
                              ir::ShapeToString(want)));
}

ir::Value* ConvertContext::Emit(absl::string_view type, std::vector<ir::Value*> inputs,
                                ir::Shape shape, ir::DType dtype,
                                std::map<std::string, ir::Attribute> attrs) {
  return EmitMulti(type, std::move(inputs), {std::move(shape)}, dtype, std::move(attrs))[0];
}

std::vector<ir::Value*> ConvertContext::EmitMulti(absl::string_view type,
                                                  std::vector<ir::Value*> inputs,
                                                  const std::vector<ir::Shape>& shapes,
                                                  ir::DType dtype,
                                                  std::map<std::string, ir::Attribute> attrs) {
  ir::Graph& g = graph();
  std::vector<ir::Value*> outs;
  for (const ir::Shape& shape : shapes) {
    outs.push_back(g.AddValue(builder_.NewName(node_.name), dtype, shape));
  }
  ir::Op* op = g.AddOp(type, node_.name, std::move(inputs), outs);
  op->attrs = std::move(attrs);
  return outs;
}

ir::Value* ConvertContext::I64Constant(const std::vector<int64_t>& values, bool scalar) {
  ir::Shape shape;
  if (!scalar) shape.push_back(static_cast<int64_t>(values.size()));
  return Constant(ir::DType::kI64, shape, std::vector<double>(values.begin(), values.end()));
}

ir::Value* ConvertContext::ScalarConstant(double value, ir::DType dtype) {
  return Constant(dtype, {}, {value});
}

ir::Value* ConvertContext::Constant(ir::DType dtype, ir::Shape shape,
                                    const std::vector<double>& values) {
  return graph().AddConstant(builder_.NewName(node_.name), dtype, std::move(shape),
                             ir::eval::BytesFromDoubles(values, dtype));
}

ir::Value* ConvertContext::Reshape(ir::Value* value, const ir::Shape& shape) {
  if (value->shape == shape) return value;
  return Emit("Reshape", {value, I64Constant(shape)}, shape, value->dtype);
}

ir::Value* ConvertContext::Transpose(ir::Value* value, const std::vector<int64_t>& perm) {
  bool identity = true;
  ir::Shape shape;
  for (size_t i = 0; i < perm.size(); ++i) {
    identity &= perm[i] == static_cast<int64_t>(i);
    shape.push_back(value->shape[perm[i]]);
  }
  if (identity) return value;
  return Emit("Transpose", {value}, shape, value->dtype, {{"perm", perm}});
}

ir::Value* ConvertContext::CastTo(ir::Value* value, ir::DType dtype) {
  if (value->dtype == dtype) return value;
  return Emit("Cast", {value}, value->shape, dtype, {{"to", ir::OnnxTypeCode(dtype)}});
}

absl::StatusOr<ir::Value*> ConvertContext::Binary(absl::string_view type, ir::Value* a,
                                                  ir::Value* b) {
  auto shape = BroadcastShapes(a->shape, b->shape);
  if (!shape.ok()) return Invalid(shape.status().message());
  if (b->dtype != a->dtype) b = CastTo(b, a->dtype);
  return Emit(type, {a, b}, *shape, a->dtype);
}

ir::Value* ConvertContext::Unary(absl::string_view type, ir::Value* x,
                                 std::map<std::string, ir::Attribute> attrs) {
  return Emit(type, {x}, x->shape, x->dtype, std::move(attrs));
}

void ConvertContext::Set(size_t k, ir::Value* value) {
  if (outputs_.size() <= k) outputs_.resize(k + 1, nullptr);
  outputs_[k] = value;
}

std::string ConvertContext::Where() const {
  return absl::StrCat(PrintableName(node_.op), " ", QuotedName(node_.name));
}

absl::Status ConvertContext::Unsupported(absl::string_view reason) const {
  return absl::UnimplementedError(reason);
}

absl::Status ConvertContext::Invalid(absl::string_view reason) const {
  return absl::InvalidArgumentError(reason);
}

}  // namespace ncc::mxnet_frontend
