#include "neff/inspect.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "neff/format.h"
#include "neff/test_builder.h"

namespace neff {
namespace {

using namespace neff::test_builder;  // NOLINT: the builder's vocabulary

std::string SmallNeff() {
  NeffBuilder b;
  b.set_dram_size(64);
  b.set_weights_f32(std::vector<float>(16, 1.0f));
  b.AddInput("x", DType::F32, {2, 4}, 0);
  b.AddOutput("y", DType::F32, {2, 4}, 32);
  int dma = b.AddQueue(EngineType::DMA, 3);
  int act = b.AddQueue(EngineType::SCALAR);
  b.Add(dma, DmaCopy(Sbuf(0, 2, 0, {{1, 4}}), Dram(0, 2, 4, {{1, 4}})).Signal(0));
  b.Add(act, Activation(Sbuf(0, 2, 16, {{1, 4}}), Sbuf(0, 2, 0, {{1, 4}}), ActivationFunction::RELU)
                 .Wait(0, 1)
                 .Signal(1));
  b.Add(dma, DmaCopy(Dram(32, 2, 4, {{1, 4}}), Sbuf(0, 2, 16, {{1, 4}})).Wait(1, 1));
  return b.Build();
}

TEST(Inspect, FormatsAccessPatterns) {
  const std::string bytes = SmallNeff();
  auto model = OpenModel(bytes);
  ASSERT_TRUE(model.ok()) << model.status();
  const Instruction* first = (*model)->queues()->Get(0)->instructions()->Get(0);
  EXPECT_EQ(FormatAccessPattern(*first->dst()), "SBUF f32 p[0,2) +0 [4x1]");
  EXPECT_EQ(FormatAccessPattern(*first->src0()), "DRAM f32 rows 2x4 +0 [4x1]");
}

TEST(Inspect, InfoSummarisesTheFile) {
  const std::string bytes = SmallNeff();
  auto model = OpenModel(bytes);
  ASSERT_TRUE(model.ok());
  const std::string info = DescribeNeff(bytes, **model);
  for (const char* want :
       {"NEFF format 0.", "inputs:\n  x: F32[2, 4] at DRAM 0 (32 bytes)",
        "outputs:\n  y: F32[2, 4] at DRAM 32 (32 bytes)", "device: DRAM arena 64 bytes",
        "weights          64 bytes at offset ", "not sealed", "instructions: 3 in 2 queues",
        "DMA            2 in 1 queue(s)", "SCALAR         1 in 1 queue(s)"}) {
    EXPECT_NE(info.find(want), std::string::npos) << want << "\n" << info;
  }
}

TEST(Inspect, DumpListsEveryInstruction) {
  const std::string bytes = SmallNeff();
  auto model = OpenModel(bytes);
  ASSERT_TRUE(model.ok());
  const std::string dump = DumpNeff(**model);
  EXPECT_EQ(dump,
            "queue 0: DMA[3], 2 instructions\n"
            "  [0] DMA_COPY\n"
            "      dst   SBUF f32 p[0,2) +0 [4x1]\n"
            "      src0  DRAM f32 rows 2x4 +0 [4x1]\n"
            "      signal s0\n"
            "  [1] DMA_COPY\n"
            "      dst   DRAM f32 rows 2x4 +32 [4x1]\n"
            "      src0  SBUF f32 p[0,2) +16 [4x1]\n"
            "      wait s1>=1\n"
            "queue 1: SCALAR[0], 1 instructions\n"
            "  [0] ACTIVATION RELU scale=1\n"
            "      dst   SBUF f32 p[0,2) +16 [4x1]\n"
            "      src0  SBUF f32 p[0,2) +0 [4x1]\n"
            "      wait s0>=1, signal s1\n");
}

TEST(Inspect, NamesFromTheFileArePrintedEscaped) {
  NeffBuilder b;
  b.set_dram_size(64);
  b.AddInput("x\x1b[31m", DType::F32, {2, 4}, 0);
  b.set_nodes({"node\nwith\abell"});
  int vec = b.AddQueue(EngineType::VECTOR);
  b.Add(vec, Memset(Sbuf(0, 1, 0, {{1, 4}}), 0.0f).Node(0));
  const std::string bytes = b.Build();
  auto model = OpenModel(bytes);
  ASSERT_TRUE(model.ok());
  const std::string info = DescribeNeff(bytes, **model);
  EXPECT_NE(info.find("  x\\x1b[31m: F32[2, 4]"), std::string::npos) << info;
  const std::string dump = DumpNeff(**model);
  EXPECT_NE(dump.find("node 0 'node\\x0awith\\x07bell'"), std::string::npos) << dump;
  for (const std::string& text : {info, dump}) {
    EXPECT_EQ(text.find_first_of("\x1b\x07"), std::string::npos) << text;
  }
}

// SmallNeff's program with 8 floats of weights loaded once into partitions
// 0-1, bytes [64, 80).
std::string LoadQueueNeff() {
  NeffBuilder b;
  b.set_dram_size(64);
  b.set_weights_f32(std::vector<float>(16, 1.0f));
  b.AddInput("x", DType::F32, {2, 4}, 0);
  b.AddOutput("y", DType::F32, {2, 4}, 32);
  b.AddLoad(b.AddLoadQueue(EngineType::DMA, 5),
            DmaCopy(Sbuf(0, 2, 64, {{1, 4}}), Weights(0, 2, 4, {{1, 4}})));
  int dma = b.AddQueue(EngineType::DMA, 0);
  int vec = b.AddQueue(EngineType::VECTOR);
  b.Add(dma, DmaCopy(Sbuf(0, 2, 0, {{1, 4}}), Dram(0, 2, 4, {{1, 4}})).Signal(0));
  b.Add(vec, TensorTensor(Sbuf(0, 2, 16, {{1, 4}}), Sbuf(0, 2, 0, {{1, 4}}),
                          Sbuf(0, 2, 64, {{1, 4}}), AluOp::ADD)
                 .Wait(0, 1)
                 .Signal(1));
  b.Add(dma, DmaCopy(Dram(32, 2, 4, {{1, 4}}), Sbuf(0, 2, 16, {{1, 4}})).Wait(1, 1));
  return b.Build();
}

TEST(Inspect, InfoAndDumpShowLoadQueues) {
  const std::string bytes = LoadQueueNeff();
  auto model = OpenModel(bytes);
  ASSERT_TRUE(model.ok()) << model.status();
  const std::string info = DescribeNeff(bytes, **model);
  for (const char* want :
       {"NEFF format 1.0", "instructions: 3 in 2 queues\n",
        "load queues: 1 instructions in 1 queue(s), run once at load: 32 bytes copied to SBUF, "
        "32 bytes of SBUF resident (partitions [0, 2), bytes [64, 80))\n"}) {
    EXPECT_NE(info.find(want), std::string::npos) << want << "\n" << info;
  }
  const std::string dump = DumpNeff(**model);
  EXPECT_EQ(dump.substr(0, dump.find("\nqueue 0:") + 1),
            "load queue 0: DMA[5], 1 instructions\n"
            "  [0] DMA_COPY\n"
            "      dst   SBUF f32 p[0,2) +64 [4x1]\n"
            "      src0  WEIGHTS f32 rows 2x4 +0 [4x1]\n");
  EXPECT_NE(dump.find("queue 1: VECTOR[0], 1 instructions\n"), std::string::npos) << dump;
  // A file without load queues says nothing about them.
  const std::string small = SmallNeff();
  auto small_model = OpenModel(small);
  ASSERT_TRUE(small_model.ok());
  EXPECT_EQ(DescribeNeff(small, **small_model).find("load queues"), std::string::npos);
}

TEST(Inspect, InfoAndDumpShowStages) {
  NeffBuilder b;
  b.AddInput("x", DType::F32, {2, 4}, 0);
  b.AddOutput("y", DType::F32, {2, 4}, 0);
  const std::string first = SmallNeff(), second = LoadQueueNeff();
  b.AddStage(first, {{-1, 0}});
  b.AddStage(second, {{0, 0}});
  b.AddStage("not a NEFF", {});
  b.AddOutputSource({1, 0});
  const std::string bytes = b.Build();
  auto model = OpenModel(bytes);
  ASSERT_TRUE(model.ok()) << model.status();
  const std::string info = DescribeNeff(bytes, **model);
  for (const std::string& want : {
           std::string("NEFF format 1.0"),
           std::string("inputs:\n  x: F32[2, 4] (32 bytes)\n"),
           std::string("device: pipelined over 3 NeuronCores (no program of its own)\n"),
           std::string("instructions: 0 in 0 queues\n"),
           absl::StrCat("stages: 3 (one NeuronCore each)\n  stage 0: ", first.size(),
                        " bytes, inputs from model input 0 'x'\n    | NEFF format 0.3, ",
                        first.size(), " bytes\n"),
           absl::StrCat("  stage 1: ", second.size(),
                        " bytes, inputs from stage 0 output 0\n    | NEFF format 1.0, "),
           std::string("    | load queues: 1 instructions in 1 queue(s)"),
           std::string("  stage 2: 10 bytes, inputs from nothing\n    cannot open its NEFF: "),
           std::string("output sources:\n  output 0 'y' from stage 1 output 0\n"),
       }) {
    EXPECT_NE(info.find(want), std::string::npos) << want << "\n" << info;
  }
  const std::string dump = DumpNeff(**model);
  EXPECT_EQ(dump.find("stage 0: "), 0u) << dump;
  EXPECT_NE(dump.find("stage 1: " + std::to_string(second.size()) +
                      " bytes\n  load queue 0: DMA[5], 1 instructions\n"),
            std::string::npos)
      << dump;
  EXPECT_NE(dump.find("\n  queue 0: DMA[3], 2 instructions\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("stage 2: 10 bytes\n  cannot open its NEFF: "), std::string::npos) << dump;
}

}  // namespace
}  // namespace neff
