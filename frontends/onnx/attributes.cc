#include "frontends/onnx/attributes.h"

#include <cstring>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "frontends/onnx/tensor.h"
#include "text/printable.h"

namespace ncc::onnx_frontend {
namespace {

float HalfToFloat(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    exp = 113;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --exp;
    }
    bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

// A one-element TENSOR attribute (ConstantOfShape's `value`) as a scalar; the
// op's output dtype already says which type it has.
absl::StatusOr<ir::Attribute> ScalarTensorAttribute(const onnx::TensorProto& t,
                                                    const std::string& what) {
  auto tensor = ConvertTensor(t, what);
  if (!tensor.ok()) return tensor.status();
  if (tensor->data.size() != static_cast<size_t>(ir::DTypeSize(tensor->dtype)) ||
      ir::NumElements(tensor->shape) != 1) {
    return absl::UnimplementedError(absl::StrCat(
        "unsupported: ", what, " is a tensor of shape ", ir::ShapeToString(tensor->shape),
        "; only one-element tensor attributes are supported"));
  }
  const uint8_t* p = tensor->data.data();
  switch (tensor->dtype) {
    case ir::DType::kF32: {
      float f;
      std::memcpy(&f, p, 4);
      return ir::Attribute(f);
    }
    case ir::DType::kF16:
    case ir::DType::kBF16: {
      uint16_t h;
      std::memcpy(&h, p, 2);
      if (tensor->dtype == ir::DType::kF16) return ir::Attribute(HalfToFloat(h));
      uint32_t bits = uint32_t{h} << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      return ir::Attribute(f);
    }
    case ir::DType::kI64: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return ir::Attribute(v);
    }
    case ir::DType::kI32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return ir::Attribute(int64_t{v});
    }
    case ir::DType::kF64: {  // narrowed to f32 before import; kept for safety
      double d;
      std::memcpy(&d, p, 8);
      return ir::Attribute(static_cast<float>(d));
    }
    case ir::DType::kI8:
      return ir::Attribute(int64_t{static_cast<int8_t>(*p)});
    case ir::DType::kU8:
    case ir::DType::kBool:
      return ir::Attribute(int64_t{*p});
    case ir::DType::kI16: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return ir::Attribute(int64_t{v});
    }
    case ir::DType::kU16: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return ir::Attribute(int64_t{v});
    }
    case ir::DType::kU32: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      return ir::Attribute(int64_t{v});
    }
    case ir::DType::kU64: {
      uint64_t v;
      std::memcpy(&v, p, 8);
      return ir::Attribute(static_cast<int64_t>(v));
    }
  }
  return absl::InternalError("unhandled dtype");
}
}  // namespace

// Appends attribute problems to `errors`; returns nothing else.
void ConvertAttributes(const onnx::NodeProto& node, const std::string& label, ir::Op* op,
                       std::vector<std::string>* errors) {
  for (const auto& attr : node.attribute()) {
    switch (attr.type()) {
      case onnx::AttributeProto::INT:
        op->attrs[attr.name()] = int64_t{attr.i()};
        break;
      case onnx::AttributeProto::FLOAT:
        op->attrs[attr.name()] = attr.f();
        break;
      case onnx::AttributeProto::STRING:
        op->attrs[attr.name()] = attr.s();
        break;
      case onnx::AttributeProto::INTS:
        op->attrs[attr.name()] = std::vector<int64_t>(attr.ints().begin(), attr.ints().end());
        break;
      case onnx::AttributeProto::FLOATS:
        op->attrs[attr.name()] = std::vector<float>(attr.floats().begin(), attr.floats().end());
        break;
      case onnx::AttributeProto::STRINGS:
        op->attrs[attr.name()] =
            std::vector<std::string>(attr.strings().begin(), attr.strings().end());
        break;
      case onnx::AttributeProto::TENSOR: {
        auto scalar = ScalarTensorAttribute(
            attr.t(), absl::StrCat(label, " attribute ", ncc::text::QuotedName(attr.name()), ""));
        if (scalar.ok()) {
          op->attrs[attr.name()] = *std::move(scalar);
        } else {
          errors->push_back(std::string(scalar.status().message()));
        }
        break;
      }
      default:
        // Subgraphs (If, Loop, Scan), sparse tensors: the IR
        // cannot hold them, and dropping them would change the op.
        errors->push_back(absl::StrCat("unsupported: ", label, " attribute ",
                                       ncc::text::QuotedName(attr.name()), " of type ",
                                       onnx::AttributeProto_AttributeType_Name(attr.type())));
        break;
    }
  }
}

}  // namespace ncc::onnx_frontend
