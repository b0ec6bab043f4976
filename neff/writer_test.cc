#include "neff/writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "neff/checksum.h"
#include "neff/format.h"

namespace neff {
namespace {

std::string SmallModel(Writer::Checksums checksums) {
  Writer w;
  uint8_t* weights = w.AddWeights(100);
  for (int i = 0; i < 100; ++i) weights[i] = static_cast<uint8_t>(i);
  w.BeginQueue(EngineType::DMA, 1);
  InstructionSpec copy;
  copy.dst = AccessPatternSpec{MemorySpace::SBUF, DType::F32, 0, 0, 4, 0, {Dim(1, 8)}};
  copy.src0 = AccessPatternSpec{MemorySpace::WEIGHTS, DType::F32, 0, 0, 0, 8, {Dim(1, 8)}};
  copy.waits.emplace_back(2, 1);
  copy.signal = 0;
  w.AddInstruction(copy);
  w.EndQueue();
  w.AddInput({"x", DType::F32, {1, 4}, 0});
  w.AddOutput({"y", DType::BF16, {2}, 64});
  w.set_nodes({"n0"});
  MetadataSpec meta;
  meta.framework = "ONNX";
  meta.compiler_version = "test";
  meta.flags = {"--a"};
  meta.accuracy.push_back({"y", 0.5, 0.25, 0.99});
  meta.accuracy_auto_cast = "matmult/bf16";
  meta.accuracy_samples = 3;
  w.set_metadata(meta);
  w.set_dram_size(128);
  w.set_num_semaphores(3);
  return w.Finish(checksums);
}

TEST(Writer, WritesWhatItWasGiven) {
  const std::string bytes = SmallModel(Writer::Checksums::kSeal);
  auto opened = OpenModel(bytes);
  ASSERT_TRUE(opened.ok()) << opened.status();
  const Model& m = **opened;
  // No load queues or stages: written as the single-core format.
  EXPECT_EQ(m.version_major(), kSingleCoreVersionMajor);
  EXPECT_EQ(m.version_minor(), kSingleCoreVersionMinor);
  EXPECT_EQ(m.dram_size(), 128u);
  EXPECT_EQ(m.num_semaphores(), 3u);
  ASSERT_EQ(m.weights()->size(), 100u);
  EXPECT_EQ(m.weights()->Get(42), 42);
  EXPECT_EQ((reinterpret_cast<const char*>(m.weights()->data()) - bytes.data()) % kWeightsAlignment,
            0);
  ASSERT_EQ(m.queues()->size(), 1u);
  const Queue& q = *m.queues()->Get(0);
  EXPECT_EQ(q.engine(), EngineType::DMA);
  EXPECT_EQ(q.index(), 1u);
  const Instruction& inst = *q.instructions()->Get(0);
  EXPECT_EQ(inst.dst()->num_partitions(), 4u);
  // 0 is not the schema default (1), so it must survive.
  EXPECT_EQ(inst.src0()->num_partitions(), 0u);
  EXPECT_EQ(inst.src0()->partition_stride(), 8);
  EXPECT_EQ(inst.src1(), nullptr);
  EXPECT_EQ(inst.waits()->Get(0)->semaphore(), 2);
  EXPECT_EQ(inst.signal(), 0);
  EXPECT_EQ(m.inputs()->Get(0)->name()->str(), "x");
  EXPECT_EQ(m.outputs()->Get(0)->dram_offset(), 64u);
  EXPECT_EQ(m.nodes()->Get(0)->str(), "n0");
  EXPECT_EQ(m.metadata()->compiler_version()->str(), "test");
  EXPECT_EQ(m.metadata()->num_cores(), 1u);
  EXPECT_EQ(m.metadata()->accuracy()->Get(0)->min_cosine(), 0.99);
  EXPECT_EQ(m.metadata()->accuracy()->Get(0)->top1_agreement(), -1);
  EXPECT_EQ(m.metadata()->accuracy_samples(), 3u);
  ASSERT_NE(m.checksums(), nullptr);
  EXPECT_TRUE(VerifyChecksums(bytes, m).ok());
}

TEST(Writer, UnsealedFilesCarryNoChecksums) {
  const std::string bytes = SmallModel(Writer::Checksums::kNone);
  auto opened = OpenModel(bytes);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ((*opened)->checksums(), nullptr);
}

TEST(Writer, SameCallsSameBytes) {
  EXPECT_EQ(SmallModel(Writer::Checksums::kSeal), SmallModel(Writer::Checksums::kSeal));
}

}  // namespace
}  // namespace neff
