// NumPy .npy files: little-endian, C-order arrays of the dtypes the Neuron
// tools exchange ('<f4', '<f8', '<f2', '<i2', '<u2',
// '<i4', '<u4', '<i8', '<u8', '|i1', '|u1', '|b1').
// Big-endian and Fortran-order files are rejected with an error naming the
// file.
#ifndef NCC_NPY_NPY_H_
#define NCC_NPY_NPY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace ncc::npy {

struct Array {
  std::string dtype_descr;     // normalised, e.g. "<f4", "|u1"
  std::vector<int64_t> shape;  // empty for a scalar
  std::vector<uint8_t> data;   // C order, little-endian

  int64_t NumElements() const;
};

// Bytes per element of a supported descr, 0 if unsupported.
int ItemSize(absl::string_view descr);

// Parses a whole .npy file; `name` (usually the path) prefixes errors.
absl::StatusOr<Array> Parse(absl::string_view bytes, absl::string_view name);
// Reads a regular file of at most fileio::kArrayFileLimit bytes whose header
// declares exactly the data it holds (checked before the data is read).
absl::StatusOr<Array> Read(const std::string& path);

// The .npy bytes (format 1.0, or 2.0 for a header over 64 KiB). Errors if the
// descr is unsupported or the data size does not match the shape.
absl::StatusOr<std::string> Serialize(const Array& array);
// Writes through fileio::WriteFileSafely: never through a link, never over a
// device, a directory or one of `inputs` (the command's input files).
absl::Status Write(const std::string& path, const Array& array,
                   absl::Span<const std::string> inputs = {});

}  // namespace ncc::npy

#endif  // NCC_NPY_NPY_H_
