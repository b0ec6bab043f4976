#include "compiler/schedule/split_dma.h"

#include <set>

#include "gtest/gtest.h"

namespace ncc::schedule {
namespace {

using lower::Buffer;
using lower::Dim;
using lower::Operand;
using lower::Space;
using lower::TileInst;
using lower::TileProgram;

int AddBuffer(TileProgram& p, Space space, int partitions, int64_t bytes) {
  Buffer b;
  b.space = space;
  b.partitions = partitions;
  b.bytes = bytes;
  return p.AddBuffer(std::move(b));
}

// The set of (space, partition, byte) cells an operand touches, with the
// order elements are visited in: (element index -> cell).
std::vector<std::pair<int64_t, int64_t>> Cells(const TileProgram& p, const Operand& op) {
  std::vector<std::pair<int64_t, int64_t>> cells;
  const bool on_chip = p.buffers[op.buffer].space == Space::SBUF;
  const int es = lower::ElemSize(op.dtype);
  std::vector<Dim> dims = op.dims;
  while (dims.size() < 3) dims.insert(dims.begin(), Dim{0, 1});
  for (int part = 0; part < op.num_partitions; ++part) {
    for (int64_t a = 0; a < dims[0].size; ++a) {
      for (int64_t b = 0; b < dims[1].size; ++b) {
        for (int64_t c = 0; c < dims[2].size; ++c) {
          const int64_t elem = a * dims[0].stride + b * dims[1].stride + c * dims[2].stride;
          if (on_chip) {
            cells.push_back({op.start_partition + part, op.offset + elem * es});
          } else {
            cells.push_back({0, op.offset + (part * op.partition_stride + elem) * es});
          }
        }
      }
    }
  }
  return cells;
}

// Pieces visited in order pair the same source and destination cells as the
// original copy: each element is copied once, to the same place.
void ExpectSamePairs(const TileProgram& before, const TileProgram& after) {
  std::vector<std::pair<std::pair<int64_t, int64_t>, std::pair<int64_t, int64_t>>> want, got;
  for (const TileInst& inst : before.insts) {
    auto d = Cells(before, inst.dst), s = Cells(before, inst.src0);
    for (size_t i = 0; i < d.size(); ++i) want.push_back({d[i], s[i]});
  }
  for (const TileInst& inst : after.insts) {
    auto d = Cells(after, inst.dst), s = Cells(after, inst.src0);
    ASSERT_EQ(d.size(), s.size());
    for (size_t i = 0; i < d.size(); ++i) got.push_back({d[i], s[i]});
  }
  EXPECT_EQ(got, want);
}

TEST(SplitLargeDmas, SplitsATileLoadByPartitionAcrossQueues) {
  TileProgram p;
  const int sbuf = AddBuffer(p, Space::SBUF, 128, 4096);
  const int dram = AddBuffer(p, Space::DRAM, 1, 128 * 1000 * 4);
  TileInst load;
  load.dst = Operand{sbuf, neff::DType::F32, 0, 0, 128, 0, {Dim{1, 1000}}};
  load.src0 = Operand{dram, neff::DType::F32, 0, 0, 128, 1000, {Dim{1, 1000}}};
  p.Emit(load);
  const TileProgram before = p;
  const SplitDmaStats stats = SplitLargeDmas(p, target::NeuronCoreV2());
  // 512000 bytes / 32 KiB = 15 pieces, at most 4.
  EXPECT_EQ(stats.split, 1);
  EXPECT_EQ(stats.pieces, 4);
  ASSERT_EQ(p.insts.size(), 4u);
  int partitions = 0;
  for (const TileInst& piece : p.insts) partitions += piece.dst.num_partitions;
  EXPECT_EQ(partitions, 128);
  ExpectSamePairs(before, p);
}

TEST(SplitLargeDmas, SplitsOnePartitionCopiesByTheOuterDimension) {
  TileProgram p;
  const int a = AddBuffer(p, Space::DRAM, 1, 64 * 2048 * 4);
  const int b = AddBuffer(p, Space::DRAM, 1, 64 * 2048 * 4);
  TileInst copy;  // a transpose-like strided DRAM -> DRAM copy
  copy.dst = Operand{b, neff::DType::F32, 0, 0, 1, 0, {Dim{2048, 64}, Dim{1, 2048}}};
  copy.src0 = Operand{a, neff::DType::F32, 0, 0, 1, 0, {Dim{1, 64}, Dim{64, 2048}}};
  p.Emit(copy);
  const TileProgram before = p;
  SplitDmaOptions options;
  options.max_pieces = 16;
  const SplitDmaStats stats = SplitLargeDmas(p, target::NeuronCoreV2(), options);
  EXPECT_EQ(stats.pieces, 16);  // 512 KiB in 32 KiB pieces, one per queue
  ExpectSamePairs(before, p);
}

TEST(SplitLargeDmas, LeavesSmallCopiesGathersAndMismatchedShapesAlone) {
  TileProgram p;
  const int sbuf = AddBuffer(p, Space::SBUF, 128, 4096);
  const int dram = AddBuffer(p, Space::DRAM, 1, 1 << 22);
  TileInst small;
  small.dst = Operand{sbuf, neff::DType::F32, 0, 0, 128, 0, {Dim{1, 100}}};
  small.src0 = Operand{dram, neff::DType::F32, 0, 0, 128, 100, {Dim{1, 100}}};
  p.Emit(small);  // 51200 bytes: fewer than two 32 KiB pieces
  TileInst gather = small;
  gather.opcode = neff::Opcode::DMA_GATHER;
  gather.dst.dims = {Dim{1, 1000}};
  gather.src0.dims = {Dim{1, 1000}};
  p.Emit(gather);
  TileInst mismatched;  // [128 x 1000] from one DRAM partition of 128000
  mismatched.dst = Operand{sbuf, neff::DType::F32, 0, 0, 128, 0, {Dim{1, 1000}}};
  mismatched.src0 = Operand{dram, neff::DType::F32, 0, 0, 1, 0, {Dim{1, 128000}}};
  p.Emit(mismatched);
  const SplitDmaStats stats = SplitLargeDmas(p, target::NeuronCoreV2());
  EXPECT_EQ(stats.split, 0);
  EXPECT_EQ(p.insts.size(), 3u);
}

}  // namespace
}  // namespace ncc::schedule
