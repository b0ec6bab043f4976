// Reading user-supplied files with a bound: only regular files, never more
// than a documented number of bytes. A path such as /dev/zero, a FIFO or a
// directory is refused at once with one message naming it, instead of being
// read forever (or blocking in open() until a writer appears).
//
// The limits (also in docs/architecture.md):
//   kModelFileLimit   16 GiB  model files and NEFFs (above any target's device memory)
//   kConfigFileLimit   1 MiB  --io-config @FILE and other small text inputs
//   kArrayFileLimit   16 GiB  .npy arrays (whose header must also match the file size)
#ifndef NCC_FILEIO_BOUNDED_READ_H_
#define NCC_FILEIO_BOUNDED_READ_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ncc::fileio {

inline constexpr int64_t kModelFileLimit = int64_t{16} << 30;
inline constexpr int64_t kConfigFileLimit = int64_t{1} << 20;
inline constexpr int64_t kArrayFileLimit = int64_t{16} << 30;

// An open regular file. Open() refuses anything else (devices, FIFOs,
// sockets, directories) without blocking; the size is the one fstat saw.
class RegularFile {
 public:
  // Errors: kNotFound "PATH: cannot open file (REASON)", kInvalidArgument
  // "PATH: not a regular file (a character device)".
  static absl::StatusOr<RegularFile> Open(const std::string& path);

  RegularFile(RegularFile&& other) noexcept;
  RegularFile& operator=(RegularFile&& other) noexcept;
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;
  ~RegularFile();

  const std::string& path() const { return path_; }
  int64_t size() const { return size_; }
  // The open descriptor, for readers that stream the file themselves (a
  // protobuf parser) instead of holding all of it in memory; it shares its
  // position with Read().
  int descriptor() const { return fd_; }

  // ReadAll's error when the size fstat saw is over `limit`, else OK.
  absl::Status CheckLimit(int64_t limit, absl::string_view what) const;

  // Reads from the current position until end of file, or at most `n` bytes.
  absl::StatusOr<std::string> Read(int64_t n);

  // Reads the whole file; kInvalidArgument naming the file and `what` (e.g.
  // "a model file") when it is larger than `limit`, or grows past it while
  // being read.
  absl::StatusOr<std::string> ReadAll(int64_t limit, absl::string_view what);

 private:
  RegularFile(std::string path, int fd, int64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}

  std::string path_;
  int fd_ = -1;
  int64_t size_ = 0;
};

// RegularFile::Open(path) then ReadAll(limit, what).
absl::StatusOr<std::string> ReadRegularFile(const std::string& path, int64_t limit,
                                            absl::string_view what);

// "1 MiB", "16 GiB", "123 bytes": for messages.
std::string FormatBytes(int64_t bytes);

// What a file that is not a regular file is, for messages: "a directory", "a FIFO",
// "a symbolic link" (from lstat), ...
const char* DescribeFileKind(mode_t mode);

}  // namespace ncc::fileio

#endif  // NCC_FILEIO_BOUNDED_READ_H_
