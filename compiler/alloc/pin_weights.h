// Weights resident in SBUF. Lowering loads every weight tile from device
// memory (WEIGHTS) into SBUF at each execution, so a model whose time is
// bounded by weight traffic spends it streaming the same bytes again and
// again. On a core that runs one model only (a stage of a pipelined model),
// the tiles can instead stay in SBUF: this pass pins a weight tile (its
// SBUF buffer lives for the whole program, placed once) and moves the DMAs
// that fill it to the program's load-time instructions, which the runtime
// runs once when the model is loaded (NEFF load_queues).
//
// A tile qualifies when every write to its buffer is a DMA_COPY from WEIGHTS
// and the writes cover disjoint bytes (so the buffer's contents never
// change during an execution). Tiles loaded twice with the same bytes (a
// weight tile reloaded for each tile of the activations) are merged into one
// first. Tiles are pinned greedily, the ones that save the most weight
// bytes per byte of SBUF first (full-partition tiles), then in program
// order, while the pinned bytes per partition stay within the budget; the
// rest keep streaming.
#ifndef NCC_COMPILER_ALLOC_PIN_WEIGHTS_H_
#define NCC_COMPILER_ALLOC_PIN_WEIGHTS_H_

#include <cstdint>

#include "compiler/lower/tile_program.h"

namespace ncc::alloc {

struct PinWeightsStats {
  int64_t tiles_pinned = 0;
  // Loads of the same bytes served by an earlier pinned tile.
  int64_t tiles_merged = 0;
  // SBUF bytes per partition the pinned tiles occupy (64-byte aligned).
  int64_t sbuf_bytes = 0;
  // Weight bytes loaded once at load time instead of every execution.
  int64_t resident_bytes = 0;
  // Weight bytes still loaded by DMA at every execution (tiles that did
  // not qualify or did not fit the budget).
  int64_t streamed_bytes = 0;
};

// Pins weight tiles of `program` (before allocation) within `budget_bytes`
// per partition; the moved DMAs go to program.load_insts. Results are
// unchanged. Returns the stats.
PinWeightsStats PinWeights(lower::TileProgram& program, int64_t budget_bytes);

}  // namespace ncc::alloc

#endif  // NCC_COMPILER_ALLOC_PIN_WEIGHTS_H_
