#include "fileio/bounded_read.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace ncc::fileio {
namespace {

std::string TmpPath(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
}

std::string WriteTmp(const std::string& name, const std::string& bytes) {
  const std::string path = TmpPath(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(BoundedRead, ReadsARegularFile) {
  const std::string path = WriteTmp("small", std::string("a\0b", 3));
  auto bytes = ReadRegularFile(path, 16, "a test file");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, std::string("a\0b", 3));
}

TEST(BoundedRead, RefusesCharacterDevicesAtOnce) {
  auto bytes = ReadRegularFile("/dev/zero", kModelFileLimit, "a model file");
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bytes.status().message(), "/dev/zero: not a regular file (a character device)");
}

TEST(BoundedRead, RefusesFifosWithoutBlocking) {
  const std::string path = TmpPath("fifo");
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  auto bytes = ReadRegularFile(path, kConfigFileLimit, "an io-config");
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("not a regular file (a FIFO)"), std::string::npos);
}

TEST(BoundedRead, RefusesDirectories) {
  auto bytes = ReadRegularFile(std::getenv("TEST_TMPDIR"), kConfigFileLimit, "an io-config");
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("(a directory)"), std::string::npos);
}

TEST(BoundedRead, RefusesFilesOverTheLimitWithoutReadingThem) {
  const std::string path = TmpPath("big");
  { std::ofstream out(path, std::ios::binary); }
  // Sparse: 2 GiB that would take seconds to read.
  ASSERT_EQ(truncate(path.c_str(), int64_t{2} << 30), 0);
  auto bytes = ReadRegularFile(path, kConfigFileLimit, "an io-config");
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.status().message(), path + ": 2 GiB is over the limit of 1 MiB for an io-config");
}

TEST(BoundedRead, MissingFilesAreNotFound) {
  auto bytes = ReadRegularFile(TmpPath("missing"), 16, "a test file");
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(bytes.status().message().find("cannot open file"), std::string::npos);
}

TEST(BoundedRead, ReadsAPrefix) {
  const std::string path = WriteTmp("prefix", "0123456789");
  auto file = RegularFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->size(), 10);
  EXPECT_EQ(*file->Read(4), "0123");
  EXPECT_EQ(*file->Read(100), "456789");
}

TEST(BoundedRead, ChecksTheLimitAndSharesThePositionWithAStreamingReader) {
  const std::string path = WriteTmp("stream", "0123456789");
  auto file = RegularFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(file->CheckLimit(10, "a test file").ok());
  EXPECT_EQ(file->CheckLimit(9, "a test file").message(),
            path + ": 10 bytes is over the limit of 9 bytes for a test file");
  char head[3];
  ASSERT_EQ(read(file->descriptor(), head, 3), 3);
  EXPECT_EQ(std::string(head, 3), "012");
  EXPECT_EQ(*file->Read(100), "3456789");
}

TEST(BoundedRead, FormatsSizes) {
  EXPECT_EQ(FormatBytes(1 << 20), "1 MiB");
  EXPECT_EQ(FormatBytes(int64_t{16} << 30), "16 GiB");
  EXPECT_EQ(FormatBytes(1000), "1000 bytes");
}

}  // namespace
}  // namespace ncc::fileio
