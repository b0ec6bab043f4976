#include "compiler/alloc/residency.h"

#include <gtest/gtest.h>

#include "compiler/lower/testing/tile_builders.h"

namespace ncc::alloc {
namespace {

using lower::Dim;
using lower::Operand;
using lower::Space;
using lower::TileInst;
using lower::TileProgram;

using lower::testing::AddBuffer;
using lower::testing::Compute;
using lower::testing::Dma;
using lower::testing::Emit;
using lower::testing::Rows;
using lower::testing::Tile;

int Count(const TileProgram& p, neff::Opcode opcode) {
  int n = 0;
  for (const TileInst& inst : p.insts) n += inst.opcode == opcode;
  return n;
}

struct Chain {
  TileProgram p;
  int in, t, out, a, b, c;
};

// in -> a (compute) -> t (DRAM intermediate) -> b -> c -> out: the shape
// every op boundary has after lowering.
Chain MakeChain(int64_t free) {
  Chain ch;
  TileProgram& p = ch.p;
  ch.in = AddBuffer(p, Space::DRAM, 1, 128 * free * 4, "in", true);
  ch.t = AddBuffer(p, Space::DRAM, 1, 128 * free * 4, "t");
  ch.out = AddBuffer(p, Space::DRAM, 1, 128 * free * 4, "out", true);
  ch.a = AddBuffer(p, Space::SBUF, 128, free * 4, "a");
  ch.b = AddBuffer(p, Space::SBUF, 128, free * 4, "b");
  ch.c = AddBuffer(p, Space::SBUF, 128, free * 4, "c");
  Dma(p, Tile(ch.a, 128, free), Rows(ch.in, 128, free, free));
  Compute(p, Tile(ch.a, 128, free), Tile(ch.a, 128, free));
  Dma(p, Rows(ch.t, 128, free, free), Tile(ch.a, 128, free));
  Dma(p, Tile(ch.b, 128, free), Rows(ch.t, 128, free, free));
  Compute(p, Tile(ch.c, 128, free), Tile(ch.b, 128, free));
  Dma(p, Rows(ch.out, 128, free, free), Tile(ch.c, 128, free));
  return ch;
}

TEST(Residency, ConsumerReadsTheProducersTileInPlace) {
  Chain ch = MakeChain(256);
  ResidencyStats stats;
  KeepTilesResident(ch.p, target::NeuronCoreV2(), {}, &stats);
  EXPECT_EQ(stats.loads_forwarded, 1);
  EXPECT_EQ(stats.loads_in_place, 1);
  EXPECT_EQ(stats.bytes_forwarded, 128 * 256 * 4);
  EXPECT_EQ(stats.stores_removed, 1);  // nobody reads t any more
  EXPECT_EQ(stats.spilled_loads, 0);
  // Left: load in, compute, compute (now reading a), store out.
  ASSERT_EQ(ch.p.insts.size(), 4u);
  EXPECT_EQ(ch.p.insts[2].src0.buffer, ch.a);
  EXPECT_EQ(ch.p.insts[2].dst.buffer, ch.c);
  for (const TileInst& inst : ch.p.insts) {
    EXPECT_NE(inst.dst.buffer, ch.t);
    EXPECT_NE(inst.src0.buffer, ch.t);
  }
}

TEST(Residency, LoadOfPartOfATileReadsItAtAnOffset) {
  // The producer stores a [128, 64] tile as rows 0..127 of a [256, 64]
  // matrix; the consumer loads rows 32..95, columns 16..47.
  TileProgram p;
  const int t = AddBuffer(p, Space::DRAM, 1, 256 * 64 * 4, "t");
  const int out = AddBuffer(p, Space::DRAM, 1, 64 * 32 * 4, "out", true);
  const int a = AddBuffer(p, Space::SBUF, 128, 64 * 4, "a");
  const int b = AddBuffer(p, Space::SBUF, 64, 32 * 4, "b");
  Compute(p, Tile(a, 128, 64), Tile(a, 128, 64));
  Dma(p, Rows(t, 128, 64, 64), Tile(a, 128, 64));
  Dma(p, Tile(b, 64, 32), Rows(t, 64, 32, 64, 32 * 64 + 16));
  Dma(p, Rows(out, 64, 32, 32), Tile(b, 64, 32));
  ResidencyStats stats;
  KeepTilesResident(p, target::NeuronCoreV2(), {}, &stats);
  // b is a view of a: partitions 32..95 of a, 32 elements from element 16
  // of each. The consumer (the store to out) reads a there.
  EXPECT_EQ(stats.loads_forwarded, 1);
  EXPECT_EQ(stats.loads_in_place, 1);
  EXPECT_EQ(stats.stores_removed, 1);
  ASSERT_EQ(p.insts.size(), 2u);
  const Operand& view = p.insts[1].src0;
  EXPECT_EQ(view.buffer, a);
  EXPECT_EQ(view.start_partition, 32);
  EXPECT_EQ(view.num_partitions, 64);
  EXPECT_EQ(view.offset, 16 * 4);
  ASSERT_EQ(view.dims.size(), 1u);
  EXPECT_EQ(view.dims[0].size, 32);
}

TEST(Residency, LoadInAnotherLayoutBecomesAnOnChipCopy) {
  // The consumer's tile holds the 64 loaded elements at a pitch of 80.
  TileProgram p;
  const int t = AddBuffer(p, Space::DRAM, 1, 128 * 64 * 4, "t");
  const int out = AddBuffer(p, Space::DRAM, 1, 128 * 64 * 4, "out", true);
  const int a = AddBuffer(p, Space::SBUF, 128, 64 * 4, "a");
  const int b = AddBuffer(p, Space::SBUF, 128, 2 * 80 * 4, "b");
  Compute(p, Tile(a, 128, 64), Tile(a, 128, 64));
  Dma(p, Rows(t, 128, 64, 64), Tile(a, 128, 64));
  Operand padded = Tile(b, 128, 0);
  padded.dims = {Dim{80, 2}, Dim{1, 32}};
  Dma(p, padded, Rows(t, 128, 64, 64));
  Dma(p, Rows(out, 128, 64, 64), padded);
  ResidencyStats stats;
  KeepTilesResident(p, target::NeuronCoreV2(), {}, &stats);
  EXPECT_EQ(stats.loads_forwarded, 1);
  EXPECT_EQ(stats.loads_in_place, 0);
  ASSERT_EQ(p.insts.size(), 3u);
  const TileInst& copy = p.insts[1];
  EXPECT_EQ(copy.opcode, neff::Opcode::TENSOR_COPY);
  EXPECT_NE(copy.engine, target::Engine::kDma);
  EXPECT_EQ(copy.src0.buffer, a);
  EXPECT_EQ(copy.src0.num_partitions, 128);
  EXPECT_EQ(copy.src0.free_size(), 64);
  EXPECT_EQ(copy.dst.buffer, b);
}

TEST(Residency, CastOnLoadBecomesAConvertingCopy) {
  Chain ch = MakeChain(128);
  ch.p.insts[3].dst.dtype = neff::DType::BF16;  // load t as bf16 tiles
  ResidencyStats stats;
  KeepTilesResident(ch.p, target::NeuronCoreV2(), {}, &stats);
  EXPECT_EQ(stats.loads_forwarded, 1);
  EXPECT_EQ(stats.loads_in_place, 0);
  ASSERT_EQ(Count(ch.p, neff::Opcode::TENSOR_COPY), 1);
  for (const TileInst& inst : ch.p.insts) {
    if (inst.opcode != neff::Opcode::TENSOR_COPY) continue;
    EXPECT_EQ(inst.src0.dtype, neff::DType::F32);
    EXPECT_EQ(inst.dst.dtype, neff::DType::BF16);
  }
}

TEST(Residency, ATileWrittenAfterItsStoreIsNotForwarded) {
  Chain ch = MakeChain(64);
  // a is overwritten between the store and the load.
  TileInst clobber;
  clobber.opcode = neff::Opcode::MEMSET;
  clobber.engine = target::Engine::kGpSimd;
  clobber.dst = Tile(ch.a, 128, 64);
  ch.p.insts.insert(ch.p.insts.begin() + 3, clobber);
  const size_t before = ch.p.insts.size();
  ResidencyStats stats;
  KeepTilesResident(ch.p, target::NeuronCoreV2(), {}, &stats);
  EXPECT_EQ(stats.loads_forwarded, 0);
  EXPECT_EQ(stats.stores_removed, 0);
  EXPECT_EQ(ch.p.insts.size(), before);
}

TEST(Residency, AnotherWriteToTheIntermediateEndsTheStore) {
  TileProgram p;
  const int t = AddBuffer(p, Space::DRAM, 1, 128 * 64 * 4, "t");
  const int out = AddBuffer(p, Space::DRAM, 1, 128 * 64 * 4, "out", true);
  const int a = AddBuffer(p, Space::SBUF, 128, 64 * 4, "a");
  const int d = AddBuffer(p, Space::SBUF, 128, 64 * 4, "d");
  const int b = AddBuffer(p, Space::SBUF, 128, 64 * 4, "b");
  const int c = AddBuffer(p, Space::SBUF, 128, 64 * 4, "c");
  Compute(p, Tile(a, 128, 64), Tile(a, 128, 64));
  Dma(p, Rows(t, 128, 64, 64), Tile(a, 128, 64));
  Compute(p, Tile(d, 128, 64), Tile(d, 128, 64));
  Dma(p, Rows(t, 128, 64, 64), Tile(d, 128, 64));  // overwrites a's rows
  Dma(p, Tile(b, 128, 64), Rows(t, 128, 64, 64));
  Compute(p, Tile(c, 128, 64), Tile(b, 128, 64));
  Dma(p, Rows(out, 128, 64, 64), Tile(c, 128, 64));
  ResidencyStats stats;
  KeepTilesResident(p, target::NeuronCoreV2(), {}, &stats);
  ASSERT_EQ(stats.loads_forwarded, 1);
  EXPECT_EQ(stats.stores_removed, 2);
  ASSERT_EQ(p.insts.size(), 4u);
  EXPECT_EQ(p.insts[2].src0.buffer, d);  // the later store's tile, not a's
  EXPECT_EQ(p.insts[2].dst.buffer, c);
}

TEST(Residency, StoresToOtherColumnsOfTheSameRowsKeepTheirTiles) {
  // Two column blocks of a [128, 96] matrix, stored one after the other
  // (their extents overlap, their bytes do not); the load of block 0 is
  // served from the first tile.
  TileProgram p;
  const int t = AddBuffer(p, Space::DRAM, 1, 128 * 96 * 4, "t");
  const int out = AddBuffer(p, Space::DRAM, 1, 128 * 64 * 4, "out", true);
  const int a0 = AddBuffer(p, Space::SBUF, 128, 64 * 4, "a0");
  const int a1 = AddBuffer(p, Space::SBUF, 128, 32 * 4, "a1");
  const int b = AddBuffer(p, Space::SBUF, 128, 64 * 4, "b");
  Compute(p, Tile(a0, 128, 64), Tile(a0, 128, 64));
  Dma(p, Rows(t, 128, 64, 96), Tile(a0, 128, 64));
  Compute(p, Tile(a1, 128, 32), Tile(a1, 128, 32));
  Dma(p, Rows(t, 128, 32, 96, 64), Tile(a1, 128, 32));
  Dma(p, Tile(b, 128, 64), Rows(t, 128, 64, 96));
  Dma(p, Rows(out, 128, 64, 64), Tile(b, 128, 64));
  ResidencyStats stats;
  KeepTilesResident(p, target::NeuronCoreV2(), {}, &stats);
  EXPECT_EQ(stats.loads_forwarded, 1);
  EXPECT_EQ(p.insts.back().src0.buffer, a0);
}

TEST(Residency, ALoadOfWholeRowsIsServedFromTheColumnBlocksThatWroteThem) {
  // A [128, 96] matrix stored as column blocks of 64 and 32 (a matmul's
  // output chunks) and loaded back as whole rows (the next matmul's rows):
  // one on-chip copy per block.
  TileProgram p;
  const int t = AddBuffer(p, Space::DRAM, 1, 128 * 96 * 4, "t");
  const int out = AddBuffer(p, Space::DRAM, 1, 128 * 96 * 4, "out", true);
  const int a0 = AddBuffer(p, Space::SBUF, 128, 64 * 4, "a0");
  const int a1 = AddBuffer(p, Space::SBUF, 128, 32 * 4, "a1");
  const int b = AddBuffer(p, Space::SBUF, 128, 96 * 4, "b");
  Compute(p, Tile(a0, 128, 64), Tile(a0, 128, 64));
  Dma(p, Rows(t, 128, 64, 96), Tile(a0, 128, 64));
  Compute(p, Tile(a1, 128, 32), Tile(a1, 128, 32));
  Dma(p, Rows(t, 128, 32, 96, 64), Tile(a1, 128, 32));
  Dma(p, Tile(b, 128, 96), Rows(t, 128, 96, 96));
  Dma(p, Rows(out, 128, 96, 96), Tile(b, 128, 96));
  ResidencyStats stats;
  KeepTilesResident(p, target::NeuronCoreV2(), {}, &stats);
  EXPECT_EQ(stats.loads_forwarded, 1);
  EXPECT_EQ(stats.loads_in_place, 0);
  EXPECT_EQ(stats.stores_removed, 2);
  ASSERT_EQ(p.insts.size(), 5u);  // compute, compute, copy, copy, store
  const TileInst& first = p.insts[2];
  const TileInst& second = p.insts[3];
  EXPECT_EQ(first.opcode, neff::Opcode::TENSOR_COPY);
  EXPECT_EQ(first.src0.buffer, a0);
  EXPECT_EQ(first.dst.offset, 0);
  EXPECT_EQ(first.dst.free_size(), 64);
  EXPECT_EQ(second.opcode, neff::Opcode::TENSOR_COPY);
  EXPECT_EQ(second.src0.buffer, a1);
  EXPECT_EQ(second.dst.offset, 64 * 4);
  EXPECT_EQ(second.dst.free_size(), 32);
}

TEST(Residency, ABandOfRowsIsServedFromTheBlocksThatWroteIt) {
  // A channel's 8x8 plane stored as two blocks of 4 rows; a convolution
  // loads rows 2..5 as [rows, width] dims (contiguous): one copy per block.
  TileProgram p;
  const int t = AddBuffer(p, Space::DRAM, 1, 16 * 64 * 4, "t");
  const int out = AddBuffer(p, Space::DRAM, 1, 16 * 32 * 4, "out", true);
  const int a0 = AddBuffer(p, Space::SBUF, 16, 32 * 4, "a0");
  const int a1 = AddBuffer(p, Space::SBUF, 16, 32 * 4, "a1");
  const int b = AddBuffer(p, Space::SBUF, 16, 32 * 4, "b");
  Compute(p, Tile(a0, 16, 32), Tile(a0, 16, 32));
  Dma(p, Rows(t, 16, 32, 64), Tile(a0, 16, 32));
  Compute(p, Tile(a1, 16, 32), Tile(a1, 16, 32));
  Dma(p, Rows(t, 16, 32, 64, 32), Tile(a1, 16, 32));
  Operand band = Rows(t, 16, 0, 64, 2 * 8);
  band.dims = {Dim{8, 4}, Dim{1, 8}};
  Operand tile = Tile(b, 16, 0);
  tile.dims = {Dim{8, 4}, Dim{1, 8}};
  Dma(p, tile, band);
  Dma(p, Rows(out, 16, 32, 32), Tile(b, 16, 32));
  ResidencyStats stats;
  KeepTilesResident(p, target::NeuronCoreV2(), {}, &stats);
  EXPECT_EQ(stats.loads_forwarded, 1);
  ASSERT_EQ(p.insts.size(), 5u);  // compute, compute, copy, copy, store
  EXPECT_EQ(p.insts[2].src0.buffer, a0);
  EXPECT_EQ(p.insts[2].src0.offset, 16 * 4);  // row 2 of block 0
  EXPECT_EQ(p.insts[2].dst.free_size(), 16);
  EXPECT_EQ(p.insts[3].src0.buffer, a1);
  EXPECT_EQ(p.insts[3].src0.offset, 0);
  EXPECT_EQ(p.insts[3].dst.offset, 16 * 4);
}

TEST(Residency, TilesThatWouldOverfillSbufAreSpilled) {
  // Eight 64 KiB tiles stored one after another, loaded back in the same
  // order after all of them: keeping them all would need 512 KiB per
  // partition against 192 KiB.
  TileProgram p;
  const int64_t free = 16 * 1024;  // 64 KiB of f32 per partition
  const int t = AddBuffer(p, Space::DRAM, 1, 8 * 128 * free * 4, "t");
  const int out = AddBuffer(p, Space::DRAM, 1, 8 * 128 * free * 4, "out", true);
  std::vector<int> a, b;
  for (int k = 0; k < 8; ++k) {
    a.push_back(AddBuffer(p, Space::SBUF, 128, free * 4, "a"));
    b.push_back(AddBuffer(p, Space::SBUF, 128, free * 4, "b"));
  }
  for (int k = 0; k < 8; ++k) {
    Compute(p, Tile(a[k], 128, free), Tile(a[k], 128, free));
    Dma(p, Rows(t, 128, free, free, k * 128 * free), Tile(a[k], 128, free));
  }
  for (int k = 0; k < 8; ++k) {
    Dma(p, Tile(b[k], 128, free), Rows(t, 128, free, free, k * 128 * free));
    Dma(p, Rows(out, 128, free, free, k * 128 * free), Tile(b[k], 128, free));
  }
  ResidencyStats stats;
  KeepTilesResident(p, target::NeuronCoreV2(), {0.75}, &stats);
  // 0.75 of 192 KiB holds two 64 KiB tiles at every instruction: the first
  // tile stays on chip until its load (beside each tile being produced),
  // and so does the last one (produced last); the six between are spilled.
  EXPECT_EQ(stats.loads_forwarded, 2);
  EXPECT_EQ(stats.spilled_loads, 6);
  EXPECT_EQ(stats.spill_bytes, 6 * 128 * free * 4);
  // The spilled tiles keep their stores (t is still read).
  EXPECT_EQ(stats.stores_removed, 0);
  EXPECT_EQ(Count(p, neff::Opcode::DMA_COPY), 8 + 6 + 8);
}

}  // namespace
}  // namespace ncc::alloc
