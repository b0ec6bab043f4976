#include "runtime/neff_loader.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "neff/checksum.h"
#include "neff/format.h"
#include "neff/test_builder.h"
#include "neff/writer.h"
#include "runtime/test_pipelines.h"

namespace ncc::runtime {
namespace {

using namespace neff::test_builder;  // NOLINT: the builder's vocabulary
using neff::EngineType;

// Reads 64 fp32 weights into SBUF and writes them out.
std::string WeightsCopyNeff() {
  NeffBuilder b;
  b.set_dram_size(256);
  std::vector<float> w(64);
  for (int i = 0; i < 64; ++i) w[i] = 0.5f * i;
  b.set_weights_f32(w);
  b.AddOutput("y", neff::DType::F32, {64}, 0);
  int dma = b.AddQueue(EngineType::DMA);
  b.Add(dma, DmaCopy(Sbuf(0, 1, 0, {{1, 64}}), Weights(0, 1, 0, {{1, 64}})).Signal(0));
  b.Add(dma, DmaCopy(Dram(0, 1, 0, {{1, 64}}), Sbuf(0, 1, 0, {{1, 64}})).Wait(0, 1));
  return b.Build();
}

std::string WriteTemp(const std::string& name, const std::string& bytes) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// The NEFFs here come from neff::test_builder, which does not seal them.
LoadOptions Unsealed() {
  LoadOptions options;
  options.allow_unsealed = true;
  return options;
}

TEST(NeffLoader, MapsAFileAndReadsWeightsInPlace) {
  const std::string bytes = WeightsCopyNeff();
  const std::string path = WriteTemp("weights.neff", bytes);
  auto loaded = LoadNeffFile(path, Unsealed());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(loaded->image->mapped());
  const uint8_t* base = reinterpret_cast<const uint8_t*>(loaded->image->bytes().data());
  const uint8_t* w = loaded->model->weights()->data();
  // The model's weights point into the mapping itself (no copy), aligned.
  EXPECT_GE(w, base);
  EXPECT_LT(w, base + loaded->image->bytes().size());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(w) % neff::kWeightsAlignment, 0u);
  EXPECT_EQ(loaded->image->bytes(), bytes);
}

TEST(NeffLoader, CopiesMemoryIntoAnAlignedBuffer) {
  std::string bytes = " " + WeightsCopyNeff();  // misaligned source
  auto loaded = LoadNeffBytes(bytes.data() + 1, bytes.size() - 1, Unsealed());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_FALSE(loaded->image->mapped());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(loaded->image->bytes().data()) % neff::kWeightsAlignment,
            0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(loaded->model->weights()->data()) % neff::kWeightsAlignment,
            0u);
}

TEST(NeffLoader, FileErrorsNameThePath) {
  auto missing = LoadNeffFile("/nonexistent/x.neff", LoadOptions());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/nonexistent/x.neff"), std::string::npos);
  const std::string empty = WriteTemp("empty.neff", "");
  auto e = LoadNeffFile(empty, LoadOptions());
  EXPECT_NE(e.status().message().find("empty.neff: not a NEFF: file is 0 bytes"), std::string::npos)
      << e.status();
  const std::string junk = WriteTemp("junk.neff", "junk junk junk junk");
  auto j = LoadNeffFile(junk, LoadOptions());
  EXPECT_NE(j.status().message().find("junk.neff: not a NEFF"), std::string::npos) << j.status();
}

TEST(NeffLoader, RefusesAFifoWithoutWaitingForAWriter) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string fifo = std::string(dir ? dir : "/tmp") + "/fifo.neff";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto loaded = LoadNeffFile(fifo, LoadOptions());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(loaded.status().message().find("fifo.neff: not a regular file"), std::string::npos)
      << loaded.status();
}

TEST(NeffLoader, RejectsANewerMajorVersion) {
  NeffBuilder b;
  b.set_version_major(neff::kVersionMajor + 1);
  const std::string bytes = b.Build();
  auto loaded = LoadNeffBytes(bytes.data(), bytes.size(), LoadOptions());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(loaded.status().message().find("is newer than this runtime"), std::string::npos);
}

TEST(NeffLoader, RunsTheVerifierThenTheDeadlockCheck) {
  NeffBuilder bad_range;
  bad_range.set_dram_size(16);
  int dma = bad_range.AddQueue(EngineType::DMA);
  bad_range.Add(dma, DmaCopy(Sbuf(0, 1, 0, {{1, 64}}), Dram(0, 1, 0, {{1, 64}})));
  std::string bytes = bad_range.Build();
  auto loaded = CheckNeff(bytes, Unsealed());
  EXPECT_NE(loaded.status().message().find("queue DMA[0] instruction 0 (DMA_COPY)"),
            std::string::npos)
      << loaded.status();

  NeffBuilder stuck;
  int vec = stuck.AddQueue(EngineType::VECTOR);
  stuck.Add(vec, Memset(Sbuf(0, 1, 0, {{1, 4}}), 0.0f).Wait(1, 1));
  bytes = stuck.Build();
  loaded = CheckNeff(bytes, Unsealed());
  EXPECT_NE(loaded.status().message().find("rule: deadlock-free semaphore waits"),
            std::string::npos)
      << loaded.status();
}

TEST(NeffLoader, UnsealedFilesLoadOnlyWhenAllowed) {
  const std::string bytes = WeightsCopyNeff();
  auto refused = CheckNeff(bytes, LoadOptions());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("is not sealed"), std::string::npos)
      << refused.status();
  EXPECT_TRUE(CheckNeff(bytes, Unsealed()).ok());
  // A trusted file is not checked at all.
  LoadOptions trusted;
  trusted.skip_checksums = true;
  EXPECT_TRUE(CheckNeff(bytes, trusted).ok());
}

TEST(NeffLoader, AllowUnsealedComesFromTheEnvironment) {
  unsetenv("NEURON_RT_ALLOW_UNSEALED");
  EXPECT_FALSE(LoadOptionsFromEnvironment().allow_unsealed);
  setenv("NEURON_RT_ALLOW_UNSEALED", "1", 1);
  EXPECT_TRUE(LoadOptionsFromEnvironment().allow_unsealed);
  setenv("NEURON_RT_ALLOW_UNSEALED", "yes", 1);
  EXPECT_FALSE(LoadOptionsFromEnvironment().allow_unsealed);
  unsetenv("NEURON_RT_ALLOW_UNSEALED");
}

TEST(NeffLoader, SkipChecksumComesFromTheEnvironment) {
  unsetenv("NEURON_RT_SKIP_CHECKSUM");
  EXPECT_FALSE(LoadOptionsFromEnvironment().skip_checksums);
  setenv("NEURON_RT_SKIP_CHECKSUM", "1", 1);
  EXPECT_TRUE(LoadOptionsFromEnvironment().skip_checksums);
  setenv("NEURON_RT_SKIP_CHECKSUM", "0", 1);
  EXPECT_FALSE(LoadOptionsFromEnvironment().skip_checksums);
  unsetenv("NEURON_RT_SKIP_CHECKSUM");
}

// ---- Pipelined files (NEFF 1.0, Model.stages) ----

namespace tp = test_pipelines;

std::string Message(const absl::StatusOr<LoadedNeff>& loaded) {
  return std::string(loaded.status().message());
}

absl::StatusOr<LoadedNeff> LoadPipeline(const std::string& bytes,
                                        const LoadOptions& options = Unsealed()) {
  return LoadNeffBytes(bytes.data(), bytes.size(), options);
}

TEST(NeffLoader, ChecksAPipelineAndFindsItsStages) {
  auto loaded = LoadPipeline(tp::FourStagePipeline());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->stages.size(), 4u);
  const char* begin = loaded->image->bytes().data();
  const char* end = begin + loaded->image->bytes().size();
  for (int k = 0; k < 4; ++k) {
    const absl::string_view stage = StageBytes(*loaded->model, k);
    // Each stage's NEFF lies inside the file, 64-byte aligned, and its root
    // is the one the loader returned.
    EXPECT_GE(stage.data(), begin);
    EXPECT_LE(stage.data() + stage.size(), end);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(stage.data()) % neff::kWeightsAlignment, 0u);
    EXPECT_EQ(loaded->stages[k], neff::GetSizePrefixedModel(stage.data()));
  }
  EXPECT_EQ(loaded->stages[2]->inputs()->size(), 2u);
  // A single-core file has no stages.
  auto single = LoadNeffBytes(ReluPlusOneNeff().data(), ReluPlusOneNeff().size(), Unsealed());
  ASSERT_TRUE(single.ok()) << single.status();
  EXPECT_TRUE(single->stages.empty());
}

TEST(NeffLoader, PipelineWiringErrorsNameTheStageAndInput) {
  const std::string s0 = tp::ScaleBiasNeff(2, 1, 2, 4, "x", "h");
  const std::string s1 = tp::ScaleBiasNeff(3, -1, 2, 4, "h", "y");
  struct Case {
    std::vector<tp::Stage> stages;
    std::vector<neff::TensorSourceSpec> outputs;
    const char* message;
  };
  for (const Case& c : {
           Case{{{s0, {{-1, 0}}}, {s1, {{1, 0}}}},
                {{1, 0}},
                "NEFF verify: stage 1 input 0 'h' comes from stage 1, which is not an earlier "
                "stage (sources are -1 for a model input or stages 0-0)"},
           Case{{{s0, {{1, 0}}}, {s1, {{0, 0}}}},
                {{1, 0}},
                "stage 0 input 0 'x' comes from stage 1, which is not an earlier stage (stage 0 "
                "reads only model inputs: stage -1)"},
           Case{{{s0, {{-1, 0}}}, {s1, {{0, 3}}}},
                {{1, 0}},
                "stage 1 input 0 'h' comes from stage 0 output 3, which does not exist (stage 0 "
                "has 1 outputs)"},
           Case{{{s0, {{-1, 1}}}, {s1, {{0, 0}}}},
                {{1, 0}},
                "stage 0 input 0 'x' comes from model input 1, which does not exist (the model "
                "has 1 inputs)"},
           Case{{{s0, {{-1, 0}}}, {tp::ScaleBiasNeff(3, -1, 4, 2, "h", "y"), {{0, 0}}}},
                {{1, 0}},
                "stage 1 input 0 'h' is float32[4, 2] but its source, stage 0 output 0 'h', is "
                "float32[2, 4]"},
           Case{{{s0, {}}, {s1, {{0, 0}}}},
                {{1, 0}},
                "stage 0 has 1 inputs but its entry in Model.stages lists 0 sources (one per "
                "input)"},
           Case{{{s0, {{-1, 0}}}, {s1, {{0, 0}}}},
                {},
                "a pipelined NEFF (2 stages) has 1 outputs but 0 output_sources (one per "
                "output)"},
           Case{{{s0, {{-1, 0}}}, {s1, {{0, 0}}}},
                {{2, 0}},
                "model output 0 'y' comes from stage 2, which is not an earlier stage"},
           Case{{{tp::TwoStagePipeline(), {{-1, 0}}}},
                {{0, 0}},
                "stage 0 of 1: NEFF verify: its NEFF has stages of its own (pipelines do not "
                "nest)"},
       }) {
    auto loaded = LoadPipeline(tp::PipelineNeff({"x"}, {"y"}, c.stages, c.outputs));
    EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_NE(Message(loaded).find(c.message), std::string::npos) << Message(loaded);
  }
}

TEST(NeffLoader, AModelOutputMustHaveItsSourcesTypeToo) {
  neff::Writer w;
  w.AddInput({"x", neff::DType::F32, {2, 4}, 0});
  w.AddOutput({"y", neff::DType::I32, {2, 4}, 0});
  w.AddStage(tp::ScaleBiasNeff(2, 1), {{-1, 0}});
  w.AddOutputSource({0, 0});
  auto loaded = LoadPipeline(w.Finish());
  EXPECT_NE(Message(loaded).find("model output 0 'y' is int32[2, 4] but its source, stage 0 "
                                 "output 0 'y', is float32[2, 4]"),
            std::string::npos)
      << loaded.status();
}

TEST(NeffLoader, APipelineHasNoProgramOfItsOwn) {
  neff::Writer w;
  w.AddInput({"x", neff::DType::F32, {2, 4}, 0});
  w.AddOutput({"y", neff::DType::F32, {2, 4}, 0});
  w.AddStage(tp::ScaleBiasNeff(2, 1), {{-1, 0}});
  w.AddOutputSource({0, 0});
  w.BeginQueue(EngineType::VECTOR, 0);
  w.EndQueue();
  auto loaded = LoadPipeline(w.Finish());
  EXPECT_NE(Message(loaded).find("a pipelined NEFF (1 stages) has queues of its own"),
            std::string::npos)
      << loaded.status();
}

TEST(NeffLoader, EachStageIsVerified) {
  NeffBuilder bad;
  bad.set_dram_size(64);
  bad.AddInput("h", neff::DType::F32, {2, 4}, 0);
  bad.AddOutput("y", neff::DType::F32, {2, 4}, 32);
  int dma = bad.AddQueue(EngineType::DMA);
  bad.Add(dma, DmaCopy(Sbuf(0, 1, 0, {{1, 64}}), Dram(0, 1, 0, {{1, 64}})));
  auto loaded = LoadPipeline(tp::PipelineNeff(
      {"x"}, {"y"}, {{tp::ScaleBiasNeff(2, 1, 2, 4, "x", "h"), {{-1, 0}}}, {bad.Build(), {{0, 0}}}},
      {{1, 0}}));
  EXPECT_NE(Message(loaded).find("stage 1 of 2: NEFF verify: queue DMA[0] instruction 0 "
                                 "(DMA_COPY)"),
            std::string::npos)
      << loaded.status();
}

TEST(NeffLoader, UnsealedStagesLoadOnlyWhenAllowed) {
  // The top level is sealed, its stages (test_builder's) are not.
  const std::string bytes = tp::TwoStagePipeline();
  auto refused = LoadPipeline(bytes, LoadOptions());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(Message(refused).find("stage 0 of 2: the NEFF is not sealed"), std::string::npos)
      << refused.status();
  EXPECT_TRUE(LoadPipeline(bytes, Unsealed()).ok());
}

// The compiled MLP (sealed by neuron-cc) as both stages of a pipeline: the
// stages' seals are checked, and a damaged stage is named.
TEST(NeffLoader, SealedStagesAreCheckedEachOnItsOwn) {
  auto mlp_bytes = neff::ReadFile("runtime/fuzz/corpus/mlp.neff");
  ASSERT_TRUE(mlp_bytes.ok()) << mlp_bytes.status();
  auto mlp = CheckNeff(*mlp_bytes, LoadOptions());
  ASSERT_TRUE(mlp.ok()) << mlp.status();
  const neff::TensorInfo& in = *(*mlp)->inputs()->Get(0);
  const neff::TensorInfo& out = *(*mlp)->outputs()->Get(0);
  auto spec = [](const neff::TensorInfo& t, const std::string& name) {
    return neff::TensorSpec{name, t.dtype(), {t.shape()->begin(), t.shape()->end()}, 0};
  };
  auto pipeline = [&](const std::string& stage, neff::Writer::Checksums seal) {
    neff::Writer w;
    w.AddInput(spec(in, "x"));
    w.AddOutput(spec(out, "first"));
    w.AddOutput(spec(out, "second"));
    w.AddStage(stage, {{-1, 0}});
    w.AddStage(stage, {{-1, 0}});
    w.AddOutputSource({0, 0});
    w.AddOutputSource({1, 0});
    return w.Finish(seal);
  };
  auto sealed = LoadPipeline(pipeline(*mlp_bytes, neff::Writer::Checksums::kSeal), LoadOptions());
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(sealed->stages.size(), 2u);

  // One weight byte of the first stage changed, in a file whose top level is
  // unsealed (allowed), so only the stage's own seal can tell.
  std::string damaged = pipeline(*mlp_bytes, neff::Writer::Checksums::kNone);
  auto whole = CheckNeff(damaged, Unsealed());
  ASSERT_TRUE(whole.ok()) << whole.status();
  const neff::Model* stage0 = neff::GetSizePrefixedModel(StageBytes(**whole, 0).data());
  ASSERT_GT(stage0->weights()->size(), 0u);
  const size_t at = reinterpret_cast<const char*>(stage0->weights()->data()) - damaged.data();
  damaged[at] ^= 1;
  auto loaded = LoadPipeline(damaged, Unsealed());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss) << loaded.status();
  EXPECT_NE(Message(loaded).find("stage 0 of 2: "), std::string::npos) << loaded.status();
  EXPECT_NE(Message(loaded).find("weights"), std::string::npos) << loaded.status();
}

}  // namespace
}  // namespace ncc::runtime
