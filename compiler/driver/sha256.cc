#include "compiler/driver/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace ncc::driver {
namespace {

std::string Hex(const unsigned char* digest, unsigned int size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(2 * size, '0');
  for (unsigned int i = 0; i < size; ++i) {
    hex[2 * i] = kDigits[digest[i] >> 4];
    hex[2 * i + 1] = kDigits[digest[i] & 15];
  }
  return hex;
}

// libcrypto fails here only when it cannot allocate a context or find SHA-256
// in its default provider, i.e. a broken installation: a compiler bug, not
// bad input.
void Check(int ok) {
  if (ok != 1) std::abort();
}

}  // namespace

struct Sha256::Context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  Check(context_->ctx != nullptr);
  Check(EVP_DigestInit_ex(context_->ctx, EVP_sha256(), nullptr));
}

Sha256::~Sha256() = default;

void Sha256::Update(absl::string_view data) {
  Check(EVP_DigestUpdate(context_->ctx, data.data(), data.size()));
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  Check(EVP_DigestFinal_ex(context_->ctx, digest, &size));
  return Hex(digest, size);
}

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  Check(EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr));
  return Hex(digest, size);
}

}  // namespace ncc::driver
