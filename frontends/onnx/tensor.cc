#include "frontends/onnx/tensor.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "text/printable.h"

namespace ncc::onnx_frontend {
namespace {

// Anything bigger than this is a corrupt dims field, not a weight.
constexpr int64_t kMaxElements = int64_t{1} << 40;

template <typename T>
void AppendLittleEndian(T value, std::vector<uint8_t>* out) {
  // The IR stores payloads little-endian; every supported host is too.
  uint8_t bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out->insert(out->end(), bytes, bytes + sizeof(T));
}

// A repeated field whose elements are stored as they are, in one copy.
template <typename T>
void AppendAll(const google::protobuf::RepeatedField<T>& values, std::vector<uint8_t>* out) {
  const size_t at = out->size();
  out->resize(at + values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(out->data() + at, values.data(), values.size() * sizeof(T));
}

}  // namespace

std::string ElemTypeName(int32_t elem_type) {
  if (onnx::TensorProto_DataType_IsValid(elem_type)) {
    return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(elem_type));
  }
  return absl::StrCat("<invalid type ", elem_type, ">");
}

absl::StatusOr<ir::DType> ConvertElemType(int32_t elem_type, const std::string& tensor_name) {
  switch (elem_type) {
    case onnx::TensorProto::FLOAT:
      return ir::DType::kF32;
    case onnx::TensorProto::FLOAT16:
      return ir::DType::kF16;
    case onnx::TensorProto::BFLOAT16:
      return ir::DType::kBF16;
    case onnx::TensorProto::INT32:
      return ir::DType::kI32;
    case onnx::TensorProto::INT64:
      return ir::DType::kI64;
    case onnx::TensorProto::BOOL:
      return ir::DType::kBool;
    case onnx::TensorProto::INT8:
      return ir::DType::kI8;
    case onnx::TensorProto::UINT8:
      return ir::DType::kU8;
    case onnx::TensorProto::INT16:
      return ir::DType::kI16;
    case onnx::TensorProto::UINT16:
      return ir::DType::kU16;
    case onnx::TensorProto::UINT32:
      return ir::DType::kU32;
    case onnx::TensorProto::UINT64:
      return ir::DType::kU64;
    case onnx::TensorProto::UNDEFINED:
      return absl::InvalidArgumentError(
          absl::StrCat("tensor ", ncc::text::QuotedName(tensor_name), " has no element type"));
    case onnx::TensorProto::DOUBLE:
      return ir::DType::kF64;
    default:
      return absl::UnimplementedError(absl::StrCat("unsupported: tensor ",
                                                   ncc::text::QuotedName(tensor_name),
                                                   " has element type ", ElemTypeName(elem_type)));
  }
}

namespace {

// ConvertTensor and TakeTensor: `take` is the tensor itself when its
// raw_data may be taken over.
absl::StatusOr<ConstantTensor> Convert(const onnx::TensorProto& tensor, const std::string& name,
                                       onnx::TensorProto* take) {
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL || tensor.external_data_size() > 0) {
    return absl::UnimplementedError(
        absl::StrCat("unsupported: external data for tensor ", ncc::text::QuotedName(name),
                     "; save the model with its weights inside the .onnx file"));
  }
  if (tensor.has_segment()) {
    return absl::UnimplementedError(
        absl::StrCat("unsupported: segmented tensor ", ncc::text::QuotedName(name)));
  }
  ConstantTensor out;
  auto dtype = ConvertElemType(tensor.data_type(), name);
  if (!dtype.ok()) return dtype.status();
  out.dtype = *dtype;
  int64_t count = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0 || (d > 0 && count > kMaxElements / d)) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor ", ncc::text::QuotedName(name), " has an invalid dimension ", d));
    }
    out.shape.push_back(d);
    count *= d;
  }
  const int64_t elem_size = ir::DTypeSize(out.dtype);
  const int64_t expected_bytes = count * elem_size;
  auto size_mismatch = [&](int64_t got, absl::string_view field) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor ", ncc::text::QuotedName(name), " ", ir::DTypeName(out.dtype),
                     ir::ShapeToString(out.shape), " holds ", got, " ", field, " but needs ",
                     field == "bytes" ? expected_bytes : count));
  };

  if (tensor.has_raw_data()) {
    const std::string& raw = tensor.raw_data();
    if (static_cast<int64_t>(raw.size()) != expected_bytes) {
      return size_mismatch(static_cast<int64_t>(raw.size()), "bytes");
    }
    if (take != nullptr) {
      std::string taken;
      taken.swap(*take->mutable_raw_data());
      out.data = ir::Bytes::FromString(std::move(taken));
    } else {
      out.data = std::vector<uint8_t>(raw.begin(), raw.end());
    }
    return out;
  }

  // Reserved only for as many elements as the file holds: the declared
  // count is not checked yet, and a 400-byte model may declare 50 GB (a
  // long fuzz run's finding).
  const int64_t present =
      std::max({tensor.float_data_size(), tensor.int32_data_size(), tensor.int64_data_size(),
                tensor.double_data_size(), tensor.uint64_data_size()});
  std::vector<uint8_t> data;
  data.reserve(static_cast<size_t>(std::min(count, int64_t{present}) * elem_size));
  switch (tensor.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (tensor.float_data_size() != count) {
        return size_mismatch(tensor.float_data_size(), "elements");
      }
      AppendAll(tensor.float_data(), &data);
      break;
    case onnx::TensorProto::INT64:
      if (tensor.int64_data_size() != count) {
        return size_mismatch(tensor.int64_data_size(), "elements");
      }
      AppendAll(tensor.int64_data(), &data);
      break;
    case onnx::TensorProto::INT32:
      if (tensor.int32_data_size() != count) {
        return size_mismatch(tensor.int32_data_size(), "elements");
      }
      AppendAll(tensor.int32_data(), &data);
      break;
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16:
      // 16-bit floats travel as their bit patterns in int32_data.
      if (tensor.int32_data_size() != count) {
        return size_mismatch(tensor.int32_data_size(), "elements");
      }
      for (int32_t v : tensor.int32_data()) {
        AppendLittleEndian(static_cast<uint16_t>(v), &data);
      }
      break;
    case onnx::TensorProto::DOUBLE:
      if (tensor.double_data_size() != count) {
        return size_mismatch(tensor.double_data_size(), "elements");
      }
      AppendAll(tensor.double_data(), &data);
      break;
    case onnx::TensorProto::BOOL:
      if (tensor.int32_data_size() != count) {
        return size_mismatch(tensor.int32_data_size(), "elements");
      }
      for (int32_t v : tensor.int32_data()) data.push_back(v != 0 ? 1 : 0);
      break;
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8:
      if (tensor.int32_data_size() != count) {
        return size_mismatch(tensor.int32_data_size(), "elements");
      }
      for (int32_t v : tensor.int32_data()) {
        data.push_back(static_cast<uint8_t>(v));
      }
      break;
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16:
      // int16 and uint16 travel in int32_data, one element per entry.
      if (tensor.int32_data_size() != count) {
        return size_mismatch(tensor.int32_data_size(), "elements");
      }
      for (int32_t v : tensor.int32_data()) {
        AppendLittleEndian(static_cast<uint16_t>(v), &data);
      }
      break;
    case onnx::TensorProto::UINT32:
      // uint32 and uint64 travel in uint64_data.
      if (tensor.uint64_data_size() != count) {
        return size_mismatch(tensor.uint64_data_size(), "elements");
      }
      for (uint64_t v : tensor.uint64_data()) {
        AppendLittleEndian(static_cast<uint32_t>(v), &data);
      }
      break;
    case onnx::TensorProto::UINT64:
      if (tensor.uint64_data_size() != count) {
        return size_mismatch(tensor.uint64_data_size(), "elements");
      }
      AppendAll(tensor.uint64_data(), &data);
      break;
    default:
      return absl::UnimplementedError(absl::StrCat("unsupported: tensor ",
                                                   ncc::text::QuotedName(name), " payload of type ",
                                                   ElemTypeName(tensor.data_type())));
  }
  out.data = std::move(data);
  return out;
}

}  // namespace

absl::StatusOr<ConstantTensor> ConvertTensor(const onnx::TensorProto& tensor,
                                             const std::string& name) {
  return Convert(tensor, name, nullptr);
}

absl::StatusOr<ConstantTensor> TakeTensor(onnx::TensorProto* tensor, const std::string& name) {
  return Convert(*tensor, name, tensor);
}

}  // namespace ncc::onnx_frontend
