#include "compiler/alloc/allocate.h"

#include <gtest/gtest.h>

namespace ncc::alloc {
namespace {

using lower::Buffer;
using lower::Operand;
using lower::Space;
using lower::TileInst;
using lower::TileProgram;

int AddBuffer(TileProgram& p, Space space, int64_t bytes, const char* name) {
  Buffer b;
  b.name = name;
  b.space = space;
  b.partitions = 128;
  b.bytes = bytes;
  return p.AddBuffer(b);
}

// An instruction that writes `dst` and reads `src`.
void Touch(TileProgram& p, int dst, int src) {
  TileInst inst;
  inst.dst.buffer = dst;
  inst.src0.buffer = src;
  p.Emit(inst);
}

bool Overlap(const Buffer& a, const Buffer& b) {
  return a.address < b.address + b.bytes && b.address < a.address + a.bytes;
}

TEST(Allocate, LiveBuffersNeverOverlapAndReuseIsRecorded) {
  const target::CoreSpec& spec = target::NeuronCoreV2();
  TileProgram p;
  const int64_t big = 80 * 1024;
  int a = AddBuffer(p, Space::SBUF, big, "a");
  int b = AddBuffer(p, Space::SBUF, big, "b");
  int c = AddBuffer(p, Space::SBUF, big, "c");
  Touch(p, a, a);
  Touch(p, b, a);  // a and b live together
  Touch(p, c, b);  // a is dead; c must take a's space (only 192 KiB)
  AllocationStats stats;
  ASSERT_TRUE(Allocate(p, spec, &stats).ok());
  EXPECT_FALSE(Overlap(p.buffers[a], p.buffers[b]));
  EXPECT_FALSE(Overlap(p.buffers[b], p.buffers[c]));
  EXPECT_EQ(p.buffers[c].address, p.buffers[a].address);
  EXPECT_EQ(p.buffers[c].reuses, std::vector<int>{a});
  EXPECT_LE(stats.sbuf_peak_bytes, spec.sbuf_partition_bytes);
}

TEST(Allocate, PsumTilesAreBankAligned) {
  const target::CoreSpec& spec = target::NeuronCoreV2();
  TileProgram p;
  int a = AddBuffer(p, Space::PSUM, 100, "acc0");
  int b = AddBuffer(p, Space::PSUM, 2048, "acc1");
  Touch(p, a, b);
  AllocationStats stats;
  ASSERT_TRUE(Allocate(p, spec, &stats).ok());
  EXPECT_EQ(p.buffers[a].address % spec.psum_bank_bytes, 0);
  EXPECT_EQ(p.buffers[b].address % spec.psum_bank_bytes, 0);
  EXPECT_NE(p.buffers[a].address, p.buffers[b].address);
}

TEST(Allocate, FreedSpaceStaysIdleWhereItFitsBufferByBuffer) {
  // Small tiles a, b, c in sequence keep their space idle after their last
  // use (double buffering): c does not take a's space. The big tile d only
  // fits in space that was freed just before it, so it alone reuses early.
  const target::CoreSpec& spec = target::NeuronCoreV2();
  TileProgram p;
  int a = AddBuffer(p, Space::SBUF, 8 * 1024, "a");
  int b = AddBuffer(p, Space::SBUF, 8 * 1024, "b");
  int c = AddBuffer(p, Space::SBUF, 8 * 1024, "c");
  int d = AddBuffer(p, Space::SBUF, 180 * 1024, "d");
  Touch(p, a, a);
  Touch(p, b, b);
  Touch(p, c, c);
  Touch(p, d, d);
  AllocationStats stats;
  ASSERT_TRUE(Allocate(p, spec, &stats).ok());
  EXPECT_FALSE(Overlap(p.buffers[a], p.buffers[b]));
  EXPECT_FALSE(Overlap(p.buffers[a], p.buffers[c]));
  EXPECT_FALSE(Overlap(p.buffers[b], p.buffers[c]));
  EXPECT_TRUE(Overlap(p.buffers[d], p.buffers[a]));
  EXPECT_EQ(stats.reuse_distance, 0);  // the shortest reservation taken
}

TEST(Allocate, ExhaustionNamesTheBuffer) {
  const target::CoreSpec& spec = target::NeuronCoreV2();
  TileProgram p;
  int a = AddBuffer(p, Space::SBUF, 100 * 1024, "first");
  int b = AddBuffer(p, Space::SBUF, 100 * 1024, "second");
  Touch(p, a, b);
  AllocationStats stats;
  absl::Status status = Allocate(p, spec, &stats);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(status.message().find("second"), std::string::npos) << status;
}

TEST(Allocate, DramExhaustionNamesTheTensorItsProducerAndTheSizes) {
  target::CoreSpec spec = target::NeuronCoreV2();
  spec.device_memory_bytes = 8192;
  TileProgram p;
  p.nodes = {"Relu 'r1'", "Add 'a1'"};
  int x = AddBuffer(p, Space::DRAM, 1024, "x");
  p.buffers[x].pinned = true;
  int t1 = AddBuffer(p, Space::DRAM, 4096, "t1");
  int t2 = AddBuffer(p, Space::DRAM, 4096, "t2\x1b[0m");
  TileInst relu;
  relu.dst.buffer = t1;
  relu.src0.buffer = x;
  relu.node = 0;
  p.Emit(relu);
  TileInst add;
  add.dst.buffer = t2;
  add.src0.buffer = t1;
  add.node = 1;
  p.Emit(add);
  Touch(p, x, t2);
  AllocationStats stats;
  absl::Status status = Allocate(p, spec, &stats);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_EQ(status.message(),
            "DRAM arena exhausted: tensor 't2\\x1b[0m' (4096 bytes, written by Add 'a1') does not "
            "fit beside the 5120 bytes of tensors live at that point, in the 8192 bytes of the "
            "8192-byte device memory of a NeuronCore-v2 left after the weights");
  spec.device_memory_bytes = 16384;
  EXPECT_TRUE(Allocate(p, spec, &stats).ok());
}

TEST(Allocate, WeightsAre64ByteAlignedAndPinnedDramLivesThroughout) {
  const target::CoreSpec& spec = target::NeuronCoreV2();
  TileProgram p;
  int w0 = AddBuffer(p, Space::WEIGHTS, 10, "w0");
  int w1 = AddBuffer(p, Space::WEIGHTS, 10, "w1");
  int in = AddBuffer(p, Space::DRAM, 256, "in");
  p.buffers[in].pinned = true;
  int tmp = AddBuffer(p, Space::DRAM, 256, "tmp");
  Touch(p, tmp, w0);
  Touch(p, tmp, w1);
  AllocationStats stats;
  ASSERT_TRUE(Allocate(p, spec, &stats).ok());
  EXPECT_EQ(p.buffers[w0].address, 0);
  EXPECT_EQ(p.buffers[w1].address, 64);
  EXPECT_FALSE(Overlap(p.buffers[in], p.buffers[tmp]));
  EXPECT_EQ(stats.dram_bytes, 512);
}

}  // namespace
}  // namespace ncc::alloc
