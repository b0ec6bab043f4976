// NEFF file-level access: version constants and a checked view over bytes.
// The semantic verification of instructions lives in the runtime's loader.
#ifndef NCC_NEFF_FORMAT_H_
#define NCC_NEFF_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "neff/neff_generated.h"

namespace neff {

// The newest format this code reads and writes. 0.2: section checksums;
// 0.3: section offsets, exact section set; 1.0: load queues (SBUF-resident
// weights) and pipeline stages.
inline constexpr uint16_t kVersionMajor = 1;
inline constexpr uint16_t kVersionMinor = 0;
// What a file without load queues or stages is written as, so that readers
// of 0.3 keep reading single-core streaming programs.
inline constexpr uint16_t kSingleCoreVersionMajor = 0;
inline constexpr uint16_t kSingleCoreVersionMinor = 3;
inline constexpr int kWeightsAlignment = 64;

// A NEFF file is a size-prefixed FlatBuffer (so truncation is always
// detected) with file identifier "NEFF". Writers finish with
// FinishSizePrefixedModelBuffer.
//
// Checks the size prefix, the identifier, runs FlatBuffers' verifier and the version check,
// and returns the root. A newer major version is kUnimplemented; damage is
// kInvalidArgument. `bytes` must outlive the returned pointer and be
// aligned to kWeightsAlignment when the weights are read in place.
absl::StatusOr<const Model*> OpenModel(absl::string_view bytes);

// Reads a whole regular file of at most fileio::kModelFileLimit bytes (a
// device, FIFO or directory is refused at once); errors name the path.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// The name of the core the program was compiled for (metadata.target), or "" when the file
// carries no metadata (test-built NEFFs), which readers take as NeuronCore-v2.
absl::string_view TargetName(const Model& model);

int DTypeSize(DType dtype);
const char* DTypeName(DType dtype);  // the schema's: "F32", "BF16", ...
// The names users see, as the runtime prints them (nrt_dtype_as_str):
// "float32", "bfloat16", "int64", ...; nullptr for a value outside the enum.
const char* DTypeUserName(DType dtype);

}  // namespace neff

#endif  // NCC_NEFF_FORMAT_H_
