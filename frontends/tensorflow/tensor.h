// TensorFlow TensorProto (Const nodes' values) -> IR constant payloads.
#ifndef NCC_FRONTENDS_TENSORFLOW_TENSOR_H_
#define NCC_FRONTENDS_TENSORFLOW_TENSOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/dtype.h"
#include "frontends/tensorflow/proto/tensor.pb.h"
#include "frontends/tensorflow/proto/tensor_shape.pb.h"

namespace ncc::tensorflow_frontend {

struct HostTensor {
  ir::DType dtype = ir::DType::kF32;
  ir::Shape shape;
  std::vector<uint8_t> data;  // little-endian, row-major
};

// The dims of a TensorShapeProto (-1 for unknown ones); error for an unknown
// rank.
absl::StatusOr<ir::Shape> ShapeFromProto(const tfproto::TensorShapeProto& shape);

// The tensor's bytes from tensor_content, or from its typed *_val field, where
// fewer values than elements repeat the last one (TF's compact form). Double
// becomes float32. Errors (one line, no location) for unsupported dtypes,
// unknown dimensions and contents that do not match the shape.
absl::StatusOr<HostTensor> TensorFromProto(const tfproto::TensorProto& tensor);

}  // namespace ncc::tensorflow_frontend

#endif  // NCC_FRONTENDS_TENSORFLOW_TENSOR_H_
