#include "runtime/neff_loader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "neff/checksum.h"
#include "neff/deadlock_check.h"
#include "neff/format.h"
#include "neff/verifier.h"

namespace ncc::runtime {

LoadOptions LoadOptionsFromEnvironment() {
  LoadOptions options;
  const char* skip = std::getenv("NEURON_RT_SKIP_CHECKSUM");
  options.skip_checksums = skip != nullptr && std::strcmp(skip, "1") == 0;
  const char* unsealed = std::getenv("NEURON_RT_ALLOW_UNSEALED");
  options.allow_unsealed = unsealed != nullptr && std::strcmp(unsealed, "1") == 0;
  return options;
}

absl::StatusOr<const neff::Model*> CheckNeff(absl::string_view bytes, const LoadOptions& options) {
  auto model = neff::OpenModel(bytes);
  if (!model.ok()) return model.status();
  const bool allowed_unsealed = options.allow_unsealed && !neff::IsSealed(**model);
  if (!options.skip_checksums && !allowed_unsealed) {
    if (absl::Status s = neff::VerifyChecksums(bytes, **model); !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = neff::Verify(**model); !s.ok()) return s;
  if (absl::Status s = neff::CheckSemaphoreDeadlock(**model); !s.ok()) return s;
  return *model;
}

absl::StatusOr<std::unique_ptr<NeffImage>> NeffImage::MapFile(const std::string& path) {
  // O_NONBLOCK: opening a FIFO would otherwise wait for a writer, before the
  // regular-file check below can refuse it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open file (", std::strerror(errno), ")"));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a NEFF: file is 0 bytes"));
  }
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);  // the mapping keeps the file
  if (p == MAP_FAILED) {
    return absl::ResourceExhaustedError(
        absl::StrCat(path, ": cannot map ", size, " bytes (", std::strerror(errno), ")"));
  }
  return std::unique_ptr<NeffImage>(
      new NeffImage(static_cast<const uint8_t*>(p), size, /*mapped=*/true));
}

absl::StatusOr<std::unique_ptr<NeffImage>> NeffImage::CopyOf(const void* data, size_t size) {
  constexpr size_t kAlign = neff::kWeightsAlignment;
  const size_t padded = size == 0 ? kAlign : (size + kAlign - 1) / kAlign * kAlign;
  void* p = std::aligned_alloc(kAlign, padded);
  if (p == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot allocate ", size, " bytes for the NEFF"));
  }
  if (size > 0) std::memcpy(p, data, size);
  return std::unique_ptr<NeffImage>(
      new NeffImage(static_cast<const uint8_t*>(p), size, /*mapped=*/false));
}

NeffImage::~NeffImage() {
  if (mapped_) {
    ::munmap(const_cast<uint8_t*>(data_), size_);
  } else {
    std::free(const_cast<uint8_t*>(data_));
  }
}

namespace {

absl::StatusOr<LoadedNeff> Check(std::unique_ptr<NeffImage> image, const LoadOptions& options) {
  auto model = CheckNeff(image->bytes(), options);
  if (!model.ok()) return model.status();
  const auto* weights = (*model)->weights();
  if (weights != nullptr && weights->size() > 0 &&
      reinterpret_cast<uintptr_t>(weights->data()) % neff::kWeightsAlignment != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("corrupt NEFF: the weights section starts at file offset ",
                     reinterpret_cast<const char*>(weights->data()) - image->bytes().data(),
                     ", not a multiple of ", neff::kWeightsAlignment));
  }
  LoadedNeff loaded;
  loaded.model = *model;
  loaded.image = std::move(image);
  return loaded;
}

absl::Status WithPath(const std::string& path, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
}

}  // namespace

absl::StatusOr<LoadedNeff> LoadNeffFile(const std::string& path, const LoadOptions& options) {
  auto image = NeffImage::MapFile(path);
  if (!image.ok()) return image.status();  // already names the path
  auto loaded = Check(*std::move(image), options);
  if (!loaded.ok()) return WithPath(path, loaded.status());
  return loaded;
}

absl::StatusOr<LoadedNeff> LoadNeffBytes(const void* data, size_t size,
                                         const LoadOptions& options) {
  auto image = NeffImage::CopyOf(data, size);
  if (!image.ok()) return image.status();
  return Check(*std::move(image), options);
}

}  // namespace ncc::runtime
