// The code of an IR dtype in Cast's `to` attribute: the IR follows ONNX's
// operator semantics, so it is ONNX's TensorProto.DataType value. One
// definition for every producer of Cast ops (the frontends, auto-cast).
#ifndef NCC_COMPILER_IR_ONNX_TYPE_CODE_H_
#define NCC_COMPILER_IR_ONNX_TYPE_CODE_H_

#include <cstdint>

#include "compiler/ir/dtype.h"

namespace ncc::ir {

inline int64_t OnnxTypeCode(DType dtype) {
  switch (dtype) {
    case DType::kF32: return 1;
    case DType::kU8: return 2;
    case DType::kI8: return 3;
    case DType::kU16: return 4;
    case DType::kI16: return 5;
    case DType::kI32: return 6;
    case DType::kI64: return 7;
    case DType::kBool: return 9;
    case DType::kF16: return 10;
    case DType::kF64: return 11;
    case DType::kU32: return 12;
    case DType::kU64: return 13;
    case DType::kBF16: return 16;
  }
  return 0;
}

}  // namespace ncc::ir

#endif  // NCC_COMPILER_IR_ONNX_TYPE_CODE_H_
