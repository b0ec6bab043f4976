#include "frontends/pytorch/archive_check.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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

TEST(ArchiveCheckTest, FindsTheStoragesAPickleReads) {
  // Two storage ids as torch.jit.save writes them: the second takes the
  // "storage" string, the class and the location from the memo.
  const char kPickle[] =
      "\x80\x02(X\x07\x00\x00\x00storageq\x00"
      "ctorch\nFloatStorage\nq\x01"
      "X\x01\x00\x00\x00"
      "0X\x03\x00\x00\x00"
      "cpuq\x02K\x03tQ"
      "(h\x00h\x01X\x01\x00\x00\x00"
      "1h\x02M\x00\x01tQ.";
  const std::string pickle(kPickle, sizeof(kPickle) - 1);
  ASSERT_TRUE(CheckPickle(pickle, "data.pkl").ok()) << CheckPickle(pickle, "data.pkl");
  std::vector<StorageRecord> storages = StorageRecords(pickle);
  ASSERT_EQ(storages.size(), 2u);
  EXPECT_EQ(storages[0].key, "0");
  EXPECT_EQ(storages[0].numel, 3);
  EXPECT_EQ(storages[0].element_size, 4);
  EXPECT_EQ(storages[1].key, "1");
  EXPECT_EQ(storages[1].numel, 256);
}

// _rebuild_tensor_v2(storage of `numel` floats, offset, (2, 3), (3, 1), False, None).
std::string TensorPickle(char numel, char offset) {
  static const char kHead[] =
      "\x80\x02\x63torch._utils\n_rebuild_tensor_v2\n("
      "(X\x07\x00\x00\x00storage\x63torch\nFloatStorage\n"
      "X\x01\x00\x00\x00"
      "0X\x03\x00\x00\x00"
      "cpuK";
  std::string p(kHead, sizeof(kHead) - 1);
  p += numel;
  p += "tQK";
  p += offset;
  p += "(K\x02K\x03t(K\x03K\x01t\x89NtR.";
  return p;
}

TEST(ArchiveCheckTest, FindsHowFarTensorsReadTheirStorages) {
  // Sizes (2, 3), strides (3, 1): elements offset .. offset + 5.
  std::string exact = TensorPickle(6, 0);
  ASSERT_TRUE(CheckPickle(exact, "data.pkl").ok()) << CheckPickle(exact, "data.pkl");
  std::vector<StorageRecord> storages = StorageRecords(exact);
  ASSERT_EQ(storages.size(), 1u);
  EXPECT_EQ(storages[0].numel, 6);
  EXPECT_EQ(storages[0].view_end, 6);
  storages = StorageRecords(TensorPickle(6, 2));
  ASSERT_EQ(storages.size(), 1u);
  EXPECT_EQ(storages[0].view_end, 8);
}

TEST(ArchiveCheckTest, RefusesStoragesLongerThanTheirRecords) {
  // A fuzz finding: LayerNorm's weight declared as 4 floats over a 12-byte
  // record; libtorch read past it.
  std::ifstream in("tests/fuzz/regressions/torchscript/tensor-view-past-storage", std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  ASSERT_FALSE(s.str().empty());
  EXPECT_THAT(CheckArchive(s.str(), "m.pt").message(),
              HasSubstr("elements of 4 bytes reads record 'conv/data/"));
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
