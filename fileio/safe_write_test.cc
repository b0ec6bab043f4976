#include "fileio/safe_write.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace ncc::fileio {
namespace {

// A fresh directory per test, so leftovers are easy to count.
std::string FreshDir(const std::string& name) {
  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  mkdir(dir.c_str(), 0755);
  return dir;
}

std::string Contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Entries(const std::string& dir) {
  int n = 0;
  DIR* d = opendir(dir.c_str());
  while (dirent* e = readdir(d))
    n += std::string(e->d_name) != "." && std::string(e->d_name) != "..";
  closedir(d);
  return n;
}

TEST(SafeWrite, CreatesAndReplacesRegularFiles) {
  const std::string dir = FreshDir("create");
  const std::string out = dir + "/out.neff";
  ASSERT_TRUE(WriteFileSafely(out, "one").ok());
  EXPECT_EQ(Contents(out), "one");
  ASSERT_TRUE(WriteFileSafely(out, "two").ok());
  EXPECT_EQ(Contents(out), "two");
  EXPECT_EQ(Entries(dir), 1);  // no temporary file left behind
}

// Outputs this large go through direct I/O where the file system allows it
// (the test's own directory) and through plain writes where it does not
// (tmpfs): the bytes come out the same, an unaligned tail included.
TEST(SafeWrite, WritesLargeOutputsWholeWithOrWithoutDirectIo) {
  std::string bytes(kDirectWriteMinBytes + 4096 * 3 + 123, '\0');
  for (size_t i = 0; i < bytes.size(); i += 511) bytes[i] = static_cast<char>(i / 511);
  std::vector<std::string> dirs = {FreshDir("large")};
  struct stat shm;
  if (stat("/dev/shm", &shm) == 0 && S_ISDIR(shm.st_mode) && access("/dev/shm", W_OK) == 0) {
    dirs.push_back("/dev/shm");
  }
  for (const std::string& dir : dirs) {
    const std::string out = dir + "/large_" + std::to_string(getpid()) + ".neff";
    ASSERT_TRUE(WriteFileSafely(out, "small first").ok()) << dir;
    ASSERT_TRUE(WriteFileSafely(out, bytes).ok()) << dir;
    EXPECT_TRUE(Contents(out) == bytes) << dir;
    unlink(out.c_str());
  }
}

TEST(SafeWrite, NeverFollowsALinkPlantedAtTheOldTemporaryName) {
  const std::string dir = FreshDir("planted");
  const std::string victim = dir + "/victim";
  std::ofstream(victim) << "precious";
  ASSERT_EQ(symlink(victim.c_str(), (dir + "/out.neff.tmp").c_str()), 0);
  ASSERT_TRUE(WriteFileSafely(dir + "/out.neff", "neff").ok());
  EXPECT_EQ(Contents(victim), "precious");
  EXPECT_EQ(Contents(dir + "/out.neff"), "neff");
}

TEST(SafeWrite, RefusesASymlinkAtTheOutput) {
  const std::string dir = FreshDir("link");
  const std::string victim = dir + "/victim";
  std::ofstream(victim) << "precious";
  ASSERT_EQ(symlink(victim.c_str(), (dir + "/out.neff").c_str()), 0);
  absl::Status s = WriteFileSafely(dir + "/out.neff", "neff");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("refusing to replace a symbolic link"), std::string::npos) << s;
  EXPECT_EQ(Contents(victim), "precious");
  EXPECT_EQ(Entries(dir), 2);
}

TEST(SafeWrite, RefusesDirectoriesAndFifos) {
  const std::string dir = FreshDir("kinds");
  absl::Status s = WriteFileSafely(dir, "x");
  EXPECT_NE(s.message().find("refusing to replace a directory"), std::string::npos) << s;
  const std::string fifo = dir + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  s = WriteFileSafely(fifo, "x");
  EXPECT_NE(s.message().find("refusing to replace a FIFO"), std::string::npos) << s;
  s = CheckOutputPath("/dev/null", {});
  EXPECT_NE(s.message().find("refusing to replace a character device"), std::string::npos) << s;
  EXPECT_EQ(Entries(dir), 1);
}

TEST(SafeWrite, RefusesToOverwriteAnInputUnderAnyName) {
  const std::string dir = FreshDir("input");
  const std::string model = dir + "/model.onnx";
  std::ofstream(model) << "model";
  const std::string inputs[] = {dir + "/other.npy", dir + "/./model.onnx"};
  absl::Status s = WriteFileSafely(model, "neff", inputs);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("refusing to overwrite an input of this command"), std::string::npos)
      << s;
  // A hard link is the same file.
  ASSERT_EQ(link(model.c_str(), (dir + "/alias").c_str()), 0);
  EXPECT_FALSE(WriteFileSafely(dir + "/alias", "neff", inputs).ok());
  EXPECT_EQ(Contents(model), "model");
}

TEST(SafeWrite, CleansUpWhenTheDirectoryIsMissing) {
  absl::Status s = WriteFileSafely(FreshDir("missing") + "/no/such/dir/out.neff", "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("cannot create a temporary file beside it"), std::string::npos) << s;
}

}  // namespace
}  // namespace ncc::fileio
