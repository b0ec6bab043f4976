// SHA-256 (FIPS 180-4), for the source-model digest in NEFF metadata. A thin
// wrapper over OpenSSL's libcrypto (Debian's libssl-dev), which uses the
// CPU's SHA extensions when it has them.
#ifndef NCC_COMPILER_DRIVER_SHA256_H_
#define NCC_COMPILER_DRIVER_SHA256_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace ncc::driver {

// Lower-case hex digest of `data`.
std::string Sha256Hex(absl::string_view data);

// The same digest over data given in pieces (a file read in chunks, without
// holding all of it in memory).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(absl::string_view data);
  // Lower-case hex digest of everything given; the object is spent afterwards.
  std::string HexDigest();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace ncc::driver

#endif  // NCC_COMPILER_DRIVER_SHA256_H_
