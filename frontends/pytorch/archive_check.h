// Checks a TorchScript archive's container before libtorch reads it.
//
// libtorch 1.13 trusts the lengths written inside an archive: a pickle that
// declares a 4 GiB string makes its unpickler allocate and zero 4 GiB before
// noticing the record is 20 bytes long (found by the frontend's fuzzer), and
// a zip entry may claim any uncompressed size. This check walks the zip
// central directory and every pickle's opcodes first and refuses, in one
// line, any length that runs past the end of its record or file. It needs no
// libtorch, so it is cheap to build and to fuzz.
#ifndef NCC_FRONTENDS_PYTORCH_ARCHIVE_CHECK_H_
#define NCC_FRONTENDS_PYTORCH_ARCHIVE_CHECK_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ncc::pytorch_frontend {

// INVALID_ARGUMENT "ORIGIN: corrupt TorchScript archive: WHAT" when the zip
// structure is inconsistent (entries outside the file, compressed entries,
// sizes that disagree) or a .pkl record declares a length past its end.
absl::Status CheckArchive(absl::string_view bytes, absl::string_view origin);

// The pickle part alone: `record` is one .pkl record's bytes.
absl::Status CheckPickle(absl::string_view record, absl::string_view name);

}  // namespace ncc::pytorch_frontend

#endif  // NCC_FRONTENDS_PYTORCH_ARCHIVE_CHECK_H_
