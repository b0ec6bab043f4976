#include "compiler/driver/sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace ncc::driver {
namespace {

// FIPS 180-4 example vectors (and the million-'a' one from FIPS 180-2).
TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PiecesGiveTheOneShotDigestOnAwkwardLengths) {
  std::string data;
  for (int i = 0; i < 70000; ++i) data.push_back(static_cast<char>(i * 131 + (i >> 7)));
  for (size_t n : {size_t{0}, size_t{1}, size_t{55}, size_t{56}, size_t{63}, size_t{64}, size_t{65},
                   size_t{127}, size_t{128}, size_t{129}, size_t{4095}, data.size()}) {
    const absl::string_view whole = absl::string_view(data).substr(0, n);
    Sha256 pieces;
    for (size_t at = 0; at < n; at += 61) pieces.Update(whole.substr(at, 61));
    EXPECT_EQ(pieces.HexDigest(), Sha256Hex(whole)) << n;
  }
  Sha256 abc;
  abc.Update("a");
  abc.Update("");
  abc.Update("bc");
  EXPECT_EQ(abc.HexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace ncc::driver
