// Serialises an allocated, scheduled tile program as a NEFF (through
// neff::Writer, which owns the file's layout).
#ifndef NCC_COMPILER_EMIT_EMIT_NEFF_H_
#define NCC_COMPILER_EMIT_EMIT_NEFF_H_

#include <string>
#include <vector>

#include "compiler/alloc/allocate.h"
#include "compiler/driver/accuracy.h"
#include "compiler/lower/tile_program.h"
#include "compiler/schedule/schedule.h"

// Still in ncc::driver, the namespace its callers use, until they move.
namespace ncc::driver {

struct NeffMetadata {
  std::string framework;
  std::string source_sha256;
  std::string compiler_version;
  std::vector<std::string> flags;
  std::string target;
  double estimated_latency_ns = 0;
  // --verify-accuracy figures; empty when not requested.
  std::vector<OutputAccuracy> accuracy;
  std::string accuracy_auto_cast;
  int accuracy_samples = 0;
};

std::string EmitNeff(const lower::TileProgram& program, const schedule::Schedule& schedule,
                     const alloc::AllocationStats& stats, const NeffMetadata& metadata);

}  // namespace ncc::driver

#endif  // NCC_COMPILER_EMIT_EMIT_NEFF_H_
