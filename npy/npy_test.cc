#include "npy/npy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace ncc::npy {
namespace {

// What numpy 1.x writes for np.arange(6, dtype='<f4').reshape(2, 3).
std::string NumpyFile(const std::string& dict, const std::string& data, char major = 1) {
  std::string header = dict;
  size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  std::string out = std::string("\x93NUMPY", 6);
  out.push_back(major);
  out.push_back('\0');
  if (major == 1) {
    out.push_back(static_cast<char>(header.size()));
    out.push_back(static_cast<char>(header.size() >> 8));
  } else {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(header.size() >> (8 * i)));
  }
  return out + header + data;
}

std::string FloatBytes(std::initializer_list<float> v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.begin(), s.size());
  return s;
}

TEST(Npy, ParsesNumpyWrittenFile) {
  auto a = Parse(NumpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                           FloatBytes({0, 1, 2, 3, 4, 5})),
                 "a.npy");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->dtype_descr, "<f4");
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a->NumElements(), 6);
  float f[6];
  std::memcpy(f, a->data.data(), 24);
  EXPECT_EQ(f[5], 5.0f);
}

TEST(Npy, ParsesV2ScalarsAndOtherDtypes) {
  auto a = Parse(NumpyFile("{'descr': '<i8', 'fortran_order': False, 'shape': (), }",
                           std::string(8, '\x01'), 2),
                 "s.npy");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->shape.empty());
  EXPECT_EQ(a->NumElements(), 1);
  auto b = Parse(NumpyFile("{\"descr\": \"|b1\", \"fortran_order\": False, \"shape\": (3,)}",
                           std::string("\x01\x00\x01", 3)),
                 "b.npy");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->shape, (std::vector<int64_t>{3}));
  auto c =
      Parse(NumpyFile("{'descr': '<u1', 'fortran_order': False, 'shape': (0, 4), }", ""), "c.npy");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->dtype_descr, "|u1");
  EXPECT_EQ(c->NumElements(), 0);
}

TEST(Npy, RoundTripsThroughAFile) {
  for (const char* descr :
       {"<f4", "<f8", "<f2", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "|i1", "|u1", "|b1"}) {
    Array a;
    a.dtype_descr = descr;
    a.shape = {3, 1, 2};
    a.data.resize(6 * ItemSize(descr));
    for (size_t i = 0; i < a.data.size(); ++i) a.data[i] = static_cast<uint8_t>(i % 2);
    const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/rt.npy";
    ASSERT_TRUE(Write(path, a).ok());
    auto b = Read(path);
    ASSERT_TRUE(b.ok()) << b.status();
    EXPECT_EQ(b->dtype_descr, a.dtype_descr);
    EXPECT_EQ(b->shape, a.shape);
    EXPECT_EQ(b->data, a.data);
    auto bytes = Serialize(a);
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ((bytes->find('\n') + 1) % 64, 0u) << "data should be 64-byte aligned";
  }
  Array one;
  one.dtype_descr = "<f4";
  one.shape = {4};
  one.data.resize(16);
  auto bytes = Serialize(one);
  ASSERT_TRUE(bytes.ok());
  EXPECT_NE(bytes->find("'shape': (4,)"), std::string::npos);
}

void ExpectError(const std::string& bytes, const std::string& fragment) {
  auto a = Parse(bytes, "bad.npy");
  ASSERT_FALSE(a.ok()) << "accepted; wanted " << fragment;
  const std::string msg(a.status().message());
  EXPECT_EQ(msg.rfind("bad.npy: ", 0), 0u) << msg;
  EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
}

TEST(Npy, RejectsMalformedFiles) {
  ExpectError("", "missing the \\x93NUMPY magic");
  ExpectError("PK\x03\x04 zip file here", "magic");
  ExpectError(
      NumpyFile("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", std::string(4, '\0')),
      "big-endian");
  ExpectError(
      NumpyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", std::string(8, '\0')),
      "Fortran-order");
  ExpectError(
      NumpyFile("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0')),
      "unsupported dtype '<c8'");
  ExpectError(NumpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                        std::string(20, '\0')),
              "needs 24 data bytes but the file has 20");
  ExpectError(NumpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': "
                        "(99999999999, 99999999999, 99999999999), }",
                        std::string(4, '\0')),
              "needs more data bytes");
  ExpectError(NumpyFile("{'descr': '<f4', 'shape': (2,), }", std::string(8, '\0')), "header needs");
  ExpectError(NumpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }",
                        std::string(8, '\0')),
              "bad .npy header");
  std::string good =
      NumpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", std::string(8, '\0'));
  ExpectError(good.substr(0, 30), "truncated .npy header");
  std::string v9 = good;
  v9[6] = 9;
  ExpectError(v9, "unsupported .npy format version 9");
  auto missing = Read("/nonexistent/x.npy");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/x.npy"), std::string::npos);
}

TEST(Npy, SerializeChecksSizes) {
  Array a;
  a.dtype_descr = "<f4";
  a.shape = {2};
  a.data.resize(4);
  EXPECT_FALSE(Serialize(a).ok());
  a.dtype_descr = "<c16";
  EXPECT_FALSE(Serialize(a).ok());
}

TEST(Npy, ReadsOnlyRegularFiles) {
  auto a = Read("/dev/zero");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().message(), "/dev/zero: not a regular file (a character device)");
}

TEST(Npy, RefusesAHeaderThatDoesNotMatchTheFileSizeBeforeReadingTheData) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/lying.npy";
  {
    std::ofstream out(path, std::ios::binary);
    out << NumpyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                     FloatBytes({1, 2}));
  }
  // Sparse 4 GiB of data after a header that declares 8 bytes.
  ASSERT_EQ(truncate(path.c_str(), int64_t{4} << 30), 0);
  auto a = Read(path);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("needs 8 data bytes but the file has"), std::string::npos)
      << a.status();
}

TEST(Npy, WriteRefusesASymlinkAndADirectory) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR"));
  Array a;
  a.dtype_descr = "<f4";
  a.shape = {1};
  a.data.resize(4);
  const std::string victim = dir + "/victim";
  std::ofstream(victim) << "precious";
  ASSERT_EQ(symlink(victim.c_str(), (dir + "/y.npy").c_str()), 0);
  EXPECT_FALSE(Write(dir + "/y.npy", a).ok());
  EXPECT_FALSE(Write(dir, a).ok());
  const std::string inputs[] = {victim};
  EXPECT_FALSE(Write(victim, a, inputs).ok());
}

}  // namespace
}  // namespace ncc::npy
