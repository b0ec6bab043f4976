#include "neff/verifier.h"

#include <gtest/gtest.h>

#include <string>

#include "neff/access_pattern.h"
#include "neff/format.h"
#include "neff/test_builder.h"

namespace neff {
namespace {

using namespace neff::test_builder;  // NOLINT: the builder's small vocabulary

absl::Status VerifyBytes(const std::string& bytes) {
  auto model = OpenModel(bytes);
  if (!model.ok()) return model.status();
  return Verify(**model);
}

// One instruction on one queue; returns the verifier's message ("" if OK).
std::string Check(EngineType engine, Inst inst, uint64_t dram_size = 1024,
                  uint32_t num_semaphores = 4) {
  NeffBuilder b;
  b.set_dram_size(dram_size);
  b.set_num_semaphores(num_semaphores);
  b.set_weights_f32(std::vector<float>(16, 1.0f));
  int q = b.AddQueue(engine);
  b.Add(q, std::move(inst));
  absl::Status s = VerifyBytes(b.Build());
  return s.ok() ? "" : std::string(s.message());
}

#define EXPECT_REJECTED(msg, fragment)                                \
  do {                                                                \
    std::string m_ = (msg);                                           \
    EXPECT_NE(m_.find(fragment), std::string::npos) << "got: " << m_; \
  } while (0)

Ap Tile(uint32_t partitions, uint32_t free, uint64_t offset = 0) {
  return Sbuf(0, partitions, offset, {{1, free}});
}

TEST(Verifier, AcceptsValidInstructions) {
  EXPECT_EQ(Check(EngineType::DMA, DmaCopy(Tile(4, 8), Dram(0, 4, 8, {{1, 8}}))), "");
  EXPECT_EQ(Check(EngineType::TENSOR, Matmul(Psum(0, 128, 0, {{1, 512}}), Tile(128, 128),
                                             Tile(128, 512, 1024), true, true)),
            "");
  EXPECT_EQ(
      Check(EngineType::SCALAR, Activation(Tile(2, 3), Tile(2, 3, 64), ActivationFunction::TANH,
                                           1.0f, Sbuf(0, 2, 128, {}))),
      "");
  EXPECT_EQ(Check(EngineType::DMA, DmaCopy(Tile(1, 4), Dram(12, 1, 0, {{-1, 4}}))),
            "");  // negative stride, lowest byte 0
}

TEST(Verifier, RejectsOutOfBoundsSbuf) {
  EXPECT_REJECTED(Check(EngineType::VECTOR, Memset(Sbuf(120, 16, 0, {{1, 4}}), 0.0f)),
                  "NEFF verify: queue VECTOR[0] instruction 0 (MEMSET): dst: SBUF "
                  "partitions [120, 136) exceed the 128 partitions");
  EXPECT_REJECTED(Check(EngineType::VECTOR, Memset(Sbuf(0, 1, 196600, {{1, 4}}), 0.0f)),
                  "SBUF access touches bytes [196600, 196615] of a 196608-byte partition");
  // Overflowing strides are caught, not wrapped.
  EXPECT_REJECTED(Check(EngineType::VECTOR, Memset(Sbuf(0, 1, 0, {{int64_t{1} << 62, 4}}), 0.0f)),
                  "SBUF access touches bytes");
  EXPECT_REJECTED(Check(EngineType::VECTOR, Memset(Sbuf(0, 1, 0, {{-1, 2}}), 0.0f)),
                  "SBUF access touches bytes [-4, 3]");
}

TEST(Verifier, RejectsOutOfBoundsPsumAndDram) {
  EXPECT_REJECTED(
      Check(EngineType::VECTOR, TensorCopy(Psum(0, 1, 16384 - 8, {{1, 4}}), Tile(1, 4))),
      "dst: PSUM access touches bytes [16376, 16391] of a 16384-byte");
  EXPECT_REJECTED(Check(EngineType::DMA, DmaCopy(Tile(4, 8), Dram(0, 4, 8, {{1, 8}})), 100),
                  "src0: DRAM access touches bytes [0, 127] of a 100-byte space");
  EXPECT_REJECTED(Check(EngineType::DMA, DmaCopy(Tile(1, 32), Weights(0, 1, 0, {{1, 32}}))),
                  "src0: WEIGHTS access touches bytes [0, 127] of a 64-byte space");
  EXPECT_REJECTED(Check(EngineType::DMA, DmaCopy(Tile(1, 4), Dram(4, 1, 0, {{-4, 4}}))),
                  "DRAM access touches bytes [-44, 7]");
}

TEST(Verifier, RejectsHugeBroadcasts) {
  EXPECT_REJECTED(Check(EngineType::DMA, DmaCopy(Dram(0, 1, 0, {{0, 1u << 20}, {0, 1u << 20}}),
                                                 Dram(0, 1, 0, {{0, 1u << 20}, {0, 1u << 20}}))),
                  "more than");
}

TEST(Verifier, RejectsBadSemaphores) {
  EXPECT_REJECTED(Check(EngineType::VECTOR, Memset(Tile(1, 4), 0.0f).Wait(4, 1)),
                  "waits on semaphore 4 but the model has 4");
  EXPECT_REJECTED(Check(EngineType::VECTOR, Memset(Tile(1, 4), 0.0f).Signal(9)),
                  "signals semaphore 9 but the model has 4");
  EXPECT_REJECTED(Check(EngineType::VECTOR, Memset(Tile(1, 4), 0.0f), 1024, 300),
                  "num_semaphores 300 exceeds the core's 256");
}

TEST(Verifier, RejectsWrongEngine) {
  EXPECT_REJECTED(Check(EngineType::VECTOR,
                        Matmul(Psum(0, 4, 0, {{1, 4}}), Tile(4, 4), Tile(4, 4, 64), true, true)),
                  "queue VECTOR[0] instruction 0 (MATMUL): opcode MATMUL cannot run on the "
                  "VECTOR engine");
  EXPECT_REJECTED(Check(EngineType::TENSOR, DmaCopy(Tile(1, 4), Tile(1, 4, 64))),
                  "cannot run on the TENSOR engine");
  EXPECT_REJECTED(Check(EngineType::SCALAR, Memset(Tile(1, 4), 0.0f)),
                  "cannot run on the SCALAR engine");
}

TEST(Verifier, RejectsMatmulLimits) {
  EXPECT_REJECTED(Check(EngineType::TENSOR, Matmul(Psum(0, 4, 0, {{1, 600}}), Tile(4, 4),
                                                   Tile(4, 600, 64), true, true)),
                  "NEFF verify: queue TENSOR[0] instruction 0 (MATMUL): moving operand has "
                  "600 free elements, limit 512");
  EXPECT_REJECTED(Check(EngineType::TENSOR, Matmul(Psum(0, 128, 0, {{1, 4}}), Tile(4, 129),
                                                   Tile(4, 4, 1024), true, true)),
                  "stationary operand has 129 free elements, limit 128");
  EXPECT_REJECTED(Check(EngineType::TENSOR,
                        Matmul(Psum(0, 4, 0, {{1, 4}}), Tile(4, 4), Tile(3, 4, 64), true, true)),
                  "K=4 partitions but moving has 3");
  EXPECT_REJECTED(Check(EngineType::TENSOR, Matmul(Psum(0, 4, 0, {{1, 4}}, DType::BF16), Tile(4, 4),
                                                   Tile(4, 4, 64), true, true)),
                  "matmul dst must be F32 in PSUM");
  EXPECT_REJECTED(Check(EngineType::TENSOR,
                        Matmul(Psum(0, 4, 2040, {{1, 4}}), Tile(4, 4), Tile(4, 4, 64), true, true)),
                  "cross a 2048-byte PSUM bank boundary");
  EXPECT_REJECTED(
      Check(EngineType::TENSOR, Matmul(Psum(0, 4, 0, {{1, 4}}), Sbuf(0, 4, 0, {{1, 4}}, DType::I32),
                                       Tile(4, 4, 64), true, true)),
      "matmul inputs must be F32, BF16 or F16");
  EXPECT_REJECTED(Check(EngineType::TENSOR,
                        Matmul(Psum(0, 4, 0, {{1, 5}}), Tile(4, 4), Tile(4, 4, 64), true, true)),
                  "but the matmul result is [M=4 x N=4]");
}

TEST(Verifier, RejectsIllegalOperands) {
  EXPECT_REJECTED(Check(EngineType::DMA, DmaCopy(Weights(0, 1, 0, {{1, 4}}), Tile(1, 4))),
                  "dst is in WEIGHTS, which is read-only");
  EXPECT_REJECTED(Check(EngineType::VECTOR, TensorCopy(Tile(1, 4), Dram(0, 1, 0, {{1, 4}}))),
                  "src0 is in DRAM; only DMA queues may touch DRAM or WEIGHTS");
  EXPECT_REJECTED(Check(EngineType::DMA, DmaCopy(Tile(1, 4), Tile(1, 5, 64))),
                  "dst has 4 elements but src0 has 5");
  EXPECT_REJECTED(Check(EngineType::VECTOR,
                        TensorTensor(Tile(2, 4), Tile(2, 4, 64), Tile(1, 4, 128), AluOp::ADD)),
                  "dst is [2 partitions x 4] but src1 is [1 x 4]");
  Inst missing = TensorTensor(Tile(2, 4), Tile(2, 4, 64), Tile(2, 4, 128), AluOp::ADD);
  missing.src1.reset();
  EXPECT_REJECTED(Check(EngineType::VECTOR, missing), "missing required operand src1");
  EXPECT_REJECTED(
      Check(EngineType::SCALAR, Activation(Tile(2, 3), Tile(2, 3, 64), ActivationFunction::RELU,
                                           1.0f, Sbuf(0, 2, 128, {{1, 2}}))),
      "bias must be one element per partition");
  EXPECT_REJECTED(Check(EngineType::VECTOR, Memset(Sbuf(0, 1, 2, {{1, 4}}), 0.0f)), "not aligned");
}

TEST(Verifier, RejectsBadQueuesAndTensors) {
  {
    NeffBuilder b;
    b.AddQueue(EngineType::DMA, 16);
    EXPECT_REJECTED(std::string(VerifyBytes(b.Build()).message()),
                    "queue DMA[16] has an invalid index");
  }
  {
    NeffBuilder b;
    b.set_dram_size(16);
    b.AddInput("x", DType::F32, {2, 4}, 0);
    EXPECT_REJECTED(std::string(VerifyBytes(b.Build()).message()),
                    "input 'x' at DRAM offset 0 does not fit the 16-byte DRAM");
  }
  {
    NeffBuilder b;
    b.set_dram_size(64);
    b.AddOutput("y", DType::F32, {2}, 0);
    b.AddOutput("y", DType::F32, {2}, 8);
    EXPECT_REJECTED(std::string(VerifyBytes(b.Build()).message()), "output 'y' is declared twice");
  }
}

TEST(Verifier, NewOpcodesEngineLegality) {
  EXPECT_EQ(Check(EngineType::VECTOR, TensorReduce(Tile(2, 1), Tile(2, 8, 64), AluOp::ADD)), "");
  EXPECT_EQ(Check(EngineType::GPSIMD, TensorReduce(Tile(2, 4), Tile(2, 8, 64), AluOp::MAXIMUM)),
            "");
  EXPECT_REJECTED(Check(EngineType::SCALAR, TensorReduce(Tile(2, 1), Tile(2, 8, 64), AluOp::ADD)),
                  "opcode TENSOR_REDUCE cannot run on the SCALAR engine");
  EXPECT_EQ(Check(EngineType::GPSIMD, Iota(Tile(4, 8), 0, 1, 1)), "");
  EXPECT_REJECTED(Check(EngineType::VECTOR, Iota(Tile(4, 8), 0, 1, 1)),
                  "opcode IOTA cannot run on the VECTOR engine");
  EXPECT_EQ(Check(EngineType::VECTOR,
                  Select(Tile(2, 4), Tile(2, 4, 64), Tile(2, 4, 128), Tile(2, 4, 192))),
            "");
  EXPECT_REJECTED(Check(EngineType::TENSOR,
                        Select(Tile(2, 4), Tile(2, 4, 64), Tile(2, 4, 128), Tile(2, 4, 192))),
                  "cannot run on the TENSOR engine");
  EXPECT_REJECTED(Check(EngineType::GPSIMD, Transpose(Tile(4, 2), Tile(2, 4, 64))),
                  "opcode TRANSPOSE cannot run on the GPSIMD engine");
  EXPECT_REJECTED(Check(EngineType::VECTOR, DmaGather(Tile(2, 2), Weights(0, 4, 2, {{1, 2}}),
                                                      Sbuf(0, 2, 64, {}, DType::I32))),
                  "opcode DMA_GATHER cannot run on the VECTOR engine");
}

TEST(Verifier, NewOpcodesOperandRules) {
  EXPECT_REJECTED(Check(EngineType::VECTOR, TensorReduce(Tile(2, 3), Tile(2, 8, 64), AluOp::ADD)),
                  "src0 free size 8 is not a multiple of dst free size 3");
  EXPECT_REJECTED(
      Check(EngineType::VECTOR, TensorReduce(Tile(2, 1), Tile(2, 8, 64), AluOp::DIVIDE)),
      "reduce op must be ADD, MULTIPLY, MAXIMUM or MINIMUM, got DIVIDE");
  EXPECT_REJECTED(Check(EngineType::VECTOR, TensorReduce(Tile(3, 1), Tile(2, 8, 64), AluOp::ADD)),
                  "dst has 3 partitions but src0 has 2");
  Inst no_false = Select(Tile(2, 4), Tile(2, 4, 64), Tile(2, 4, 128), Tile(2, 4, 192));
  no_false.src2.reset();
  EXPECT_REJECTED(Check(EngineType::VECTOR, no_false), "missing required operand src2");
  EXPECT_REJECTED(Check(EngineType::VECTOR,
                        Select(Tile(2, 4), Tile(2, 4, 64), Tile(2, 4, 128), Tile(2, 3, 192))),
                  "dst is [2 partitions x 4] but src2 is [2 x 3]");
  EXPECT_REJECTED(
      Check(EngineType::VECTOR,
            TensorScalar(Tile(2, 4), Tile(2, 4, 64), AluOp::ADD, 0).Scalar1(Sbuf(0, 3, 128, {}))),
      "src1 (per-partition scalar) must be one element per partition for 2 "
      "partitions");
  EXPECT_REJECTED(Check(EngineType::VECTOR, TensorScalar(Tile(2, 4), Tile(2, 4, 64), AluOp::ADD, 0)
                                                .Scalar2(Sbuf(0, 2, 128, {}, DType::BF16))),
                  "src2 (per-partition scalar) must be F32, got BF16");
  Inst bad_op2 = TensorScalar(Tile(2, 4), Tile(2, 4, 64), AluOp::ADD, 0);
  bad_op2.alu2 = static_cast<AluOp>(99);
  EXPECT_REJECTED(Check(EngineType::VECTOR, bad_op2), "unknown second ALU op 99");
  EXPECT_REJECTED(
      Check(EngineType::SCALAR, Activation(Tile(2, 4), Tile(2, 4, 64), ActivationFunction::EXP)
                                    .Accum(Sbuf(0, 2, 128, {{1, 2}}))),
      "accum must be one element per partition for 2 partitions, got [2 x 2]");
  EXPECT_EQ(
      Check(EngineType::SCALAR, Activation(Tile(2, 4), Tile(2, 4, 64), ActivationFunction::SILU)
                                    .Accum(Psum(0, 2, 0, {}))),
      "");
}

TEST(Verifier, TransposeLimits) {
  EXPECT_EQ(Check(EngineType::VECTOR, Transpose(Tile(32, 32), Tile(32, 32, 256))), "");
  EXPECT_REJECTED(Check(EngineType::VECTOR, Transpose(Tile(33, 2), Tile(2, 33, 256))),
                  "Vector engine transpose of [2 x 33] exceeds the 32 x 32 limit");
  EXPECT_REJECTED(Check(EngineType::VECTOR, Transpose(Tile(3, 2), Tile(2, 4, 256))),
                  "the transpose of src0 [2 x 4] is [4 x 2]");
  EXPECT_EQ(Check(EngineType::TENSOR, Transpose(Psum(0, 128, 0, {{1, 128}}), Tile(128, 128))), "");
  EXPECT_REJECTED(Check(EngineType::TENSOR, Transpose(Tile(128, 128, 65536), Tile(128, 128))),
                  "Tensor engine transpose dst must be F32 in PSUM, got F32 in SBUF");
  EXPECT_REJECTED(Check(EngineType::TENSOR,
                        Transpose(Psum(0, 4, 0, {{1, 4}}), Sbuf(0, 4, 0, {{1, 4}}, DType::I32))),
                  "Tensor engine transpose src0 must be F32, BF16 or F16 in SBUF, got I32");
  EXPECT_REJECTED(Check(EngineType::TENSOR, Transpose(Psum(0, 4, 2040, {{1, 4}}), Tile(4, 4))),
                  "cross a 2048-byte PSUM bank boundary");
}

TEST(Verifier, GatherRules) {
  EXPECT_EQ(Check(EngineType::DMA, DmaGather(Tile(2, 2), Weights(0, 4, 2, {{1, 2}}),
                                             Sbuf(0, 2, 64, {}, DType::I64))),
            "");
  EXPECT_REJECTED(Check(EngineType::DMA, DmaGather(Tile(2, 2), Weights(0, 4, 2, {{1, 2}}),
                                                   Sbuf(0, 2, 64, {}, DType::F32))),
                  "gather indices src1 must be I32 or I64 in SBUF, got F32 in SBUF");
  EXPECT_REJECTED(Check(EngineType::DMA, DmaGather(Tile(2, 2), Weights(0, 4, 2, {{1, 2}}),
                                                   Sbuf(0, 3, 64, {}, DType::I32))),
                  "gather indices must be one element per partition for 2 partitions");
  EXPECT_REJECTED(Check(EngineType::DMA, DmaGather(Tile(2, 3), Weights(0, 4, 2, {{1, 2}}),
                                                   Sbuf(0, 2, 64, {}, DType::I32))),
                  "dst has 3 free elements but a gathered row of src0 has 2");
  EXPECT_REJECTED(Check(EngineType::DMA,
                        DmaGather(Tile(2, 2), Tile(4, 2, 256), Sbuf(0, 2, 64, {}, DType::I32))),
                  "gather table src0 must be in DRAM or WEIGHTS, got SBUF");
  EXPECT_REJECTED(
      Check(EngineType::DMA, DmaGather(Dram(0, 2, 2, {{1, 2}}), Weights(0, 4, 2, {{1, 2}}),
                                       Sbuf(0, 2, 64, {}, DType::I32))),
      "gather dst must be in SBUF, got DRAM");
  // The whole table must be in bounds, whatever the indices turn out to be.
  EXPECT_REJECTED(Check(EngineType::DMA, DmaGather(Tile(2, 2), Weights(0, 40, 2, {{1, 2}}),
                                                   Sbuf(0, 2, 64, {}, DType::I32))),
                  "src0: WEIGHTS access touches bytes");
}

// A model whose load queue puts 16 floats of weights into partitions 0-3,
// bytes [64, 80), and whose queues run `inst` (on `engine`); returns the
// verifier's message ("" if OK).
std::string CheckWithLoad(Inst load, EngineType engine, Inst inst,
                          EngineType load_engine = EngineType::DMA) {
  NeffBuilder b;
  b.set_dram_size(1024);
  b.set_num_semaphores(4);
  b.set_weights_f32(std::vector<float>(16, 1.0f));
  int lq = b.AddLoadQueue(load_engine, 2);
  b.AddLoad(lq, std::move(load));
  int q = b.AddQueue(engine);
  b.Add(q, std::move(inst));
  absl::Status s = VerifyBytes(b.Build());
  return s.ok() ? "" : std::string(s.message());
}

Inst GoodLoad() { return DmaCopy(Sbuf(0, 4, 64, {{1, 4}}), Weights(0, 4, 4, {{1, 4}})); }

TEST(Verifier, AcceptsLoadQueues) {
  // Reading the resident weights, and writing right beside them.
  EXPECT_EQ(CheckWithLoad(GoodLoad(), EngineType::VECTOR,
                          TensorScalar(Tile(4, 4, 80), Tile(4, 4, 64), AluOp::ADD, 1.0f)),
            "");
  EXPECT_EQ(CheckWithLoad(GoodLoad(), EngineType::VECTOR, Memset(Tile(4, 16, 0), 0.0f)), "");
  // Partitions the load leaves alone are free at the same bytes.
  EXPECT_EQ(CheckWithLoad(GoodLoad(), EngineType::VECTOR, Memset(Sbuf(4, 124, 64, {{1, 4}}), 0.0f)),
            "");
  EXPECT_EQ(
      CheckWithLoad(GoodLoad(), EngineType::DMA, DmaCopy(Dram(0, 4, 4, {{1, 4}}), Tile(4, 4, 64))),
      "");
}

TEST(Verifier, RejectsBadLoadInstructions) {
  const Inst reader = TensorScalar(Tile(4, 4, 80), Tile(4, 4, 64), AluOp::ADD, 1.0f);
  EXPECT_REJECTED(CheckWithLoad(GoodLoad().Wait(0, 1), EngineType::VECTOR, reader),
                  "NEFF verify: load queue DMA[2] instruction 0 (DMA_COPY): a load instruction "
                  "cannot wait (it waits for semaphore 0 >= 1)");
  EXPECT_REJECTED(CheckWithLoad(GoodLoad().Signal(1), EngineType::VECTOR, reader),
                  "NEFF verify: load queue DMA[2] instruction 0 (DMA_COPY): a load instruction "
                  "cannot signal (it signals semaphore 1)");
  EXPECT_REJECTED(CheckWithLoad(Memset(Tile(4, 4, 64), 1.0f), EngineType::VECTOR, reader),
                  "NEFF verify: load queue DMA[2] instruction 0 (MEMSET): load queues hold only "
                  "DMA_COPY (WEIGHTS to SBUF)");
  EXPECT_REJECTED(
      CheckWithLoad(DmaCopy(Tile(4, 4, 64), Dram(0, 4, 4, {{1, 4}})), EngineType::VECTOR, reader),
      "NEFF verify: load queue DMA[2] instruction 0 (DMA_COPY): load src0 must be in "
      "WEIGHTS, got DRAM");
  EXPECT_REJECTED(CheckWithLoad(DmaCopy(Psum(0, 4, 64, {{1, 4}}), Weights(0, 4, 4, {{1, 4}})),
                                EngineType::VECTOR, reader),
                  "load dst must be in SBUF, got PSUM");
  EXPECT_REJECTED(CheckWithLoad(DmaCopy(Tile(4, 8, 64), Weights(0, 4, 8, {{1, 8}})),
                                EngineType::VECTOR, reader),
                  "NEFF verify: load queue DMA[2] instruction 0 (DMA_COPY): src0: WEIGHTS access "
                  "touches bytes [0, 127] of a 64-byte space");
  EXPECT_REJECTED(CheckWithLoad(GoodLoad(), EngineType::VECTOR, reader, EngineType::TENSOR),
                  "NEFF verify: load queue 0 is on the TENSOR engine; load queues are DMA queues");
}

TEST(Verifier, RejectsWritesToResidentSbuf) {
  EXPECT_REJECTED(CheckWithLoad(GoodLoad(), EngineType::VECTOR, Memset(Tile(8, 2, 76), 0.0f)),
                  "NEFF verify: queue VECTOR[0] instruction 0 (MEMSET): dst writes SBUF partition "
                  "0 bytes [76, 83], which the load queues keep resident (bytes [64, 79])");
  EXPECT_REJECTED(CheckWithLoad(GoodLoad(), EngineType::DMA,
                                DmaCopy(Sbuf(3, 1, 60, {{1, 2}}), Dram(0, 1, 0, {{1, 2}}))),
                  "NEFF verify: queue DMA[0] instruction 0 (DMA_COPY): dst writes SBUF partition 3 "
                  "bytes [60, 67]");
  EXPECT_REJECTED(
      CheckWithLoad(GoodLoad(), EngineType::SCALAR,
                    Activation(Tile(4, 4, 0), Tile(4, 4, 64), ActivationFunction::RELU)
                        .Accum(Sbuf(0, 4, 72, {}))),
      "(ACTIVATION): accum writes SBUF partition 0 bytes [72, 75], which the load queues keep "
      "resident");
}

TEST(Verifier, ResidentSbufIsTheBoundingRangePerPartition) {
  SpaceSizes sizes;
  sizes.sbuf_partition = 196608;
  sizes.partitions = 128;
  sizes.weights = 1 << 20;
  auto geometry = [&](const Ap& ap) {
    NeffBuilder b;
    b.set_weights(std::vector<uint8_t>(1 << 20));
    int q = b.AddQueue(EngineType::DMA);
    b.Add(q, DmaCopy(ap, Weights(0, 1, 0, {{1, 1}})));
    const std::string bytes = b.Build();
    auto model = OpenModel(bytes);
    EXPECT_TRUE(model.ok());
    auto g =
        ResolveAccessPattern(*(*model)->queues()->Get(0)->instructions()->Get(0)->dst(), sizes);
    EXPECT_TRUE(g.ok()) << g.status();
    return g.ok() ? *g : ApGeometry{};
  };
  ResidentSbuf resident(128);
  EXPECT_TRUE(resident.empty());
  resident.Add(geometry(Sbuf(2, 2, 100, {{1, 4}})), sizes.sbuf_partition);  // [100, 116)
  resident.Add(geometry(Sbuf(3, 2, 200, {{2, 2}})), sizes.sbuf_partition);  // [200, 212)
  EXPECT_EQ(resident.lo(2), 100);
  EXPECT_EQ(resident.hi(2), 116);
  EXPECT_EQ(resident.lo(3), 100);
  EXPECT_EQ(resident.hi(3), 212);
  EXPECT_EQ(resident.lo(4), 200);
  EXPECT_EQ(resident.hi(4), 212);
  EXPECT_EQ(resident.hi(5), 0);
  EXPECT_EQ(resident.max_hi(), 212);
  EXPECT_EQ(resident.bytes(), 16 + 112 + 12);
  EXPECT_EQ(resident.FirstOverlap(geometry(Sbuf(0, 8, 148, {{1, 1}})), sizes.sbuf_partition), 3);
  EXPECT_EQ(resident.FirstOverlap(geometry(Sbuf(0, 8, 116, {{1, 1}})), sizes.sbuf_partition), 3);
  EXPECT_EQ(resident.FirstOverlap(geometry(Sbuf(2, 1, 116, {{1, 1}})), sizes.sbuf_partition), -1);
  EXPECT_EQ(resident.FirstOverlap(geometry(Sbuf(0, 128, 212, {{1, 8}})), sizes.sbuf_partition), -1);
}

// A pipelined container around two stages (their bytes are not opened).
NeffBuilder Pipeline() {
  NeffBuilder b;
  b.AddInput("x", DType::F32, {2, 4}, 0);
  b.AddOutput("y", DType::F32, {2, 4}, 0);
  b.AddStage(ReluPlusOneNeff(), {{-1, 0}});
  b.AddStage(ReluPlusOneNeff(), {{0, 0}});
  b.AddOutputSource({1, 0});
  return b;
}

TEST(Verifier, PipelinedModelIsAContainer) {
  EXPECT_TRUE(VerifyBytes(Pipeline().Build()).ok()) << VerifyBytes(Pipeline().Build());
  {
    NeffBuilder b = Pipeline();
    b.AddQueue(EngineType::VECTOR);
    EXPECT_REJECTED(std::string(VerifyBytes(b.Build()).message()),
                    "NEFF verify: a pipelined model has 1 queues of its own (only its stages may)");
  }
  {
    NeffBuilder b = Pipeline();
    b.AddLoadQueue();
    EXPECT_REJECTED(std::string(VerifyBytes(b.Build()).message()), "1 load queues of its own");
  }
  {
    NeffBuilder b = Pipeline();
    b.set_weights_f32({1.0f});
    EXPECT_REJECTED(std::string(VerifyBytes(b.Build()).message()),
                    "a pipelined model has 4 bytes of weights of its own");
  }
  {
    NeffBuilder b = Pipeline();
    b.AddStage(ReluPlusOneNeff(), {{2, 0}});
    EXPECT_REJECTED(std::string(VerifyBytes(b.Build()).message()),
                    "NEFF verify: stage 2 input 0 comes from stage 2, not an earlier stage");
  }
  {
    NeffBuilder b = Pipeline();
    b.AddStage(ReluPlusOneNeff(), {{-1, 1}});
    EXPECT_REJECTED(std::string(VerifyBytes(b.Build()).message()),
                    "NEFF verify: stage 2 input 0 is model input 1 but the model has 1 inputs");
  }
  {
    NeffBuilder b = Pipeline();
    b.AddOutputSource({0, 0});
    EXPECT_REJECTED(std::string(VerifyBytes(b.Build()).message()),
                    "a pipelined model has 1 outputs but 2 output sources");
  }
}

}  // namespace
}  // namespace neff
