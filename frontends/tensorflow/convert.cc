#include "frontends/tensorflow/convert.h"

#include <cmath>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "compiler/ir/onnx_type_code.h"
#include "compiler/ir/eval/graph_edit.h"
#include "compiler/ir/eval/host_eval.h"
#include "frontends/tensorflow/proto/types.pb.h"
#include "text/printable.h"

namespace ncc::tensorflow_frontend {

absl::StatusOr<ir::DType> IrDType(int tf_dtype) {
  switch (tf_dtype % 100) {  // reference types (variables) as their values
    case tfproto::DT_FLOAT: return ir::DType::kF32;
    case tfproto::DT_DOUBLE: return ir::DType::kF32;
    case tfproto::DT_INT32: return ir::DType::kI32;
    case tfproto::DT_INT64: return ir::DType::kI64;
    case tfproto::DT_BOOL: return ir::DType::kBool;
    case tfproto::DT_HALF: return ir::DType::kF16;
    case tfproto::DT_BFLOAT16: return ir::DType::kBF16;
    case tfproto::DT_UINT8: return ir::DType::kU8;
    case tfproto::DT_INT8: return ir::DType::kI8;
    case tfproto::DT_INT16: return ir::DType::kI16;
    case tfproto::DT_UINT16: return ir::DType::kU16;
    case tfproto::DT_UINT32: return ir::DType::kU32;
    case tfproto::DT_UINT64: return ir::DType::kU64;
    default: break;
  }
  const std::string name = tfproto::DataType_IsValid(tf_dtype)
                               ? tfproto::DataType_Name(static_cast<tfproto::DataType>(tf_dtype))
                               : absl::StrCat("DataType ", tf_dtype);
  return absl::UnimplementedError(absl::StrCat("dtype ", name, " is not supported"));
}

// GraphBuilder.

std::string GraphBuilder::NewName(absl::string_view base) {
  std::string candidate(base);
  int& next = next_suffix_[candidate];
  while (names_.count(candidate)) candidate = absl::StrCat(base, "_", ++next);
  names_.insert(candidate);
  return candidate;
}

const TfValue* GraphBuilder::Find(const std::string& tensor) const {
  auto it = tensors_.find(tensor);
  return it == tensors_.end() ? nullptr : &it->second;
}

ir::Value* GraphBuilder::Logical(const TfValue& v) {
  if (!v.nchw) return v.value;
  ir::Value*& cached = logical_cache_[v.value];
  if (cached != nullptr) return cached;
  const ir::Shape& s = v.value->shape;
  ir::Value* out =
      graph_.AddValue(NewName(v.value->name + "/nhwc"), v.value->dtype,
                      {s[0], s[2], s[3], s[1]});
  ir::Op* op = graph_.AddOp("Transpose", out->name, {v.value}, {out});
  op->attrs["perm"] = kToNhwc;
  cached = out;
  nchw_cache_[out] = v.value;
  return out;
}

ir::Value* GraphBuilder::Nchw(const TfValue& v) {
  if (v.nchw) return v.value;
  ir::Value*& cached = nchw_cache_[v.value];
  if (cached != nullptr) return cached;
  const ir::Shape& s = v.value->shape;
  ir::Value* out;
  if (v.value->is_constant) {
    // Weights and constants are transposed on the host.
    const std::vector<double> data = ir::eval::ConstantAsDoubles(*v.value);
    std::vector<double> t(data.size());
    for (int64_t n = 0; n < s[0]; ++n)
      for (int64_t h = 0; h < s[1]; ++h)
        for (int64_t w = 0; w < s[2]; ++w)
          for (int64_t c = 0; c < s[3]; ++c)
            t[((n * s[3] + c) * s[1] + h) * s[2] + w] = data[((n * s[1] + h) * s[2] + w) * s[3] + c];
    out = graph_.AddConstant(NewName(v.value->name + "/nchw"), v.value->dtype,
                             {s[0], s[3], s[1], s[2]}, ir::eval::BytesFromDoubles(t, v.value->dtype));
  } else {
    out = graph_.AddValue(NewName(v.value->name + "/nchw"), v.value->dtype,
                          {s[0], s[3], s[1], s[2]});
    ir::Op* op = graph_.AddOp("Transpose", out->name, {v.value}, {out});
    op->attrs["perm"] = kToNchw;
  }
  cached = out;
  logical_cache_[out] = v.value;
  return out;
}

// ConvertContext.

ir::Graph& ConvertContext::graph() { return builder_.graph(); }

ir::Value* ConvertContext::Input(size_t i) { return builder_.Logical(inputs_.at(i)); }

ir::Value* ConvertContext::InputNchw(size_t i) { return builder_.Nchw(inputs_.at(i)); }

ir::Shape ConvertContext::InputShape(size_t i) const {
  const TfValue& v = inputs_.at(i);
  const ir::Shape& s = v.value->shape;
  if (!v.nchw) return s;
  return {s[0], s[2], s[3], s[1]};
}

absl::StatusOr<std::vector<double>> ConvertContext::ConstDoubles(size_t i) {
  if (i >= inputs_.size()) return Invalid(absl::StrCat("has no input ", i));
  if (!IsConstant(i)) {
    return Unsupported(absl::StrCat("input ", i,
                                    " must be known at compile time (a constant or computed "
                                    "from constants and shapes)"));
  }
  return ir::eval::ConstantAsDoubles(*Input(i));
}

absl::StatusOr<std::vector<int64_t>> ConvertContext::ConstInts(size_t i) {
  NCC_TF_ASSIGN(values, ConstDoubles(i));
  std::vector<int64_t> out;
  out.reserve(values.size());
  for (double v : values) {
    if (!(v >= -9.0e18 && v <= 9.0e18)) {
      return Invalid(absl::StrCat("input ", i, " holds ", v, ", which is not an integer in range"));
    }
    out.push_back(static_cast<int64_t>(v));
  }
  return out;
}

const tfproto::AttrValue* ConvertContext::FindAttr(absl::string_view name) const {
  auto it = node_.attr().find(std::string(name));
  return it == node_.attr().end() ? nullptr : &it->second;
}

bool ConvertContext::HasAttr(absl::string_view name) const { return FindAttr(name) != nullptr; }

absl::Status ConvertContext::AttrError(absl::string_view name, absl::string_view want) const {
  return Invalid(absl::StrCat("attribute '", name, "' must be ", want));
}

absl::StatusOr<int64_t> ConvertContext::AttrInt(absl::string_view name,
                                                std::optional<int64_t> def) const {
  const tfproto::AttrValue* a = FindAttr(name);
  if (a == nullptr && def) return *def;
  if (a == nullptr || a->value_case() != tfproto::AttrValue::kI) return AttrError(name, "an int");
  return a->i();
}

absl::StatusOr<float> ConvertContext::AttrFloat(absl::string_view name,
                                                std::optional<float> def) const {
  const tfproto::AttrValue* a = FindAttr(name);
  if (a == nullptr && def) return *def;
  if (a == nullptr || a->value_case() != tfproto::AttrValue::kF) return AttrError(name, "a float");
  return a->f();
}

absl::StatusOr<bool> ConvertContext::AttrBool(absl::string_view name,
                                              std::optional<bool> def) const {
  const tfproto::AttrValue* a = FindAttr(name);
  if (a == nullptr && def) return *def;
  if (a == nullptr || a->value_case() != tfproto::AttrValue::kB) return AttrError(name, "a bool");
  return a->b();
}

absl::StatusOr<std::string> ConvertContext::AttrString(absl::string_view name,
                                                       std::optional<std::string> def) const {
  const tfproto::AttrValue* a = FindAttr(name);
  if (a == nullptr && def) return *def;
  if (a == nullptr || a->value_case() != tfproto::AttrValue::kS) return AttrError(name, "a string");
  return a->s();
}

absl::StatusOr<std::vector<int64_t>> ConvertContext::AttrInts(
    absl::string_view name, std::optional<std::vector<int64_t>> def) const {
  const tfproto::AttrValue* a = FindAttr(name);
  if (a == nullptr && def) return *def;
  if (a == nullptr || a->value_case() != tfproto::AttrValue::kList) {
    return AttrError(name, "a list of ints");
  }
  return std::vector<int64_t>(a->list().i().begin(), a->list().i().end());
}

absl::StatusOr<std::vector<std::string>> ConvertContext::AttrStrings(
    absl::string_view name) const {
  const tfproto::AttrValue* a = FindAttr(name);
  if (a == nullptr) return std::vector<std::string>{};
  if (a->value_case() != tfproto::AttrValue::kList) return AttrError(name, "a list of strings");
  return std::vector<std::string>(a->list().s().begin(), a->list().s().end());
}

absl::StatusOr<ir::DType> ConvertContext::AttrDType(absl::string_view name) const {
  const tfproto::AttrValue* a = FindAttr(name);
  if (a == nullptr || a->value_case() != tfproto::AttrValue::kType) {
    return AttrError(name, "a type");
  }
  auto dtype = IrDType(a->type());
  if (!dtype.ok()) return Unsupported(dtype.status().message());
  return *dtype;
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
    outs.push_back(g.AddValue(builder_.NewName(node_.name()), dtype, shape));
  }
  bool all_constant = !inputs.empty();
  for (ir::Value* in : inputs) all_constant &= in == nullptr || in->is_constant;
  ir::Op* op = g.AddOp(type, node_.name(), std::move(inputs), outs);
  op->attrs = std::move(attrs);
  if (!all_constant || outs.size() != 1) return outs;
  std::optional<std::vector<double>> folded = ir::eval::EvaluateOnHost(*op);
  if (!folded) return outs;
  g.RemoveOp(op);
  return {Constant(dtype, shapes[0], *folded)};
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
  return graph().AddConstant(builder_.NewName(node_.name()), dtype, std::move(shape),
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

absl::Status ConvertContext::Set(size_t k, ir::Value* value, bool nchw) {
  if (nchw && value->shape.size() != 4) {
    return absl::InternalError(absl::StrCat(Where(), ": an NCHW result must have rank 4"));
  }
  builder_.Bind(absl::StrCat(node_.name(), ":", k), TfValue{value, nchw});
  return absl::OkStatus();
}

std::string ConvertContext::Where() const {
  return absl::StrCat(text::PrintableName(node_.op()), " '", text::PrintableName(node_.name()),
                      "'");
}

absl::Status ConvertContext::Unsupported(absl::string_view reason) const {
  return absl::UnimplementedError(reason);
}

absl::Status ConvertContext::Invalid(absl::string_view reason) const {
  return absl::InvalidArgumentError(reason);
}

}  // namespace ncc::tensorflow_frontend
