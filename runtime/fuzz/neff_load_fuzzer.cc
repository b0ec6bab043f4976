// libFuzzer target for everything the runtime does to an untrusted NEFF:
// neff::OpenModel (size prefix, identifier, FlatBuffers verifier, version),
// section checksums, the instruction verifier, the static deadlock check,
// the `neff info`/`neff dump` views, and then the execution on the simulator
// of every program that passed them (bounded in instructions and elements
// touched, so no input can run for long). Any crash, sanitizer report or
// leak is a bug; an execution error (a gather index out of range, a bound
// reached) is an expected outcome.
//
// Built with --config=fuzz (clang, -fsanitize=fuzzer,address); without it
// the same function is driven by replay_main.cc over files, which is how
// :regression_test replays runtime/fuzz/regressions and the seed corpus.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "neff/checksum.h"
#include "neff/format.h"
#include "neff/inspect.h"
#include "runtime/neff_loader.h"
#include "runtime/sim/simulator.h"

namespace {

// Bounds on one execution: the seeds run a few hundred instructions over a
// few hundred thousand elements; a mutant may not run much longer.
constexpr int64_t kMaxInstructions = 20000;
constexpr int64_t kMaxElements = int64_t{1} << 24;
// Programs with a larger DRAM arena are checked but not run (allocating
// and zeroing it would dominate the run).
constexpr uint64_t kMaxDramBytes = uint64_t{16} << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The loader's own copy path: 64-byte aligned, as nrt_load does.
  auto image = ncc::runtime::NeffImage::CopyOf(data, size);
  if (!image.ok()) return 0;
  const absl::string_view bytes = (*image)->bytes();
  auto model = neff::OpenModel(bytes);
  if (!model.ok()) return 0;
  // The seal is checked, but a mutant with a broken seal still goes on to
  // the verifiers (as a trusted file would), so mutated programs reach them.
  (void)neff::VerifyChecksums(bytes, **model);
  // The inspection views must survive any structurally valid file.
  (void)neff::DescribeNeff(bytes, **model);
  (void)neff::DumpNeff(**model);
  ncc::runtime::LoadOptions trusted;
  trusted.skip_checksums = true;
  auto checked = ncc::runtime::CheckNeff(bytes, trusted);
  if (!checked.ok()) return 0;
  // It verified: it must run without touching memory outside its buffers.
  const uint64_t dram_size = (*checked)->dram_size();
  if (dram_size > kMaxDramBytes) return 0;
  // Exactly the declared size, so ASan sees any access past its end.
  std::vector<uint8_t> dram(dram_size);
  ncc::sim::ExecuteOptions options;
  options.max_instructions = kMaxInstructions;
  options.max_elements = kMaxElements;
  (void)ncc::sim::ExecuteVerified(**checked, dram.data(), nullptr, nullptr, options);
  return 0;
}
