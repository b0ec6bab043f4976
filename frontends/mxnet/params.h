// MXNet parameter files (prefix-NNNN.params): the NDArray-list binary that
// mx.nd.save and Gluon's export write. Layout (little-endian), after MXNet
// 1.x's NDArray::Save / LegacyLoad:
//
//   uint64 list magic 0x112, uint64 reserved
//   uint64 array count, then each NDArray:
//     uint32 magic: V1 0xF993FAC8 | V2 0xF993FAC9 | V3 0xF993FACA
//     int32  storage type (V2, V3 only): 0 dense, 1 row_sparse, 2 csr
//     [sparse: the storage shape]
//     shape: int32 ndim (uint32 in V1), then ndim x int64
//       (V1/V2: ndim 0 is an empty array; V3: ndim -1 is, ndim 0 a scalar)
//     int32 dev_type, int32 dev_id (the context; ignored)
//     int32 type flag (mshadow: 0 f32, 1 f64, 2 f16, 3 u8, 4 i32, 5 i8, 6 i64, ...)
//     [sparse: per aux array int32 type + shape]
//     the data, row-major; [sparse: the aux arrays' data]
//   uint64 name count (0 or the array count), each uint64 length + bytes;
//   names carry "arg:" (weights) or "aux:" (auxiliary states) prefixes.
//
// Every count and length is checked against the bytes left before it is
// used. Dense f32/f16/f64/u8/i8/i32/i64 arrays are read; sparse arrays and
// other types are refused naming the array.
#ifndef NCC_FRONTENDS_MXNET_PARAMS_H_
#define NCC_FRONTENDS_MXNET_PARAMS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/dtype.h"

namespace ncc::mxnet_frontend {

inline constexpr uint64_t kNDArrayListMagic = 0x112;
inline constexpr uint32_t kNDArrayV1Magic = 0xF993FAC8;
inline constexpr uint32_t kNDArrayV2Magic = 0xF993FAC9;
inline constexpr uint32_t kNDArrayV3Magic = 0xF993FACA;

struct ParamArray {
  std::string name;      // without its prefix
  bool aux = false;      // "aux:" (auxiliary state) rather than "arg:" or none
  ir::DType dtype = ir::DType::kF32;
  ir::Shape shape;
  std::vector<uint8_t> data;  // little-endian, row-major, dtype's element size
};

// Parses a whole params file. Errors (DATA_LOSS for truncated or
// inconsistent files, INVALID_ARGUMENT for what is well-formed but not read)
// are one line starting with `origin`, naming the array by index and, once
// the names are known, by name.
absl::StatusOr<std::vector<ParamArray>> ParseParams(absl::string_view bytes,
                                                    absl::string_view origin);

// Reads and parses the file at `path` (a regular file, at most
// fileio::kModelFileLimit bytes).
absl::StatusOr<std::vector<ParamArray>> ReadParamsFile(const std::string& path);

}  // namespace ncc::mxnet_frontend

#endif  // NCC_FRONTENDS_MXNET_PARAMS_H_
