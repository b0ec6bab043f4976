// SHA-256 (FIPS 180-4), for the source-model digest in NEFF metadata.
#ifndef NCC_COMPILER_DRIVER_SHA256_H_
#define NCC_COMPILER_DRIVER_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace ncc::driver {

// Lower-case hex digest of `data`; uses the CPU's SHA extensions when it
// has them.
std::string Sha256Hex(absl::string_view data);
// The same digest by the portable implementation (for tests).
std::string Sha256HexPortable(absl::string_view data);

}  // namespace ncc::driver

#endif  // NCC_COMPILER_DRIVER_SHA256_H_
