// Writes MXNet params files (params.h's layout), for tests and fuzz seeds:
// the frontend only reads them.
#ifndef NCC_FRONTENDS_MXNET_PARAMS_WRITER_H_
#define NCC_FRONTENDS_MXNET_PARAMS_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "frontends/mxnet/params.h"

namespace ncc::mxnet_frontend {

struct ParamToWrite {
  std::string name;  // with its "arg:"/"aux:" prefix, if any
  int32_t type_flag = 0;  // mshadow's: 0 f32, 1 f64, 2 f16, 3 u8, 4 i32, 5 i8, 6 i64
  ir::Shape shape;
  std::vector<uint8_t> data;
  uint32_t magic = kNDArrayV3Magic;
  int32_t storage_type = 0;  // 1 row_sparse, 2 csr: written with empty aux arrays
};

std::string WriteParams(const std::vector<ParamToWrite>& params);

// A float32 parameter with `values` (repeated to fill `shape`).
ParamToWrite F32Param(const std::string& name, const ir::Shape& shape,
                      const std::vector<float>& values = {0.5f});

}  // namespace ncc::mxnet_frontend

#endif  // NCC_FRONTENDS_MXNET_PARAMS_WRITER_H_
