#include "compiler/alloc/pin_weights.h"

#include <gtest/gtest.h>

#include "compiler/alloc/allocate.h"
#include "compiler/lower/testing/tile_builders.h"

namespace ncc::alloc {
namespace {

using lower::Operand;
using lower::Space;
using lower::TileProgram;

using lower::testing::AddBuffer;
using lower::testing::Compute;
using lower::testing::Dma;
using lower::testing::Emit;
using lower::testing::Rows;
using lower::testing::Tile;

// A weight load, and a use of the loaded tile writing [128, 64] of `out`.
void Load(TileProgram& p, const Operand& dst, const Operand& src) { Dma(p, dst, src); }
void Use(TileProgram& p, int out, const Operand& src) { Compute(p, Tile(out, 128, 64), src); }

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
