#include "frontends/pytorch/archive_check.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ncc::pytorch_frontend {
namespace {

using ::testing::HasSubstr;

std::string ReadSeed(const std::string& name) {
  std::ifstream in("tests/fuzz/corpus/torchscript/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ArchiveCheckTest, AcceptsArchivesTorchWrites) {
  for (const char* seed : {"conv.pt", "control.pt", "linear.pt"}) {
    std::string bytes = ReadSeed(seed);
    ASSERT_FALSE(bytes.empty()) << seed;
    EXPECT_TRUE(CheckArchive(bytes, seed).ok()) << CheckArchive(bytes, seed);
  }
}

TEST(ArchiveCheckTest, RefusesPickleLengthsPastTheRecord) {
  // PROTO 2, BINUNICODE claiming 4 GiB - 1 with 3 bytes present, STOP.
  std::string pickle = std::string("\x80\x02X\xff\xff\xff\xff", 7) + "abc.";
  absl::Status status = CheckPickle(pickle, "data.pkl");
  EXPECT_THAT(status.message(), HasSubstr("a value of 4294967295 bytes runs past the end"));
  // BINBYTES8 with a 2^63 length.
  pickle = std::string("\x80\x02\x8e\x00\x00\x00\x00\x00\x00\x00\x80.", 12);
  EXPECT_FALSE(CheckPickle(pickle, "data.pkl").ok());
  EXPECT_THAT(CheckPickle("\x80\x02K", "x.pkl").message(), HasSubstr("truncated"));
  EXPECT_THAT(CheckPickle("\x80\x02N", "x.pkl").message(), HasSubstr("no STOP"));
  EXPECT_TRUE(CheckPickle(std::string("\x80\x02X\x02\x00\x00\x00hi.", 10), "x.pkl").ok());
  EXPECT_TRUE(CheckPickle("\x80\x02\x63torch\nSize\n.", "x.pkl").ok());
}

TEST(ArchiveCheckTest, RefusesZipEntriesOutsideTheFile) {
  std::string bytes = ReadSeed("linear.pt");
  ASSERT_GT(bytes.size(), 100u);
  // Truncating the file loses the central directory.
  EXPECT_THAT(CheckArchive(bytes.substr(0, bytes.size() / 2), "m.pt").message(),
              HasSubstr("m.pt: corrupt TorchScript archive"));
  // An entry whose size is inflated past the end of the file.
  size_t cd = bytes.find("PK\x01\x02");
  ASSERT_NE(cd, std::string::npos);
  std::string inflated = bytes;
  for (int i = 0; i < 4; ++i) inflated[cd + 20 + i] = inflated[cd + 24 + i] = '\x7f';
  EXPECT_THAT(CheckArchive(inflated, "m.pt").message(), HasSubstr("runs past the end of the file"));
  // A stored pickle relabelled as deflated: it does not inflate.
  size_t pkl = bytes.find("data.pklPK");
  ASSERT_NE(pkl, std::string::npos);
  size_t entry = bytes.rfind("PK\x01\x02", pkl);
  std::string deflated = bytes;
  deflated[entry + 10] = 8;
  EXPECT_THAT(CheckArchive(deflated, "m.pt").message(),
              HasSubstr("compressed pickle 'linear/data.pkl' does not inflate"));
  // An unknown compression method.
  deflated[entry + 10] = 12;
  EXPECT_THAT(CheckArchive(deflated, "m.pt").message(), HasSubstr("compressed with method 12"));
}

}  // namespace
}  // namespace ncc::pytorch_frontend
