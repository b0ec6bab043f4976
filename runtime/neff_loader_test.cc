#include "runtime/neff_loader.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "neff/format.h"
#include "neff/test_builder.h"

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

}  // namespace
}  // namespace ncc::runtime
