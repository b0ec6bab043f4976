// One test per ISA addition (docs/isa.md), against hand-computed values, with
// the timing the doc's "Timing" section gives.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "neff/format.h"
#include "neff/test_builder.h"
#include "runtime/sim/simulator.h"
#include "target/neuroncore.h"

namespace ncc::sim {
namespace {

using namespace neff::test_builder;  // NOLINT: the builder's small vocabulary
using neff::ActivationFunction;
using neff::AluOp;
using neff::DType;
using neff::EngineType;

struct Result {
  absl::Status status;
  std::vector<uint8_t> dram;
  ExecutionStats stats;
  ExecutionTrace trace;
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
  r.status = Execute(**model, dram.data(), &r.stats, &r.trace);
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

const target::CoreSpec& Spec() { return target::NeuronCoreV2(); }

// DRAM [rows x cols] at 0 -> SBUF offset 0; `body` on `engine` reads it and
// writes SBUF at byte 1024 ([out_rows x out_cols]); stored to DRAM at 4096.
struct Harness {
  NeffBuilder b;
  int dma, q;
  explicit Harness(EngineType engine, uint32_t rows, uint32_t cols) {
    b.set_dram_size(8192);
    dma = b.AddQueue(EngineType::DMA);
    q = b.AddQueue(engine);
    b.Add(dma, DmaCopy(Sbuf(0, rows, 0, {{1, cols}}), Dram(0, rows, cols, {{1, cols}})).Signal(0));
  }
  void Body(Inst inst) { b.Add(q, inst.Wait(0, 1).Signal(1)); }
  void Store(uint32_t rows, uint32_t cols, int after = 1) {
    b.Add(dma, DmaCopy(Dram(4096, rows, cols, {{1, cols}}), Sbuf(0, rows, 1024, {{1, cols}}))
                   .Wait(1, after));
  }
};

TEST(Isa, TensorReduceAddMaxOverGroups) {
  Harness h(EngineType::VECTOR, 2, 6);
  // src [2 x 6] -> dst [2 x 2]: groups of 3.
  h.Body(TensorReduce(Sbuf(0, 2, 1024, {{1, 2}}), Sbuf(0, 2, 0, {{1, 6}}), AluOp::ADD));
  h.Store(2, 2);
  Result r = RunModel(h.b, Bytes({1, 2, 3, 4, 5, 6, -1, -2, -3, 10, 0, 0.5f}, 8192));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Floats(r.dram, 4096, 4), (std::vector<float>{6, 15, -6, 10.5f}));
  EXPECT_NEAR(r.trace.events[1].end_ns - r.trace.events[1].start_ns, target::VectorNs(Spec(), 6, 1),
              1e-9);

  Harness g(EngineType::GPSIMD, 2, 6);
  // Strided view: max over the even elements of each row.
  g.Body(TensorReduce(Sbuf(0, 2, 1024, {}), Sbuf(0, 2, 0, {{2, 3}}), AluOp::MAXIMUM));
  g.Store(2, 1);
  r = RunModel(g.b, Bytes({1, 9, 3, 9, 2, 9, -1, 9, -3, 9, -0.5f, 9}, 8192));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Floats(r.dram, 4096, 2), (std::vector<float>{3, -0.5f}));
  EXPECT_NEAR(r.trace.events[1].end_ns - r.trace.events[1].start_ns, target::GpSimdNs(Spec(), 3),
              1e-9);
}

TEST(Isa, TransposeOnVectorAndTensor) {
  Harness h(EngineType::VECTOR, 2, 3);
  h.Body(Transpose(Sbuf(0, 3, 1024, {{1, 2}}), Sbuf(0, 2, 0, {{1, 3}})));
  h.Store(3, 2);
  Result r = RunModel(h.b, Bytes({1, 2, 3, 4, 5, 6}, 8192));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Floats(r.dram, 4096, 6), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_NEAR(r.trace.events[1].end_ns - r.trace.events[1].start_ns, target::VectorNs(Spec(), 3, 1),
              1e-9);

  // Tensor engine: bf16 SBUF [2 x 3] -> fp32 PSUM [3 x 2].
  NeffBuilder b;
  b.set_dram_size(8192);
  int dma = b.AddQueue(EngineType::DMA);
  int pe = b.AddQueue(EngineType::TENSOR);
  b.Add(dma, DmaCopy(Sbuf(0, 2, 0, {{1, 3}}, DType::BF16), Dram(0, 2, 3, {{1, 3}})).Signal(0));
  b.Add(pe, Transpose(Psum(0, 3, 0, {{1, 2}}), Sbuf(0, 2, 0, {{1, 3}}, DType::BF16))
                .Wait(0, 1)
                .Signal(1));
  b.Add(dma, DmaCopy(Dram(4096, 3, 2, {{1, 2}}), Psum(0, 3, 0, {{1, 2}})).Wait(1, 1));
  r = RunModel(b, Bytes({1, 2, 3, 4, 5, 6.5f}, 8192));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Floats(r.dram, 4096, 6), (std::vector<float>{1, 4, 2, 5, 3, 6.5f}));
  EXPECT_NEAR(r.trace.events[1].end_ns - r.trace.events[1].start_ns,
              target::MatmulNs(Spec(), 3, 2, 2), 1e-9);
}

TEST(Isa, IotaFloatAndInt) {
  NeffBuilder b;
  b.set_dram_size(8192);
  int pool = b.AddQueue(EngineType::GPSIMD);
  int dma = b.AddQueue(EngineType::DMA);
  // dst[p][j] = 1 + 10 p + 0.5 j on 2 x 3; int32 version: -2 + 3p - j.
  b.Add(pool, Iota(Sbuf(0, 2, 0, {{1, 3}}), 1.0f, 10.0f, 0.5f).Signal(0));
  b.Add(pool, Iota(Sbuf(0, 2, 64, {{1, 3}}, DType::I32), -2.0f, 3.0f, -1.0f).Signal(0));
  b.Add(dma, DmaCopy(Dram(0, 2, 3, {{1, 3}}), Sbuf(0, 2, 0, {{1, 3}})).Wait(0, 2));
  b.Add(dma, DmaCopy(Dram(64, 2, 3, {{1, 3}}, DType::I32), Sbuf(0, 2, 64, {{1, 3}}, DType::I32)));
  Result r = RunModel(b, {});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Floats(r.dram, 0, 6), (std::vector<float>{1, 1.5f, 2, 11, 11.5f, 12}));
  std::vector<int32_t> ints(6);
  std::memcpy(ints.data(), r.dram.data() + 64, 24);
  EXPECT_EQ(ints, (std::vector<int32_t>{-2, -3, -4, 1, 0, -1}));
  EXPECT_NEAR(r.trace.events[0].end_ns - r.trace.events[0].start_ns, target::GpSimdNs(Spec(), 3),
              1e-9);
}

TEST(Isa, SelectPicksByPredicate) {
  Harness h(EngineType::VECTOR, 1, 12);
  // predicate = x[0:4], on_true = x[4:8], on_false = x[8:12].
  h.Body(Select(Sbuf(0, 1, 1024, {{1, 4}}), Sbuf(0, 1, 0, {{1, 4}}), Sbuf(0, 1, 16, {{1, 4}}),
                Sbuf(0, 1, 32, {{1, 4}})));
  h.Store(1, 4);
  Result r = RunModel(h.b, Bytes({1, 0, -0.0f, NAN, 10, 20, 30, 40, -1, -2, -3, -4}, 8192));
  ASSERT_TRUE(r.status.ok()) << r.status;
  // -0 == 0 selects on_false; NaN != 0 selects on_true.
  EXPECT_EQ(Floats(r.dram, 4096, 4), (std::vector<float>{10, -2, -3, 40}));
  EXPECT_NEAR(r.trace.events[1].end_ns - r.trace.events[1].start_ns, target::VectorNs(Spec(), 4, 2),
              1e-9);
}

TEST(Isa, TensorScalarTwoOpsWithPerPartitionScalars) {
  Harness h(EngineType::VECTOR, 2, 5);
  // Columns 3 and 4 hold per-partition scalars s1, s2; dst = (x - s1) * s2.
  Inst inst =
      TensorScalar(Sbuf(0, 2, 1024, {{1, 3}}), Sbuf(0, 2, 0, {{1, 3}}), AluOp::SUBTRACT, 0.0f)
          .Scalar1(Sbuf(0, 2, 12, {}))
          .Second(AluOp::MULTIPLY, 0.0f)
          .Scalar2(Sbuf(0, 2, 16, {}));
  h.Body(inst);
  // Immediate form: (x max 2) + 0.5, then is_gt 2 compare with bypass.
  h.b.Add(h.q,
          TensorScalar(Sbuf(0, 2, 2048, {{1, 3}}), Sbuf(0, 2, 0, {{1, 3}}), AluOp::MAXIMUM, 2.0f)
              .Second(AluOp::ADD, 0.5f)
              .Signal(1));
  h.b.Add(h.q, TensorScalar(Sbuf(0, 2, 3072, {{1, 3}}), Sbuf(0, 2, 0, {{1, 3}}), AluOp::IS_GT, 2.0f)
                   .Signal(1));
  h.Store(2, 3, 3);
  h.b.Add(h.dma, DmaCopy(Dram(5000, 2, 3, {{1, 3}}), Sbuf(0, 2, 2048, {{1, 3}})));
  h.b.Add(h.dma, DmaCopy(Dram(6000, 2, 3, {{1, 3}}), Sbuf(0, 2, 3072, {{1, 3}})));
  Result r =
      RunModel(h.b, Bytes({1, 2, 3, /*s1*/ 1, /*s2*/ 10, 4, 5, 6, /*s1*/ 6, /*s2*/ -1}, 8192));
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Floats(r.dram, 4096, 6), (std::vector<float>{0, 10, 20, 2, 1, 0}));
  EXPECT_EQ(Floats(r.dram, 5000, 6), (std::vector<float>{2.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f}));
  EXPECT_EQ(Floats(r.dram, 6000, 6), (std::vector<float>{0, 0, 1, 1, 1, 1}));
}

TEST(Isa, ActivationAccumAndNewFunctions) {
  struct Case {
    ActivationFunction f;
    float x;
    float want;
  };
  const Case cases[] = {
      {ActivationFunction::GELU, 1.0f, 0.8413447f},
      {ActivationFunction::GELU_TANH, 1.0f, 0.8411920f},
      {ActivationFunction::ERF, 0.5f, 0.5204999f},
      {ActivationFunction::SQRT, 9.0f, 3.0f},
      {ActivationFunction::RSQRT, 4.0f, 0.5f},
      {ActivationFunction::RECIPROCAL, -4.0f, -0.25f},
      {ActivationFunction::LOG, std::exp(2.0f), 2.0f},
      {ActivationFunction::SQUARE, -3.0f, 9.0f},
      {ActivationFunction::ABS, -3.0f, 3.0f},
      {ActivationFunction::SILU, 1.0f, 0.7310586f},
      {ActivationFunction::SOFTPLUS, 0.0f, 0.6931472f},
      {ActivationFunction::SIGN, -7.0f, -1.0f},
      {ActivationFunction::SIN, 0.5f, 0.4794255f},
      {ActivationFunction::COS, 0.5f, 0.8775826f},
      // Hand-computed: tan, sinh and cosh of 1/2; asin/acos(1/2) = pi/6 and
      // pi/3; atan(1) = pi/4; asinh(1) = ln(1 + sqrt 2); acosh(2) =
      // ln(2 + sqrt 3); atanh(1/2) = ln(3) / 2.
      {ActivationFunction::TAN, 0.5f, 0.5463025f},
      {ActivationFunction::SINH, 0.5f, 0.5210953f},
      {ActivationFunction::COSH, 0.5f, 1.1276260f},
      {ActivationFunction::ASIN, 0.5f, 0.5235988f},
      {ActivationFunction::ACOS, 0.5f, 1.0471976f},
      {ActivationFunction::ATAN, 1.0f, 0.7853982f},
      {ActivationFunction::ASINH, 1.0f, 0.8813736f},
      {ActivationFunction::ACOSH, 2.0f, 1.3169579f},
      {ActivationFunction::ATANH, 0.5f, 0.5493061f},
      {ActivationFunction::FLOOR, -2.5f, -3.0f},
      {ActivationFunction::CEIL, -2.5f, -2.0f},
      {ActivationFunction::ROUND, 2.5f, 2.0f},
  };
  for (const Case& c : cases) {
    Harness h(EngineType::SCALAR, 1, 2);
    // func(x * 1 + 0) on element 0; accum (sum of both outputs) to element 1
    // of dst's partition... here to a separate SBUF word.
    h.Body(Activation(Sbuf(0, 1, 1024, {{1, 2}}), Sbuf(0, 1, 0, {{1, 2}}), c.f)
               .Accum(Sbuf(0, 1, 1032, {})));
    h.Store(1, 3);
    Result r = RunModel(h.b, Bytes({c.x, c.x}, 8192));
    ASSERT_TRUE(r.status.ok()) << r.status;
    auto out = Floats(r.dram, 4096, 3);
    SCOPED_TRACE(neff::EnumNameActivationFunction(c.f));
    EXPECT_NEAR(out[0], c.want, 2e-6);
    EXPECT_EQ(out[0], out[1]);
    EXPECT_EQ(out[2], out[0] + out[1]);
    EXPECT_NEAR(r.trace.events[1].end_ns - r.trace.events[1].start_ns,
                target::ActivationNs(Spec(), 2), 1e-9);
  }
}

TEST(Isa, ActivationEdgesFollowIeee) {
  Harness h(EngineType::SCALAR, 1, 4);
  h.Body(Activation(Sbuf(0, 1, 1024, {{1, 4}}), Sbuf(0, 1, 0, {{1, 4}}), ActivationFunction::LOG));
  h.b.Add(h.q, Activation(Sbuf(0, 1, 1040, {{1, 4}}), Sbuf(0, 1, 0, {{1, 4}}),
                          ActivationFunction::RECIPROCAL)
                   .Signal(1));
  h.Store(1, 8, 2);
  Result r = RunModel(h.b, Bytes({-1, 0, 1, INFINITY}, 8192));
  ASSERT_TRUE(r.status.ok()) << r.status;
  auto out = Floats(r.dram, 4096, 8);
  EXPECT_TRUE(std::isnan(out[0]));
  EXPECT_EQ(out[1], -INFINITY);
  EXPECT_EQ(out[2], 0.0f);
  EXPECT_EQ(out[3], INFINITY);
  EXPECT_EQ(out[4], -1.0f);
  EXPECT_EQ(out[5], INFINITY);
  EXPECT_EQ(out[6], 1.0f);
  EXPECT_EQ(out[7], 0.0f);
}

TEST(Isa, RoundingFunctionsTieToEvenAndKeepEdges) {
  // round: ties go to the even neighbour; floor/ceil/round keep the sign of
  // a zero result, inf and NaN. The inverse functions give NaN outside their
  // domain. (An input -0 would become +0 in x * scale + bias.)
  const float x[8] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -0.25f, -INFINITY, NAN};
  struct Case {
    ActivationFunction f;
    float want[8];
  };
  const Case cases[] = {
      {ActivationFunction::ROUND, {0, 2, 2, -0.0f, -2, -0.0f, -INFINITY, NAN}},
      {ActivationFunction::FLOOR, {0, 1, 2, -1, -2, -1, -INFINITY, NAN}},
      {ActivationFunction::CEIL, {1, 2, 3, -0.0f, -1, -0.0f, -INFINITY, NAN}},
      {ActivationFunction::ASIN, {0.5235988f, NAN, NAN, -0.5235988f, NAN, -0.2526803f, NAN, NAN}},
      {ActivationFunction::ACOSH, {NAN, 0.9624237f, 1.5667992f, NAN, NAN, NAN, NAN, NAN}},
  };
  for (const Case& c : cases) {
    Harness h(EngineType::SCALAR, 1, 8);
    h.Body(Activation(Sbuf(0, 1, 1024, {{1, 8}}), Sbuf(0, 1, 0, {{1, 8}}), c.f));
    h.Store(1, 8);
    Result r = RunModel(h.b, Bytes(std::vector<float>(x, x + 8), 8192));
    ASSERT_TRUE(r.status.ok()) << r.status;
    auto out = Floats(r.dram, 4096, 8);
    SCOPED_TRACE(neff::EnumNameActivationFunction(c.f));
    for (int i = 0; i < 8; ++i) {
      SCOPED_TRACE(x[i]);
      if (std::isnan(c.want[i])) {
        EXPECT_TRUE(std::isnan(out[i])) << out[i];
      } else {
        if (std::isinf(c.want[i])) {
          EXPECT_EQ(out[i], c.want[i]);
        } else {
          EXPECT_NEAR(out[i], c.want[i], 2e-6);
        }
        EXPECT_EQ(std::signbit(out[i]), std::signbit(c.want[i]));
      }
    }
  }
}

TEST(Isa, NewAluOps) {
  Harness h(EngineType::GPSIMD, 1, 8);
  const AluOp ops[] = {AluOp::POW,   AluOp::IS_EQUAL, AluOp::NOT_EQUAL, AluOp::IS_GT,
                       AluOp::IS_GE, AluOp::IS_LT,    AluOp::IS_LE,     AluOp::BYPASS};
  for (int i = 0; i < 8; ++i) {
    h.b.Add(h.q, TensorTensor(Sbuf(0, 1, 1024 + 16 * i, {{1, 4}}), Sbuf(0, 1, 0, {{1, 4}}),
                              Sbuf(0, 1, 16, {{1, 4}}), ops[i])
                     .Wait(0, 1)
                     .Signal(1));
  }
  h.Store(1, 32, 8);
  // a = [2, 3, 1, -1], b = [3, 3, 0, 0.5]
  Result r = RunModel(h.b, Bytes({2, 3, 1, -1, 3, 3, 0, 0.5f}, 8192));
  ASSERT_TRUE(r.status.ok()) << r.status;
  auto out = Floats(r.dram, 4096, 32);
  EXPECT_EQ(out[0], 8.0f);
  EXPECT_EQ(out[1], 27.0f);
  EXPECT_EQ(out[2], 1.0f);
  EXPECT_TRUE(std::isnan(out[3]));  // pow(-1, 0.5)
  EXPECT_EQ(std::vector<float>(out.begin() + 4, out.end()),
            (std::vector<float>{0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 1,
                                1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 2, 3, 1, -1}));
}

// Remainders by hand: fmod keeps the dividend's sign, mod the divisor's.
TEST(Isa, FmodAndMod) {
  Harness h(EngineType::VECTOR, 1, 16);
  const AluOp ops[] = {AluOp::FMOD, AluOp::MOD};
  for (int i = 0; i < 2; ++i) {
    h.b.Add(h.q, TensorTensor(Sbuf(0, 1, 1024 + 32 * i, {{1, 8}}), Sbuf(0, 1, 0, {{1, 8}}),
                              Sbuf(0, 1, 32, {{1, 8}}), ops[i])
                     .Wait(0, 1)
                     .Signal(1));
  }
  h.Store(1, 16, 2);
  // a = [7, -7, 7, -7, 6, 5.5, -0, 3], b = [3, 3, -3, -3, 3, 2, 2, 0]
  Result r =
      RunModel(h.b, Bytes({7, -7, 7, -7, 6, 5.5f, -0.0f, 3, 3, 3, -3, -3, 3, 2, 2, 0}, 8192));
  ASSERT_TRUE(r.status.ok()) << r.status;
  auto out = Floats(r.dram, 4096, 16);
  EXPECT_EQ(std::vector<float>(out.begin(), out.begin() + 7),
            (std::vector<float>{1, -1, 1, -1, 0, 1.5f, 0}));
  EXPECT_TRUE(std::isnan(out[7]));  // fmod(3, 0)
  EXPECT_EQ(std::vector<float>(out.begin() + 8, out.begin() + 15),
            (std::vector<float>{1, 2, -2, -1, 0, 1.5f, 0}));
  EXPECT_TRUE(std::isnan(out[15]));
}

// Shifts by hand (docs/isa.md): operands truncated to uint64, negatives and
// NaN giving 0, bits past bit 63 dropped, shifts by 64 or more giving 0.
TEST(Isa, ShiftLeftAndRight) {
  Harness h(EngineType::VECTOR, 1, 16);
  const AluOp ops[] = {AluOp::SHIFT_LEFT, AluOp::SHIFT_RIGHT};
  for (int i = 0; i < 2; ++i) {
    h.b.Add(h.q, TensorTensor(Sbuf(0, 1, 1024 + 32 * i, {{1, 8}}), Sbuf(0, 1, 0, {{1, 8}}),
                              Sbuf(0, 1, 32, {{1, 8}}), ops[i])
                     .Wait(0, 1)
                     .Signal(1));
  }
  h.Store(1, 16, 2);
  // a = [1, 3, 255, 12345, -4, NaN, 2.9, 16777215], b = [40, 1, 8, 20, 1, 1, 1.9, 64]
  Result r = RunModel(
      h.b, Bytes({1, 3, 255, 12345, -4, NAN, 2.9f, 16777215, 40, 1, 8, 20, 1, 1, 1.9f, 64}, 8192));
  ASSERT_TRUE(r.status.ok()) << r.status;
  auto out = Floats(r.dram, 4096, 16);
  EXPECT_EQ(std::vector<float>(out.begin(), out.begin() + 8),
            (std::vector<float>{1099511627776.0f, 6, 65280, 12944670720.0f, 0, 0, 4, 0}));
  EXPECT_EQ(std::vector<float>(out.begin() + 8, out.end()),
            (std::vector<float>{0, 1, 0, 0, 0, 0, 1, 0}));
}

TEST(Isa, DmaGatherRowsByIndex) {
  NeffBuilder b;
  b.set_dram_size(8192);
  // Table of 4 rows x 2 in WEIGHTS; indices [3, 0, 3] as i32 in DRAM.
  b.set_weights_f32({0, 1, 10, 11, 20, 21, 30, 31});
  int dma = b.AddQueue(EngineType::DMA);
  int dma2 = b.AddQueue(EngineType::DMA, 1);
  b.Add(dma, DmaCopy(Sbuf(0, 3, 0, {}, DType::I32), Dram(0, 3, 1, {}, DType::I32)).Signal(0));
  b.Add(dma2, DmaGather(Sbuf(0, 3, 64, {{1, 2}}), Weights(0, 4, 2, {{1, 2}}),
                        Sbuf(0, 3, 0, {}, DType::I32))
                  .Wait(0, 1)
                  .Signal(1));
  b.Add(dma2, DmaCopy(Dram(4096, 3, 2, {{1, 2}}), Sbuf(0, 3, 64, {{1, 2}})).Wait(1, 1));
  std::vector<uint8_t> dram(8192);
  const int32_t idx[] = {3, 0, 3};
  std::memcpy(dram.data(), idx, sizeof idx);
  Result r = RunModel(b, dram);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Floats(r.dram, 4096, 6), (std::vector<float>{30, 31, 0, 1, 30, 31}));
  EXPECT_NEAR(r.trace.events[1].end_ns - r.trace.events[1].start_ns, target::DmaNs(Spec(), 24, 8),
              1e-9);

  // An index out of range fails the execution, naming queue and instruction.
  const int32_t bad[] = {1, 4, 0};
  std::memcpy(dram.data(), bad, sizeof bad);
  r = RunModel(b, dram);
  ASSERT_FALSE(r.status.ok());
  const std::string msg(r.status.message());
  EXPECT_NE(msg.find("DMA[1] instruction 0 (DMA_GATHER)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("index 4 at partition 1"), std::string::npos) << msg;
}

TEST(Isa, TraceRecordsTimelineAndWaits) {
  Harness h(EngineType::VECTOR, 1, 4);
  h.Body(Memset(Sbuf(0, 1, 1024, {{1, 4}}), 2.0f).Node(3));
  h.Store(1, 4);
  Result r = RunModel(h.b, {});
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.trace.events.size(), 3u);
  const TraceEvent& vec = r.trace.events[1];
  EXPECT_EQ(vec.engine, EngineType::VECTOR);
  EXPECT_EQ(vec.opcode, neff::Opcode::MEMSET);
  EXPECT_EQ(vec.node, 3);
  EXPECT_EQ(vec.ready_ns, 0.0);
  EXPECT_EQ(vec.wait_semaphore, 0);
  EXPECT_EQ(vec.start_ns, r.trace.events[0].end_ns);
  EXPECT_EQ(r.trace.events[2].start_ns, vec.end_ns);
  EXPECT_DOUBLE_EQ(r.stats.estimated_latency_ns, r.trace.events[2].end_ns);
}

}  // namespace
}  // namespace ncc::sim
