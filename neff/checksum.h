// The seal of a NEFF file: a section table (Model.checksums) with one entry
// per section, each with its name, file offset, size and XXH64. Two
// sections, which together cover every byte of the file:
//   "weights"  the bytes of Model.weights (the bulk of a large model);
//   "program"  every other byte of the file (queues, I/O, metadata, and the
//              section table itself: names, offsets, sizes), with the 8
//              bytes of each SectionChecksum.xxh64 value read as zero.
// A reader requires exactly these sections, each once: a sealed file whose
// table names an unknown section, lacks one or repeats one is rejected, so
// no byte can take a section out of the seal. So one damaged byte anywhere
// in a sealed file is caught either by the FlatBuffers verifier or by a
// check that names its section. A file without a table is unsealed; readers
// accept it only when their caller asks for that explicitly (removing the
// table is a one-byte edit of the Model's vtable).
//
// Files of format 0.2 have no offsets; their table is otherwise checked the
// same way (the program checksum already covered their table and the
// position of the weights), so they are accepted.
//
// The checksum is XXH64 (seed 0) from Debian's libxxhash, the reference
// implementation: ~10 GB/s on one core, so verifying 100 MB of weights costs
// about 10 ms.
#ifndef NCC_NEFF_CHECKSUM_H_
#define NCC_NEFF_CHECKSUM_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "flatbuffers/flatbuffers.h"
#include "neff/neff_generated.h"
#define XXH_STATIC_LINKING_ONLY  // XXH64_state_t by value
#include "xxhash.h"

namespace neff {

inline constexpr char kWeightsSection[] = "weights";
inline constexpr char kProgramSection[] = "program";

// Streaming XXH64: Update() any number of times, then Digest() (which does
// not change the state).
class Xxh64 {
 public:
  explicit Xxh64(uint64_t seed = 0);
  void Update(const void* data, size_t size);
  uint64_t Digest() const;

 private:
  XXH64_state_t state_;
};

// One-shot XXH64.
uint64_t Xxh64Hash(const void* data, size_t size, uint64_t seed = 0);

struct SectionDigest {
  std::string name;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t xxh64 = 0;
};

// Writers: creates Model.checksums with one zeroed entry per section; add
// it to the Model, finish the buffer, then call SealChecksums on it.
flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<SectionChecksum>>>
CreateChecksumPlaceholders(flatbuffers::FlatBufferBuilder& fbb);

// Computes every section's checksum of the finished, size-prefixed NEFF in
// `data` and writes them into its Model.checksums entries in place. A writer
// that hashed the weights while it wrote them passes their XXH64, which
// saves reading them again.
absl::Status SealChecksums(uint8_t* data, size_t size,
                           std::optional<uint64_t> weights_xxh64 = std::nullopt);

// The checksums of the sections of a NEFF already opened by OpenModel
// (`bytes` is the whole file, `model` its root).
std::vector<SectionDigest> ComputeSectionDigests(absl::string_view bytes, const Model& model);

// Whether the file carries a section table (Model.checksums).
bool IsSealed(const Model& model);

// Checks the seal: the table lists exactly the sections above, and each
// one's offset, size and XXH64 match the file. An unsealed file is
// kFailedPrecondition (the caller decides whether to allow it, see
// IsSealed); a damaged or altered file is kDataLoss. Errors are one line
// naming the section, e.g. "checksum mismatch in section 'weights': file
// says 4096 bytes with XXH64 0x..., contents are 4096 bytes hashing to 0x...".
absl::Status VerifyChecksums(absl::string_view bytes, const Model& model);

}  // namespace neff

#endif  // NCC_NEFF_CHECKSUM_H_
