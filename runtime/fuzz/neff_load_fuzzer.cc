// libFuzzer target for everything the runtime does to an untrusted NEFF
// before executing it: neff::OpenModel (size prefix, identifier, FlatBuffers
// verifier, version), section checksums, the simulator's instruction
// Verify, the static deadlock check, and the `neff info`/`neff dump` views.
// It never executes a program. Any crash, sanitizer report or leak is a bug.
//
// Built with --config=fuzz (clang, -fsanitize=fuzzer,address); without it
// the same function is driven by replay_main.cc over files, which is how
// :regression_test replays runtime/fuzz/regressions and the seed corpus.
#include <cstddef>
#include <cstdint>

#include "neff/checksum.h"
#include "neff/format.h"
#include "neff/inspect.h"
#include "runtime/neff_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The loader's own copy path: 64-byte aligned, as nrt_load does.
  auto image = ncc::runtime::NeffImage::CopyOf(data, size);
  if (!image.ok()) return 0;
  const absl::string_view bytes = (*image)->bytes();
  // Checksums skipped first, so mutated programs reach the verifiers.
  ncc::runtime::LoadOptions trusted;
  trusted.skip_checksums = true;
  (void)ncc::runtime::CheckNeff(bytes, trusted);
  auto model = neff::OpenModel(bytes);
  if (!model.ok()) return 0;
  (void)neff::VerifyChecksums(bytes, **model);
  // The inspection views must survive any structurally valid file.
  (void)neff::DescribeNeff(bytes, **model);
  (void)neff::DumpNeff(**model);
  return 0;
}
