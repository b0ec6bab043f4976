// Checks a TorchScript archive's container before libtorch reads it.
//
// libtorch 1.13 trusts the lengths written inside an archive: a pickle that
// declares a 4 GiB string makes its unpickler allocate and zero 4 GiB before
// noticing the record is 20 bytes long (found by the frontend's fuzzer), and
// a zip entry may claim any uncompressed size. This check walks the zip
// central directory and every pickle's opcodes first and refuses, in one
// line, any length that runs past the end of its record or file, and any
// tensor storage a pickle declares longer than the data record it reads
// (libtorch reads past the record otherwise). It needs no libtorch, so it
// is cheap to build and to fuzz.
#ifndef NCC_FRONTENDS_PYTORCH_ARCHIVE_CHECK_H_
#define NCC_FRONTENDS_PYTORCH_ARCHIVE_CHECK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ncc::pytorch_frontend {

// INVALID_ARGUMENT "ORIGIN: corrupt TorchScript archive: WHAT" when the zip
// structure is inconsistent (entries outside the file, compressed entries,
// sizes that disagree), a .pkl record declares a length past its end, or a
// storage in data.pkl or constants.pkl is longer than its record.
absl::Status CheckArchive(absl::string_view bytes, absl::string_view origin);

// The pickle part alone: `record` is one .pkl record's bytes.
absl::Status CheckPickle(absl::string_view record, absl::string_view name);

// A tensor storage a pickle reads: ('storage', torch.<Type>Storage, key,
// location, numel) in its persistent ids. element_size is 0 for a type not
// known here.
struct StorageRecord {
  std::string key;
  int64_t numel = 0;
  int64_t element_size = 0;
  // One past the last element that any tensor over this storage reads
  // (torch._utils._rebuild_tensor_v2's offset, sizes and strides); INT64_MAX
  // for a negative offset, size or stride. libtorch 1.13 does not compare it
  // with numel.
  int64_t view_end = 0;
};

// The storages a pickle that passed CheckPickle reads, found by running its
// opcodes' stack effects (stopping quietly at anything torch.jit.save does
// not write).
std::vector<StorageRecord> StorageRecords(absl::string_view record);

}  // namespace ncc::pytorch_frontend

#endif  // NCC_FRONTENDS_PYTORCH_ARCHIVE_CHECK_H_
