#include "frontends/tensorflow/tensor.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/ir/eval/graph_edit.h"
#include "frontends/tensorflow/convert.h"
#include "frontends/tensorflow/proto/types.pb.h"

namespace ncc::tensorflow_frontend {
namespace {

// Values of a typed field, expanded to `n` elements (the last one repeats).
template <typename Field>
absl::StatusOr<std::vector<double>> Expand(const Field& field, int64_t n) {
  std::vector<double> out;
  if (field.size() > n) {
    return absl::InvalidArgumentError(
        absl::StrCat("the tensor has ", field.size(), " values for ", n, " elements"));
  }
  if (field.empty()) return std::vector<double>(n, 0.0);
  out.reserve(n);
  for (const auto& v : field) out.push_back(static_cast<double>(v));
  out.resize(n, out.back());
  return out;
}

constexpr int64_t kMaxConstantBytes = int64_t{1} << 30;

}  // namespace

absl::StatusOr<ir::Shape> ShapeFromProto(const tfproto::TensorShapeProto& shape) {
  if (shape.unknown_rank()) return absl::InvalidArgumentError("the shape has an unknown rank");
  ir::Shape out;
  for (const auto& dim : shape.dim()) {
    // Larger dimensions are refused so that shape arithmetic cannot overflow.
    if (dim.size() > (int64_t{1} << 31)) {
      return absl::InvalidArgumentError(
          absl::StrCat("a dimension of ", dim.size(), " is more than neuron-cc compiles (2^31)"));
    }
    out.push_back(dim.size() < 0 ? -1 : dim.size());
  }
  return out;
}

absl::StatusOr<HostTensor> TensorFromProto(const tfproto::TensorProto& tensor) {
  HostTensor out;
  auto dtype = IrDType(tensor.dtype());
  if (!dtype.ok()) return dtype.status();
  out.dtype = *dtype;
  auto shape = ShapeFromProto(tensor.tensor_shape());
  if (!shape.ok()) return shape.status();
  for (int64_t d : *shape) {
    if (d < 0) return absl::InvalidArgumentError("a constant has an unknown dimension");
  }
  out.shape = *shape;
  const int64_t n = ir::NumElements(out.shape);
  const int64_t bytes = ir::SizeInBytes(out.shape, out.dtype);
  // A compact constant (one value repeated) may claim any shape: bounded.
  if (bytes > kMaxConstantBytes) {
    return absl::InvalidArgumentError(absl::StrCat("a constant of shape ",
                                                   ir::ShapeToString(out.shape),
                                                   " is larger than 1 GiB"));
  }
  if (!tensor.tensor_content().empty()) {
    const std::string& content = tensor.tensor_content();
    if (tensor.dtype() == tfproto::DT_DOUBLE) {
      if (static_cast<int64_t>(content.size()) != n * 8) {
        return absl::InvalidArgumentError("tensor_content does not match the shape");
      }
      std::vector<double> values(n);
      std::memcpy(values.data(), content.data(), content.size());
      out.data = ir::eval::BytesFromDoubles(values, out.dtype);
      return out;
    }
    if (static_cast<int64_t>(content.size()) != bytes) {
      return absl::InvalidArgumentError(absl::StrCat("tensor_content has ", content.size(),
                                                     " bytes for shape ",
                                                     ir::ShapeToString(out.shape), " (",
                                                     bytes, " bytes)"));
    }
    out.data.assign(content.begin(), content.end());
    return out;
  }
  absl::StatusOr<std::vector<double>> values;
  switch (tensor.dtype()) {
    case tfproto::DT_FLOAT: values = Expand(tensor.float_val(), n); break;
    case tfproto::DT_DOUBLE: values = Expand(tensor.double_val(), n); break;
    case tfproto::DT_INT32:
    case tfproto::DT_INT16:
    case tfproto::DT_INT8:
    case tfproto::DT_UINT8:
    case tfproto::DT_UINT16: values = Expand(tensor.int_val(), n); break;
    case tfproto::DT_INT64: values = Expand(tensor.int64_val(), n); break;
    case tfproto::DT_BOOL: values = Expand(tensor.bool_val(), n); break;
    case tfproto::DT_UINT32: values = Expand(tensor.uint32_val(), n); break;
    case tfproto::DT_UINT64: values = Expand(tensor.uint64_val(), n); break;
    case tfproto::DT_HALF:
    case tfproto::DT_BFLOAT16: {
      // half_val holds the 16-bit patterns.
      auto bits = Expand(tensor.half_val(), n);
      if (!bits.ok()) return bits.status();
      values = std::vector<double>();
      for (double b : *bits) {
        const uint16_t h = static_cast<uint16_t>(b);
        values->push_back(tensor.dtype() == tfproto::DT_HALF ? ir::eval::F16ToFloat(h)
                                                             : ir::eval::Bf16ToFloat(h));
      }
      break;
    }
    default: return absl::UnimplementedError("constant of this dtype");
  }
  if (!values.ok()) return values.status();
  out.data = ir::eval::BytesFromDoubles(*values, out.dtype);
  return out;
}

}  // namespace ncc::tensorflow_frontend
