#include "frontends/pytorch/convert.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/onnx_type_code.h"
#include "frontends/pytorch/interpreter.h"

namespace ncc::pytorch_frontend {

absl::StatusOr<ir::DType> IrDType(at::ScalarType type) {
  switch (type) {
    case at::kFloat: return ir::DType::kF32;
    case at::kHalf: return ir::DType::kF16;
    case at::kBFloat16: return ir::DType::kBF16;
    case at::kInt: return ir::DType::kI32;
    case at::kLong: return ir::DType::kI64;
    case at::kBool: return ir::DType::kBool;
    case at::kChar: return ir::DType::kI8;
    case at::kByte: return ir::DType::kU8;
    case at::kShort: return ir::DType::kI16;
    case at::kDouble: return ir::DType::kF64;
    default:
      return absl::UnimplementedError(
          absl::StrCat("dtype ", c10::toString(type), " is not supported"));
  }
}

ir::Graph& ConvertContext::graph() { return interp_.graph(); }

bool ConvertContext::IsRuntimeTensor(size_t i) const {
  const c10::IValue& v = inputs_.at(i);
  return v.isTensor() && interp_.IsRuntimeTensor(v.toTensor());
}

absl::Status ConvertContext::ArgError(size_t i, absl::string_view want) const {
  const torch::jit::Value* arg = node_.inputs()[i];
  const c10::FunctionSchema* schema = node_.maybeSchema();
  std::string name = schema != nullptr && i < schema->arguments().size()
                         ? schema->arguments()[i].name()
                         : absl::StrCat("#", i);
  if (interp_.IsRuntimeScalar(arg)) {
    return absl::UnimplementedError(
        absl::StrCat("argument '", name, "' is computed from tensor data at run time"));
  }
  return absl::UnimplementedError(absl::StrCat("argument '", name, "' must be ", want, ", got ",
                                               inputs_.at(i).tagKind()));
}

absl::StatusOr<ir::Value*> ConvertContext::Tensor(size_t i, ir::DType scalar_dtype) {
  const c10::IValue& v = inputs_.at(i);
  if (v.isTensor()) return interp_.IrValueOf(v.toTensor());
  if (interp_.IsRuntimeScalar(node_.inputs()[i])) return ArgError(i, "known at compile time");
  if (v.isDouble()) return ScalarConstant(v.toDouble(), scalar_dtype);
  if (v.isInt()) return ScalarConstant(static_cast<double>(v.toInt()), scalar_dtype);
  if (v.isBool()) return ScalarConstant(v.toBool() ? 1.0 : 0.0, scalar_dtype);
  return ArgError(i, "a tensor or a number");
}

absl::StatusOr<ir::Value*> ConvertContext::TensorValue(const at::Tensor& tensor) {
  return interp_.IrValueOf(tensor);
}

absl::StatusOr<std::vector<ir::Value*>> ConvertContext::TensorList(size_t i) {
  const c10::IValue& v = inputs_.at(i);
  if (!v.isTensorList()) return ArgError(i, "a list of tensors");
  std::vector<ir::Value*> values;
  for (const at::Tensor& t : v.toTensorVector()) {
    auto value = interp_.IrValueOf(t);
    if (!value.ok()) return value.status();
    values.push_back(*value);
  }
  return values;
}

absl::StatusOr<int64_t> ConvertContext::Int(size_t i) const {
  const c10::IValue& v = inputs_.at(i);
  if (interp_.IsRuntimeScalar(node_.inputs()[i]) || !v.isInt()) return ArgError(i, "an int");
  return v.toInt();
}

absl::StatusOr<double> ConvertContext::Double(size_t i) const {
  const c10::IValue& v = inputs_.at(i);
  if (interp_.IsRuntimeScalar(node_.inputs()[i])) return ArgError(i, "a number");
  if (v.isDouble()) return v.toDouble();
  if (v.isInt()) return static_cast<double>(v.toInt());
  if (v.isBool()) return v.toBool() ? 1.0 : 0.0;
  return ArgError(i, "a number");
}

absl::StatusOr<bool> ConvertContext::Bool(size_t i) const {
  const c10::IValue& v = inputs_.at(i);
  if (interp_.IsRuntimeScalar(node_.inputs()[i]) || !v.isBool()) return ArgError(i, "a bool");
  return v.toBool();
}

absl::StatusOr<std::vector<int64_t>> ConvertContext::Ints(size_t i) const {
  const c10::IValue& v = inputs_.at(i);
  if (interp_.IsRuntimeScalar(node_.inputs()[i])) return ArgError(i, "a list of ints");
  if (v.isIntList()) return v.toIntVector();
  if (v.isInt()) return std::vector<int64_t>{v.toInt()};
  return ArgError(i, "a list of ints");
}

ir::Shape ConvertContext::OutShape(size_t k) const {
  const at::Tensor& t = outputs_.at(k).toTensor();
  return ir::Shape(t.sizes().begin(), t.sizes().end());
}

absl::StatusOr<ir::DType> ConvertContext::OutDType(size_t k) const {
  return IrDType(outputs_.at(k).toTensor().scalar_type());
}

ir::Value* ConvertContext::Emit(absl::string_view type, std::vector<ir::Value*> inputs,
                                ir::Shape shape, ir::DType dtype,
                                std::map<std::string, ir::Attribute> attrs) {
  std::string base = node_.outputs().empty() ? std::string(node_.kind().toUnqualString())
                                             : node_.outputs()[0]->debugName();
  ir::Value* out = graph().AddValue(interp_.FreshName(base), dtype, std::move(shape));
  ir::Op* op = graph().AddOp(type, out->name, std::move(inputs), {out});
  op->attrs = std::move(attrs);
  return out;
}

absl::StatusOr<ir::Value*> ConvertContext::EmitOut(absl::string_view type,
                                                   std::vector<ir::Value*> inputs,
                                                   std::map<std::string, ir::Attribute> attrs,
                                                   size_t k) {
  auto dtype = OutDType(k);
  if (!dtype.ok()) return dtype.status();
  return Emit(type, std::move(inputs), OutShape(k), *dtype, std::move(attrs));
}

std::vector<ir::Value*> ConvertContext::EmitMulti(absl::string_view type,
                                                  std::vector<ir::Value*> inputs,
                                                  const std::vector<ir::Shape>& shapes,
                                                  const std::vector<ir::DType>& dtypes,
                                                  std::map<std::string, ir::Attribute> attrs) {
  std::string base = node_.outputs().empty() ? std::string(node_.kind().toUnqualString())
                                             : node_.outputs()[0]->debugName();
  std::vector<ir::Value*> outs;
  for (size_t k = 0; k < shapes.size(); ++k) {
    outs.push_back(graph().AddValue(interp_.FreshName(base), dtypes[k], shapes[k]));
  }
  ir::Op* op = graph().AddOp(type, outs[0]->name, std::move(inputs), outs);
  op->attrs = std::move(attrs);
  return outs;
}

ir::Value* ConvertContext::I64Constant(const std::vector<int64_t>& values, bool scalar) {
  std::vector<uint8_t> bytes(values.size() * sizeof(int64_t));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  ir::Shape shape = scalar ? ir::Shape{} : ir::Shape{static_cast<int64_t>(values.size())};
  return graph().AddConstant(interp_.FreshName("const"), ir::DType::kI64, shape,
                             std::move(bytes));
}

ir::Value* ConvertContext::ScalarConstant(double value, ir::DType dtype) {
  at::ScalarType type = at::kFloat;
  switch (dtype) {
    case ir::DType::kF32: type = at::kFloat; break;
    case ir::DType::kF16: type = at::kHalf; break;
    case ir::DType::kBF16: type = at::kBFloat16; break;
    case ir::DType::kI64: type = at::kLong; break;
    case ir::DType::kI32: type = at::kInt; break;
    case ir::DType::kBool: type = at::kBool; break;
    case ir::DType::kI8: type = at::kChar; break;
    case ir::DType::kU8: type = at::kByte; break;
    default: type = at::kFloat; break;
  }
  return Constant(at::scalar_tensor(value, at::TensorOptions().dtype(type)));
}

ir::Value* ConvertContext::Constant(const at::Tensor& tensor) {
  at::Tensor data = tensor.contiguous().cpu();
  ir::DType dtype = IrDType(data.scalar_type()).value_or(ir::DType::kF32);
  const auto* bytes = static_cast<const uint8_t*>(data.data_ptr());
  return graph().AddConstant(interp_.FreshName("const"), dtype,
                             ir::Shape(data.sizes().begin(), data.sizes().end()),
                             std::vector<uint8_t>(bytes, bytes + data.nbytes()));
}

ir::Value* ConvertContext::CastTo(ir::Value* value, ir::DType dtype) {
  if (value->dtype == dtype) return value;
  if (value->is_constant && value->shape.empty()) {
    // Scalars are re-made in the right type rather than cast on the device.
    double v = 0;
    switch (value->dtype) {
      case ir::DType::kF32: v = *value->data_as<float>(); break;
      case ir::DType::kI64: v = static_cast<double>(*value->data_as<int64_t>()); break;
      case ir::DType::kI32: v = *value->data_as<int32_t>(); break;
      case ir::DType::kBool: v = *value->data_as<uint8_t>(); break;
      default: return Emit("Cast", {value}, value->shape, dtype, {{"to", ir::OnnxTypeCode(dtype)}});
    }
    return ScalarConstant(v, dtype);
  }
  return Emit("Cast", {value}, value->shape, dtype, {{"to", ir::OnnxTypeCode(dtype)}});
}

ir::Value* ConvertContext::ReshapeTo(ir::Value* value, const ir::Shape& shape) {
  if (value->shape == shape) return value;
  return Emit("Reshape", {value, I64Constant(shape)}, shape, value->dtype);
}

absl::Status ConvertContext::Set(size_t k, ir::Value* value) {
  const c10::IValue& out = outputs_.at(k);
  if (!out.isTensor()) {
    return absl::InternalError(absl::StrCat("output ", k, " is not a tensor"));
  }
  return SetTensor(out.toTensor(), value);
}

absl::Status ConvertContext::SetTensor(const at::Tensor& out, ir::Value* value) {
  ir::Shape want(out.sizes().begin(), out.sizes().end());
  auto dtype = IrDType(out.scalar_type());
  if (!dtype.ok()) return dtype.status();
  if (value->shape != want || value->dtype != *dtype) {
    return absl::InternalError(absl::StrCat(
        "conversion gives ", ir::DTypeName(value->dtype), ir::ShapeToString(value->shape),
        " where torch gives ", ir::DTypeName(*dtype), ir::ShapeToString(want),
        " (a neuron-cc bug: please report it with the model)"));
  }
  interp_.Bind(out, value);
  return absl::OkStatus();
}

std::string ConvertContext::Where() const {
  std::string where = SourceLocation(node_);
  return absl::StrCat(node_.kind().toQualString(), where.empty() ? "" : " at ", where);
}

absl::Status ConvertContext::Unsupported(absl::string_view reason) const {
  return absl::UnimplementedError(reason);
}

}  // namespace ncc::pytorch_frontend
