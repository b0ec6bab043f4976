// Loading a NEFF for execution: owning its bytes (a read-only file mapping or
// a 64-byte aligned heap copy) and checking it completely before anything
// runs it. The checks, in order:
//   1. file level: size prefix, "NEFF" identifier, FlatBuffers verifier,
//      format version (neff::OpenModel);
//   2. the seal: the section table and every section's checksum
//      (neff::VerifyChecksums), unless the caller trusts the file. An
//      unsealed file is refused unless the caller allows unsealed files;
//   3. every instruction's semantics (neff::Verify);
//   4. no semaphore wait that can never be met (neff::CheckSemaphoreDeadlock).
// A pipelined file (Model.stages, NEFF 1.0) has no program of its own: steps
// 1-2 apply to it, then steps 1-4 to each stage's nested NEFF (which must be
// 64-byte aligned in the file and have no stages of its own), then the
// wiring: every stage input and model output comes from a model input or an
// EARLIER stage's output that exists and has exactly its dtype and shape.
// A model that passes can be executed without reading or writing outside
// its buffers and without hanging.
#ifndef NCC_RUNTIME_NEFF_LOADER_H_
#define NCC_RUNTIME_NEFF_LOADER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "neff/neff_generated.h"

namespace ncc::runtime {

struct LoadOptions {
  // Skip step 2 (for trusted files: saves one pass over the weights, which
  // also leaves mapped weights untouched until an execution reads them).
  // A trusted file need not be sealed.
  bool skip_checksums = false;
  // Accept a file that has no seal at all (test-built files, NEFFs older
  // than format 0.2); its program is still verified. Off by default: one
  // byte of the Model's vtable removes a seal, so a file that lost it must
  // not load unless the caller asked for unsealed files. A sealed file is
  // checked in full either way.
  bool allow_unsealed = false;
};

// LoadOptions with skip_checksums set when the environment variable
// NEURON_RT_SKIP_CHECKSUM is "1", and allow_unsealed when
// NEURON_RT_ALLOW_UNSEALED is "1".
LoadOptions LoadOptionsFromEnvironment();

// Most stages a pipelined file may have (no more than the simulated cores).
inline constexpr int kMaxStages = 64;

// Runs checks 1-4 over `bytes` (and over each stage of a pipelined file, with
// the same options) and returns the model root. Never executes
// anything: this is what `neff verify` and the fuzz target call. Status
// codes: kUnimplemented for an unsupported format version, kDataLoss for a
// checksum mismatch or a broken seal, kFailedPrecondition for an unsealed
// file that was not allowed, kInvalidArgument for everything else.
absl::StatusOr<const neff::Model*> CheckNeff(absl::string_view bytes, const LoadOptions& options);

// The bytes of one NEFF, owned, with WEIGHTS readable in place.
class NeffImage {
 public:
  // Maps `path` read-only (MAP_PRIVATE); pages are read on first touch.
  static absl::StatusOr<std::unique_ptr<NeffImage>> MapFile(const std::string& path);
  // Copies `size` bytes into a 64-byte aligned buffer.
  static absl::StatusOr<std::unique_ptr<NeffImage>> CopyOf(const void* data, size_t size);
  ~NeffImage();
  NeffImage(const NeffImage&) = delete;
  NeffImage& operator=(const NeffImage&) = delete;

  absl::string_view bytes() const {
    return absl::string_view(reinterpret_cast<const char*>(data_), size_);
  }
  bool mapped() const { return mapped_; }

 private:
  NeffImage(const uint8_t* data, size_t size, bool mapped)
      : data_(data), size_(size), mapped_(mapped) {}
  const uint8_t* data_;
  size_t size_;
  bool mapped_;
};

// A checked model and the bytes it lives in.
struct LoadedNeff {
  std::unique_ptr<NeffImage> image;
  const neff::Model* model = nullptr;
  // A pipelined model: the root of each stage's nested NEFF, in stage order,
  // pointing into `image`; empty for a single-core model.
  std::vector<const neff::Model*> stages;
};

// The nested NEFF bytes of stage `k` of a model that passed CheckNeff.
absl::string_view StageBytes(const neff::Model& model, int k);

// MapFile/CopyOf + CheckNeff, plus a check that the weights really are
// 64-byte aligned in memory. Errors from a file name the path.
absl::StatusOr<LoadedNeff> LoadNeffFile(const std::string& path, const LoadOptions& options);
absl::StatusOr<LoadedNeff> LoadNeffBytes(const void* data, size_t size, const LoadOptions& options);

}  // namespace ncc::runtime

#endif  // NCC_RUNTIME_NEFF_LOADER_H_
