#include "neff/writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "neff/checksum.h"
#include "neff/format.h"

namespace neff {
namespace {

// One DMA queue copying the weights' first 32 bytes into SBUF, an input, an
// output and metadata (with an accuracy record when `accuracy`).
void AddSmallProgram(Writer& w, bool accuracy) {
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
  if (accuracy) {
    meta.accuracy.push_back({"y", 0.5, 0.25, 0.99});
    meta.accuracy_auto_cast = "matmult/bf16";
    meta.accuracy_samples = 3;
  }
  w.set_metadata(meta);
  w.set_dram_size(128);
  w.set_num_semaphores(3);
}

std::string SmallModel(Writer::Checksums checksums) {
  Writer w;
  uint8_t* weights = w.AddWeights(100);
  for (int i = 0; i < 100; ++i) weights[i] = static_cast<uint8_t>(i);
  AddSmallProgram(w, /*accuracy=*/true);
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

// A model whose weights are `size` bytes, given in place or as pieces.
std::string WithWeights(size_t size, bool in_place) {
  std::vector<uint8_t> contents(size);
  for (size_t i = 0; i < size; ++i) contents[i] = static_cast<uint8_t>(i * 7 + 1);
  Writer w;
  if (in_place) {
    uint8_t* weights = w.AddWeights(size);
    std::copy(contents.begin(), contents.end(), weights);
  } else {
    // Two pieces, the second first, with the section's last byte between.
    const size_t half = size / 2;
    w.AddWeights(size, {{half, absl::MakeConstSpan(contents).subspan(half)},
                        {0, absl::MakeConstSpan(contents).subspan(0, half)}});
  }
  AddSmallProgram(w, /*accuracy=*/false);
  return w.Finish();
}

// The weights never enter the builder (a stand-in takes their place there);
// the files are byte for byte those written when they did: these sizes and
// XXH64s are that writer's.
TEST(Writer, WeightsBesideTheBuilderGiveTheSameBytes) {
  struct Golden {
    size_t weights, file;
    uint64_t xxh64;
  };
  for (const Golden& g :
       {Golden{0, 688, 0x3610b0dbafa018ceULL}, Golden{1, 768, 0x23ae8d6bd308b2e7ULL},
        Golden{63, 768, 0x4999be51fea1a651ULL}, Golden{64, 768, 0x1a206bd3a08594c4ULL},
        Golden{65, 832, 0x332e3d1b0ac5f56bULL}, Golden{100, 832, 0x582bf43f9a2a564bULL},
        Golden{4097, 4864, 0xce0da5af87dcea74ULL}}) {
    for (bool in_place : {true, false}) {
      const std::string bytes = WithWeights(g.weights, in_place);
      EXPECT_EQ(bytes.size(), g.file) << g.weights;
      EXPECT_EQ(Xxh64Hash(bytes.data(), bytes.size()), g.xxh64) << g.weights;
      auto opened = OpenModel(bytes);
      ASSERT_TRUE(opened.ok()) << opened.status();
      EXPECT_TRUE(VerifyChecksums(bytes, **opened).ok()) << g.weights;
    }
  }
}

TEST(Writer, WeightsBetweenPiecesAreZero) {
  const std::vector<uint8_t> a = {1, 2, 3}, b = {4, 5};
  Writer w;
  w.AddWeights(200, {{100, absl::MakeConstSpan(b)},
                     {10, absl::MakeConstSpan(a)},
                     {199, absl::MakeConstSpan(a)}});  // clipped to the section
  const std::string bytes = w.Finish();
  auto opened = OpenModel(bytes);
  ASSERT_TRUE(opened.ok()) << opened.status();
  const auto* weights = (*opened)->weights();
  ASSERT_EQ(weights->size(), 200u);
  std::vector<uint8_t> expected(200, 0);
  std::copy(a.begin(), a.end(), expected.begin() + 10);
  std::copy(b.begin(), b.end(), expected.begin() + 100);
  expected[199] = 1;
  EXPECT_EQ(std::vector<uint8_t>(weights->begin(), weights->end()), expected);
  EXPECT_TRUE(VerifyChecksums(bytes, **opened).ok());
}

TEST(Writer, SameCallsSameBytes) {
  EXPECT_EQ(SmallModel(Writer::Checksums::kSeal), SmallModel(Writer::Checksums::kSeal));
}

}  // namespace
}  // namespace neff
