// Memory allocation for a tile program: SBUF and PSUM by liveness (PSUM
// accumulators aligned to banks), a DRAM arena for intermediates by
// liveness, and the weights section packed with 64-byte alignment.
#ifndef NCC_COMPILER_ALLOC_ALLOCATE_H_
#define NCC_COMPILER_ALLOC_ALLOCATE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "compiler/lower/tile_program.h"
#include "target/neuroncore.h"

namespace ncc::alloc {

struct AllocationStats {
  int64_t sbuf_peak_bytes = 0;  // per partition
  int64_t psum_peak_bytes = 0;  // per partition
  int64_t dram_bytes = 0;       // arena size
  int64_t weights_bytes = 0;
  // Instructions by which a freed on-chip buffer's space is kept out of
  // reuse, so that the next tile's loads can overlap this tile's compute.
  int reuse_distance = 0;
};

// Gives every buffer an address and records which earlier buffers it
// reuses the space of (lower::Buffer::reuses). Fails with
// RESOURCE_EXHAUSTED naming the buffer when on-chip memory runs out.
absl::Status Allocate(lower::TileProgram& program, const target::CoreSpec& spec,
                      AllocationStats* stats);

}  // namespace ncc::alloc

#endif  // NCC_COMPILER_ALLOC_ALLOCATE_H_
