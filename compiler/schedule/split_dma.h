// Spreads large transfers over the DMA queues. A NeuronCore has 16 DMA
// queues of about 22 GB/s each; one descriptor runs on one queue, so a large
// tile load issued as one DMA_COPY moves at a sixteenth of the bandwidth the
// core has. Splitting it into pieces by partition (or, with one partition,
// by the outermost free dimension) lets the scheduler put the pieces on
// different queues, where they run in parallel.
#ifndef NCC_COMPILER_SCHEDULE_SPLIT_DMA_H_
#define NCC_COMPILER_SCHEDULE_SPLIT_DMA_H_

#include <cstdint>

#include "compiler/lower/tile_program.h"
#include "target/neuroncore.h"

namespace ncc::schedule {

struct SplitDmaOptions {
  // Pieces are at least this large, so that each one's fixed start latency
  // (1.3 us) stays below the time it spends moving bytes.
  int64_t min_piece_bytes = 32 * 1024;
  // At most this many queues per transfer, so that the transfers around it
  // (weight prefetches, the next tile's load) still find free queues. The
  // scheduler places instructions in program order, and with 16-way
  // splitting early weight prefetches took every queue: measured estimates
  // (bert_small / ResNet-50 / MobileNetV2, us) unsplit 2291 / 5881 / 4322,
  // 16-way 1807 / 6148 / 3923, 4-way 1697 / 4987 / 3832, 2-way 1755 / 5193 /
  // 3944.
  int max_pieces = 4;
};

struct SplitDmaStats {
  int64_t split = 0;   // DMA_COPY instructions split
  int64_t pieces = 0;  // instructions they became
};

// Rewrites `program` in place; instruction order is kept (a split copy's
// pieces take its place, in partition order), so the program's meaning does
// not change: every element is copied exactly once, by one piece.
SplitDmaStats SplitLargeDmas(lower::TileProgram& program, const target::CoreSpec& spec,
                             const SplitDmaOptions& options = {});

}  // namespace ncc::schedule

#endif  // NCC_COMPILER_SCHEDULE_SPLIT_DMA_H_
