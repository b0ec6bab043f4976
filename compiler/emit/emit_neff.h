// Serialises an allocated, scheduled tile program as a NEFF (through
// neff::Writer, which owns the file's layout).
#ifndef NCC_COMPILER_EMIT_EMIT_NEFF_H_
#define NCC_COMPILER_EMIT_EMIT_NEFF_H_

#include <string>
#include <vector>

#include "compiler/alloc/allocate.h"
#include "compiler/lower/tile_program.h"
#include "compiler/schedule/schedule.h"
#include "neff/writer.h"

namespace ncc::emit {

// The file's metadata (framework, source digest, flags, target, estimate,
// accuracy figures) is given as the writer takes it.
std::string EmitNeff(const lower::TileProgram& program, const schedule::Schedule& schedule,
                     const alloc::AllocationStats& stats, neff::MetadataSpec metadata);

}  // namespace ncc::emit

#endif  // NCC_COMPILER_EMIT_EMIT_NEFF_H_
