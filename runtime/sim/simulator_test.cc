#include "runtime/sim/simulator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "flatbuffers/flatbuffers.h"
#include "neff/format.h"
#include "neff/test_builder.h"
#include "neff/verifier.h"
#include "target/neuroncore.h"

namespace ncc::sim {
namespace {

using namespace neff::test_builder;  // NOLINT: the builder's small vocabulary
using neff::AluOp;
using neff::DType;
using neff::EngineType;

struct Result {
  absl::Status status;
  std::vector<uint8_t> dram;
  ExecutionStats stats;
};

Result RunModel(const NeffBuilder& b, std::vector<uint8_t> dram) {
  Result r;
  std::string bytes = b.Build();
  auto model = neff::OpenModel(bytes);
  if (!model.ok()) {
    r.status = model.status();
    return r;
  }
  dram.resize((*model)->dram_size());
  r.status = Execute(**model, dram.data(), &r.stats);
  r.dram = std::move(dram);
  return r;
}

std::vector<uint8_t> Bytes(const std::vector<float>& v, size_t total) {
  std::vector<uint8_t> out(total);
  std::memcpy(out.data(), v.data(), v.size() * 4);
  return out;
}

std::vector<float> Floats(const std::vector<uint8_t>& dram, size_t offset, size_t n) {
  std::vector<float> out(n);
  std::memcpy(out.data(), dram.data() + offset, n * 4);
  return out;
}

std::vector<uint16_t> U16s(const std::vector<uint8_t>& dram, size_t offset, size_t n) {
  std::vector<uint16_t> out(n);
  std::memcpy(out.data(), dram.data() + offset, n * 2);
  return out;
}

TEST(Simulator, DmaRoundTripThroughSbuf) {
  NeffBuilder b;
  b.set_dram_size(256);
  int dma = b.AddQueue(EngineType::DMA, 0);
  // DRAM [4 x 8] -> SBUF partitions 0..3 -> DRAM at 128.
  b.Add(dma, DmaCopy(Sbuf(0, 4, 64, {{1, 8}}), Dram(0, 4, 8, {{1, 8}})).Signal(0));
  b.Add(dma, DmaCopy(Dram(128, 4, 8, {{1, 8}}), Sbuf(0, 4, 64, {{1, 8}})).Wait(0, 1));
  std::vector<float> in(32);
  for (int i = 0; i < 32; ++i) in[i] = i * 0.5f - 3;
  Result r = RunModel(b, Bytes(in, 256));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Floats(r.dram, 128, 32), in);
  EXPECT_EQ(r.stats.Instructions(target::Engine::kDma), 2);
  EXPECT_EQ(r.stats.dma_bytes, 256);
  const auto& spec = target::NeuronCoreV2();
  // Two dependent DMAs on one queue: 32-byte runs on the SBUF side.
  EXPECT_DOUBLE_EQ(r.stats.estimated_latency_ns, 2 * target::DmaNs(spec, 128, 32));
  EXPECT_DOUBLE_EQ(r.stats.BusyNs(target::Engine::kDma), r.stats.estimated_latency_ns);
}

TEST(Simulator, ExecutionLimitsStopBeforeTheInstructionThatPassesThem) {
  NeffBuilder b;
  b.set_dram_size(256);
  int dma = b.AddQueue(EngineType::DMA, 0);
  // Two 32-element copies: 64 elements touched each (dst + src).
  b.Add(dma, DmaCopy(Sbuf(0, 4, 64, {{1, 8}}), Dram(0, 4, 8, {{1, 8}})).Signal(0));
  b.Add(dma, DmaCopy(Dram(128, 4, 8, {{1, 8}}), Sbuf(0, 4, 64, {{1, 8}})).Wait(0, 1));
  std::string bytes = b.Build();
  auto model = neff::OpenModel(bytes);
  ASSERT_TRUE(model.ok()) << model.status();
  std::vector<uint8_t> dram((*model)->dram_size());
  ExecutionStats stats;

  ExecuteOptions options;
  options.max_instructions = 1;
  absl::Status s = Execute(**model, dram.data(), &stats, nullptr, options);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_NE(s.message().find("limit of 1 instructions was reached at queue DMA[0] instruction 1"),
            std::string::npos)
      << s;

  options = {};
  options.max_elements = 127;
  s = Execute(**model, dram.data(), &stats, nullptr, options);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_NE(s.message().find("limit of 127 elements touched was reached"), std::string::npos) << s;

  // Exactly at the limits: runs to the end.
  options.max_instructions = 2;
  options.max_elements = 128;
  EXPECT_TRUE(Execute(**model, dram.data(), &stats, nullptr, options).ok());

  options.max_elements = -1;
  EXPECT_EQ(Execute(**model, dram.data(), &stats, nullptr, options).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Simulator, DmaStridedTranspose) {
  NeffBuilder b;
  b.set_dram_size(64);
  int dma = b.AddQueue(EngineType::DMA, 3);
  // src [2 x 3] row-major read column by column -> dst [3 x 2].
  b.Add(dma, DmaCopy(Dram(32, 1, 0, {{1, 6}}), Dram(0, 3, 1, {{3, 2}})));
  Result r = RunModel(b, Bytes({1, 2, 3, 4, 5, 6}, 64));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Floats(r.dram, 32, 6), (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

// Strided runs of every length from 1 to 40, element strides 1 to 3 (the
// vector paths take 1 and 2), the last run ending at the end of DRAM.
TEST(Simulator, StridedRunsOfEveryLength) {
  for (int64_t stride : {1, 2, 3}) {
    for (uint32_t n = 1; n <= 40; ++n) {
      const uint32_t rows = 3;
      const uint64_t out_bytes = rows * n * 4;
      const uint64_t in_floats = rows * n * stride;
      NeffBuilder b;
      b.set_dram_size(out_bytes + in_floats * 4);
      int dma = b.AddQueue(EngineType::DMA);
      // src: rows of n elements `stride` apart, at the end of DRAM.
      b.Add(dma, DmaCopy(Dram(0, rows, n, {{1, n}}), Dram(out_bytes, rows, n * stride, {{stride, n}})));
      std::vector<float> in(in_floats);
      for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i) + 0.25f;
      std::vector<uint8_t> dram(out_bytes);
      dram.resize(out_bytes + in_floats * 4);
      std::memcpy(dram.data() + out_bytes, in.data(), in_floats * 4);
      Result r = RunModel(b, dram);
      ASSERT_TRUE(r.status.ok()) << r.status;
      std::vector<float> want;
      for (uint32_t row = 0; row < rows; ++row) {
        for (uint32_t i = 0; i < n; ++i) want.push_back(in[row * n * stride + i * stride]);
      }
      EXPECT_EQ(Floats(r.dram, 0, rows * n), want) << "stride " << stride << " n " << n;
    }
  }
}

TEST(Simulator, DmaNegativeStrideReverses) {
  NeffBuilder b;
  b.set_dram_size(64);
  int dma = b.AddQueue(EngineType::DMA);
  b.Add(dma, DmaCopy(Dram(32, 1, 0, {{1, 4}}), Dram(12, 1, 0, {{-1, 4}})));
  Result r = RunModel(b, Bytes({1, 2, 3, 4}, 64));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Floats(r.dram, 32, 4), (std::vector<float>{4, 3, 2, 1}));
}

TEST(Simulator, DmaBroadcastToPartitions) {
  NeffBuilder b;
  b.set_dram_size(128);
  int dma = b.AddQueue(EngineType::DMA);
  // One DRAM row of 2 broadcast (partition stride 0) to 3 SBUF partitions,
  // then element 0 broadcast along a zero free stride.
  b.Add(dma, DmaCopy(Sbuf(5, 3, 0, {{1, 2}}), Dram(0, 3, 0, {{1, 2}})).Signal(0));
  b.Add(dma, DmaCopy(Dram(32, 3, 2, {{1, 2}}), Sbuf(5, 3, 0, {{1, 2}})).Wait(0, 1));
  b.Add(dma, DmaCopy(Dram(64, 1, 0, {{1, 4}}), Dram(0, 1, 0, {{0, 4}})));
  Result r = RunModel(b, Bytes({7, 8}, 128));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Floats(r.dram, 32, 6), (std::vector<float>{7, 8, 7, 8, 7, 8}));
  EXPECT_EQ(Floats(r.dram, 64, 4), (std::vector<float>{7, 7, 7, 7}));
}

TEST(Simulator, DmaCastsF32ToBf16AndBack) {
  NeffBuilder b;
  b.set_dram_size(64);
  int dma = b.AddQueue(EngineType::DMA);
  b.Add(dma, DmaCopy(Dram(16, 1, 0, {{1, 4}}, DType::BF16), Dram(0, 1, 0, {{1, 4}})).Signal(0));
  b.Add(dma, DmaCopy(Dram(32, 1, 0, {{1, 4}}), Dram(16, 1, 0, {{1, 4}}, DType::BF16)).Wait(0, 1));
  const float tie_even = 1.0f + std::ldexp(1.0f, -8);
  const float tie_up = 1.0f + 3 * std::ldexp(1.0f, -8);
  Result r = RunModel(b, Bytes({1.0f, tie_even, tie_up, -3.0f}, 64));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(U16s(r.dram, 16, 4), (std::vector<uint16_t>{0x3f80, 0x3f80, 0x3f82, 0xc040}));
  EXPECT_EQ(Floats(r.dram, 32, 4),
            (std::vector<float>{1.0f, 1.0f, 1.0f + std::ldexp(1.0f, -6), -3.0f}));
}

TEST(Simulator, DmaCastsToIntsSaturating) {
  NeffBuilder b;
  b.set_dram_size(64);
  int dma = b.AddQueue(EngineType::DMA);
  b.Add(dma, DmaCopy(Dram(16, 1, 0, {{1, 4}}, DType::I8), Dram(0, 1, 0, {{1, 4}})));
  Result r = RunModel(b, Bytes({1.9f, -2.5f, 300.0f, NAN}, 64));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(static_cast<int8_t>(r.dram[16]), 1);
  EXPECT_EQ(static_cast<int8_t>(r.dram[17]), -2);
  EXPECT_EQ(static_cast<int8_t>(r.dram[18]), 127);
  EXPECT_EQ(static_cast<int8_t>(r.dram[19]), 0);
}

// Loads stationary [K=2, M=2] and moving [K=2, N=3] from WEIGHTS, multiplies
// twice into one PSUM bank (start, then accumulate), stores the result.
TEST(Simulator, MatmulAccumulates) {
  NeffBuilder b;
  b.set_dram_size(64);
  b.set_weights_f32({1, 2, 3, 4, /*moving*/ 1, 0, 2, 0, 1, 1});
  int dma = b.AddQueue(EngineType::DMA);
  int pe = b.AddQueue(EngineType::TENSOR);
  int out = b.AddQueue(EngineType::DMA, 1);
  b.Add(dma, DmaCopy(Sbuf(0, 2, 0, {{1, 2}}), Weights(0, 2, 2, {{1, 2}})).Signal(0));
  b.Add(dma, DmaCopy(Sbuf(0, 2, 64, {{1, 3}}), Weights(16, 2, 3, {{1, 3}})).Signal(0));
  b.Add(pe, Matmul(Psum(0, 2, 2048, {{1, 3}}), Sbuf(0, 2, 0, {{1, 2}}), Sbuf(0, 2, 64, {{1, 3}}),
                   true, false)
                .Wait(0, 2)
                .Signal(1));
  b.Add(pe, Matmul(Psum(0, 2, 2048, {{1, 3}}), Sbuf(0, 2, 0, {{1, 2}}), Sbuf(0, 2, 64, {{1, 3}}),
                   false, true)
                .Signal(1));
  b.Add(out, DmaCopy(Dram(0, 2, 3, {{1, 3}}), Psum(0, 2, 2048, {{1, 3}})).Wait(1, 2));
  Result r = RunModel(b, {});
  ASSERT_TRUE(r.status.ok()) << r.status;
  // out[m][n] = 2 * sum_k st[k][m] * mv[k][n]; st = [[1,2],[3,4]].
  EXPECT_EQ(Floats(r.dram, 0, 6), (std::vector<float>{2, 6, 10, 4, 8, 16}));
  EXPECT_EQ(r.stats.Instructions(target::Engine::kTensor), 2);
  const auto& spec = target::NeuronCoreV2();
  EXPECT_DOUBLE_EQ(r.stats.BusyNs(target::Engine::kTensor), 2 * target::MatmulNs(spec, 2, 3, 4));
  EXPECT_GT(r.stats.tensor_utilization, 0.0);
  EXPECT_LT(r.stats.tensor_utilization, 1.0);
  EXPECT_GT(r.stats.semaphore_wait_ns, 0.0);
  // Critical path: two loads on one queue, two matmuls, the store.
  EXPECT_DOUBLE_EQ(r.stats.estimated_latency_ns,
                   target::DmaNs(spec, 16, 8) + target::DmaNs(spec, 24, 12) +
                       2 * target::MatmulNs(spec, 2, 3, 4) + target::DmaNs(spec, 24, 12));
}

TEST(Simulator, MatmulBf16InputsAndStridedDst) {
  NeffBuilder b;
  b.set_dram_size(64);
  int dma = b.AddQueue(EngineType::DMA);
  int pe = b.AddQueue(EngineType::TENSOR);
  // K=1, M=2, N=2 with bf16 operands; dst written with a stride of 2.
  b.Add(dma, DmaCopy(Sbuf(0, 1, 0, {{1, 2}}, DType::BF16), Dram(0, 1, 0, {{1, 2}})).Signal(0));
  b.Add(dma, DmaCopy(Sbuf(0, 1, 8, {{1, 2}}, DType::BF16), Dram(8, 1, 0, {{1, 2}})).Signal(0));
  b.Add(pe, Matmul(Psum(0, 2, 0, {{2, 2}}), Sbuf(0, 1, 0, {{1, 2}}, DType::BF16),
                   Sbuf(0, 1, 8, {{1, 2}}, DType::BF16), true, true)
                .Wait(0, 2)
                .Signal(1));
  b.Add(dma, DmaCopy(Dram(32, 2, 2, {{1, 2}}), Psum(0, 2, 0, {{2, 2}})).Wait(1, 1));
  Result r = RunModel(b, Bytes({2, 3, 5, 7}, 64));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Floats(r.dram, 32, 4), (std::vector<float>{10, 14, 15, 21}));
}

// A full 128 x 128 x 512 tile through the fast path, against a double
// reference; then a bf16 copy of the moving operand through the slow path.
TEST(Simulator, FullTileMatmulMatchesReference) {
  constexpr int K = 128, M = 128, N = 512;
  std::vector<float> w(K * M + K * N);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>((i * 37) % 17) / 8 - 1;
  NeffBuilder b;
  b.set_dram_size(M * N * 4);
  b.set_weights_f32(w);
  int dma = b.AddQueue(EngineType::DMA);
  int pe = b.AddQueue(EngineType::TENSOR);
  b.Add(dma, DmaCopy(Sbuf(0, K, 0, {{1, M}}), Weights(0, K, M, {{1, M}})).Signal(0));
  b.Add(dma, DmaCopy(Sbuf(0, K, 1024, {{1, N}}), Weights(K * M * 4, K, N, {{1, N}})).Signal(0));
  b.Add(pe, Matmul(Psum(0, M, 0, {{1, N}}), Sbuf(0, K, 0, {{1, M}}), Sbuf(0, K, 1024, {{1, N}}),
                   true, true)
                .Wait(0, 2)
                .Signal(1));
  b.Add(dma, DmaCopy(Dram(0, M, N, {{1, N}}), Psum(0, M, 0, {{1, N}})).Wait(1, 1));
  Result r = RunModel(b, {});
  ASSERT_TRUE(r.status.ok()) << r.status;
  auto out = Floats(r.dram, 0, M * N);
  for (int m = 0; m < M; m += 7) {
    for (int n = 0; n < N; n += 5) {
      double ref = 0;
      for (int k = 0; k < K; ++k) ref += double(w[k * M + m]) * w[K * M + k * N + n];
      ASSERT_NEAR(out[m * N + n], ref, 1e-3) << m << "," << n;
    }
  }
}

TEST(Simulator, ActivationWithBiasAndScale) {
  NeffBuilder b;
  b.set_dram_size(128);
  int dma = b.AddQueue(EngineType::DMA);
  int act = b.AddQueue(EngineType::SCALAR);
  b.Add(dma, DmaCopy(Sbuf(0, 2, 0, {{1, 3}}), Dram(0, 2, 3, {{1, 3}})).Signal(0));
  b.Add(dma, DmaCopy(Sbuf(0, 2, 16, {}), Dram(24, 2, 1, {})).Signal(0));
  b.Add(act, Activation(Sbuf(0, 2, 32, {{1, 3}}), Sbuf(0, 2, 0, {{1, 3}}),
                        neff::ActivationFunction::RELU, 2.0f, Sbuf(0, 2, 16, {}))
                 .Wait(0, 2)
                 .Signal(1));
  b.Add(act, Activation(Sbuf(0, 2, 48, {{1, 3}}), Sbuf(0, 2, 0, {{1, 3}}),
                        neff::ActivationFunction::SIGMOID)
                 .Signal(1));
  b.Add(dma, DmaCopy(Dram(64, 2, 3, {{1, 3}}), Sbuf(0, 2, 32, {{1, 3}})).Wait(1, 1));
  b.Add(dma, DmaCopy(Dram(96, 2, 3, {{1, 3}}), Sbuf(0, 2, 48, {{1, 3}})).Wait(1, 2));
  // x = [[-1, 0, 1], [2, -3, 0.5]], bias = [0.5, -1].
  Result r = RunModel(b, Bytes({-1, 0, 1, 2, -3, 0.5f, 0.5f, -1}, 128));
  ASSERT_TRUE(r.status.ok()) << r.status;
  // relu(2x + b)
  EXPECT_EQ(Floats(r.dram, 64, 6), (std::vector<float>{0, 0.5f, 2.5f, 3, 0, 0}));
  auto sig = Floats(r.dram, 96, 6);
  EXPECT_FLOAT_EQ(sig[1], 0.5f);
  EXPECT_NEAR(sig[0], 1.0 / (1.0 + std::exp(1.0)), 1e-6);
  EXPECT_NEAR(sig[4], 1.0 / (1.0 + std::exp(3.0)), 1e-6);
  EXPECT_EQ(r.stats.Instructions(target::Engine::kScalar), 2);
}

TEST(Simulator, VectorAndGpSimdOps) {
  NeffBuilder b;
  b.set_dram_size(128);
  int dma = b.AddQueue(EngineType::DMA);
  int vec = b.AddQueue(EngineType::VECTOR);
  int pool = b.AddQueue(EngineType::GPSIMD);
  b.Add(dma, DmaCopy(Sbuf(0, 2, 0, {{1, 2}}), Dram(0, 2, 2, {{1, 2}})).Signal(0));
  // b = memset 10 (GpSimd), then a + b, (a+b) * 0.5, max with a (Vector).
  b.Add(pool, Memset(Sbuf(0, 2, 16, {{1, 2}}), 10.0f).Signal(1));
  b.Add(vec, TensorTensor(Sbuf(0, 2, 32, {{1, 2}}), Sbuf(0, 2, 0, {{1, 2}}),
                          Sbuf(0, 2, 16, {{1, 2}}), AluOp::ADD)
                 .Wait(0, 1)
                 .Wait(1, 1));
  b.Add(vec,
        TensorScalar(Sbuf(0, 2, 32, {{1, 2}}), Sbuf(0, 2, 32, {{1, 2}}), AluOp::MULTIPLY, 0.5f));
  b.Add(vec, TensorTensor(Sbuf(0, 2, 48, {{1, 2}}), Sbuf(0, 2, 32, {{1, 2}}),
                          Sbuf(0, 2, 0, {{1, 2}}), AluOp::SUBTRACT));
  // bf16 copy of the result on GpSimd, after the vector work.
  b.Add(vec, TensorCopy(Sbuf(0, 2, 64, {{1, 2}}, DType::BF16), Sbuf(0, 2, 48, {{1, 2}})).Signal(2));
  b.Add(dma, DmaCopy(Dram(32, 2, 2, {{1, 2}}), Sbuf(0, 2, 32, {{1, 2}})).Wait(2, 1));
  b.Add(dma, DmaCopy(Dram(64, 2, 2, {{1, 2}}, DType::BF16), Sbuf(0, 2, 64, {{1, 2}}, DType::BF16)));
  Result r = RunModel(b, Bytes({1, 2, -4, 6}, 128));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Floats(r.dram, 32, 4), (std::vector<float>{5.5f, 6, 3, 8}));
  // (a + 10) / 2 - a
  EXPECT_EQ(U16s(r.dram, 64, 4), (std::vector<uint16_t>{0x4090, 0x4080, 0x40e0, 0x4000}));
  EXPECT_EQ(r.stats.Instructions(target::Engine::kVector), 4);
  EXPECT_EQ(r.stats.Instructions(target::Engine::kGpSimd), 1);
}

TEST(Simulator, IndependentEnginesOverlapInTime) {
  const auto& spec = target::NeuronCoreV2();
  NeffBuilder b;
  int vec = b.AddQueue(EngineType::VECTOR);
  int pool = b.AddQueue(EngineType::GPSIMD);
  b.Add(vec, Memset(Sbuf(0, 128, 0, {{1, 256}}), 1.0f));
  b.Add(pool, Memset(Sbuf(0, 128, 4096, {{1, 256}}), 1.0f));
  Result r = RunModel(b, {});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_DOUBLE_EQ(r.stats.estimated_latency_ns,
                   std::max(target::VectorNs(spec, 256, 1), target::GpSimdNs(spec, 256)));
  EXPECT_DOUBLE_EQ(r.stats.semaphore_wait_ns, 0.0);
}

TEST(Simulator, DeadlockIsReportedNotHung) {
  NeffBuilder b;
  b.set_num_semaphores(4);
  int vec = b.AddQueue(EngineType::VECTOR);
  int pool = b.AddQueue(EngineType::GPSIMD);
  b.Add(vec, Memset(Sbuf(0, 1, 0, {{1, 4}}), 1.0f).Signal(0));
  b.Add(vec, Memset(Sbuf(0, 1, 0, {{1, 4}}), 1.0f).Wait(1, 1).Signal(0));
  b.Add(pool, Memset(Sbuf(1, 1, 0, {{1, 4}}), 1.0f).Wait(0, 2).Signal(1));
  Result r = RunModel(b, {});
  ASSERT_FALSE(r.status.ok());
  const std::string msg(r.status.message());
  EXPECT_NE(msg.find("deadlock"), std::string::npos) << msg;
  EXPECT_NE(msg.find("VECTOR[0] instruction 1 (MEMSET) waits for semaphore 1 >= 1"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("GPSIMD[0] instruction 0 (MEMSET) waits for semaphore 0 >= 2"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("0=1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("1=0"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
}

TEST(Simulator, ExecuteRejectsUnverifiableModel) {
  NeffBuilder b;
  b.set_dram_size(16);
  int dma = b.AddQueue(EngineType::DMA);
  b.Add(dma, DmaCopy(Dram(0, 1, 0, {{1, 8}}), Dram(0, 1, 0, {{1, 8}})));
  Result r = RunModel(b, {});
  ASSERT_FALSE(r.status.ok());
  EXPECT_NE(r.status.message().find("NEFF verify"), std::string::npos);
}

// Splitting matmuls and copies across host threads never changes a byte:
// fp32 and bf16 (AMX where the CPU has it), whole and ragged tiles,
// accumulating into PSUM, then a large DRAM -> DRAM copy.
TEST(Simulator, ThreadCountsGiveIdenticalBytes) {
  struct Shape {
    uint32_t k, m, n;
    DType dtype;
  };
  const Shape shapes[] = {{128, 128, 512, DType::F32},  {100, 96, 320, DType::F32},
                          {128, 20, 512, DType::F32},   {128, 128, 512, DType::BF16},
                          {128, 128, 300, DType::BF16}, {64, 100, 256, DType::BF16},
                          {96, 64, 96, DType::BF16}};
  for (const Shape& s : shapes) {
    std::vector<float> w(s.k * s.m + s.k * s.n);
    for (size_t i = 0; i < w.size(); ++i) {
      // Full mantissas over several binades, so that differently ordered
      // fp32 sums would round differently.
      w[i] = std::sin(static_cast<float>(i)) * std::ldexp(1.0f, static_cast<int>(i % 7) - 3);
    }
    const int out_bytes = s.m * s.n * 4;
    const int copy_floats = 128 * 1024;
    NeffBuilder b;
    b.set_dram_size(out_bytes + 2 * copy_floats * 4);
    b.set_weights_f32(w);
    int dma = b.AddQueue(EngineType::DMA);
    int pe = b.AddQueue(EngineType::TENSOR);
    b.Add(
        dma,
        DmaCopy(Sbuf(0, s.k, 0, {{1, s.m}}, s.dtype), Weights(0, s.k, s.m, {{1, s.m}})).Signal(0));
    b.Add(dma, DmaCopy(Sbuf(0, s.k, 4096, {{1, s.n}}, s.dtype),
                       Weights(s.k * s.m * 4, s.k, s.n, {{1, s.n}}))
                   .Signal(0));
    b.Add(pe, Matmul(Psum(0, s.m, 0, {{1, s.n}}), Sbuf(0, s.k, 0, {{1, s.m}}, s.dtype),
                     Sbuf(0, s.k, 4096, {{1, s.n}}, s.dtype), true, false)
                  .Wait(0, 2));
    b.Add(pe, Matmul(Psum(0, s.m, 0, {{1, s.n}}), Sbuf(0, s.k, 4096, {{1, s.m}}, s.dtype),
                     Sbuf(0, s.k, 4096, {{1, s.n}}, s.dtype), false, true)
                  .Signal(1));
    b.Add(dma, DmaCopy(Dram(0, s.m, s.n, {{1, s.n}}), Psum(0, s.m, 0, {{1, s.n}})).Wait(1, 1));
    b.Add(dma, DmaCopy(Dram(out_bytes + copy_floats * 4, 128, 1024, {{1, 1024}}),
                       Dram(out_bytes, 128, 1024, {{1, 1024}})));
    std::string bytes = b.Build();
    auto model = neff::OpenModel(bytes);
    ASSERT_TRUE(model.ok()) << model.status();
    std::vector<uint8_t> first;
    for (int threads : {1, 2, 3}) {
      std::vector<uint8_t> dram((*model)->dram_size());
      for (int i = 0; i < copy_floats; ++i) {
        const float v = static_cast<float>(i % 977);
        std::memcpy(dram.data() + out_bytes + i * 4, &v, 4);
      }
      ExecuteOptions options;
      options.threads = threads;
      options.lane_min_work = 0;  // the lane even for this small program
      ExecutionStats stats;
      absl::Status st = Execute(**model, dram.data(), &stats, nullptr, options);
      ASSERT_TRUE(st.ok()) << st;
      if (threads == 1) {
        first = dram;
        EXPECT_EQ(0, std::memcmp(dram.data() + out_bytes, dram.data() + out_bytes + copy_floats * 4,
                                 copy_floats * 4));
        continue;
      }
      EXPECT_TRUE(dram == first) << "k=" << s.k << " m=" << s.m << " n=" << s.n
                                 << " dtype=" << static_cast<int>(s.dtype)
                                 << " threads=" << threads;
    }
  }
}

// Weight DMAs into SBUF are deferred (the simulator reads the weights in
// place); every read of those SBUF bytes must still see what the copy would
// have written, around partial dense and strided overwrites, at 1 and 2
// threads (the matmul on the Tensor lane).
TEST(Simulator, DeferredWeightCopiesReadAsCopied) {
  // W [4 x 8]: W[k][m] = 10k + m + 1.
  std::vector<float> w(32);
  for (int k = 0; k < 4; ++k) {
    for (int m = 0; m < 8; ++m) w[k * 8 + m] = 10.0f * k + m + 1;
  }
  NeffBuilder b;
  b.set_dram_size(320);
  b.set_weights_f32(w);
  int dma = b.AddQueue(EngineType::DMA);
  int pe = b.AddQueue(EngineType::TENSOR);
  int vec = b.AddQueue(EngineType::VECTOR);
  // The stationary operand loaded by two DMAs of two partitions each.
  b.Add(dma, DmaCopy(Sbuf(0, 2, 0, {{1, 8}}), Weights(0, 2, 8, {{1, 8}})).Signal(0));
  b.Add(dma, DmaCopy(Sbuf(2, 2, 0, {{1, 8}}), Weights(64, 2, 8, {{1, 8}})).Signal(0));
  b.Add(dma, DmaCopy(Sbuf(0, 4, 64, {{1, 3}}), Dram(0, 4, 3, {{1, 3}})).Signal(0));
  b.Add(pe, Matmul(Psum(0, 8, 0, {{1, 3}}), Sbuf(0, 4, 0, {{1, 8}}), Sbuf(0, 4, 64, {{1, 3}}),
                   true, true)
                .Wait(0, 3)
                .Signal(1));
  // Partition 0, elements 0-1: overwritten densely.
  b.Add(vec, Memset(Sbuf(0, 1, 0, {{1, 2}}), 7.0f).Wait(1, 1).Signal(2));
  // Partition 1, elements 0 and 2: overwritten with a stride.
  b.Add(dma, DmaCopy(Sbuf(1, 1, 0, {{2, 2}}), Dram(48, 1, 2, {{1, 2}})).Wait(2, 1).Signal(3));
  b.Add(dma, DmaCopy(Dram(64, 4, 8, {{1, 8}}), Sbuf(0, 4, 0, {{1, 8}})).Wait(3, 1));
  b.Add(dma, DmaCopy(Dram(192, 8, 3, {{1, 3}}), Psum(0, 8, 0, {{1, 3}})).Wait(1, 1));
  std::string bytes = b.Build();
  auto model = neff::OpenModel(bytes);
  ASSERT_TRUE(model.ok()) << model.status();
  // mv [4 x 3] = k - n; then -1, -2 for the strided write.
  std::vector<float> in;
  for (int k = 0; k < 4; ++k) {
    for (int n = 0; n < 3; ++n) in.push_back(static_cast<float>(k - n));
  }
  in.push_back(-1);
  in.push_back(-2);
  std::vector<float> sbuf = w;
  sbuf[0] = sbuf[1] = 7;
  sbuf[8] = -1;
  sbuf[10] = -2;
  std::vector<float> product(24);
  for (int m = 0; m < 8; ++m) {
    for (int n = 0; n < 3; ++n) {
      for (int k = 0; k < 4; ++k) product[m * 3 + n] += w[k * 8 + m] * static_cast<float>(k - n);
    }
  }
  for (int threads : {1, 2}) {
    std::vector<uint8_t> dram = Bytes(in, (*model)->dram_size());
    ExecuteOptions options;
    options.threads = threads;
    options.lane_min_work = 0;  // the lane even for this small program
    absl::Status st = Execute(**model, dram.data(), nullptr, nullptr, options);
    ASSERT_TRUE(st.ok()) << st;
    EXPECT_EQ(Floats(dram, 64, 32), sbuf) << "threads=" << threads;
    EXPECT_EQ(Floats(dram, 192, 24), product) << "threads=" << threads;
  }
}

// A data-dependent fault (a gather index out of range) fails the replayed
// schedule at 1 and 2 threads with the queue and instruction named, while
// the Tensor engine has work of its own (no hang waiting for either side).
TEST(Simulator, GatherFaultFailsTheScheduleAtAnyThreadCount) {
  NeffBuilder b;
  b.set_dram_size(8192);
  b.set_weights_f32({0, 1, 10, 11, 20, 21, 30, 31});
  int dma = b.AddQueue(EngineType::DMA);
  int dma2 = b.AddQueue(EngineType::DMA, 1);
  int pe = b.AddQueue(EngineType::TENSOR);
  b.Add(dma, DmaCopy(Sbuf(0, 3, 0, {}, DType::I32), Dram(0, 3, 1, {}, DType::I32)).Signal(0));
  b.Add(dma, DmaCopy(Sbuf(0, 4, 1024, {{1, 64}}), Dram(64, 4, 64, {{1, 64}})).Signal(2));
  b.Add(dma2, DmaGather(Sbuf(0, 3, 64, {{1, 2}}), Weights(0, 4, 2, {{1, 2}}),
                        Sbuf(0, 3, 0, {}, DType::I32))
                  .Wait(0, 1)
                  .Signal(1));
  b.Add(dma2, DmaCopy(Dram(4096, 3, 2, {{1, 2}}), Sbuf(0, 3, 64, {{1, 2}})).Wait(1, 1));
  for (int i = 0; i < 4; ++i) {
    b.Add(pe, Matmul(Psum(0, 64, 0, {{1, 64}}), Sbuf(0, 4, 1024, {{1, 64}}),
                     Sbuf(0, 4, 1024, {{1, 64}}), i == 0, i == 3)
                  .Wait(2, 1));
  }
  std::string bytes = b.Build();
  auto model = neff::OpenModel(bytes);
  ASSERT_TRUE(model.ok()) << model.status();
  for (int threads : {1, 2}) {
    std::vector<uint8_t> dram((*model)->dram_size());
    const int32_t bad[] = {1, 4, 0};
    std::memcpy(dram.data(), bad, sizeof bad);
    ExecuteOptions options;
    options.threads = threads;
    options.lane_min_work = 0;  // the lane even for this small program
    absl::Status st = Execute(**model, dram.data(), nullptr, nullptr, options);
    ASSERT_FALSE(st.ok()) << "threads=" << threads;
    const std::string msg(st.message());
    EXPECT_NE(msg.find("DMA[1] instruction 0 (DMA_GATHER)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("index 4 at partition 1"), std::string::npos) << msg;
  }
}

// Every execution starts from zeroed SBUF, PSUM and DRAM (but the inputs),
// whatever ran on the thread before: the simulator re-zeroes only what the
// previous program could write.
TEST(Simulator, EachExecutionStartsFromZeroedMemories) {
  // Writes SBUF, PSUM and DRAM [16, 32) after reading them.
  NeffBuilder writer;
  writer.set_dram_size(64);
  {
    int dma = writer.AddQueue(EngineType::DMA);
    writer.Add(dma, DmaCopy(Dram(32, 2, 2, {{1, 2}}), Sbuf(0, 2, 100, {{1, 2}})).Signal(0));
    writer.Add(dma, DmaCopy(Dram(48, 2, 2, {{1, 2}}), Psum(0, 2, 8, {{1, 2}})).Signal(0));
    writer.Add(dma, DmaCopy(Sbuf(0, 2, 100, {{1, 2}}), Dram(0, 2, 2, {{1, 2}})).Wait(0, 2));
    writer.Add(dma, DmaCopy(Psum(0, 2, 8, {{1, 2}}), Dram(0, 2, 2, {{1, 2}})));
    writer.Add(dma, DmaCopy(Dram(16, 1, 4, {{1, 4}}), Dram(0, 1, 4, {{1, 4}})));
  }
  // Reads the same SBUF and PSUM bytes, never writing them.
  NeffBuilder reader;
  reader.set_dram_size(64);
  {
    int dma = reader.AddQueue(EngineType::DMA);
    reader.Add(dma, DmaCopy(Dram(32, 2, 2, {{1, 2}}), Sbuf(0, 2, 100, {{1, 2}})));
    reader.Add(dma, DmaCopy(Dram(48, 2, 2, {{1, 2}}), Psum(0, 2, 8, {{1, 2}})));
  }
  const std::vector<float> input = {1, 2, 3, 4};
  const std::vector<float> zeros(4, 0.0f);
  for (int round = 0; round < 2; ++round) {
    Result w = RunModel(writer, Bytes(input, 64));
    ASSERT_TRUE(w.status.ok()) << w.status;
    // It read zeros before writing: the previous round left nothing behind.
    EXPECT_EQ(Floats(w.dram, 32, 4), zeros) << "round " << round;
    EXPECT_EQ(Floats(w.dram, 48, 4), zeros) << "round " << round;
    EXPECT_EQ(Floats(w.dram, 16, 4), input);
    Result r = RunModel(reader, {});
    ASSERT_TRUE(r.status.ok()) << r.status;
    EXPECT_EQ(Floats(r.dram, 32, 4), zeros) << "round " << round;
    EXPECT_EQ(Floats(r.dram, 48, 4), zeros) << "round " << round;
  }
}

// A program-less model whose metadata names `target` (the test builder
// writes no metadata).
std::string ModelWithTarget(const std::string& target) {
  flatbuffers::FlatBufferBuilder fbb;
  const auto name = fbb.CreateString(target);
  neff::MetadataBuilder metadata(fbb);
  metadata.add_target(name);
  const auto metadata_offset = metadata.Finish();
  neff::ModelBuilder model(fbb);
  model.add_metadata(metadata_offset);
  fbb.Finish(model.Finish());
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

TEST(Simulator, RunsOnTheNeffsTarget) {
  const std::string v2 = ModelWithTarget(target::NeuronCoreV2().name);
  auto program = Decode(*flatbuffers::GetRoot<neff::Model>(v2.data()));
  ASSERT_TRUE(program.ok()) << program.status();
  ExecutionStats stats;
  ASSERT_TRUE(ExecuteDecoded(**program, nullptr, &stats).ok());
  EXPECT_EQ(stats.estimated_latency_ns, 0);

  const std::string unknown = ModelWithTarget("NeuronCore-v9");
  auto rejected = Decode(*flatbuffers::GetRoot<neff::Model>(unknown.data()));
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().message(),
            "NEFF load: unknown target 'NeuronCore-v9' (this runtime runs NeuronCore-v2)");
}

// y = x @ W (x [2 x 4] in DRAM 0, W [4 x 8] the weights, y [2 x 8] in DRAM
// 32), with W either loaded once by a load queue (`resident`) or copied
// from WEIGHTS by every execution. The matmul reads W from SBUF partitions
// 0-3, bytes [4096, 4128); the rest of SBUF the queues use lies around it.
NeffBuilder MatmulWithWeights(bool resident) {
  NeffBuilder b;
  b.set_dram_size(96);
  std::vector<float> w(32);
  for (int i = 0; i < 32; ++i) w[i] = 0.25f * i - 3;
  b.set_weights_f32(w);
  b.AddInput("x", DType::F32, {2, 4}, 0);
  b.AddOutput("y", DType::F32, {2, 8}, 32);
  const Ap w_sbuf = Sbuf(0, 4, 4096, {{1, 8}});
  const Ap w_src = Weights(0, 4, 8, {{1, 8}});
  int dma = b.AddQueue(EngineType::DMA, 0);
  int pe = b.AddQueue(EngineType::TENSOR);
  int act = b.AddQueue(EngineType::SCALAR);
  // x^T: 4 partitions (K) x 2 (M), stationary.
  b.Add(dma, DmaCopy(Sbuf(0, 4, 0, {{1, 2}}), Dram(0, 4, 1, {{4, 2}})).Signal(0));
  if (resident) {
    b.AddLoad(b.AddLoadQueue(EngineType::DMA, 3), DmaCopy(w_sbuf, w_src));
  } else {
    b.Add(b.AddQueue(EngineType::DMA, 3), DmaCopy(w_sbuf, w_src).Signal(3));
  }
  Inst mm = Matmul(Psum(0, 2, 0, {{1, 8}}), Sbuf(0, 4, 0, {{1, 2}}), w_sbuf, true, true)
                .Wait(0, 1)
                .Signal(1);
  if (!resident) mm.Wait(3, 1);
  b.Add(pe, std::move(mm));
  // Written right after W in SBUF (bytes [4128, 4160)).
  b.Add(act, Activation(Sbuf(0, 2, 4128, {{1, 8}}), Psum(0, 2, 0, {{1, 8}}),
                        neff::ActivationFunction::IDENTITY)
                 .Wait(1, 1)
                 .Signal(2));
  b.Add(dma, DmaCopy(Dram(32, 2, 8, {{1, 8}}), Sbuf(0, 2, 4128, {{1, 8}})).Wait(2, 1));
  return b;
}

std::vector<float> MatmulReference(const std::vector<float>& x) {
  std::vector<float> y(16, 0.0f);
  for (int m = 0; m < 2; ++m) {
    for (int n = 0; n < 8; ++n) {
      for (int k = 0; k < 4; ++k) y[m * 8 + n] += x[m * 4 + k] * (0.25f * (k * 8 + n) - 3);
    }
  }
  return y;
}

TEST(Simulator, LoadQueuesKeepWeightsResidentAcrossExecutions) {
  const std::string resident_bytes = MatmulWithWeights(true).Build();
  const std::string streaming_bytes = MatmulWithWeights(false).Build();
  auto resident = neff::OpenModel(resident_bytes);
  auto streaming = neff::OpenModel(streaming_bytes);
  ASSERT_TRUE(resident.ok()) << resident.status();
  ASSERT_TRUE(streaming.ok()) << streaming.status();
  EXPECT_EQ((*resident)->version_major(), neff::kVersionMajor);
  auto program = Decode(**resident);
  ASSERT_TRUE(program.ok()) << program.status();

  const std::vector<float> x = {1, -2, 0.5f, 3, -1, 4, 2, -0.25f};
  auto run = [&](auto execute) {
    std::vector<uint8_t> dram = Bytes(x, 96);
    ExecutionStats stats;
    absl::Status s = execute(dram.data(), &stats);
    EXPECT_TRUE(s.ok()) << s;
    return std::make_pair(Floats(dram, 32, 16), stats);
  };
  const auto [want, streaming_stats] =
      run([&](uint8_t* dram, ExecutionStats* stats) { return Execute(**streaming, dram, stats); });
  EXPECT_EQ(want, MatmulReference(x));
  auto decoded = [&](uint8_t* dram, ExecutionStats* stats) {
    return ExecuteDecoded(**program, dram, stats);
  };
  const auto [first, first_stats] = run(decoded);
  const auto [second, second_stats] = run(decoded);
  EXPECT_EQ(first, want);
  EXPECT_EQ(second, want);
  // Another program on this thread in between overwrites that SBUF.
  {
    NeffBuilder other;
    other.Add(other.AddQueue(EngineType::VECTOR), Memset(Sbuf(0, 128, 0, {{1, 2048}}), 9.0f));
    const std::string bytes = other.Build();
    auto model = neff::OpenModel(bytes);
    ASSERT_TRUE(model.ok());
    ASSERT_TRUE(Execute(**model, nullptr, nullptr).ok());
  }
  EXPECT_EQ(run(decoded).first, want);
  EXPECT_EQ(run([&](uint8_t* dram, ExecutionStats* stats) {
              return Execute(**resident, dram, stats);
            }).first,
            want);
  ExecuteOptions threads;
  threads.threads = 3;
  EXPECT_EQ(run([&](uint8_t* dram, ExecutionStats* stats) {
              return ExecuteVerified(**resident, dram, stats, nullptr, threads);
            }).first,
            want);

  // The load is paid once, at decode, and reported apart.
  const target::CoreSpec& spec = target::NeuronCoreV2();
  const LoadStats& load = LoadStatsOf(**program);
  EXPECT_DOUBLE_EQ(load.estimated_ns, target::DmaNs(spec, 128, 32));
  EXPECT_DOUBLE_EQ(load.dma_busy_ns, load.estimated_ns);
  EXPECT_EQ(load.instructions, 1);
  EXPECT_EQ(load.dma_bytes, 128);
  EXPECT_EQ(load.resident_bytes, 128);
  EXPECT_EQ(first_stats.Instructions(target::Engine::kDma), 2);
  EXPECT_EQ(first_stats.dma_bytes, 32 + 64);
  EXPECT_EQ(streaming_stats.dma_bytes, 32 + 64 + 128);
  EXPECT_DOUBLE_EQ(first_stats.estimated_latency_ns, second_stats.estimated_latency_ns);
  EXPECT_LT(first_stats.estimated_latency_ns, streaming_stats.estimated_latency_ns);
  auto plain = Decode(**streaming);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(LoadStatsOf(**plain).estimated_ns, 0);
  EXPECT_EQ(LoadStatsOf(**plain).resident_bytes, 0);
}

TEST(Simulator, ResidentSbufIsRestoredAroundWhatTheQueuesWrite) {
  // The load fills partitions 0-1 bytes [16, 32) and partition 1 bytes
  // [64, 72): resident are partition 0's [16, 32) and partition 1's
  // [16, 72). Each execution first reads both partitions back, then writes
  // around the resident bytes (which the next execution must not see).
  NeffBuilder b;
  b.set_dram_size(2 * 96 * 4);
  std::vector<float> w(10);
  for (int i = 0; i < 10; ++i) w[i] = 10.0f + i;
  b.set_weights_f32(w);
  int load = b.AddLoadQueue(EngineType::DMA, 0);
  b.AddLoad(load, DmaCopy(Sbuf(0, 2, 16, {{1, 4}}), Weights(0, 2, 4, {{1, 4}})));
  b.AddLoad(b.AddLoadQueue(EngineType::DMA, 1),
            DmaCopy(Sbuf(1, 1, 64, {{1, 2}}), Weights(32, 1, 0, {{1, 2}})));
  int vec = b.AddQueue(EngineType::VECTOR);
  int dma = b.AddQueue(EngineType::DMA, 0);
  b.Add(dma, DmaCopy(Dram(0, 2, 96, {{1, 96}}), Sbuf(0, 2, 0, {{1, 96}})).Signal(0));
  b.Add(vec, Memset(Sbuf(0, 2, 0, {{1, 4}}), 1.0f).Wait(0, 1));
  b.Add(vec, Memset(Sbuf(0, 1, 32, {{1, 20}}), 2.0f));
  b.Add(vec, Memset(Sbuf(1, 1, 72, {{1, 4}}), 4.0f).Signal(1));
  const std::string bytes = b.Build();
  auto model = neff::OpenModel(bytes);
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_TRUE(neff::Verify(**model).ok()) << neff::Verify(**model);
  auto program = Decode(**model);
  ASSERT_TRUE(program.ok()) << program.status();
  std::vector<float> want(2 * 96, 0.0f);
  for (int p = 0; p < 2; ++p) {
    for (int j = 0; j < 4; ++j) want[p * 96 + 4 + j] = 10.0f + p * 4 + j;
  }
  want[96 + 16] = 18;
  want[96 + 17] = 19;
  for (int run = 0; run < 3; ++run) {
    std::vector<uint8_t> dram(2 * 96 * 4);
    ExecutionStats stats;
    ASSERT_TRUE(ExecuteDecoded(**program, dram.data(), &stats).ok());
    EXPECT_EQ(Floats(dram, 0, 2 * 96), want) << "run " << run;
  }
  EXPECT_EQ(LoadStatsOf(**program).resident_bytes, 16 + 56);
  EXPECT_EQ(LoadStatsOf(**program).dma_bytes, 32 + 8);
  // Two DMA queues in parallel: the load takes as long as the longer one.
  EXPECT_LT(LoadStatsOf(**program).estimated_ns, LoadStatsOf(**program).dma_busy_ns);
}

TEST(Simulator, LoadQueuesRunUnderTheLimits) {
  NeffBuilder b = MatmulWithWeights(true);
  b.AddLoad(0, DmaCopy(Sbuf(4, 4, 4096, {{1, 8}}), Weights(0, 4, 8, {{1, 8}})));
  const std::string bytes = b.Build();
  auto model = neff::OpenModel(bytes);
  ASSERT_TRUE(model.ok()) << model.status();
  ExecuteOptions options;
  options.max_instructions = 1;
  auto program = Decode(**model, options);
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(program.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(program.status().message(),
            "loading the model: execution stopped: the limit of 1 instructions was reached at "
            "load queue DMA[3] instruction 1 (DMA_COPY)");
  std::vector<uint8_t> dram(96);
  EXPECT_EQ(ExecuteVerified(**model, dram.data(), nullptr, nullptr, options).code(),
            absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace ncc::sim
