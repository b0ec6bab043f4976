// Conversions from ONNX tensor protos and element types to IR constants.
#ifndef NCC_FRONTENDS_ONNX_TENSOR_H_
#define NCC_FRONTENDS_ONNX_TENSOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/bytes.h"
#include "compiler/ir/dtype.h"
#include "onnx/onnx_pb.h"

namespace ncc::onnx_frontend {

// TensorProto.DataType -> IR dtype; f64 and the other types the compiler
// does not support are Unimplemented errors naming `tensor_name`.
absl::StatusOr<ir::DType> ConvertElemType(int32_t elem_type, const std::string& tensor_name);

// "FLOAT", "DOUBLE", ... for messages.
std::string ElemTypeName(int32_t elem_type);

struct ConstantTensor {
  ir::DType dtype = ir::DType::kF32;
  ir::Shape shape;
  ir::Bytes data;  // little-endian, row-major
};

// Decodes raw_data or the typed repeated fields. External data, segments
// and payloads whose size does not match the dims are errors naming `name`.
absl::StatusOr<ConstantTensor> ConvertTensor(const onnx::TensorProto& tensor,
                                             const std::string& name);

// The same, but a raw_data payload is taken over from `tensor` (left empty
// there) instead of copied: a model's weights reach the IR without a copy.
absl::StatusOr<ConstantTensor> TakeTensor(onnx::TensorProto* tensor, const std::string& name);

}  // namespace ncc::onnx_frontend

#endif  // NCC_FRONTENDS_ONNX_TENSOR_H_
