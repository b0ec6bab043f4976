#include "fileio/safe_write.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fileio/bounded_read.h"

namespace ncc::fileio {
namespace {

std::string Errno(int error) { return std::strerror(error); }

// "dir/name" -> "dir/.name.XXXXXX": hidden, in the same directory (so the
// rename stays on one file system), unique by mkstemp.
std::string TemporaryTemplate(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  return absl::StrCat(dir, ".", name, ".XXXXXX");
}

absl::Status WriteAll(int fd, absl::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::DataLossError(absl::StrCat(path, ": write failed (", Errno(errno), ")"));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// Direct I/O wants the buffer, the file offset and the length aligned to the
// device's logical block; 4 KiB covers 512-byte and 4 KiB devices.
constexpr size_t kDirectAlignment = 4096;
constexpr size_t kDirectStage = size_t{8} << 20;

// Writes the whole blocks of `*bytes` with O_DIRECT through an aligned
// staging buffer (a std::string's data is not block-aligned) and removes them
// from `*bytes`; the caller writes the rest. Stops early, leaving the rest,
// when the file system refuses direct I/O (tmpfs, some network or FUSE file
// systems): the caller's plain write is always correct.
absl::Status WriteDirect(int fd, absl::string_view* bytes, const std::string& path) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_DIRECT) != 0) return absl::OkStatus();
  struct FreeStage {
    void operator()(char* p) const { std::free(p); }
  };
  std::unique_ptr<char, FreeStage> stage(
      static_cast<char*>(std::aligned_alloc(kDirectAlignment, kDirectStage)));
  absl::Status status;
  while (stage != nullptr && bytes->size() >= kDirectAlignment) {
    const size_t n = std::min(kDirectStage, bytes->size() / kDirectAlignment * kDirectAlignment);
    std::memcpy(stage.get(), bytes->data(), n);
    const ssize_t written = ::write(fd, stage.get(), n);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0 && errno == EINVAL) break;  // direct I/O refused: write plainly
    if (written < 0) {
      status = absl::DataLossError(absl::StrCat(path, ": write failed (", Errno(errno), ")"));
      break;
    }
    bytes->remove_prefix(static_cast<size_t>(written));
    if (static_cast<size_t>(written) % kDirectAlignment != 0) break;  // unaligned from here on
  }
  if (::fcntl(fd, F_SETFL, flags) != 0 && status.ok()) {
    status = absl::DataLossError(absl::StrCat(path, ": write failed (", Errno(errno), ")"));
  }
  return status;
}

mode_t CurrentUmask() {
  // umask() can only be read by setting it; the tools write their outputs
  // from one thread.
  const mode_t mask = ::umask(022);
  ::umask(mask);
  return mask;
}

}  // namespace

absl::Status CheckOutputPath(const std::string& path, absl::Span<const std::string> inputs) {
  if (path.empty() || path.back() == '/') {
    return absl::FailedPreconditionError(
        absl::StrCat("'", path, "': the output must be a file name"));
  }
  struct stat out;
  if (::lstat(path.c_str(), &out) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot stat (", Errno(errno), ")"));
  }
  if (!S_ISREG(out.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": refusing to replace ",
                                                      DescribeFileKind(out.st_mode),
                                                      "; outputs replace regular files only"));
  }
  for (const std::string& input : inputs) {
    struct stat in;
    if (::stat(input.c_str(), &in) != 0) continue;
    if (in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": refusing to overwrite an input of this command (", input, ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status WriteFileSafely(const std::string& path, absl::string_view bytes,
                             absl::Span<const std::string> inputs) {
  if (absl::Status s = CheckOutputPath(path, inputs); !s.ok()) return s;
  std::string tmp = TemporaryTemplate(path);
  std::vector<char> name(tmp.begin(), tmp.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot create a temporary file beside it (", Errno(errno), ")"));
  }
  tmp = name.data();
  auto fail = [&](absl::Status status) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return status;
  };
  absl::string_view rest = bytes;
  if (rest.size() >= kDirectWriteMinBytes) {
    if (absl::Status s = WriteDirect(fd, &rest, path); !s.ok()) return fail(s);
  }
  if (absl::Status s = WriteAll(fd, rest, path); !s.ok()) return fail(s);
  // mkstemp creates 0600; outputs get the usual 0666 & ~umask.
  if (::fchmod(fd, 0666 & ~CurrentUmask()) != 0 || ::fsync(fd) != 0) {
    return fail(absl::DataLossError(absl::StrCat(path, ": write failed (", Errno(errno), ")")));
  }
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    return absl::DataLossError(absl::StrCat(path, ": write failed (", Errno(error), ")"));
  }
  // Checked again just before the rename: the path may have changed while
  // the file was written.
  if (absl::Status s = CheckOutputPath(path, inputs); !s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot move the new file into place (", Errno(error), ")"));
  }
  return absl::OkStatus();
}

}  // namespace ncc::fileio
