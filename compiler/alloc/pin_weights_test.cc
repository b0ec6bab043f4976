#include "compiler/alloc/pin_weights.h"

#include <gtest/gtest.h>

#include "compiler/alloc/allocate.h"

namespace ncc::alloc {
namespace {

using lower::Buffer;
using lower::Dim;
using lower::Operand;
using lower::Space;
using lower::TileInst;
using lower::TileProgram;

int AddBuffer(TileProgram& p, Space space, int partitions, int64_t bytes, const char* name) {
  Buffer b;
  b.name = name;
  b.space = space;
  b.partitions = partitions;
  b.bytes = bytes;
  if (space == Space::WEIGHTS) b.data.assign(bytes, 1);
  return p.AddBuffer(b);
}

// [partitions, free] f32 tile at `byte_offset` of an on-chip buffer.
Operand Tile(int buffer, int partitions, int64_t free, int64_t byte_offset = 0) {
  Operand op;
  op.buffer = buffer;
  op.offset = byte_offset;
  op.num_partitions = partitions;
  op.dims = {Dim{1, free}};
  return op;
}

// `partitions` rows of `free` f32 of a row-major weights matrix.
Operand Rows(int buffer, int partitions, int64_t free, int64_t row_stride,
             int64_t elem_offset = 0) {
  Operand op = Tile(buffer, partitions, free, elem_offset * 4);
  op.partition_stride = row_stride;
  return op;
}

void Emit(TileProgram& p, neff::Opcode opcode, target::Engine engine, const Operand& dst,
          const Operand& src) {
  TileInst inst;
  inst.opcode = opcode;
  inst.engine = engine;
  inst.dst = dst;
  inst.src0 = src;
  p.Emit(inst);
}

void Load(TileProgram& p, const Operand& dst, const Operand& src) {
  Emit(p, neff::Opcode::DMA_COPY, target::Engine::kDma, dst, src);
}

void Use(TileProgram& p, int out, const Operand& src) {
  Emit(p, neff::Opcode::ACTIVATION, target::Engine::kScalar, Tile(out, 128, 64), src);
}

TEST(PinWeights, PinsWeightTilesAndMovesTheirLoads) {
  TileProgram p;
  const int w = AddBuffer(p, Space::WEIGHTS, 1, 128 * 64 * 4, "w");
  const int tile = AddBuffer(p, Space::SBUF, 128, 256, "w/tile");
  const int out = AddBuffer(p, Space::SBUF, 128, 256, "out");
  // Two halves of the tile, loaded by two DMAs (disjoint partitions).
  Load(p, Tile(tile, 64, 64), Rows(w, 64, 64, 64));
  Load(p, [&] {
    Operand o = Tile(tile, 64, 64);
    o.start_partition = 64;
    return o;
  }(), Rows(w, 64, 64, 64, 64 * 64));
  Use(p, out, Tile(tile, 128, 64));

  const PinWeightsStats stats = PinWeights(p, 1 << 20);
  EXPECT_EQ(stats.tiles_pinned, 1);
  EXPECT_EQ(stats.sbuf_bytes, 256);
  EXPECT_EQ(stats.resident_bytes, 128 * 64 * 4);
  EXPECT_EQ(stats.streamed_bytes, 0);
  EXPECT_TRUE(p.buffers[tile].pinned);
  ASSERT_EQ(p.load_insts.size(), 2u);
  ASSERT_EQ(p.insts.size(), 1u);
  EXPECT_EQ(p.insts[0].opcode, neff::Opcode::ACTIVATION);

  // Allocation places the pinned tile and the weights its loads read.
  AllocationStats alloc_stats;
  ASSERT_TRUE(Allocate(p, target::NeuronCoreV2(), &alloc_stats).ok());
  EXPECT_GE(p.buffers[tile].address, 0);
  EXPECT_GE(p.buffers[w].address, 0);
  EXPECT_EQ(alloc_stats.weights_bytes, 128 * 64 * 4);
}

TEST(PinWeights, MergesTilesLoadedWithTheSameBytes) {
  TileProgram p;
  const int w = AddBuffer(p, Space::WEIGHTS, 1, 128 * 64 * 4, "w");
  const int a = AddBuffer(p, Space::SBUF, 128, 256, "w/tile0");
  const int b = AddBuffer(p, Space::SBUF, 128, 256, "w/tile1");
  const int out = AddBuffer(p, Space::SBUF, 128, 256, "out");
  Load(p, Tile(a, 128, 64), Rows(w, 128, 64, 64));
  Use(p, out, Tile(a, 128, 64));
  Load(p, Tile(b, 128, 64), Rows(w, 128, 64, 64));  // reloaded for the next tile
  Use(p, out, Tile(b, 128, 64));

  const PinWeightsStats stats = PinWeights(p, 1 << 20);
  EXPECT_EQ(stats.tiles_pinned, 1);
  EXPECT_EQ(stats.tiles_merged, 1);
  EXPECT_EQ(stats.sbuf_bytes, 256);
  ASSERT_EQ(p.load_insts.size(), 1u);
  ASSERT_EQ(p.insts.size(), 2u);
  EXPECT_EQ(p.insts[0].src0.buffer, a);
  EXPECT_EQ(p.insts[1].src0.buffer, a);
}

TEST(PinWeights, LeavesTilesThatChangeDuringAnExecution) {
  TileProgram p;
  const int w = AddBuffer(p, Space::WEIGHTS, 1, 128 * 128 * 4, "w");
  const int rotating = AddBuffer(p, Space::SBUF, 128, 256, "w/rotating");
  const int computed = AddBuffer(p, Space::SBUF, 128, 256, "scaled");
  const int out = AddBuffer(p, Space::SBUF, 128, 256, "out");
  // One buffer reloaded with other bytes: its contents change.
  Load(p, Tile(rotating, 128, 64), Rows(w, 128, 64, 128));
  Use(p, out, Tile(rotating, 128, 64));
  Load(p, Tile(rotating, 128, 64), Rows(w, 128, 64, 128, 64));
  Use(p, out, Tile(rotating, 128, 64));
  // A tile written by compute after its load.
  Load(p, Tile(computed, 128, 64), Rows(w, 128, 64, 128));
  Emit(p, neff::Opcode::ACTIVATION, target::Engine::kScalar, Tile(computed, 128, 64),
       Tile(computed, 128, 64));

  const PinWeightsStats stats = PinWeights(p, 1 << 20);
  EXPECT_EQ(stats.tiles_pinned, 0);
  EXPECT_TRUE(p.load_insts.empty());
  EXPECT_EQ(p.insts.size(), 6u);
  EXPECT_EQ(stats.streamed_bytes, 3 * 128 * 64 * 4);
}

TEST(PinWeights, StaysWithinTheBudgetFullTilesFirst) {
  TileProgram p;
  const int w = AddBuffer(p, Space::WEIGHTS, 1, 128 * 64 * 4, "w");
  const int narrow = AddBuffer(p, Space::SBUF, 128, 256, "w/narrow");  // 16 partitions used
  const int full = AddBuffer(p, Space::SBUF, 128, 256, "w/full");
  const int out = AddBuffer(p, Space::SBUF, 128, 256, "out");
  Load(p, Tile(narrow, 16, 64), Rows(w, 16, 64, 64));
  Load(p, Tile(full, 128, 64), Rows(w, 128, 64, 64));
  Use(p, out, Tile(narrow, 16, 64));
  Use(p, out, Tile(full, 128, 64));

  const PinWeightsStats stats = PinWeights(p, 300);  // room for one tile
  EXPECT_EQ(stats.tiles_pinned, 1);
  EXPECT_TRUE(p.buffers[full].pinned);
  EXPECT_FALSE(p.buffers[narrow].pinned);
  EXPECT_EQ(stats.streamed_bytes, 16 * 64 * 4);
  EXPECT_EQ(stats.resident_bytes, 128 * 64 * 4);
}

}  // namespace
}  // namespace ncc::alloc
