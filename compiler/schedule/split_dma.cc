#include "compiler/schedule/split_dma.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace ncc::schedule {
namespace {

using lower::Operand;
using lower::Space;
using lower::TileInst;

bool OnChip(const lower::TileProgram& program, const Operand& op) {
  const Space space = program.buffers[op.buffer].space;
  return space == Space::SBUF || space == Space::PSUM;
}

// The piece [begin, end) of `op`'s partitions.
Operand PartitionSlice(const lower::TileProgram& program, const Operand& op, int begin, int end) {
  Operand piece = op;
  piece.num_partitions = end - begin;
  if (OnChip(program, op)) {
    piece.start_partition += begin;
  } else {
    piece.offset += begin * op.partition_stride * lower::ElemSize(op.dtype);
  }
  return piece;
}

// The piece [begin, end) of `op`'s outermost free dimension (one partition).
Operand OuterSlice(const Operand& op, int64_t begin, int64_t end) {
  Operand piece = op;
  piece.dims[0].size = end - begin;
  piece.offset += begin * op.dims[0].stride * lower::ElemSize(op.dtype);
  return piece;
}

}  // namespace

SplitDmaStats SplitLargeDmas(lower::TileProgram& program, const target::CoreSpec& spec,
                             const SplitDmaOptions& options) {
  SplitDmaStats stats;
  std::vector<TileInst> out;
  out.reserve(program.insts.size());
  for (TileInst& inst : program.insts) {
    const Operand& dst = inst.dst;
    const Operand& src = inst.src0;
    const int64_t bytes = dst.num_elements() * lower::ElemSize(dst.dtype);
    const int64_t most = std::min<int64_t>(std::min(spec.dma_queues, options.max_pieces),
                                           bytes / options.min_piece_bytes);
    int pieces = 0;
    bool by_partition = false;
    if (inst.opcode == neff::Opcode::DMA_COPY && most >= 2) {
      if (dst.num_partitions >= 2 && dst.num_partitions == src.num_partitions) {
        by_partition = true;
        pieces = static_cast<int>(std::min<int64_t>(most, dst.num_partitions));
      } else if (dst.num_partitions == 1 && src.num_partitions == 1 && !dst.dims.empty() &&
                 !src.dims.empty() && dst.dims[0].size == src.dims[0].size &&
                 dst.dims[0].size >= 2) {
        pieces = static_cast<int>(std::min<int64_t>(most, dst.dims[0].size));
      }
    }
    if (pieces < 2) {
      out.push_back(std::move(inst));
      continue;
    }
    const int64_t extent = by_partition ? dst.num_partitions : dst.dims[0].size;
    for (int k = 0; k < pieces; ++k) {
      const int64_t begin = extent * k / pieces, end = extent * (k + 1) / pieces;
      TileInst piece = inst;
      if (by_partition) {
        piece.dst = PartitionSlice(program, dst, static_cast<int>(begin), static_cast<int>(end));
        piece.src0 = PartitionSlice(program, src, static_cast<int>(begin), static_cast<int>(end));
      } else {
        piece.dst = OuterSlice(dst, begin, end);
        piece.src0 = OuterSlice(src, begin, end);
      }
      out.push_back(std::move(piece));
    }
    ++stats.split;
    stats.pieces += pieces;
  }
  program.insts = std::move(out);
  return stats;
}

}  // namespace ncc::schedule
