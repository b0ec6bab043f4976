#include "fileio/bounded_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ncc::fileio {

std::string FormatBytes(int64_t bytes) {
  if (bytes >= (int64_t{1} << 30) && bytes % (int64_t{1} << 30) == 0) {
    return absl::StrCat(bytes >> 30, " GiB");
  }
  if (bytes >= (int64_t{1} << 20) && bytes % (int64_t{1} << 20) == 0) {
    return absl::StrCat(bytes >> 20, " MiB");
  }
  return absl::StrCat(bytes, " bytes");
}

absl::StatusOr<RegularFile> RegularFile::Open(const std::string& path) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open file (", std::strerror(errno), ")"));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    return absl::NotFoundError(absl::StrCat(path, ": cannot stat (", std::strerror(error), ")"));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a regular file (", DescribeFileKind(st.st_mode), ")"));
  }
  // Back to blocking reads: a regular file never blocks, but some
  // filesystems reject reads with O_NONBLOCK set.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return RegularFile(path, fd, static_cast<int64_t>(st.st_size));
}

RegularFile::RegularFile(RegularFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}

RegularFile& RegularFile::operator=(RegularFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

RegularFile::~RegularFile() {
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<std::string> RegularFile::Read(int64_t n) {
  std::string out;
  // Reserve what the file says it holds, never more than asked for.
  out.reserve(static_cast<size_t>(std::max<int64_t>(0, std::min(n, size_))));
  char buffer[1 << 16];
  while (static_cast<int64_t>(out.size()) < n) {
    const size_t want = static_cast<size_t>(
        std::min<int64_t>(sizeof(buffer), n - static_cast<int64_t>(out.size())));
    const ssize_t got = ::read(fd_, buffer, want);
    if (got < 0) {
      if (errno == EINTR) continue;
      return absl::DataLossError(absl::StrCat(path_, ": read failed (", std::strerror(errno), ")"));
    }
    if (got == 0) break;
    out.append(buffer, static_cast<size_t>(got));
  }
  return out;
}

namespace {

absl::Status TooBig(const std::string& path, const std::string& size, int64_t limit,
                    absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": ", size, " is over the limit of ", FormatBytes(limit), " for ", what));
}

}  // namespace

absl::Status RegularFile::CheckLimit(int64_t limit, absl::string_view what) const {
  if (size_ > limit) return TooBig(path_, FormatBytes(size_), limit, what);
  return absl::OkStatus();
}

absl::StatusOr<std::string> RegularFile::ReadAll(int64_t limit, absl::string_view what) {
  if (absl::Status s = CheckLimit(limit, what); !s.ok()) return s;
  // One byte more than the limit tells a file that grew while being read.
  auto bytes = Read(limit + 1);
  if (!bytes.ok()) return bytes.status();
  if (static_cast<int64_t>(bytes->size()) > limit) {
    return TooBig(path_, "the file grew and", limit, what);
  }
  return bytes;
}

absl::StatusOr<std::string> ReadRegularFile(const std::string& path, int64_t limit,
                                            absl::string_view what) {
  auto file = RegularFile::Open(path);
  if (!file.ok()) return file.status();
  return file->ReadAll(limit, what);
}

const char* DescribeFileKind(mode_t mode) {
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

}  // namespace ncc::fileio
