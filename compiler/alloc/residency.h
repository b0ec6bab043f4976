// SBUF residency across ops. Lowering gives every IR value a device-DRAM
// tensor: an op stores its result tiles there and the next op loads them
// back. This pass serves such a load from the producer's tile, which is
// still in SBUF, instead:
//   - the consumer reads the producer's tile in place when the loaded tile
//     is exactly a view of it (the load disappears), or
//   - an on-chip copy replaces the DMA (different layout or element type);
// and drops stores to intermediates that nobody loads any more.
//
// Serving a load from SBUF keeps the producer's tile live until the
// consumer is done with it. Live on-chip data is bounded: a candidate is
// taken only while the SBUF in use at every instruction of the extended
// lifetime stays within the budget; otherwise the tile is spilled, i.e.
// it keeps its DRAM round trip (store, then refill by DMA), and the pass
// reports it. docs/backend.md ("SBUF residency") describes the rules.
#ifndef NCC_COMPILER_ALLOC_RESIDENCY_H_
#define NCC_COMPILER_ALLOC_RESIDENCY_H_

#include <cstdint>

#include "compiler/lower/tile_program.h"
#include "target/neuroncore.h"

namespace ncc::alloc {

struct ResidencyOptions {
  // Fraction of SBUF per partition that live tiles may occupy at any
  // instruction; the rest is headroom for the allocator's double buffering
  // and for fragmentation.
  double sbuf_budget = 0.75;
};

struct ResidencyStats {
  double sbuf_budget = 0;       // the budget used (ResidencyOptions)
  int64_t loads_forwarded = 0;  // DRAM loads now served on chip
  int64_t loads_in_place = 0;   // of which the consumer reads the tile in place
  int64_t bytes_forwarded = 0;  // DMA bytes no longer loaded
  int64_t stores_removed = 0;   // stores to intermediates nobody loads any more
  int64_t store_bytes_removed = 0;
  // Loads that could have been served on chip but were left as a DRAM round
  // trip because the producer's tile would not fit in SBUF until then.
  int64_t spilled_loads = 0;
  int64_t spill_bytes = 0;
};

// Rewrites `program` (before allocation); its results are unchanged.
void KeepTilesResident(lower::TileProgram& program, const target::CoreSpec& spec,
                       const ResidencyOptions& options, ResidencyStats* stats);

}  // namespace ncc::alloc

#endif  // NCC_COMPILER_ALLOC_RESIDENCY_H_
