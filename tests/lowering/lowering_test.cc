// Lowering checked numerically, per op family: a graph written in the IR's
// text form is lowered, allocated, scheduled and emitted as a NEFF, run on
// the simulated NeuronCore, and compared with a plain C++ reference. Shapes
// are chosen to be awkward for the tile limits (1, 127, 128, 129, 513).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/alloc/allocate.h"
#include "compiler/alloc/residency.h"
#include "compiler/emit/emit_neff.h"
#include "compiler/ir/text.h"
#include "compiler/lower/chunks.h"
#include "compiler/lower/lower.h"
#include "compiler/lower/spectral.h"
#include "compiler/passes/fuse_activation.h"
#include "compiler/schedule/schedule.h"
#include "neff/format.h"
#include "runtime/kernels/cast.h"
#include "runtime/sim/simulator.h"

namespace ncc {
namespace {

using Tensor = std::vector<float>;

std::vector<float> Random(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Host <-> device element conversions for the test's I/O.
uint16_t ToBf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits += 0x7fff + ((bits >> 16) & 1);  // round to nearest even
  return static_cast<uint16_t>(bits >> 16);
}

float FromBf16(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float RoundBf16(float f) { return FromBf16(ToBf16(f)); }

void StoreAs(neff::DType dtype, float v, uint8_t* base, size_t i) {
  switch (dtype) {
    case neff::DType::BF16: {
      uint16_t h = ToBf16(v);
      std::memcpy(base + 2 * i, &h, 2);
      break;
    }
    case neff::DType::I64: {
      int64_t x = static_cast<int64_t>(v);
      std::memcpy(base + 8 * i, &x, 8);
      break;
    }
    case neff::DType::BOOL:
      base[i] = v != 0.0f;
      break;
    case neff::DType::F16: {
      const uint16_t h = kernels::F32ToF16(v);
      std::memcpy(base + 2 * i, &h, 2);
      break;
    }
    case neff::DType::I8:
      base[i] = static_cast<uint8_t>(static_cast<int8_t>(v));
      break;
    case neff::DType::U8:
      base[i] = static_cast<uint8_t>(v);
      break;
    case neff::DType::I32: {
      int32_t x = static_cast<int32_t>(v);
      std::memcpy(base + 4 * i, &x, 4);
      break;
    }
    case neff::DType::I16: {
      int16_t x = static_cast<int16_t>(v);
      std::memcpy(base + 2 * i, &x, 2);
      break;
    }
    case neff::DType::U16: {
      uint16_t x = static_cast<uint16_t>(v);
      std::memcpy(base + 2 * i, &x, 2);
      break;
    }
    case neff::DType::U32: {
      uint32_t x = static_cast<uint32_t>(v);
      std::memcpy(base + 4 * i, &x, 4);
      break;
    }
    case neff::DType::U64: {
      uint64_t x = static_cast<uint64_t>(v);
      std::memcpy(base + 8 * i, &x, 8);
      break;
    }
    default:
      std::memcpy(base + 4 * i, &v, 4);
  }
}

float LoadAs(neff::DType dtype, const uint8_t* base, size_t i) {
  switch (dtype) {
    case neff::DType::BF16: {
      uint16_t h;
      std::memcpy(&h, base + 2 * i, 2);
      return FromBf16(h);
    }
    case neff::DType::BOOL:
      return base[i];
    case neff::DType::F16: {
      uint16_t h;
      std::memcpy(&h, base + 2 * i, 2);
      return kernels::F16ToF32(h);
    }
    case neff::DType::I8:
      return static_cast<int8_t>(base[i]);
    case neff::DType::U8:
      return base[i];
    case neff::DType::I32: {
      int32_t x;
      std::memcpy(&x, base + 4 * i, 4);
      return static_cast<float>(x);
    }
    case neff::DType::I64: {
      int64_t x;
      std::memcpy(&x, base + 8 * i, 8);
      return static_cast<float>(x);
    }
    case neff::DType::I16: {
      int16_t x;
      std::memcpy(&x, base + 2 * i, 2);
      return x;
    }
    case neff::DType::U16: {
      uint16_t x;
      std::memcpy(&x, base + 2 * i, 2);
      return x;
    }
    case neff::DType::U32: {
      uint32_t x;
      std::memcpy(&x, base + 4 * i, 4);
      return static_cast<float>(x);
    }
    case neff::DType::U64: {
      uint64_t x;
      std::memcpy(&x, base + 8 * i, 8);
      return static_cast<float>(x);
    }
    default: {
      float f;
      std::memcpy(&f, base + 4 * i, 4);
      return f;
    }
  }
}

// Compiles `text` and runs it on the simulator with `inputs` (by name);
// `opset` 0 means the latest semantics. The execution must succeed unless
// `run_status` is given, which then receives its status. Intermediates stay
// in SBUF where they fit (as in the driver); `residency` receives what that
// did.
std::map<std::string, Tensor> CompileAndRun(const std::string& text,
                                            const std::map<std::string, Tensor>& inputs,
                                            bool fuse = true, int64_t opset = 0,
                                            absl::Status* run_status = nullptr,
                                            alloc::ResidencyStats* residency = nullptr) {
  auto graph = ir::Parse(text);
  EXPECT_TRUE(graph.ok()) << graph.status();
  if (!graph.ok()) return {};
  (*graph)->set_opset(opset);
  if (fuse) {
    EXPECT_TRUE(passes::FuseActivation(**graph).ok());
  }
  const target::CoreSpec& spec = target::NeuronCoreV2();
  auto unsupported = lower::FindUnsupported(**graph);
  for (const auto& u : unsupported) ADD_FAILURE() << u.op_type << ": " << u.reason;
  auto program = lower::Lower(**graph, spec);
  EXPECT_TRUE(program.ok()) << program.status();
  if (!program.ok()) return {};
  alloc::ResidencyStats residency_stats;
  alloc::KeepTilesResident(*program, spec, {}, &residency_stats);
  if (residency != nullptr) *residency = residency_stats;
  alloc::AllocationStats stats;
  absl::Status alloc_status = alloc::Allocate(*program, spec, &stats);
  EXPECT_TRUE(alloc_status.ok()) << alloc_status;
  auto sched = schedule::ScheduleProgram(*program, spec);
  EXPECT_TRUE(sched.ok()) << sched.status();
  if (!sched.ok()) return {};
  absl::Status race_free = schedule::VerifySchedule(*program, *sched);
  EXPECT_TRUE(race_free.ok()) << race_free;
  std::string bytes = driver::EmitNeff(*program, *sched, stats, {});
  auto model = neff::OpenModel(bytes);
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return {};
  std::vector<uint8_t> dram((*model)->dram_size());
  for (const neff::TensorInfo* in : *(*model)->inputs()) {
    const Tensor& data = inputs.at(in->name()->str());
    uint8_t* dst = dram.data() + in->dram_offset();
    for (size_t i = 0; i < data.size(); ++i) StoreAs(in->dtype(), data[i], dst, i);
  }
  sim::ExecutionStats run_stats;
  absl::Status status = sim::Execute(**model, dram.data(), &run_stats);
  if (run_status != nullptr) {
    *run_status = status;
    if (!status.ok()) return {};
  }
  EXPECT_TRUE(status.ok()) << status;
  // The compiler's estimate and the simulator's agree: one cost model.
  EXPECT_NEAR(run_stats.estimated_latency_ns, sched->estimated_ns, 1e-6 * sched->estimated_ns);
  std::map<std::string, Tensor> outputs;
  for (const neff::TensorInfo* out : *(*model)->outputs()) {
    int64_t n = 1;
    for (int64_t d : *out->shape()) n *= d;
    Tensor t(n);
    for (int64_t i = 0; i < n; ++i)
      t[i] = LoadAs(out->dtype(), dram.data() + out->dram_offset(), i);
    outputs[out->name()->str()] = t;
  }
  return outputs;
}

void ExpectClose(const Tensor& got, const Tensor& want, double tol = 1e-5) {
  ASSERT_EQ(got.size(), want.size());
  double max_err = 0, max_ref = 1e-30;
  for (size_t i = 0; i < got.size(); ++i) {
    max_err = std::max(max_err, double(std::fabs(got[i] - want[i])));
    max_ref = std::max(max_ref, double(std::fabs(want[i])));
  }
  EXPECT_LE(max_err / max_ref, tol) << "max abs error " << max_err;
}

float Act(const std::string& name, float x) {
  if (name == "Relu") return std::max(x, 0.0f);
  if (name == "Sigmoid") return 1.0f / (1.0f + std::exp(-x));
  if (name == "Tanh") return std::tanh(x);
  if (name == "Exp") return std::exp(x);
  return x;
}

std::string Dims(const std::vector<int64_t>& d) { return absl::StrJoin(d, ","); }

// A float attribute in the IR text form (always with a '.').
std::string FloatAttr(float f) {
  std::string s = absl::StrCat(f);
  return s.find('.') == std::string::npos ? s + ".0" : s;
}

struct GemmCase {
  int64_t m, k, n;
  bool trans_a, trans_b;
  float alpha, beta;
  std::vector<int64_t> c_shape;  // empty: no C
  std::string act;
};

void PrintTo(const GemmCase& c, std::ostream* os) {
  *os << "M" << c.m << " K" << c.k << " N" << c.n << " transA" << c.trans_a << " transB"
      << c.trans_b << " C[" << Dims(c.c_shape) << "] " << c.act;
}

class GemmTest : public ::testing::TestWithParam<GemmCase> {};

TEST_P(GemmTest, MatchesReference) {
  const GemmCase& c = GetParam();
  std::vector<int64_t> a_shape =
      c.trans_a ? std::vector<int64_t>{c.k, c.m} : std::vector<int64_t>{c.m, c.k};
  std::vector<int64_t> b_shape =
      c.trans_b ? std::vector<int64_t>{c.n, c.k} : std::vector<int64_t>{c.k, c.n};
  std::string text = absl::StrCat(
      "graph g(%a: f32[", Dims(a_shape), "], %b: f32[", Dims(b_shape), "]",
      c.c_shape.empty() ? "" : absl::StrCat(", %c: f32[", Dims(c.c_shape), "]"), ") -> (%y) {\n",
      "  %g: f32[", c.m, ",", c.n, "] = Gemm(%a, %b", c.c_shape.empty() ? "" : ", %c",
      ") {alpha=", FloatAttr(c.alpha), ", beta=", FloatAttr(c.beta), ", transA=", c.trans_a,
      ", transB=", c.trans_b, "}\n");
  if (c.act.empty()) {
    text = absl::StrCat(text, "  %y: f32[", c.m, ",", c.n, "] = Identity(%g)\n}\n");
  } else {
    text = absl::StrCat(text, "  %y: f32[", c.m, ",", c.n, "] = ", c.act, "(%g)\n}\n");
  }
  Tensor a = Random(c.m * c.k, 1), b = Random(c.k * c.n, 2);
  std::map<std::string, Tensor> in = {{"a", a}, {"b", b}};
  Tensor cv;
  int64_t c_rows = 1, c_cols = 1;
  if (!c.c_shape.empty()) {
    int64_t n = 1;
    for (int64_t d : c.c_shape) n *= d;
    cv = Random(n, 3);
    in["c"] = cv;
    c_cols = c.c_shape.back();
    c_rows = c.c_shape.size() == 2 ? c.c_shape[0] : 1;
  }
  Tensor want(c.m * c.n);
  for (int64_t i = 0; i < c.m; ++i) {
    for (int64_t j = 0; j < c.n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < c.k; ++p) {
        float av = c.trans_a ? a[p * c.m + i] : a[i * c.k + p];
        float bv = c.trans_b ? b[j * c.k + p] : b[p * c.n + j];
        acc += double(av) * bv;
      }
      float v = c.alpha * float(acc);
      if (!cv.empty()) v += c.beta * cv[(c_rows == 1 ? 0 : i) * c_cols + (c_cols == 1 ? 0 : j)];
      want[i * c.n + j] = Act(c.act, v);
    }
  }
  auto out = CompileAndRun(text, in);
  ASSERT_TRUE(out.count("y"));
  ExpectClose(out["y"], want);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, GemmTest,
    ::testing::Values(GemmCase{1, 1, 1, false, false, 1, 1, {}, ""},
                      GemmCase{1, 129, 10, false, true, 1, 1, {10}, "Relu"},
                      GemmCase{3, 128, 129, false, false, 1, 1, {1, 129}, "Sigmoid"},
                      GemmCase{513, 127, 31, true, false, 0.5, 2, {513, 31}, "Relu"},
                      GemmCase{7, 300, 130, true, true, 2, 0.5, {7, 1}, "Tanh"},
                      GemmCase{2, 5, 3, false, false, 1, 3, {1}, ""},
                      GemmCase{5, 600, 600, false, false, 1, 1, {600}, "Relu"}));

TEST(MatMul, BatchedWithBroadcastB) {
  const std::string text = R"(graph g(%a: f32[2,3,5,129], %b: f32[2,1,129,7]) -> (%y) {
  %y: f32[2,3,5,7] = MatMul(%a, %b)
}
)";
  Tensor a = Random(2 * 3 * 5 * 129, 4), b = Random(2 * 129 * 7, 5);
  Tensor want(2 * 3 * 5 * 7);
  for (int x = 0; x < 2; ++x)
    for (int y = 0; y < 3; ++y)
      for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 7; ++j) {
          double acc = 0;
          for (int p = 0; p < 129; ++p) {
            acc += double(a[((x * 3 + y) * 5 + i) * 129 + p]) * b[(x * 129 + p) * 7 + j];
          }
          want[((x * 3 + y) * 5 + i) * 7 + j] = float(acc);
        }
  auto out = CompileAndRun(text, {{"a", a}, {"b", b}});
  ExpectClose(out["y"], want);
}

TEST(MatMul, AttentionShapedBatchedOperands) {
  // softmax(QK^T) V in one head-batched MatMul: both operands computed.
  const std::string text = R"(graph g(%p: f32[1,4,128,128], %v: f32[1,4,128,64]) -> (%y) {
  %y: f32[1,4,128,64] = MatMul(%p, %v)
}
)";
  Tensor p = Random(4 * 128 * 128, 31), v = Random(4 * 128 * 64, 32), want(4 * 128 * 64);
  for (int h = 0; h < 4; ++h)
    for (int i = 0; i < 128; ++i)
      for (int j = 0; j < 64; ++j) {
        double acc = 0;
        for (int k = 0; k < 128; ++k)
          acc += double(p[(h * 128 + i) * 128 + k]) * v[(h * 128 + k) * 64 + j];
        want[(h * 128 + i) * 64 + j] = float(acc);
      }
  auto out = CompileAndRun(text, {{"p", p}, {"v", v}});
  ExpectClose(out["y"], want);
}

struct ConvCase {
  int64_t n, c, h, w, co, kh, kw, group, sh, sw, dh, dw;
  std::vector<int64_t> pads;
  std::string auto_pad;
  bool bias;
  std::string act;
};

void PrintTo(const ConvCase& c, std::ostream* os) {
  *os << "x[" << c.n << "," << c.c << "," << c.h << "," << c.w << "] co" << c.co << " k" << c.kh
      << "x" << c.kw << " g" << c.group << " s" << c.sh << "," << c.sw << " d" << c.dh << ","
      << c.dw << " " << c.auto_pad;
}

class ConvTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvTest, MatchesReference) {
  const ConvCase& c = GetParam();
  int64_t pt = c.pads[0], pl = c.pads[1], pb = c.pads[2], pr = c.pads[3];
  const int64_t ekh = (c.kh - 1) * c.dh + 1, ekw = (c.kw - 1) * c.dw + 1;
  int64_t ho, wo;
  if (c.auto_pad == "SAME_UPPER") {
    ho = (c.h + c.sh - 1) / c.sh;
    wo = (c.w + c.sw - 1) / c.sw;
    int64_t th = std::max<int64_t>(0, (ho - 1) * c.sh + ekh - c.h);
    int64_t tw = std::max<int64_t>(0, (wo - 1) * c.sw + ekw - c.w);
    pt = th / 2, pb = th - pt, pl = tw / 2, pr = tw - pl;
  } else {
    ho = (c.h + pt + pb - ekh) / c.sh + 1;
    wo = (c.w + pl + pr - ekw) / c.sw + 1;
  }
  const int64_t cig = c.c / c.group, cog = c.co / c.group;
  std::string attrs =
      absl::StrCat("group=", c.group, ", kernel_shape=[", c.kh, ",", c.kw, "], strides=[", c.sh,
                   ",", c.sw, "], dilations=[", c.dh, ",", c.dw, "]");
  if (c.auto_pad.empty()) {
    absl::StrAppend(&attrs, ", pads=[", Dims(c.pads), "]");
  } else {
    absl::StrAppend(&attrs, ", auto_pad=\"", c.auto_pad, "\"");
  }
  std::string y_type = absl::StrCat("f32[", c.n, ",", c.co, ",", ho, ",", wo, "]");
  std::string text = absl::StrCat(
      "graph g(%x: f32[", c.n, ",", c.c, ",", c.h, ",", c.w, "], %w: f32[", c.co, ",", cig, ",",
      c.kh, ",", c.kw, "]", c.bias ? absl::StrCat(", %b: f32[", c.co, "]") : "", ") -> (%y) {\n",
      "  %v: ", y_type, " = Conv(%x, %w", c.bias ? ", %b" : "", ") {", attrs, "}\n",
      "  %y: ", y_type, " = ", c.act.empty() ? "Identity" : c.act, "(%v)\n}\n");
  Tensor x = Random(c.n * c.c * c.h * c.w, 6), w = Random(c.co * cig * c.kh * c.kw, 7);
  Tensor b = Random(c.co, 8);
  std::map<std::string, Tensor> in = {{"x", x}, {"w", w}};
  if (c.bias) in["b"] = b;
  Tensor want(c.n * c.co * ho * wo);
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t o = 0; o < c.co; ++o)
      for (int64_t i = 0; i < ho; ++i)
        for (int64_t j = 0; j < wo; ++j) {
          const int64_t g = o / cog;
          double acc = c.bias ? b[o] : 0.0;
          for (int64_t ci = 0; ci < cig; ++ci)
            for (int64_t r = 0; r < c.kh; ++r)
              for (int64_t s = 0; s < c.kw; ++s) {
                int64_t ih = i * c.sh + r * c.dh - pt, iw = j * c.sw + s * c.dw - pl;
                if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
                acc += double(x[((n * c.c + g * cig + ci) * c.h + ih) * c.w + iw]) *
                       w[((o * cig + ci) * c.kh + r) * c.kw + s];
              }
          want[((n * c.co + o) * ho + i) * wo + j] = Act(c.act, float(acc));
        }
  auto out = CompileAndRun(text, in);
  ExpectClose(out["y"], want);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvTest,
    ::testing::Values(
        ConvCase{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, "", false, ""},
        ConvCase{2, 3, 9, 11, 5, 3, 3, 1, 1, 1, 1, 1, {1, 1, 1, 1}, "", true, "Relu"},
        ConvCase{1, 4, 10, 9, 6, 3, 2, 2, 2, 3, 1, 1, {0, 2, 1, 0}, "", true, ""},
        ConvCase{1, 8, 7, 7, 8, 3, 3, 8, 1, 1, 2, 2, {2, 2, 2, 2}, "", false, "Relu"},
        ConvCase{2, 130, 9, 9, 130, 3, 3, 130, 2, 2, 1, 1, {1, 1, 1, 1}, "", true, "Relu"},
        ConvCase{1, 130, 6, 6, 129, 1, 1, 1, 1, 1, 1, 1, {0, 0, 0, 0}, "", true, "Sigmoid"},
        ConvCase{1, 3, 13, 40, 4, 5, 5, 1, 2, 2, 1, 1, {0, 0, 0, 0}, "SAME_UPPER", true, ""}));

// Few input channels and constant weights: kernel columns folded into the
// contraction (partition s*C + c holds channel c shifted by s columns), one
// matmul per kernel row. ResNet's stem (3 channels, 7x7, stride 2, pad 3)
// with a bias and Relu, and an asymmetric, dilated, strided 3x5 case.
TEST(Conv, FewChannelsFoldKernelColumnsIntoTheContraction) {
  struct Case {
    int64_t c, h, w, co, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  };
  // Rows of at least 128 fp32 columns (the fold loads shifted rows one by one).
  for (const Case& k : {Case{3, 12, 130, 8, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3},
                        Case{2, 9, 140, 5, 3, 5, 1, 2, 1, 2, 1, 2, 0, 3}}) {
    const int64_t ho = (k.h + k.pt + k.pb - ((k.kh - 1) * k.dh + 1)) / k.sh + 1;
    const int64_t wo = (k.w + k.pl + k.pr - ((k.kw - 1) * k.dw + 1)) / k.sw + 1;
    Tensor x = Random(k.c * k.h * k.w, 65), w = Random(k.co * k.c * k.kh * k.kw, 66);
    Tensor b = Random(k.co, 67);
    const std::string text = absl::StrCat(
        "graph g(%x: f32[1,", k.c, ",", k.h, ",", k.w, "]) -> (%y) {\n  %w: f32[", k.co, ",", k.c,
        ",", k.kh, ",", k.kw, "] = constant [", absl::StrJoin(w, ", "), "]\n  %b: f32[", k.co,
        "] = constant [", absl::StrJoin(b, ", "), "]\n  %v: f32[1,", k.co, ",", ho, ",", wo,
        "] = Conv(%x, %w, %b) {kernel_shape=[", k.kh, ",", k.kw, "], strides=[", k.sh, ",", k.sw,
        "], dilations=[", k.dh, ",", k.dw, "], pads=[", k.pt, ",", k.pl, ",", k.pb, ",", k.pr,
        "]}\n  %y: f32[1,", k.co, ",", ho, ",", wo, "] = Relu(%v)\n}\n");
    Tensor want(k.co * ho * wo);
    for (int64_t o = 0; o < k.co; ++o)
      for (int64_t i = 0; i < ho; ++i)
        for (int64_t j = 0; j < wo; ++j) {
          double acc = b[o];
          for (int64_t ci = 0; ci < k.c; ++ci)
            for (int64_t r = 0; r < k.kh; ++r)
              for (int64_t q = 0; q < k.kw; ++q) {
                const int64_t ih = i * k.sh + r * k.dh - k.pt, iw = j * k.sw + q * k.dw - k.pl;
                if (ih < 0 || ih >= k.h || iw < 0 || iw >= k.w) continue;
                acc += double(x[(ci * k.h + ih) * k.w + iw]) *
                       w[((o * k.c + ci) * k.kh + r) * k.kw + q];
              }
          want[(o * ho + i) * wo + j] = std::max(0.0f, float(acc));
        }
    auto out = CompileAndRun(text, {{"x", x}});
    ExpectClose(out["y"], want);
  }
}

// Constant 1x1 and 3x3 weights: the weights of several 128-channel output
// tiles arrive in one DMA (a 1x1 tile's 128 fp32 columns are only 512 bytes
// per partition); 300 output channels make a short last tile, 130 input
// channels two contraction tiles.
TEST(Conv, ConstantWeightsForSeveralOutputTilesArriveTogether) {
  for (const int64_t kernel : {1, 3}) {
    const int64_t c = 130, h = 5, w = 6, co = 300, pad = kernel / 2;
    Tensor x = Random(c * h * w, 68), wt = Random(co * c * kernel * kernel, 69);
    for (float& v : wt) v *= 0.1f;
    const std::string text = absl::StrCat(
        "graph g(%x: f32[1,", c, ",", h, ",", w, "]) -> (%y) {\n  %w: f32[", co, ",", c, ",",
        kernel, ",", kernel, "] = constant [", absl::StrJoin(wt, ", "), "]\n  %y: f32[1,", co, ",",
        h, ",", w, "] = Conv(%x, %w) {kernel_shape=[", kernel, ",", kernel, "], pads=[", pad, ",",
        pad, ",", pad, ",", pad, "]}\n}\n");
    Tensor want(co * h * w);
    for (int64_t o = 0; o < co; ++o)
      for (int64_t i = 0; i < h; ++i)
        for (int64_t j = 0; j < w; ++j) {
          double acc = 0;
          for (int64_t ci = 0; ci < c; ++ci)
            for (int64_t r = 0; r < kernel; ++r)
              for (int64_t q = 0; q < kernel; ++q) {
                const int64_t ih = i + r - pad, iw = j + q - pad;
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                acc += double(x[(ci * h + ih) * w + iw]) *
                       wt[((o * c + ci) * kernel + r) * kernel + q];
              }
          want[(o * h + i) * w + j] = float(acc);
        }
    auto out = CompileAndRun(text, {{"x", x}});
    ExpectClose(out["y"], want);
  }
}

TEST(Elementwise, BroadcastsScalarSuffixAndConstants) {
  // x + scalar, x * suffix [W], x - const [C,1,1] (materialised), all fused
  // with activations where the pass allows.
  const std::string text = R"(graph g(%x: f32[2,3,4,5], %s: f32[1], %v: f32[5]) -> (%y, %z) {
  %k: f32[3,1,1] = constant [0.5, -1.0, 2.0]
  %a: f32[2,3,4,5] = Add(%x, %s)
  %b: f32[2,3,4,5] = Mul(%a, %v)
  %c: f32[2,3,4,5] = Sub(%b, %k)
  %y: f32[2,3,4,5] = Relu(%c)
  %d: f32[2,3,4,5] = Div(%x, %v)
  %e: f32[2,3,4,5] = Max(%d, %s)
  %z: f32[2,3,4,5] = Tanh(%e)
}
)";
  Tensor x = Random(120, 9), s = {0.25f}, v = Random(5, 10);
  for (float& f : v) f += 2.0f;  // keep the divisor away from 0
  const float k[3] = {0.5f, -1.0f, 2.0f};
  Tensor want_y(120), want_z(120);
  for (int i = 0; i < 120; ++i) {
    const int w = i % 5, ch = (i / 20) % 3;
    want_y[i] = std::max(0.0f, (x[i] + s[0]) * v[w] - k[ch]);
    want_z[i] = std::tanh(std::max(x[i] / v[w], s[0]));
  }
  auto out = CompileAndRun(text, {{"x", x}, {"s", s}, {"v", v}});
  ExpectClose(out["y"], want_y);
  ExpectClose(out["z"], want_z);
}

TEST(Elementwise, ConstantScalarsBecomeImmediates) {
  const std::string text = R"(graph g(%x: f32[3,70]) -> (%a, %b, %c, %d, %e) {
  %two: f32[] = constant [2.0]
  %a: f32[3,70] = Sub(%two, %x)
  %b: f32[3,70] = Div(%two, %x)
  %c: f32[3,70] = Div(%x, %two)
  %d: bool[3,70] = Greater(%two, %x)
  %e: f32[3,70] = Pow(%x, %two)
}
)";
  Tensor x = Random(210, 33), a, b, c, d, e;
  for (float v : x) {
    a.push_back(2 - v);
    b.push_back(2 / v);
    c.push_back(v / 2);
    d.push_back(2 > v ? 1.0f : 0.0f);
    e.push_back(v * v);
  }
  auto out = CompileAndRun(text, {{"x", x}});
  ExpectClose(out["a"], a);
  ExpectClose(out["b"], b);
  ExpectClose(out["c"], c);
  ExpectClose(out["d"], d);
  ExpectClose(out["e"], e);
}

TEST(Elementwise, LargeTensorsTileAcrossPartitionsWithRemainder) {
  // 128 * 2048 + 1000 elements: full tiles plus a partial row.
  const int64_t n = 128 * 2048 + 1000;
  const std::string text =
      absl::StrCat("graph g(%x: f32[", n, "], %w: f32[", n, "]) -> (%y) {\n  %a: f32[", n,
                   "] = Exp(%x)\n  %y: f32[", n, "] = Add(%a, %w)\n}\n");
  Tensor x = Random(n, 11), w = Random(n, 12), want(n);
  for (int64_t i = 0; i < n; ++i) want[i] = std::exp(x[i]) + w[i];
  auto out = CompileAndRun(text, {{"x", x}, {"w", w}});
  ExpectClose(out["y"], want);
}

TEST(Layout, ReshapeAliasesAndModelOutputsGetTheirOwnCopy) {
  const std::string text = R"(graph g(%x: f32[2,3,4]) -> (%y, %f) {
  %r: f32[2,3,4] = Relu(%x)
  %f: f32[2,12] = Flatten(%r) {axis=1}
  %u: f32[1,24] = Reshape(%f)
  %y: f32[1,24] = Sigmoid(%u)
}
)";
  Tensor x = Random(24, 13), want_f(24), want_y(24);
  for (int i = 0; i < 24; ++i) {
    want_f[i] = std::max(0.0f, x[i]);
    want_y[i] = 1.0f / (1.0f + std::exp(-want_f[i]));
  }
  auto out = CompileAndRun(text, {{"x", x}});
  ExpectClose(out["f"], want_f);
  ExpectClose(out["y"], want_y);
}

// Reference max/average pooling over NCHW with ONNX semantics.
Tensor PoolReference(const Tensor& x, int64_t n, int64_t c, int64_t h, int64_t w, int64_t ho,
                     int64_t wo, int64_t k, int64_t s, std::vector<int64_t> pads, bool is_max,
                     bool include_pad) {
  Tensor y(n * c * ho * wo);
  for (int64_t b = 0; b < n * c; ++b)
    for (int64_t i = 0; i < ho; ++i)
      for (int64_t j = 0; j < wo; ++j) {
        float acc = is_max ? -INFINITY : 0.0f;
        int64_t count = 0;
        for (int64_t r = 0; r < k; ++r)
          for (int64_t q = 0; q < k; ++q) {
            const int64_t ih = i * s + r - pads[0], iw = j * s + q - pads[1];
            const bool inside = ih >= 0 && ih < h && iw >= 0 && iw < w;
            const bool in_pad =
                ih >= -pads[0] && ih < h + pads[2] && iw >= -pads[1] && iw < w + pads[3];
            if (inside) {
              const float v = x[(b * h + ih) * w + iw];
              acc = is_max ? std::max(acc, v) : acc + v;
            }
            if (inside || (include_pad && in_pad)) ++count;
          }
        y[(b * ho + i) * wo + j] = is_max ? acc : acc / count;
      }
  return y;
}

TEST(Pool, MaxAndAverageWithPaddingAndCeilMode) {
  // 1x130x7x7 (channels cross 128), 3x3 stride 2 pad 1; ceil_mode on the
  // average pool adds a partial last window.
  const std::string text = R"(graph g(%x: f32[1,130,7,7]) -> (%m, %a, %i) {
  %m: f32[1,130,4,4] = MaxPool(%x) {kernel_shape=[3,3], pads=[1,1,1,1], strides=[2,2]}
  %a: f32[1,130,4,4] = AveragePool(%x) {kernel_shape=[3,3], pads=[0,0,0,0], strides=[2,2], ceil_mode=1}
  %i: f32[1,130,4,4] = AveragePool(%x) {kernel_shape=[3,3], pads=[1,1,1,1], strides=[2,2], count_include_pad=1}
}
)";
  Tensor x = Random(130 * 49, 14);
  auto out = CompileAndRun(text, {{"x", x}});
  ExpectClose(out["m"], PoolReference(x, 1, 130, 7, 7, 4, 4, 3, 2, {1, 1, 1, 1}, true, false));
  ExpectClose(out["a"], PoolReference(x, 1, 130, 7, 7, 4, 4, 3, 2, {0, 0, 0, 0}, false, false));
  ExpectClose(out["i"], PoolReference(x, 1, 130, 7, 7, 4, 4, 3, 2, {1, 1, 1, 1}, false, true));
}

// MaxPool of 8-bit integers: loaded as fp32 by DMA, the max is exact, the
// store converts back; padding never wins (-inf).
TEST(Pool, MaxPoolOfUint8AndInt8IsExact) {
  const std::string text = R"(graph g(%x: u8[1,130,5,5], %z: i8[1,2,4,4]) -> (%m, %n) {
  %m: u8[1,130,3,3] = MaxPool(%x) {kernel_shape=[3,3], pads=[1,1,1,1], strides=[2,2]}
  %n: i8[1,2,4,4] = MaxPool(%z) {kernel_shape=[3,3], pads=[1,1,1,1], strides=[1,1]}
}
)";
  Tensor x(130 * 25), z(2 * 16);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 37 + 11) % 256);
  for (size_t i = 0; i < z.size(); ++i)
    z[i] = static_cast<float>(static_cast<int>((i * 53) % 256) - 128);
  auto out = CompileAndRun(text, {{"x", x}, {"z", z}});
  EXPECT_EQ(out["m"], PoolReference(x, 1, 130, 5, 5, 3, 3, 3, 2, {1, 1, 1, 1}, true, false));
  EXPECT_EQ(out["n"], PoolReference(z, 1, 2, 4, 4, 4, 4, 3, 1, {1, 1, 1, 1}, true, false));
}

// Pooling geometry for DilatedPoolReference: kernel, strides, dilations
// per axis (height, width) and ONNX pads [top, left, bottom, right].
struct Pool2d {
  int64_t kh, kw, sh, sw, dh, dw;
  std::vector<int64_t> pads;
};

// Max (with the flat index of the first maximum) or average pooling over
// [planes, h, w] with ONNX semantics: ho = (h + pads - ((k - 1) d + 1)) / s + 1.
Tensor DilatedPoolReference(const Tensor& x, int64_t planes, int64_t h, int64_t w, const Pool2d& p,
                            bool is_max, bool include_pad, Tensor* argmax = nullptr) {
  const int64_t ho = (h + p.pads[0] + p.pads[2] - ((p.kh - 1) * p.dh + 1)) / p.sh + 1;
  const int64_t wo = (w + p.pads[1] + p.pads[3] - ((p.kw - 1) * p.dw + 1)) / p.sw + 1;
  Tensor y;
  for (int64_t b = 0; b < planes; ++b)
    for (int64_t i = 0; i < ho; ++i)
      for (int64_t j = 0; j < wo; ++j) {
        float acc = is_max ? -INFINITY : 0.0f;
        int64_t count = 0, best = 0;
        for (int64_t r = 0; r < p.kh; ++r)
          for (int64_t q = 0; q < p.kw; ++q) {
            const int64_t ih = i * p.sh + r * p.dh - p.pads[0];
            const int64_t iw = j * p.sw + q * p.dw - p.pads[1];
            if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
              const float v = x[(b * h + ih) * w + iw];
              if (is_max && v > acc) best = (b * h + ih) * w + iw;
              acc = is_max ? std::max(acc, v) : acc + v;
              ++count;
            } else if (include_pad) {
              ++count;
            }
          }
        y.push_back(is_max ? acc : acc / float(count));
        if (argmax != nullptr) argmax->push_back(float(best));
      }
  return y;
}

TEST(Pool, RowsWiderThanATileArePooledInColumnTiles) {
  // Padded rows of 5004 floats, 5 of them per window: more than an input
  // tile holds, so the outputs are tiled along the width too (2496 columns).
  const std::string text = R"(graph g(%x: f32[1,2,12,5000]) -> (%m) {
  %m: f32[1,2,10,2496] = MaxPool(%x) {kernel_shape=[3,5], strides=[1,2], dilations=[2,3], pads=[1,2,1,2]}
}
)";
  const Tensor x = Random(2 * 12 * 5000, 83);
  auto out = CompileAndRun(text, {{"x", x}});
  EXPECT_EQ(out["m"],
            DilatedPoolReference(x, 2, 12, 5000, {3, 5, 1, 2, 2, 3, {1, 2, 1, 2}}, true, false));
  // The average pool has no dilation: ho = 12, wo = 2500 with these pads.
  const std::string avg = R"(graph g(%x: f32[1,2,12,5000]) -> (%a) {
  %a: f32[1,2,12,2500] = AveragePool(%x) {kernel_shape=[3,5], strides=[1,2], pads=[1,2,1,2], count_include_pad=1}
}
)";
  auto out_avg = CompileAndRun(avg, {{"x", x}});
  ExpectClose(out_avg["a"],
              DilatedPoolReference(x, 2, 12, 5000, {3, 5, 1, 2, 1, 1, {1, 2, 1, 2}}, false, true));
}

TEST(Pool, WindowsTallerThanATileAreTakenInKernelRowGroups) {
  // A window of 81 rows x 3001 columns cannot sit in one tile: each output
  // tile takes the kernel a row at a time; Indices keep window order.
  const std::string text = R"(graph g(%x: f32[1,3,85,3010]) -> (%m, %i) {
  %m: f32[1,3,5,10], %i: i64[1,3,5,10] = MaxPool(%x) {kernel_shape=[3,3], dilations=[40,1500]}
}
)";
  Tensor x = Random(3 * 85 * 3010, 84);
  for (size_t k = 0; k < x.size(); k += 7) x[k] = 0.5f;  // ties: the first one wins
  auto out = CompileAndRun(text, {{"x", x}});
  Tensor argmax;
  EXPECT_EQ(out["m"], DilatedPoolReference(x, 3, 85, 3010, {3, 3, 1, 1, 40, 1500, {0, 0, 0, 0}},
                                           true, false, &argmax));
  EXPECT_EQ(out["i"], argmax);
}

TEST(Pool, MaxPoolReadsOnlyTheCellsItsWindowsTouch) {
  // Strides and dilations sharing a factor (2 and 4, 4 and 2) with odd
  // pads: the windows read every other row and column.
  const std::string text = R"(graph g(%x: f32[1,3,40,50], %z: f32[1,2,9000]) -> (%m, %n) {
  %m: f32[1,3,19,13] = MaxPool(%x) {kernel_shape=[3,4], strides=[2,4], dilations=[4,2], pads=[3,1,2,5]}
  %n: f32[1,2,890] = MaxPool(%z) {kernel_shape=[20], strides=[10], dilations=[6], pads=[5,5]}
}
)";
  const Tensor x = Random(3 * 40 * 50, 85), z = Random(2 * 9000, 86);
  auto out = CompileAndRun(text, {{"x", x}, {"z", z}});
  EXPECT_EQ(out["m"],
            DilatedPoolReference(x, 3, 40, 50, {3, 4, 2, 4, 4, 2, {3, 1, 2, 5}}, true, false));
  EXPECT_EQ(out["n"],
            DilatedPoolReference(z, 2, 1, 9000, {1, 20, 1, 10, 1, 6, {0, 5, 0, 5}}, true, false));
}

TEST(Pool, MaxPoolIndicesRowAndColumnMajor) {
  // 2x130x7x6 (two batches, channels cross 128), 3x3 stride 2 pad 1; the
  // Indices are flat into X: ((n * C + c) * H + h) * W + w, or with
  // storage_order=1 ((n * C + c) * W + w) * H + h.
  const std::string text = R"(graph g(%x: f32[2,130,7,6]) -> (%m, %i, %mc, %ic) {
  %m: f32[2,130,4,3], %i: i64[2,130,4,3] = MaxPool(%x) {kernel_shape=[3,3], pads=[1,1,1,1], strides=[2,2]}
  %mc: f32[2,130,4,3], %ic: i64[2,130,4,3] = MaxPool(%x) {kernel_shape=[3,3], pads=[1,1,1,1], strides=[2,2], storage_order=1}
}
)";
  Tensor x = Random(2 * 130 * 42, 74);
  Tensor m, i, ic;
  for (int plane = 0; plane < 260; ++plane)
    for (int oh = 0; oh < 4; ++oh)
      for (int ow = 0; ow < 3; ++ow) {
        float best = -INFINITY;
        int bh = 0, bw = 0;
        for (int r = 0; r < 3; ++r)
          for (int s = 0; s < 3; ++s) {
            const int h = oh * 2 + r - 1, w = ow * 2 + s - 1;
            if (h < 0 || h >= 7 || w < 0 || w >= 6) continue;
            const float v = x[(plane * 7 + h) * 6 + w];
            if (v > best) best = v, bh = h, bw = w;
          }
        m.push_back(best);
        i.push_back(float((plane * 7 + bh) * 6 + bw));
        ic.push_back(float((plane * 6 + bw) * 7 + bh));
      }
  auto out = CompileAndRun(text, {{"x", x}});
  EXPECT_EQ(out["m"], m);
  EXPECT_EQ(out["i"], i);
  EXPECT_EQ(out["mc"], m);
  EXPECT_EQ(out["ic"], ic);
}

// MaxUnpool (ONNX: zeros with X[k] written at the flat index I[k]) of
// MaxPool's outputs: non-overlapping 2x2 windows over two batches and 130
// channels; overlapping 3x3 stride-1 windows, where one element can win
// twice; and an output_shape larger than the default, where an index keeps
// its coordinates (as in the ONNX test data).
TEST(Pool, MaxUnpoolOfMaxPoolIndices) {
  const std::string text =
      R"(graph g(%x: f32[2,130,4,6], %s: f32[1,1,4,4], %v: f32[1,1,2,2], %j: i64[1,1,2,2]) -> (%u, %uo, %ul) {
  %m: f32[2,130,2,3], %i: i64[2,130,2,3] = MaxPool(%x) {kernel_shape=[2,2], strides=[2,2]}
  %u: f32[2,130,4,6] = MaxUnpool(%m, %i) {kernel_shape=[2,2], strides=[2,2]}
  %mo: f32[1,1,2,2], %io: i64[1,1,2,2] = MaxPool(%s) {kernel_shape=[3,3], strides=[1,1]}
  %uo: f32[1,1,4,4] = MaxUnpool(%mo, %io) {kernel_shape=[3,3], strides=[1,1]}
  %ul: f32[1,1,5,5] = MaxUnpool(%v, %j) {kernel_shape=[2,2], strides=[2,2]}
}
)";
  Tensor x = Random(2 * 130 * 24, 81);
  Tensor u(x.size(), 0.0f);
  for (int plane = 0; plane < 260; ++plane)
    for (int oh = 0; oh < 2; ++oh)
      for (int ow = 0; ow < 3; ++ow) {
        int best = -1;
        for (int r = 0; r < 2; ++r)
          for (int c = 0; c < 2; ++c) {
            const int at = (plane * 4 + oh * 2 + r) * 6 + ow * 2 + c;
            if (best < 0 || x[at] > x[best]) best = at;
          }
        u[best] = x[best];
      }
  // The 9 wins all four 3x3 windows: unpooled once, not summed.
  const Tensor s = {1, 2, 3, 4, 5, 9, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7};
  Tensor uo(16, 0.0f);
  uo[5] = 9;
  auto out = CompileAndRun(text, {{"x", x}, {"s", s}, {"v", {1, 2, 3, 4}}, {"j", {5, 7, 13, 15}}});
  EXPECT_EQ(out["u"], u);
  EXPECT_EQ(out["uo"], uo);
  Tensor ul(25, 0.0f);
  ul[6] = 1, ul[8] = 2, ul[16] = 3, ul[18] = 4;
  EXPECT_EQ(out["ul"], ul);
}

// RoiAlign reference from the ONNX operator text (average mode): each bin
// averages sampling_ratio^2 bilinear samples; a sample beyond [-1, H] or
// [-1, W] counts as 0, coordinates below 0 are taken as 0, and the last
// row/column is repeated past the edge.
float Bilinear(const float* plane, int h, int w, float y, float x) {
  if (y < -1.0f || y > h || x < -1.0f || x > w) return 0.0f;
  y = std::max(y, 0.0f), x = std::max(x, 0.0f);
  int y0 = static_cast<int>(y), x0 = static_cast<int>(x), y1 = y0 + 1, x1 = x0 + 1;
  if (y0 >= h - 1) y0 = y1 = h - 1, y = static_cast<float>(y0);
  if (x0 >= w - 1) x0 = x1 = w - 1, x = static_cast<float>(x0);
  const float ly = y - y0, lx = x - x0, hy = 1 - ly, hx = 1 - lx;
  return hy * hx * plane[y0 * w + x0] + hy * lx * plane[y0 * w + x1] +
         ly * hx * plane[y1 * w + x0] + ly * lx * plane[y1 * w + x1];
}

Tensor RoiAlignRef(const Tensor& x, int c, int h, int w, const Tensor& rois, const Tensor& batch,
                   int out_h, int out_w, int ratio, float scale, bool half_pixel) {
  Tensor y;
  const float offset = half_pixel ? 0.5f : 0.0f;
  for (size_t r = 0; r < batch.size(); ++r) {
    const float x0 = rois[r * 4] * scale - offset, y0 = rois[r * 4 + 1] * scale - offset;
    float rw = rois[r * 4 + 2] * scale - offset - x0, rh = rois[r * 4 + 3] * scale - offset - y0;
    if (!half_pixel) rw = std::max(rw, 1.0f), rh = std::max(rh, 1.0f);
    const float bh = rh / out_h, bw = rw / out_w;
    for (int ch = 0; ch < c; ++ch) {
      const float* plane = &x[(static_cast<int>(batch[r]) * c + ch) * h * w];
      for (int ph = 0; ph < out_h; ++ph)
        for (int pw = 0; pw < out_w; ++pw) {
          double sum = 0;
          for (int iy = 0; iy < ratio; ++iy)
            for (int ix = 0; ix < ratio; ++ix) {
              const float sy = y0 + ph * bh + (iy + 0.5f) * bh / ratio;
              const float sx = x0 + pw * bw + (ix + 0.5f) * bw / ratio;
              sum += Bilinear(plane, h, w, sy, sx);
            }
          y.push_back(static_cast<float>(sum / (ratio * ratio)));
        }
    }
  }
  return y;
}

TEST(Resize, RoiAlignAverageWithRunTimeBoxesAndBatchIndices) {
  const std::string text =
      R"(graph g(%x: f32[2,3,6,7], %rois: f32[4,4], %b: i64[4]) -> (%half, %output_half) {
  %half: f32[4,3,3,2] = RoiAlign(%x, %rois, %b) {coordinate_transformation_mode="half_pixel", output_height=3, output_width=2, sampling_ratio=2, spatial_scale=0.5}
  %output_half: f32[4,3,3,2] = RoiAlign(%x, %rois, %b) {coordinate_transformation_mode="output_half_pixel", output_height=3, output_width=2, sampling_ratio=3, spatial_scale=0.5}
}
)";
  const Tensor x = Random(2 * 3 * 6 * 7, 91);
  // Boxes inside, partly outside (samples beyond the edge), thin, and reversed.
  const Tensor rois = {2, 1, 10, 9, -4, -3, 16, 14, 6, 6, 6.5, 6.5, 9, 8, 3, 2};
  const Tensor b = {1, 0, 1, 0};
  auto out = CompileAndRun(text, {{"x", x}, {"rois", rois}, {"b", b}});
  ExpectClose(out["half"], RoiAlignRef(x, 3, 6, 7, rois, b, 3, 2, 2, 0.5f, true), 1e-5);
  ExpectClose(out["output_half"], RoiAlignRef(x, 3, 6, 7, rois, b, 3, 2, 3, 0.5f, false), 1e-5);
}

TEST(DataMovement, TransposeSliceConcatSplitPadExpand) {
  const std::string text =
      R"(graph g(%x: f32[2,3,4,5], %v: f32[3,1]) -> (%t, %s, %c, %p0, %p1, %pad, %e) {
  %starts: i64[2] = constant [3, 1]
  %ends: i64[2] = constant [-100, 5]
  %axes: i64[2] = constant [2, 3]
  %steps: i64[2] = constant [-2, 2]
  %splits: i64[2] = constant [1, 2]
  %pads: i64[8] = constant [0, 1, 0, -1, 1, 0, 2, 0]
  %shape: i64[3] = constant [2, 3, 6]
  %t: f32[5,3,2,4] = Transpose(%x) {perm=[3,1,0,2]}
  %s: f32[2,3,2,2] = Slice(%x, %starts, %ends, %axes, %steps)
  %c: f32[2,6,4,5] = Concat(%x, %x) {axis=1}
  %p0: f32[2,1,4,5], %p1: f32[2,2,4,5] = Split(%x, %splits) {axis=1}
  %pad: f32[3,4,6,4] = Pad(%x, %pads)
  %e: f32[2,3,6] = Expand(%v, %shape)
}
)";
  Tensor x = Random(120, 15), v = Random(3, 16);
  auto at = [&](int a, int b, int c, int d) { return x[((a * 3 + b) * 4 + c) * 5 + d]; };
  Tensor t(120), s, c, p0, p1, pad(3 * 4 * 6 * 4, 0.0f), e;
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int cc = 0; cc < 4; ++cc)
        for (int d = 0; d < 5; ++d) t[((d * 3 + b) * 2 + a) * 4 + cc] = at(a, b, cc, d);
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int cc : {3, 1})
        for (int d : {1, 3}) s.push_back(at(a, b, cc, d));
  for (int a = 0; a < 2; ++a)
    for (int rep = 0; rep < 2; ++rep)
      for (int b = 0; b < 3; ++b)
        for (int i = 0; i < 20; ++i) c.push_back(x[(a * 3 + b) * 20 + i]);
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int i = 0; i < 20; ++i) (b == 0 ? p0 : p1).push_back(x[(a * 3 + b) * 20 + i]);
  // pads: begin [0,1,0,-1], end [1,0,2,0] -> out [3,4,6,4]
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int cc = 0; cc < 4; ++cc)
        for (int d = 1; d < 5; ++d) pad[((a * 4 + b + 1) * 6 + cc) * 4 + (d - 1)] = at(a, b, cc, d);
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int i = 0; i < 6; ++i) e.push_back(v[b]);
  auto out = CompileAndRun(text, {{"x", x}, {"v", v}});
  ExpectClose(out["t"], t);
  ExpectClose(out["s"], s);
  ExpectClose(out["c"], c);
  ExpectClose(out["p0"], p0);
  ExpectClose(out["p1"], p1);
  ExpectClose(out["pad"], pad);
  ExpectClose(out["e"], e);
}

// Attention's head split [b, s, h, d] -> [b, h, s, d]: staged through SBUF
// (s on partitions; one contiguous load, one contiguous store per head),
// with more than 128 sequence positions (two partition chunks) and a batch.
TEST(DataMovement, HeadSwapTransposeStagedThroughSbuf) {
  const int b = 2, s_len = 130, h = 3, d = 8;
  const std::string text =
      absl::StrCat("graph g(%x: f32[", b, ",", s_len, ",", h, ",", d, "]) -> (%y) {\n  %y: f32[", b,
                   ",", h, ",", s_len, ",", d, "] = Transpose(%x) {perm=[0,2,1,3]}\n}\n");
  Tensor x = Random(b * s_len * h * d, 77), y(x.size());
  for (int i = 0; i < b; ++i)
    for (int j = 0; j < s_len; ++j)
      for (int k = 0; k < h; ++k)
        for (int l = 0; l < d; ++l)
          y[((i * h + k) * s_len + j) * d + l] = x[((i * s_len + j) * h + k) * d + l];
  auto out = CompileAndRun(text, {{"x", x}});
  EXPECT_EQ(out["y"], y);  // data movement is exact
}

// The other attention layouts: heads merged back ([b, h, s, d] -> [b, s, h, d],
// s on partitions: a contiguous load per head, one store of whole rows) and
// keys transposed for Q.K^T ([b, s, h, d] -> [b, h, d, s], through TensorE
// transposes), with more than 128 positions.
TEST(DataMovement, HeadMergeAndKeyTransposeStagedThroughSbuf) {
  const int b = 2, s_len = 130, h = 3, d = 50;  // h*d = 150: two column blocks
  const std::string text =
      absl::StrCat("graph g(%x: f32[", b, ",", h, ",", s_len, ",", d, "], %k: f32[", b, ",", s_len,
                   ",", h, ",", d, "]) -> (%y, %kt) {\n  %y: f32[", b, ",", s_len, ",", h, ",", d,
                   "] = Transpose(%x) {perm=[0,2,1,3]}\n  %kt: f32[", b, ",", h, ",", d, ",", s_len,
                   "] = Transpose(%k) {perm=[0,2,3,1]}\n}\n");
  Tensor x = Random(b * s_len * h * d, 78), k = Random(b * s_len * h * d, 79);
  Tensor y(x.size()), kt(k.size());
  for (int i = 0; i < b; ++i)
    for (int j = 0; j < s_len; ++j)
      for (int q = 0; q < h; ++q)
        for (int l = 0; l < d; ++l) {
          y[((i * s_len + j) * h + q) * d + l] = x[((i * h + q) * s_len + j) * d + l];
          kt[((i * h + q) * d + l) * s_len + j] = k[((i * s_len + j) * h + q) * d + l];
        }
  auto out = CompileAndRun(text, {{"x", x}, {"k", k}});
  EXPECT_EQ(out["y"], y);    // data movement is exact
  EXPECT_EQ(out["kt"], kt);  // an identity matmul in fp32 is exact too
}

TEST(DataMovement, ReflectAndEdgePads) {
  // Every axis padded; reflect up to size - 1, edge beyond the axis size.
  const std::vector<int64_t> shape = {2, 3, 4, 5};
  const std::vector<int64_t> reflect_pads = {0, 1, 2, 3, 1, 2, 1, 4};
  const std::vector<int64_t> edge_pads = {1, 0, 5, 2, 0, 3, 0, 6};
  auto out_shape = [&](const std::vector<int64_t>& pads) {
    std::vector<int64_t> o(4);
    for (int d = 0; d < 4; ++d) o[d] = shape[d] + pads[d] + pads[d + 4];
    return o;
  };
  const std::string text = absl::StrCat(
      "graph g(%x: f32[2,3,4,5]) -> (%r, %e) {\n", "  %r: f32[", Dims(out_shape(reflect_pads)),
      "] = Pad(%x) {mode=\"reflect\", pads=[", Dims(reflect_pads), "]}\n", "  %e: f32[",
      Dims(out_shape(edge_pads)), "] = Pad(%x) {mode=\"edge\", pads=[", Dims(edge_pads), "]}\n}\n");
  Tensor x = Random(120, 58);
  // numpy.pad semantics: output index o maps to input index i = o - before;
  // reflect mirrors i about 0 and n - 1 without repeating the edge, edge clamps.
  auto pad = [&](const std::vector<int64_t>& pads, bool reflect) {
    const std::vector<int64_t> o = out_shape(pads);
    Tensor y;
    for (int64_t a = 0; a < o[0]; ++a)
      for (int64_t b = 0; b < o[1]; ++b)
        for (int64_t c = 0; c < o[2]; ++c)
          for (int64_t d = 0; d < o[3]; ++d) {
            const int64_t idx[4] = {a, b, c, d};
            int64_t flat = 0;
            for (int k = 0; k < 4; ++k) {
              int64_t i = idx[k] - pads[k];
              const int64_t n = shape[k];
              if (reflect) {
                if (i < 0) i = -i;
                if (i >= n) i = 2 * (n - 1) - i;
              } else {
                i = std::min(std::max<int64_t>(i, 0), n - 1);
              }
              flat = flat * n + i;
            }
            y.push_back(x[flat]);
          }
    return y;
  };
  auto out = CompileAndRun(text, {{"x", x}});
  EXPECT_EQ(out["r"], pad(reflect_pads, true));
  EXPECT_EQ(out["e"], pad(edge_pads, false));
}

TEST(DataMovement, ReflectPadBeyondTheAxisIsReportedNotLowered) {
  auto graph = ir::Parse(R"(graph g(%x: f32[2,3]) -> (%y) {
  %y: f32[2,9] = Pad(%x) {mode="reflect", pads=[0,3,0,3]}
}
)");
  ASSERT_TRUE(graph.ok());
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 1u);
  EXPECT_EQ(unsupported[0].reason, "reflect pad of 3 on axis 1 of size 3 (at most size - 1)");
}

// fuse-softmax-scale's input_scale: softmax(s * x) and log_softmax(s * x),
// with logits large enough that an unscaled max would differ.
TEST(RowOps, SoftmaxWithInputScale) {
  const std::string text = R"(graph g(%x: f32[130,24]) -> (%s, %l) {
  %s: f32[130,24] = Softmax(%x) {axis=-1, input_scale=0.125}
  %l: f32[130,24] = LogSoftmax(%x) {axis=-1, input_scale=0.125}
}
)";
  Tensor x = Random(130 * 24, 19);
  for (float& v : x) v *= 40.0f;
  Tensor s(x.size()), l(x.size());
  for (int r = 0; r < 130; ++r) {
    double mx = -1e30, sum = 0;
    for (int c = 0; c < 24; ++c) mx = std::max<double>(mx, 0.125 * x[r * 24 + c]);
    for (int c = 0; c < 24; ++c) sum += std::exp(0.125 * x[r * 24 + c] - mx);
    for (int c = 0; c < 24; ++c) {
      s[r * 24 + c] = std::exp(0.125 * x[r * 24 + c] - mx) / sum;
      l[r * 24 + c] = 0.125 * x[r * 24 + c] - mx - std::log(sum);
    }
  }
  auto out = CompileAndRun(text, {{"x", x}});
  ExpectClose(out["s"], s);
  ExpectClose(out["l"], l);
}

TEST(RowOps, SoftmaxLogSoftmaxAndReductions) {
  // Softmax over the last axis (rows on partitions, 130 rows cross 128) and
  // over a middle axis (strided rows); reductions over a trailing block.
  const std::string text =
      R"(graph g(%x: f32[2,65,7], %z: f32[2,3,4,5]) -> (%s, %l, %m, %sum, %mean, %max, %l2) {
  %axes: i64[2] = constant [2, 3]
  %s: f32[2,65,7] = Softmax(%x) {axis=-1}
  %l: f32[2,65,7] = LogSoftmax(%x) {axis=1}
  %m: f32[2,65,7] = Softmax(%x) {axis=1}
  %sum: f32[2,3,1,1] = ReduceSum(%z, %axes)
  %mean: f32[2,3] = ReduceMean(%z) {axes=[2,3], keepdims=0}
  %max: f32[2,1,4,5] = ReduceMax(%z) {axes=[1]}
  %l2: f32[1,1,1,1] = ReduceL2(%z)
}
)";
  Tensor x = Random(2 * 65 * 7, 17), z = Random(120, 18);
  Tensor s(x.size()), l(x.size()), m(x.size());
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 65; ++b) {
      double mx = -1e30, sum = 0;
      for (int c = 0; c < 7; ++c) mx = std::max<double>(mx, x[(a * 65 + b) * 7 + c]);
      for (int c = 0; c < 7; ++c) sum += std::exp(x[(a * 65 + b) * 7 + c] - mx);
      for (int c = 0; c < 7; ++c)
        s[(a * 65 + b) * 7 + c] = std::exp(x[(a * 65 + b) * 7 + c] - mx) / sum;
    }
  for (int a = 0; a < 2; ++a)
    for (int c = 0; c < 7; ++c) {
      double mx = -1e30, sum = 0;
      for (int b = 0; b < 65; ++b) mx = std::max<double>(mx, x[(a * 65 + b) * 7 + c]);
      for (int b = 0; b < 65; ++b) sum += std::exp(x[(a * 65 + b) * 7 + c] - mx);
      for (int b = 0; b < 65; ++b) {
        const int i = (a * 65 + b) * 7 + c;
        m[i] = std::exp(x[i] - mx) / sum;
        l[i] = x[i] - mx - std::log(sum);
      }
    }
  Tensor sum(6), mean(6), mx(40, -1e30f), l2(1, 0.0f);
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int i = 0; i < 20; ++i) {
        const float v = z[(a * 3 + b) * 20 + i];
        sum[a * 3 + b] += v;
        mx[a * 20 + i] = std::max(mx[a * 20 + i], v);
        l2[0] += v * v;
      }
  for (int i = 0; i < 6; ++i) mean[i] = sum[i] / 20;
  l2[0] = std::sqrt(l2[0]);
  auto out = CompileAndRun(text, {{"x", x}, {"z", z}});
  ExpectClose(out["s"], s);
  ExpectClose(out["l"], l);
  ExpectClose(out["m"], m);
  ExpectClose(out["sum"], sum);
  ExpectClose(out["mean"], mean);
  ExpectClose(out["max"], mx);
  ExpectClose(out["l2"], l2);
}

TEST(RowOps, ReductionsOverNonAdjacentAxes) {
  const std::string text = R"(graph g(%x: f32[3,5,4,2]) -> (%mean, %max, %lse) {
  %mean: f32[1,5,1,2] = ReduceMean(%x) {axes=[0,2]}
  %max: f32[3,4] = ReduceMax(%x) {axes=[1,3], keepdims=0}
  %lse: f32[5,2] = ReduceLogSumExp(%x) {axes=[-2,0], keepdims=0}
}
)";
  Tensor x = Random(120, 75);
  auto at = [&](int a, int b, int c, int d) { return x[((a * 5 + b) * 4 + c) * 2 + d]; };
  Tensor mean, max, lse;
  for (int b = 0; b < 5; ++b)
    for (int d = 0; d < 2; ++d) {
      double sum = 0, exps = 0;
      for (int a = 0; a < 3; ++a)
        for (int c = 0; c < 4; ++c) sum += at(a, b, c, d), exps += std::exp(double(at(a, b, c, d)));
      mean.push_back(float(sum / 12));
      lse.push_back(float(std::log(exps)));
    }
  for (int a = 0; a < 3; ++a)
    for (int c = 0; c < 4; ++c) {
      float m = -INFINITY;
      for (int b = 0; b < 5; ++b)
        for (int d = 0; d < 2; ++d) m = std::max(m, at(a, b, c, d));
      max.push_back(m);
    }
  auto out = CompileAndRun(text, {{"x", x}});
  ExpectClose(out["mean"], mean);
  EXPECT_EQ(out["max"], max);
  ExpectClose(out["lse"], lse);
}

TEST(RowOps, LayerNormAndBatchNorm) {
  const std::string text =
      R"(graph g(%x: f32[3,50,40], %g: f32[40], %b: f32[40], %c: f32[2,3,4,4]) -> (%y, %n) {
  %s: f32[3] = constant [1.5, -0.5, 2.0]
  %o: f32[3] = constant [0.1, 0.2, -0.3]
  %mu: f32[3] = constant [0.05, -0.1, 0.2]
  %var: f32[3] = constant [0.9, 1.1, 0.5]
  %y: f32[3,50,40] = LayerNormalization(%x, %g, %b) {axis=-1, epsilon=0.001}
  %n: f32[2,3,4,4] = BatchNormalization(%c, %s, %o, %mu, %var) {epsilon=0.00001}
}
)";
  Tensor x = Random(3 * 50 * 40, 19), g = Random(40, 20), b = Random(40, 21), c = Random(96, 22);
  Tensor y(x.size()), n(c.size());
  for (int r = 0; r < 150; ++r) {
    double mean = 0, var = 0;
    for (int j = 0; j < 40; ++j) mean += x[r * 40 + j];
    mean /= 40;
    for (int j = 0; j < 40; ++j) var += (x[r * 40 + j] - mean) * (x[r * 40 + j] - mean);
    var /= 40;
    for (int j = 0; j < 40; ++j) {
      y[r * 40 + j] = float((x[r * 40 + j] - mean) / std::sqrt(var + 0.001) * g[j] + b[j]);
    }
  }
  const float sc[3] = {1.5f, -0.5f, 2.0f}, of[3] = {0.1f, 0.2f, -0.3f};
  const float mu[3] = {0.05f, -0.1f, 0.2f}, va[3] = {0.9f, 1.1f, 0.5f};
  for (int i = 0; i < 96; ++i) {
    const int ch = (i / 16) % 3;
    n[i] = (c[i] - mu[ch]) / std::sqrt(va[ch] + 1e-5f) * sc[ch] + of[ch];
  }
  auto out = CompileAndRun(text, {{"x", x}, {"g", g}, {"b", b}, {"c", c}});
  ExpectClose(out["y"], y);
  ExpectClose(out["n"], n);
}

// BatchNormalization whose scale, B, mean and var are graph inputs: the
// per-channel affine is computed on chip (ONNX: y = (x - mean) /
// sqrt(var + epsilon) * scale + B), here over more than 128 channels.
TEST(RowOps, BatchNormWithRunTimeStatistics) {
  const std::string text =
      R"(graph g(%x: f32[2,130,3,5], %s: f32[130], %b: f32[130], %m: f32[130], %v: f32[130]) -> (%y) {
  %y: f32[2,130,3,5] = BatchNormalization(%x, %s, %b, %m, %v) {epsilon=0.01}
}
)";
  const int64_t c = 130, inner = 15;
  Tensor x = Random(2 * c * inner, 31), s = Random(c, 32), b = Random(c, 33), m = Random(c, 34);
  Tensor v = Random(c, 35);
  for (float& e : v) e = std::fabs(e) + 0.1f;
  Tensor y(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const int64_t ch = (i / inner) % c;
    y[i] = (x[i] - m[ch]) / std::sqrt(v[ch] + 0.01f) * s[ch] + b[ch];
  }
  auto out = CompileAndRun(text, {{"x", x}, {"s", s}, {"b", b}, {"m", m}, {"v", v}});
  ExpectClose(out["y"], y);
}

// fuse-residual-norm's form: LayerNorm(x + h) with the sum formed on chip,
// over more than 128 rows (two row tiles), without B.
TEST(RowOps, LayerNormWithFusedResidual) {
  const std::string text = R"(graph g(%x: f32[200,64], %h: f32[200,64], %g: f32[64]) -> (%y) {
  %y: f32[200,64] = LayerNormalization(%x, %g, _, %h) {axis=-1, epsilon=0.00001, fused_residual=1}
}
)";
  Tensor x = Random(200 * 64, 31), h = Random(200 * 64, 32), g = Random(64, 33), y(x.size());
  for (int r = 0; r < 200; ++r) {
    double mean = 0, var = 0;
    for (int j = 0; j < 64; ++j) mean += x[r * 64 + j] + h[r * 64 + j];
    mean /= 64;
    for (int j = 0; j < 64; ++j) {
      const double d = x[r * 64 + j] + h[r * 64 + j] - mean;
      var += d * d;
    }
    var /= 64;
    for (int j = 0; j < 64; ++j) {
      y[r * 64 + j] = float((x[r * 64 + j] + h[r * 64 + j] - mean) / std::sqrt(var + 1e-5) * g[j]);
    }
  }
  auto out = CompileAndRun(text, {{"x", x}, {"h", h}, {"g", g}});
  ExpectClose(out["y"], y);
}

TEST(RowOps, InstanceNormMeanVarianceNormAndLrn) {
  // 130 channels: two partition blocks; MVN over the default axes [0, 2, 3]
  // and over a middle axis (rows from two kept runs); LRN with an even window
  // (one channel before, two after) over 600 positions (two matmul chunks).
  const std::string text =
      R"(graph g(%x: f32[2,130,7,9], %s: f32[130], %b: f32[130], %m: f32[2,5,3,7], %t: f32[4,6,5], %l: f32[2,13,20,30]) -> (%in, %mvn, %mvn1, %lrn) {
  %in: f32[2,130,7,9] = InstanceNormalization(%x, %s, %b) {epsilon=0.01}
  %mvn: f32[2,5,3,7] = MeanVarianceNormalization(%m)
  %mvn1: f32[4,6,5] = MeanVarianceNormalization(%t) {axes=[1]}
  %lrn: f32[2,13,20,30] = LRN(%l) {alpha=0.002, beta=0.6, bias=1.5, size=4}
}
)";
  Tensor x = Random(2 * 130 * 63, 51), sc = Random(130, 52), bi = Random(130, 53);
  Tensor m = Random(2 * 5 * 21, 54), t = Random(4 * 6 * 5, 55), l = Random(2 * 13 * 600, 56);
  for (float& v : l) v *= 4.0f;
  // InstanceNormalization: y = scale[c] (x - mean) / sqrt(var + eps) + B[c]
  // over each (n, c) plane.
  Tensor in(x.size());
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 130; ++c) {
      const float* p = &x[(n * 130 + c) * 63];
      double mean = 0, var = 0;
      for (int i = 0; i < 63; ++i) mean += p[i];
      mean /= 63;
      for (int i = 0; i < 63; ++i) var += (p[i] - mean) * (p[i] - mean);
      var /= 63;
      for (int i = 0; i < 63; ++i) {
        in[(n * 130 + c) * 63 + i] = float(sc[c] * (p[i] - mean) / std::sqrt(var + 0.01) + bi[c]);
      }
    }
  // MeanVarianceNormalization: (X - E[X]) / (sqrt(E[(X - E[X])^2]) + 1e-9)
  // over `axes`; `index(k, j)` is the j-th element of slice k.
  auto mvn = [](const Tensor& v, int slices, int len, auto index) {
    Tensor y(v.size());
    for (int k = 0; k < slices; ++k) {
      double mean = 0, var = 0;
      for (int j = 0; j < len; ++j) mean += v[index(k, j)];
      mean /= len;
      for (int j = 0; j < len; ++j) var += (v[index(k, j)] - mean) * (v[index(k, j)] - mean);
      var /= len;
      for (int j = 0; j < len; ++j)
        y[index(k, j)] = float((v[index(k, j)] - mean) / (std::sqrt(var) + 1e-9));
    }
    return y;
  };
  // [2,5,3,7] over axes 0, 2, 3: slice = channel c, j = (n, h, w).
  Tensor mvn0 = mvn(m, 5, 42, [](int c, int j) { return ((j / 21) * 5 + c) * 21 + j % 21; });
  // [4,6,5] over axis 1: slice = (a, b), j = the middle index.
  Tensor mvn1 = mvn(t, 20, 6, [](int k, int j) { return ((k / 5) * 6 + j) * 5 + k % 5; });
  // LRN: window max(0, c - floor(3/2)) .. min(C-1, c + ceil(3/2)).
  Tensor lrn(l.size());
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 13; ++c)
      for (int p = 0; p < 600; ++p) {
        double sum = 0;
        for (int i = std::max(0, c - 1); i <= std::min(12, c + 2); ++i) {
          const double v = l[(n * 13 + i) * 600 + p];
          sum += v * v;
        }
        const float v = l[(n * 13 + c) * 600 + p];
        lrn[(n * 13 + c) * 600 + p] = float(v / std::pow(1.5 + 0.002 / 4 * sum, 0.6));
      }
  auto out = CompileAndRun(text, {{"x", x}, {"s", sc}, {"b", bi}, {"m", m}, {"t", t}, {"l", l}});
  ExpectClose(out["in"], in);
  ExpectClose(out["mvn"], mvn0);
  ExpectClose(out["mvn1"], mvn1);
  ExpectClose(out["lrn"], lrn);
}

TEST(RowOps, TopKLargestAndSmallestWithTies) {
  const std::string text = R"(graph g(%x: f32[3,37,5], %z: f32[130,9]) -> (%v, %i, %sv, %si) {
  %k: i64[1] = constant [4]
  %v: f32[3,4,5], %i: i64[3,4,5] = TopK(%x, %k) {axis=1}
  %sv: f32[130,3], %si: i64[130,3] = TopK(%z) {axis=-1, k=3, largest=0}
}
)";
  // Few distinct values, so ties are common: the lower index comes first.
  Tensor x(3 * 37 * 5), z(130 * 9);
  for (size_t n = 0; n < x.size(); ++n) x[n] = float((n * 7919) % 11) - 5.0f;
  for (size_t n = 0; n < z.size(); ++n) z[n] = float((n * 104729) % 13) * 0.5f;
  // Reference: a stable sort of each slice along the axis (descending for
  // largest, ascending for smallest), first k kept.
  auto topk = [](const Tensor& t, int outer, int len, int inner, int k, bool largest, Tensor* v,
                 Tensor* i) {
    v->assign(outer * k * inner, 0.0f);
    i->assign(outer * k * inner, 0.0f);
    for (int o = 0; o < outer; ++o)
      for (int in = 0; in < inner; ++in) {
        std::vector<int> order(len);
        for (int j = 0; j < len; ++j) order[j] = j;
        auto at = [&](int j) { return t[(o * len + j) * inner + in]; };
        std::stable_sort(order.begin(), order.end(),
                         [&](int a, int b) { return largest ? at(a) > at(b) : at(a) < at(b); });
        for (int j = 0; j < k; ++j) {
          (*v)[(o * k + j) * inner + in] = at(order[j]);
          (*i)[(o * k + j) * inner + in] = float(order[j]);
        }
      }
  };
  Tensor v, i, sv, si;
  topk(x, 3, 37, 5, 4, true, &v, &i);
  topk(z, 130, 9, 1, 3, false, &sv, &si);
  auto out = CompileAndRun(text, {{"x", x}, {"z", z}});
  EXPECT_EQ(out["v"], v);
  EXPECT_EQ(out["i"], i);
  EXPECT_EQ(out["sv"], sv);
  EXPECT_EQ(out["si"], si);
}

TEST(Gather, EmbeddingRowsAndInnerAxis) {
  const std::string text =
      R"(graph g(%table: f32[300,24], %ids: i64[2,70], %d: f32[3,5,4]) -> (%e, %h) {
  %k: i64[2] = constant [-1, 2]
  %e: f32[2,70,24] = Gather(%table, %ids)
  %h: f32[3,2,4] = Gather(%d, %k) {axis=1}
}
)";
  Tensor table = Random(300 * 24, 23), d = Random(60, 24), ids(140);
  for (int i = 0; i < 140; ++i) ids[i] = float((i * 37) % 300);
  Tensor e, h;
  for (int i = 0; i < 140; ++i)
    for (int j = 0; j < 24; ++j) e.push_back(table[int(ids[i]) * 24 + j]);
  for (int a = 0; a < 3; ++a)
    for (int k : {4, 2})
      for (int j = 0; j < 4; ++j) h.push_back(d[(a * 5 + k) * 4 + j]);
  auto out = CompileAndRun(text, {{"table", table}, {"ids", ids}, {"d", d}});
  ExpectClose(out["e"], e);
  ExpectClose(out["h"], h);
}

TEST(Gather, GatherElementsAlongEachAxisWithNegativeIndices) {
  // 150 output elements per case: two partition tiles.
  const std::string text =
      R"(graph g(%d: f32[5,7,3], %i0: i64[10,5,3], %i2: i64[5,6,5]) -> (%y0, %y2) {
  %y0: f32[10,5,3] = GatherElements(%d, %i0) {axis=0}
  %y2: f32[5,6,5] = GatherElements(%d, %i2) {axis=-1}
}
)";
  Tensor d = Random(105, 59), i0(150), i2(150);
  for (int k = 0; k < 150; ++k) {
    i0[k] = float((k * 7) % 10 - 5);  // -5 .. 4
    i2[k] = float((k * 5) % 6 - 3);   // -3 .. 2
  }
  // y[i][j][k] = d[idx][j][k] (axis 0) or d[i][j][idx] (axis 2), a negative
  // index counting from the end of the axis.
  Tensor y0, y2;
  for (int a = 0; a < 10; ++a)
    for (int b = 0; b < 5; ++b)
      for (int c = 0; c < 3; ++c) {
        int idx = int(i0[(a * 5 + b) * 3 + c]);
        if (idx < 0) idx += 5;
        y0.push_back(d[(idx * 7 + b) * 3 + c]);
      }
  for (int a = 0; a < 5; ++a)
    for (int b = 0; b < 6; ++b)
      for (int c = 0; c < 5; ++c) {
        int idx = int(i2[(a * 6 + b) * 5 + c]);
        if (idx < 0) idx += 3;
        y2.push_back(d[(a * 7 + b) * 3 + idx]);
      }
  auto out = CompileAndRun(text, {{"d", d}, {"i0", i0}, {"i2", i2}});
  EXPECT_EQ(out["y0"], y0);
  EXPECT_EQ(out["y2"], y2);
}

TEST(Gather, GatherNdSlicesAndBatchDims) {
  const std::string text =
      R"(graph g(%d: f32[3,4,5], %i: i64[2,3,2], %j: i64[3,2,1], %k: i64[130,3]) -> (%y, %yb, %ye) {
  %y: f32[2,3,5] = GatherND(%d, %i)
  %yb: f32[3,2,5] = GatherND(%d, %j) {batch_dims=1}
  %ye: f32[130] = GatherND(%d, %k)
}
)";
  Tensor d = Random(60, 62), i(12), j(6), k(390);
  for (int n = 0; n < 6; ++n) {
    i[2 * n] = float(n % 3 - (n > 3 ? 3 : 0));  // axis 0, some negative
    i[2 * n + 1] = float((n * 3) % 4 - 2);      // axis 1: -2 .. 1
    j[n] = float((n * 5) % 4 - 1);              // -1 .. 2
  }
  for (int n = 0; n < 130; ++n) {
    k[3 * n] = float(n % 3), k[3 * n + 1] = float(n % 4), k[3 * n + 2] = float(n % 5 - 2);
  }
  auto wrap = [](float v, int size) { return v < 0 ? int(v) + size : int(v); };
  // output[p] = data[index tuple of p] (a slice of the trailing axes);
  // with batch_dims = 1 the tuple indexes within data[batch].
  Tensor y, yb, ye;
  for (int n = 0; n < 6; ++n) {
    const int a = wrap(i[2 * n], 3), b = wrap(i[2 * n + 1], 4);
    for (int c = 0; c < 5; ++c) y.push_back(d[(a * 4 + b) * 5 + c]);
  }
  for (int n = 0; n < 6; ++n) {
    const int batch = n / 2, b = wrap(j[n], 4);
    for (int c = 0; c < 5; ++c) yb.push_back(d[(batch * 4 + b) * 5 + c]);
  }
  for (int n = 0; n < 130; ++n) {
    ye.push_back(d[(int(k[3 * n]) * 4 + int(k[3 * n + 1])) * 5 + wrap(k[3 * n + 2], 5)]);
  }
  auto out = CompileAndRun(text, {{"d", d}, {"i", i}, {"j", j}, {"k", k}});
  EXPECT_EQ(out["y"], y);
  EXPECT_EQ(out["yb"], yb);
  EXPECT_EQ(out["ye"], ye);
}

TEST(Gather, IndexOutsideTheAxisStopsTheExecution) {
  // ONNX leaves out-of-range indices undefined; here they are an error with
  // a message, never a read of a neighbouring element.
  const std::string text = R"(graph g(%d: f32[3,4], %i: i64[2,1], %e: i64[2,4]) -> (%y, %z) {
  %y: f32[2,4] = GatherND(%d, %i)
  %z: f32[2,4] = GatherElements(%d, %e)
}
)";
  for (const auto& [i, e] : {std::pair<Tensor, Tensor>{{1, 3}, Tensor(8, 0.0f)},
                             std::pair<Tensor, Tensor>{{1, 2}, {0, 1, 2, -4, 0, 0, 0, 0}}}) {
    absl::Status status;
    CompileAndRun(text, {{"d", Random(12, 63)}, {"i", i}, {"e", e}}, true, 0, &status);
    EXPECT_FALSE(status.ok());
    EXPECT_NE(std::string(status.message()).find("index"), std::string::npos) << status;
  }
}

TEST(Scatter, ElementsAndNdWithNoneAndAddReductions) {
  // 270 and 140 positions (three and two blocks of 128), 150 and 130 updates
  // (two chunks); "add" with repeated targets, "none" with distinct ones.
  const std::string text =
      R"(graph g(%d: f32[9,30], %ie: i64[9,17], %ia: i64[9,17], %ue: f32[9,17], %r: f32[140,6], %in: i64[130,1], %ina: i64[130,1], %un: f32[130,6]) -> (%e, %ea, %n, %na) {
  %e: f32[9,30] = ScatterElements(%d, %ie, %ue) {axis=1}
  %ea: f32[9,30] = ScatterElements(%d, %ia, %ue) {axis=-1, reduction="add"}
  %n: f32[140,6] = ScatterND(%r, %in, %un)
  %na: f32[140,6] = ScatterND(%r, %ina, %un) {reduction="add"}
}
)";
  Tensor d = Random(270, 64), ue = Random(153, 65), r = Random(840, 66), un = Random(780, 67);
  Tensor ie(153), ia(153), in(130), ina(130);
  // Row a's 17 targets: distinct columns (a permutation step), some negative.
  for (int a = 0; a < 9; ++a)
    for (int j = 0; j < 17; ++j) {
      ie[a * 17 + j] = float((j * 7 + a) % 30 - (j % 2 ? 30 : 0));
      ia[a * 17 + j] = float(j % 5 - 2);  // each target hit 3 or 4 times
    }
  for (int k = 0; k < 130; ++k) {
    in[k] = float((k * 3) % 140 - (k % 3 == 0 ? 140 : 0));
    ina[k] = float(k % 50);  // repeated across the two update chunks
  }
  // data with update u written at (or added to) its target.
  Tensor e = d, ea = d, n = r, na = r;
  for (int a = 0; a < 9; ++a)
    for (int j = 0; j < 17; ++j) {
      int c = int(ie[a * 17 + j]);
      if (c < 0) c += 30;
      e[a * 30 + c] = ue[a * 17 + j];
      int ca = int(ia[a * 17 + j]);
      if (ca < 0) ca += 30;
      ea[a * 30 + ca] += ue[a * 17 + j];
    }
  for (int k = 0; k < 130; ++k) {
    int row = int(in[k]);
    if (row < 0) row += 140;
    for (int c = 0; c < 6; ++c) {
      n[row * 6 + c] = un[k * 6 + c];
      na[int(ina[k]) * 6 + c] += un[k * 6 + c];
    }
  }
  auto out = CompileAndRun(text, {{"d", d},
                                  {"ie", ie},
                                  {"ia", ia},
                                  {"ue", ue},
                                  {"r", r},
                                  {"in", in},
                                  {"ina", ina},
                                  {"un", un}});
  EXPECT_EQ(out["e"], e);
  ExpectClose(out["ea"], ea);
  EXPECT_EQ(out["n"], n);
  ExpectClose(out["na"], na);
}

TEST(Scatter, MulReductionMultipliesInUpdateOrder) {
  // ONNX: output = copy(data); for each update in order, output[target] *=
  // update. 270 and 140 positions (several blocks), 153 and 130 updates
  // (more than one partition's worth), targets repeated up to 4 times.
  const std::string text =
      R"(graph g(%d: f32[9,30], %ia: i64[9,17], %ue: f32[9,17], %r: f32[140,6], %ina: i64[130,1], %un: f32[130,6]) -> (%em, %nm) {
  %em: f32[9,30] = ScatterElements(%d, %ia, %ue) {axis=1, reduction="mul"}
  %nm: f32[140,6] = ScatterND(%r, %ina, %un) {reduction="mul"}
}
)";
  Tensor d = Random(270, 74), ue = Random(153, 75), r = Random(840, 76), un = Random(780, 77);
  Tensor ia(153), ina(130);
  for (int a = 0; a < 9; ++a)
    for (int j = 0; j < 17; ++j) ia[a * 17 + j] = float(j % 5 - 2);
  for (int k = 0; k < 130; ++k) ina[k] = float(k % 50 - (k % 4 == 0 ? 140 : 0));
  Tensor em = d, nm = r;
  for (int a = 0; a < 9; ++a)
    for (int j = 0; j < 17; ++j) {
      int c = int(ia[a * 17 + j]);
      if (c < 0) c += 30;
      em[a * 30 + c] *= ue[a * 17 + j];
    }
  for (int k = 0; k < 130; ++k) {
    int row = int(ina[k]);
    if (row < 0) row += 140;
    for (int c = 0; c < 6; ++c) nm[row * 6 + c] *= un[k * 6 + c];
  }
  auto out =
      CompileAndRun(text, {{"d", d}, {"ia", ia}, {"ue", ue}, {"r", r}, {"ina", ina}, {"un", un}});
  EXPECT_EQ(out["em"], em);
  EXPECT_EQ(out["nm"], nm);
}

TEST(Scatter, MulReductionIndexOutsideTheAxisStopsTheExecution) {
  const std::string text = R"(graph g(%d: f32[3,4], %i: i64[2,1], %u: f32[2,4]) -> (%y) {
  %y: f32[3,4] = ScatterND(%d, %i, %u) {reduction="mul"}
}
)";
  absl::Status status;
  CompileAndRun(text, {{"d", Random(12, 78)}, {"i", {0, -4}}, {"u", Random(8, 79)}}, true, 0,
                &status);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(std::string(status.message()).find("index"), std::string::npos) << status;
}

TEST(Scatter, IndexOutsideTheAxisStopsTheExecution) {
  const std::string text = R"(graph g(%d: f32[3,4], %i: i64[2,1], %u: f32[2,4]) -> (%y) {
  %y: f32[3,4] = ScatterND(%d, %i, %u)
}
)";
  absl::Status status;
  CompileAndRun(text, {{"d", Random(12, 68)}, {"i", {0, 3}}, {"u", Random(8, 69)}}, true, 0,
                &status);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(std::string(status.message()).find("index"), std::string::npos) << status;
}

TEST(Gather, ReverseSequenceAlongEitherAxis) {
  const std::string text =
      R"(graph g(%x: f32[3,130,2], %l: i64[3], %z: f32[6,4], %m: i64[4]) -> (%y, %w) {
  %y: f32[3,130,2] = ReverseSequence(%x, %l) {batch_axis=0, time_axis=1}
  %w: f32[6,4] = ReverseSequence(%z, %m) {batch_axis=1, time_axis=0}
}
)";
  Tensor x = Random(780, 72), z = Random(24, 73), l = {130, 7, 0}, m = {1, 6, 3, 2};
  // The first L steps of each batch entry reversed, the rest kept.
  auto source = [](int t, float len) { return t < int(len) ? int(len) - 1 - t : t; };
  Tensor y, w;
  for (int b = 0; b < 3; ++b)
    for (int t = 0; t < 130; ++t)
      for (int c = 0; c < 2; ++c) y.push_back(x[(b * 130 + source(t, l[b])) * 2 + c]);
  for (int t = 0; t < 6; ++t)
    for (int b = 0; b < 4; ++b) w.push_back(z[source(t, m[b]) * 4 + b]);
  auto out = CompileAndRun(text, {{"x", x}, {"l", l}, {"z", z}, {"m", m}});
  EXPECT_EQ(out["y"], y);
  EXPECT_EQ(out["w"], w);
}

TEST(Gather, OneHotInnerAndMiddleAxes) {
  const std::string text =
      R"(graph g(%i: i64[4,3], %f: f32[130], %d7: f32[1], %d5: f32[1], %v: f32[2]) -> (%mid, %last) {
  %mid: f32[4,7,3] = OneHot(%i, %d7, %v) {axis=1}
  %last: f32[130,5] = OneHot(%f, %d5, %v)
}
)";
  // Negative indices count from the end; out-of-range ones give a row of
  // off_value; float indices are truncated toward zero.
  Tensor i(12), f(130), v = {-0.5f, 2.25f};
  for (int k = 0; k < 12; ++k) i[k] = float(k % 9 - 4);  // -4 .. 4 (with depth 7)
  for (int k = 0; k < 130; ++k) f[k] = float(k % 15) * 0.75f - 6.0f;
  Tensor mid(4 * 7 * 3), last(130 * 5);
  for (int a = 0; a < 4; ++a)
    for (int d = 0; d < 7; ++d)
      for (int c = 0; c < 3; ++c) {
        int idx = int(i[a * 3 + c]);
        if (idx < 0) idx += 7;
        mid[(a * 7 + d) * 3 + c] = idx == d ? v[1] : v[0];
      }
  for (int k = 0; k < 130; ++k) {
    int idx = int(std::trunc(f[k]));
    if (idx < 0) idx += 5;
    for (int d = 0; d < 5; ++d) last[k * 5 + d] = idx == d ? v[1] : v[0];
  }
  auto out = CompileAndRun(text, {{"i", i}, {"f", f}, {"d7", {7.0f}}, {"d5", {5.0f}}, {"v", v}});
  EXPECT_EQ(out["mid"], mid);
  EXPECT_EQ(out["last"], last);
}

TEST(Gather, OneHotIntegerValues) {
  // The output takes the values' type; the select runs in fp32, exact for
  // integers below 2^24, and the stores convert.
  const std::string text =
      R"(graph g(%i: i64[5], %d: f32[1], %v32: i32[2], %v64: i64[2], %vu8: u8[2]) -> (%y32, %y64, %yu8) {
  %y32: i32[5,4] = OneHot(%i, %d, %v32)
  %y64: i64[4,5] = OneHot(%i, %d, %v64) {axis=0}
  %yu8: u8[5,4] = OneHot(%i, %d, %vu8)
}
)";
  const Tensor i = {0, 3, -1, 4, -5}, v32 = {-7, 16777215}, v64 = {16777216, -3}, vu8 = {0, 255};
  Tensor y32(20), y64(20), yu8(20);
  for (int k = 0; k < 5; ++k) {
    int idx = int(i[k]);
    if (idx < 0) idx += 4;
    for (int d = 0; d < 4; ++d) {
      y32[k * 4 + d] = idx == d ? v32[1] : v32[0];
      y64[d * 5 + k] = idx == d ? v64[1] : v64[0];
      yu8[k * 4 + d] = idx == d ? vu8[1] : vu8[0];
    }
  }
  auto out =
      CompileAndRun(text, {{"i", i}, {"d", {4.0f}}, {"v32", v32}, {"v64", v64}, {"vu8", vu8}});
  EXPECT_EQ(out["y32"], y32);
  EXPECT_EQ(out["y64"], y64);
  EXPECT_EQ(out["yu8"], yu8);
}

TEST(Elementwise, UnaryFunctionsComparisonsAndWhere) {
  const std::string text =
      R"(graph g(%x: f32[3,50], %y: f32[50]) -> (%erf, %sqrt, %gelu, %clip, %leaky, %hs, %neg, %pow, %gt, %w) {
  %lo: f32[1] = constant [-0.25]
  %hi: f32[1] = constant [0.5]
  %erf: f32[3,50] = Erf(%x)
  %a: f32[3,50] = Abs(%x)
  %sqrt: f32[3,50] = Sqrt(%a)
  %gelu: f32[3,50] = Gelu(%x)
  %clip: f32[3,50] = Clip(%x, %lo, %hi)
  %leaky: f32[3,50] = LeakyRelu(%x) {alpha=0.1}
  %hs: f32[3,50] = HardSwish(%x)
  %neg: f32[3,50] = Neg(%x)
  %pow: f32[3,50] = Pow(%a, %y)
  %gt: bool[3,50] = Greater(%x, %y)
  %w: f32[3,50] = Where(%gt, %x, %y)
}
)";
  Tensor x = Random(150, 25), y = Random(50, 26);
  Tensor erf_, sqrt_, gelu, clip, leaky, hs, neg, pow_, gt, w;
  for (int i = 0; i < 150; ++i) {
    const float v = x[i], u = y[i % 50];
    erf_.push_back(std::erf(v));
    sqrt_.push_back(std::sqrt(std::fabs(v)));
    gelu.push_back(0.5f * v * (1.0f + std::erf(v / std::sqrt(2.0f))));
    clip.push_back(std::min(0.5f, std::max(-0.25f, v)));
    leaky.push_back(v > 0 ? v : 0.1f * v);
    hs.push_back(v * std::min(1.0f, std::max(0.0f, v / 6.0f + 0.5f)));
    neg.push_back(-v);
    pow_.push_back(std::pow(std::fabs(v), u));
    gt.push_back(v > u ? 1.0f : 0.0f);
    w.push_back(v > u ? v : u);
  }
  auto out = CompileAndRun(text, {{"x", x}, {"y", y}});
  ExpectClose(out["erf"], erf_);
  ExpectClose(out["sqrt"], sqrt_);
  ExpectClose(out["gelu"], gelu);
  ExpectClose(out["clip"], clip);
  ExpectClose(out["leaky"], leaky);
  ExpectClose(out["hs"], hs);
  ExpectClose(out["neg"], neg);
  ExpectClose(out["pow"], pow_);
  ExpectClose(out["gt"], gt);
  ExpectClose(out["w"], w);
}

TEST(Elementwise, TrigonometricHyperbolicAndRoundingFunctions) {
  // x in (-1, 1) suits every function's domain except acosh's (z >= 1);
  // r holds values a quarter apart, so ties (k + 0.5) hit round's even rule.
  const std::string ops[] = {"Tan",   "Sinh",  "Cosh",  "Asin", "Acos", "Atan",
                             "Asinh", "Atanh", "Floor", "Ceil", "Round"};
  std::string text = "graph g(%x: f32[3,129], %z: f32[40], %r: f32[40]) -> (";
  for (const std::string& op : ops) absl::StrAppend(&text, "%", op, ", ");
  absl::StrAppend(&text, "%Acosh, %rf, %rc, %rr) {\n");
  for (const std::string& op : ops)
    absl::StrAppend(&text, "  %", op, ": f32[3,129] = ", op, "(%x)\n");
  absl::StrAppend(&text, "  %Acosh: f32[40] = Acosh(%z)\n", "  %rf: f32[40] = Floor(%r)\n",
                  "  %rc: f32[40] = Ceil(%r)\n", "  %rr: f32[40] = Round(%r)\n}\n");
  Tensor x = Random(3 * 129, 41), z(40), r(40);
  for (int i = 0; i < 40; ++i) {
    z[i] = 1.0f + 0.25f * i;
    r[i] = -5.0f + 0.25f * i;
  }
  auto out = CompileAndRun(text, {{"x", x}, {"z", z}, {"r", r}});
  // References from the ONNX operator definitions (element-wise libm).
  const std::map<std::string, float (*)(float)> ref = {
      {"Tan", std::tan},     {"Sinh", std::sinh}, {"Cosh", std::cosh},      {"Asin", std::asin},
      {"Acos", std::acos},   {"Atan", std::atan}, {"Asinh", std::asinh},    {"Atanh", std::atanh},
      {"Floor", std::floor}, {"Ceil", std::ceil}, {"Round", std::nearbyint}};
  for (const std::string& op : ops) {
    SCOPED_TRACE(op);
    Tensor want;
    for (float v : x) want.push_back(ref.at(op)(v));
    ExpectClose(out[op], want, 1e-6);
  }
  Tensor acosh_, rf, rc, rr;
  for (int i = 0; i < 40; ++i) {
    acosh_.push_back(std::acosh(z[i]));
    rf.push_back(std::floor(r[i]));
    rc.push_back(std::ceil(r[i]));
  }
  // Round half to even, written out: -4.5 -> -4, -3.5 -> -4, ..., 4.5 -> 4.
  for (int i = 0; i < 40; ++i) {
    const float v = r[i], f = std::floor(v), d = v - f;
    const bool up = d > 0.5f || (d == 0.5f && std::fmod(f, 2.0f) != 0.0f);
    rr.push_back(up ? f + 1.0f : f);
  }
  ExpectClose(out["Acosh"], acosh_, 1e-6);
  EXPECT_EQ(out["rf"], rf);
  EXPECT_EQ(out["rc"], rc);
  EXPECT_EQ(out["rr"], rr);
}

TEST(Elementwise, ShrinkAndEyeLike) {
  const std::string text =
      R"(graph g(%x: f32[3,129], %shape: i32[4,6]) -> (%hard, %soft, %eye, %eye1) {
  %hard: f32[3,129] = Shrink(%x) {lambd=1.5}
  %soft: f32[3,129] = Shrink(%x) {lambd=0.75, bias=0.5}
  %eye: f32[4,6] = EyeLike(%shape) {k=-1}
  %eye1: f32[4,6] = EyeLike(%shape) {k=2}
}
)";
  Tensor x = Random(3 * 129, 57);
  for (float& v : x) v *= 3.0f;
  x[0] = 1.5f, x[1] = -1.5f, x[2] = 0.75f, x[3] = -0.75f;  // at the thresholds: zero
  // Shrink: x < -lambd -> x + bias; x > lambd -> x - bias; else 0.
  auto shrink = [](float v, float lambd, float bias) {
    return v < -lambd ? v + bias : v > lambd ? v - bias : 0.0f;
  };
  Tensor hard, soft, eye(24, 0.0f), eye1(24, 0.0f);
  for (float v : x) {
    hard.push_back(shrink(v, 1.5f, 0.0f));
    soft.push_back(shrink(v, 0.75f, 0.5f));
  }
  // EyeLike: ones where column - row == k.
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 6; ++j) {
      eye[i * 6 + j] = j - i == -1;
      eye1[i * 6 + j] = j - i == 2;
    }
  auto out = CompileAndRun(text, {{"x", x}, {"shape", Tensor(24, 0.0f)}});
  EXPECT_EQ(out["hard"], hard);
  EXPECT_EQ(out["soft"], soft);
  EXPECT_EQ(out["eye"], eye);
  EXPECT_EQ(out["eye1"], eye1);
}

// The generalized cosine windows of the ONNX spec: a0 - a1 cos(2 pi n / N)
// + a2 cos(4 pi n / N), N = length (periodic) or length - 1 (symmetric).
Tensor CosineWindow(double a0, double a1, double a2, int length, bool periodic) {
  const int period = periodic ? length : length - 1;
  Tensor w(length, 1.0f);
  for (int n = 0; n < length && period > 0; ++n) {
    const double angle = 2.0 * M_PI * n / period;
    w[n] = float(a0 - a1 * std::cos(angle) + a2 * std::cos(2.0 * angle));
  }
  return w;
}

TEST(Window, LengthFromTheOutputPeriodicAndSymmetric) {
  // The size input is a run-time scalar: the output's length decides.
  const std::string text = R"(graph g(%n: i64[]) -> (%hann, %hamming, %blackman, %sym, %one) {
  %hann: f32[10] = HannWindow(%n)
  %hamming: f32[7] = HammingWindow(%n) {periodic=0}
  %blackman: f32[129] = BlackmanWindow(%n)
  %sym: f32[16] = BlackmanWindow(%n) {periodic=0}
  %one: f32[1] = HannWindow(%n) {periodic=0}
}
)";
  auto out = CompileAndRun(text, {{"n", Tensor{10.0f}}});
  ExpectClose(out["hann"], CosineWindow(0.5, 0.5, 0.0, 10, true), 1e-6);
  ExpectClose(out["hamming"], CosineWindow(25.0 / 46, 21.0 / 46, 0.0, 7, false), 1e-6);
  ExpectClose(out["blackman"], CosineWindow(0.42, 0.5, 0.08, 129, true), 1e-6);
  ExpectClose(out["sym"], CosineWindow(0.42, 0.5, 0.08, 16, false), 1e-6);
  EXPECT_EQ(out["one"], Tensor{1.0f});
}

TEST(Window, ConstantSizeMustMatchTheOutput) {
  auto graph = ir::Parse(R"(graph g() -> (%w) {
  %n: i32[] = constant [8]
  %w: f32[10] = HannWindow(%n)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 1u);
  EXPECT_TRUE(absl::StrContains(unsupported[0].reason, "disagrees")) << unsupported[0].reason;
}

// DFT reference from the ONNX spec: Y[k] = s * sum_j X[j] exp(-+2 pi i jk / n)
// along `axis` of x [outer, len, inner, comps] (comps 1: real), the signal
// zero-padded or truncated to n, s = 1 forward and 1 / n inverse (+ sign),
// bins 0 .. bins - 1; result [outer, bins, inner, 2].
Tensor DftReference(const Tensor& x, int64_t outer, int64_t len, int64_t inner, int comps,
                    int64_t n, int64_t bins, bool inverse) {
  Tensor y(outer * bins * inner * 2);
  const double sign = inverse ? 1.0 : -1.0, scale = inverse ? 1.0 / n : 1.0;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i)
      for (int64_t k = 0; k < bins; ++k) {
        double re = 0, im = 0;
        for (int64_t j = 0; j < std::min(len, n); ++j) {
          const int64_t at = ((o * len + j) * inner + i) * comps;
          const double xr = x[at], xi = comps == 2 ? x[at + 1] : 0.0;
          const double t = sign * 2.0 * M_PI * double(j * k) / double(n);
          re += xr * std::cos(t) - xi * std::sin(t);
          im += xr * std::sin(t) + xi * std::cos(t);
        }
        const int64_t at = ((o * bins + k) * inner + i) * 2;
        y[at] = float(re * scale);
        y[at + 1] = float(im * scale);
      }
  return y;
}

TEST(Spectral, DftRealComplexInverseOnesidedAndDftLength) {
  // 200 samples and bins: two contraction tiles and two output tiles.
  const std::string text =
      R"(graph g(%r: f32[2,200,3,1], %c: f32[3,12,2], %p: f32[2,10,1]) -> (%fr, %ic, %pad, %cut) {
  %n16: i64[] = constant [16]
  %n6: i32[] = constant [6]
  %fr: f32[2,200,3,2] = DFT(%r) {axis=1}
  %ic: f32[3,12,2] = DFT(%c) {axis=-2, inverse=1}
  %pad: f32[2,9,2] = DFT(%p, %n16) {axis=1, onesided=1}
  %cut: f32[2,6,2] = DFT(%p, %n6) {axis=1}
}
)";
  Tensor r = Random(2 * 200 * 3, 41), c = Random(3 * 12 * 2, 42), p = Random(20, 43);
  auto out = CompileAndRun(text, {{"r", r}, {"c", c}, {"p", p}});
  ExpectClose(out["fr"], DftReference(r, 2, 200, 3, 1, 200, 200, false), 1e-5);
  ExpectClose(out["ic"], DftReference(c, 3, 12, 1, 2, 12, 12, true), 1e-5);
  ExpectClose(out["pad"], DftReference(p, 2, 10, 1, 1, 16, 9, false), 1e-5);
  ExpectClose(out["cut"], DftReference(p, 2, 10, 1, 1, 6, 6, false), 1e-5);
}

TEST(Spectral, DftRejectsRunTimeLengthOnesidedInverseAndHugeMatrices) {
  auto graph = ir::Parse(R"(graph g(%x: f32[1,8,1], %n: i64[], %l: f32[1,4096,1]) -> (%a, %b, %c) {
  %a: f32[1,8,2] = DFT(%x, %n) {axis=1}
  %b: f32[1,5,2] = DFT(%x) {axis=1, onesided=1, inverse=1}
  %c: f32[1,4096,2] = DFT(%l) {axis=1}
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 3u);
  EXPECT_TRUE(absl::StrContains(unsupported[2].reason, "4096 x 4096 DFT matrix"))
      << unsupported[2].reason;
  EXPECT_TRUE(absl::StrContains(unsupported[0].reason, "dft_length must be a compile-time"))
      << unsupported[0].reason;
  EXPECT_TRUE(absl::StrContains(unsupported[1].reason, "onesided inverse"))
      << unsupported[1].reason;
}

// STFT reference from the ONNX spec: frame f is signal[f * step, f * step +
// length) times the window, then its DFT of `length` points.
Tensor StftReference(const Tensor& x, int64_t batch, int64_t len, int comps, int64_t step,
                     int64_t length, const Tensor* window, int64_t bins) {
  const int64_t frames = 1 + (len - length) / step;
  Tensor y;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t f = 0; f < frames; ++f) {
      Tensor frame(length * comps);
      for (int64_t j = 0; j < length; ++j)
        for (int c = 0; c < comps; ++c) {
          const float w = window != nullptr ? (*window)[j] : 1.0f;
          frame[j * comps + c] = x[(b * len + f * step + j) * comps + c] * w;
        }
      Tensor spectrum = DftReference(frame, 1, length, 1, comps, length, bins, false);
      y.insert(y.end(), spectrum.begin(), spectrum.end());
    }
  return y;
}

TEST(Spectral, StftWithRunTimeWindowAndComplexSignal) {
  // 41 frames of 20 samples, window fed at run time; a complex signal with
  // frame_length and no window, all bins.
  const std::string text = R"(graph g(%x: f32[2,300,1], %w: f32[20], %z: f32[1,64,2]) -> (%s, %t) {
  %step: i64[] = constant [7]
  %step16: i32[] = constant [16]
  %len: i64[] = constant [16]
  %s: f32[2,41,11,2] = STFT(%x, %step, %w)
  %t: f32[1,4,16,2] = STFT(%z, %step16, _, %len) {onesided=0}
}
)";
  Tensor x = Random(600, 51), w = Random(20, 52), z = Random(128, 53);
  auto out = CompileAndRun(text, {{"x", x}, {"w", w}, {"z", z}});
  ExpectClose(out["s"], StftReference(x, 2, 300, 1, 7, 20, &w, 11), 1e-5);
  ExpectClose(out["t"], StftReference(z, 1, 64, 2, 16, 16, nullptr, 16), 1e-5);
}

TEST(Spectral, MelWeightMatrixIsAConstant) {
  const std::string text = R"(graph g() -> (%m) {
  %bins: i32[] = constant [8]
  %n: i32[] = constant [16]
  %rate: i32[] = constant [8192]
  %lo: f32[] = constant [0.0]
  %hi: f32[] = constant [4096.0]
  %m: f32[9,8] = MelWeightMatrix(%bins, %n, %rate, %lo, %hi)
}
)";
  // The ONNX backend test's expected matrix (node/test_melweightmatrix).
  Tensor want(72, 0.0f);
  const int rows[8] = {0, 0, 1, 1, 2, 3, 4, 5};
  for (int m = 0; m < 8; ++m) want[rows[m] * 8 + m] = 1.0f;
  auto out = CompileAndRun(text, {});
  EXPECT_EQ(out["m"], want);
}

TEST(Spectral, MelWeightMatrixTrianglesFromTheSpec) {
  // mel(f) = 2595 log10(1 + f / 700); num_mel_bins + 2 edges spaced by
  // (mel(hi) - mel(lo)) / (num_mel_bins + 2) from mel(lo); an edge's bin is
  // floor((dft_length + 1) f / sample_rate); triangles rise to 1 at the centre.
  auto weights = lower::MelWeights(4, 64, 16000, 100.0, 7000.0);
  ASSERT_TRUE(weights.ok()) << weights.status();
  const double mlo = 2595 * std::log10(1 + 100.0 / 700), mhi = 2595 * std::log10(1 + 7000.0 / 700);
  int64_t bin[6];
  for (int e = 0; e < 6; ++e) {
    const double hz = 700 * (std::pow(10.0, (mlo + e * (mhi - mlo) / 6) / 2595) - 1);
    bin[e] = int64_t(std::floor(65 * hz / 16000));
  }
  std::vector<double> want(33 * 4, 0.0);
  for (int m = 0; m < 4; ++m) {
    for (int64_t j = bin[m]; j <= bin[m + 1]; ++j)
      want[j * 4 + m] = bin[m + 1] == bin[m] ? 1.0 : double(j - bin[m]) / (bin[m + 1] - bin[m]);
    for (int64_t j = bin[m + 1]; j < bin[m + 2]; ++j)
      want[j * 4 + m] = double(bin[m + 2] - j) / (bin[m + 2] - bin[m + 1]);
  }
  EXPECT_EQ(*weights, want);
  EXPECT_GT(*std::max_element(want.begin(), want.end()), 0.99);
  // An upper edge beyond the Nyquist frequency has no spectrogram bin.
  auto beyond = lower::MelWeights(4, 64, 16000, 100.0, 30000.0);
  EXPECT_FALSE(beyond.ok());
  EXPECT_TRUE(absl::StrContains(beyond.status().message(), "outside [0, 33)"));
}

// Training-mode BatchNormalization per the ONNX spec: the batch mean and
// population variance over N and the spatial axes normalise x; the running
// statistics are input * momentum + current * (1 - momentum). 130 channels:
// two partition blocks.
TEST(RowOps, BatchNormTrainingModeStatisticsAndRunningOutputs) {
  const std::string text =
      R"(graph g(%x: f32[3,130,2,5], %s: f32[130], %b: f32[130], %m: f32[130], %v: f32[130]) -> (%y, %rm, %rv) {
  %y: f32[3,130,2,5], %rm: f32[130], %rv: f32[130] = BatchNormalization(%x, %s, %b, %m, %v) {epsilon=0.01, momentum=0.8, training_mode=1}
}
)";
  const int64_t n = 3, c = 130, inner = 10;
  Tensor x = Random(n * c * inner, 61), s = Random(c, 62), b = Random(c, 63), m = Random(c, 64);
  Tensor v = Random(c, 65);
  for (float& e : v) e = std::fabs(e);
  for (float& e : x) e = e * 3.0f + 5.0f;  // a mean far from 0
  Tensor y(x.size()), rm(c), rv(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < inner; ++j) mean += x[(i * c + ch) * inner + j];
    mean /= n * inner;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < inner; ++j) {
        const double d = x[(i * c + ch) * inner + j] - mean;
        var += d * d;
      }
    var /= n * inner;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < inner; ++j) {
        const int64_t at = (i * c + ch) * inner + j;
        y[at] = float((x[at] - mean) / std::sqrt(var + 0.01) * s[ch] + b[ch]);
      }
    rm[ch] = float(m[ch] * 0.8 + mean * 0.2);
    rv[ch] = float(v[ch] * 0.8 + var * 0.2);
  }
  auto out = CompileAndRun(text, {{"x", x}, {"s", s}, {"b", b}, {"m", m}, {"v", v}});
  ExpectClose(out["y"], y);
  ExpectClose(out["rm"], rm);
  ExpectClose(out["rv"], rv);
}

// GridSample reference, written from the ONNX/PyTorch definition: pixel
// coordinates from the normalized grid, padding applied to the coordinate
// (bilinear, nearest) or to each tap (bicubic), taps outside the image zero.
struct GridSampleRef {
  std::string mode = "bilinear", padding = "zeros";
  bool align = false;
};

float Reflected(float x, float lo, float hi) {
  if (lo == hi) return 0.0f;
  const float span = hi - lo, d = std::fabs(x - lo);
  const float extra = std::fmod(d, span);
  return int64_t(std::floor(d / span)) % 2 == 0 ? lo + extra : hi - extra;
}

float PaddedCoordinate(const GridSampleRef& r, float x, int64_t size) {
  if (r.padding == "zeros") return x;
  if (r.padding == "reflection") {
    x = r.align ? Reflected(x, 0.0f, size - 1.0f) : Reflected(x, -0.5f, size - 0.5f);
  }
  return std::clamp(x, 0.0f, size - 1.0f);
}

Tensor GridSampleReference(const GridSampleRef& r, const Tensor& x, const Tensor& grid, int64_t n,
                           int64_t c, int64_t h, int64_t w, int64_t ho, int64_t wo) {
  Tensor y(n * c * ho * wo);
  auto cubic = [](double d) {  // A = -0.75
    const double a = -0.75;
    d = std::fabs(d);
    if (d <= 1) return ((a + 2) * d - (a + 3)) * d * d + 1;
    return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
  };
  for (int64_t b = 0; b < n; ++b)
    for (int64_t q = 0; q < ho * wo; ++q) {
      const float gx = grid[(b * ho * wo + q) * 2], gy = grid[(b * ho * wo + q) * 2 + 1];
      float px =
          r.align ? gx * ((w - 1) / 2.0f) + (w - 1) / 2.0f : gx * (w / 2.0f) + (w - 1) / 2.0f;
      float py =
          r.align ? gy * ((h - 1) / 2.0f) + (h - 1) / 2.0f : gy * (h / 2.0f) + (h - 1) / 2.0f;
      std::vector<std::tuple<float, float, double>> taps;  // (row, column, weight)
      if (r.mode == "bicubic") {
        const float x0 = std::floor(px), y0 = std::floor(py);
        for (int i = -1; i <= 2; ++i)
          for (int j = -1; j <= 2; ++j) {
            taps.emplace_back(PaddedCoordinate(r, y0 + i, h), PaddedCoordinate(r, x0 + j, w),
                              cubic(py - (y0 + i)) * cubic(px - (x0 + j)));
          }
      } else {
        px = PaddedCoordinate(r, px, w), py = PaddedCoordinate(r, py, h);
        if (r.mode == "nearest") {
          taps.emplace_back(std::nearbyint(py), std::nearbyint(px), 1.0);
        } else {
          const float x0 = std::floor(px), y0 = std::floor(py), tx = px - x0, ty = py - y0;
          taps.emplace_back(y0, x0, (1 - ty) * (1 - tx));
          taps.emplace_back(y0, x0 + 1, (1 - ty) * tx);
          taps.emplace_back(y0 + 1, x0, ty * (1 - tx));
          taps.emplace_back(y0 + 1, x0 + 1, ty * tx);
        }
      }
      for (int64_t ch = 0; ch < c; ++ch) {
        double sum = 0;
        for (const auto& [row, col, weight] : taps) {
          if (row < 0 || row >= h || col < 0 || col >= w) continue;
          sum += weight * x[((b * c + ch) * h + int64_t(row)) * w + int64_t(col)];
        }
        y[(b * c + ch) * ho * wo + q] = float(sum);
      }
    }
  return y;
}

TEST(GridSample, EveryModePaddingAndAlignment) {
  // 135 output positions per image: two partition tiles, the second partial;
  // grid values reach well outside [-1, 1] so that every padding matters.
  const int64_t n = 2, c = 3, h = 5, w = 7, ho = 9, wo = 15;
  Tensor x = Random(n * c * h * w, 71), grid = Random(n * ho * wo * 2, 72);
  for (size_t i = 0; i < grid.size(); ++i) grid[i] *= i % 5 == 0 ? 3.5f : 1.2f;
  std::string text = "graph g(%x: f32[2,3,5,7], %grid: f32[2,9,15,2]) -> (";
  std::string body;
  std::vector<std::pair<std::string, GridSampleRef>> cases;
  for (const char* mode : {"bilinear", "nearest", "bicubic"})
    for (const char* padding : {"zeros", "border", "reflection"})
      for (bool align : {false, true}) {
        const std::string name = absl::StrCat("y_", mode, "_", padding, align ? "_ac" : "");
        cases.push_back({name, {mode, padding, align}});
        body +=
            absl::StrCat("  %", name, ": f32[2,3,9,15] = GridSample(%x, %grid) {mode=\"", mode,
                         "\", padding_mode=\"", padding, "\", align_corners=", int(align), "}\n");
      }
  std::vector<std::string> names;
  for (const auto& cs : cases) names.push_back("%" + cs.first);
  text += absl::StrJoin(names, ", ") + ") {\n" + body + "}\n";
  auto out = CompileAndRun(text, {{"x", x}, {"grid", grid}});
  for (const auto& [name, ref] : cases) {
    SCOPED_TRACE(name);
    ExpectClose(out[name], GridSampleReference(ref, x, grid, n, c, h, w, ho, wo), 1e-5);
  }
}

TEST(GridSample, VolumetricInputIsReportedNotLowered) {
  auto graph = ir::Parse(R"(graph g(%x: f32[1,2,3,4,5], %grid: f32[1,2,2,2,3]) -> (%y) {
  %y: f32[1,2,2,2,2] = GridSample(%x, %grid)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 1u);
  EXPECT_TRUE(absl::StrContains(unsupported[0].reason, "only 4-D")) << unsupported[0].reason;
}

TEST(Elementwise, PReluBeforeOpset7AppliesItsSlopePerChannel) {
  const std::string text = R"(graph g(%x: f32[2,3,4,5]) -> (%y) {
  %slope: f32[3] = constant [0.5, -2.0, 0.125]
  %y: f32[2,3,4,5] = PRelu(%x, %slope)
}
)";
  Tensor x = Random(120, 60), y;
  const float slope[3] = {0.5f, -2.0f, 0.125f};
  for (int i = 0; i < 120; ++i) y.push_back(x[i] >= 0 ? x[i] : slope[(i / 20) % 3] * x[i]);
  auto out = CompileAndRun(text, {{"x", x}}, /*fuse=*/true, /*opset=*/6);
  EXPECT_EQ(out["y"], y);
}

TEST(Elementwise, LegacyBroadcastWithAnAxisAlignsThere) {
  // Opset 6: B's dims line up with A's from `axis` (B = [3] on axis 1 is a
  // per-channel operand), for a runtime and a constant B.
  const std::string text = R"(graph g(%a: f32[2,3,4,5], %b: f32[3]) -> (%sum, %prod) {
  %c: f32[3,4] = constant [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
  %sum: f32[2,3,4,5] = Add(%a, %b) {axis=1, broadcast=1}
  %prod: f32[2,3,4,5] = Mul(%a, %c) {axis=1, broadcast=1}
}
)";
  Tensor a = Random(120, 70), b = Random(3, 71), sum, prod;
  for (int i = 0; i < 120; ++i) {
    sum.push_back(a[i] + b[(i / 20) % 3]);
    prod.push_back(a[i] * float((i / 5) % 12 + 1));
  }
  auto out = CompileAndRun(text, {{"a", a}, {"b", b}}, /*fuse=*/true, /*opset=*/6);
  EXPECT_EQ(out["sum"], sum);
  EXPECT_EQ(out["prod"], prod);
}

TEST(Elementwise, PowBeforeOpset7TakesTheLegacyBroadcast) {
  // Pow-1: without `broadcast` the shapes are equal; broadcast=1 with an
  // axis lines the exponent up with the base from that axis; without an
  // axis the exponent is a suffix of the base's shape.
  const std::string text =
      R"(graph g(%a: f32[2,3,4], %b: f32[2,3,4], %c: f32[3], %d: f32[4]) -> (%same, %axis, %suffix) {
  %same: f32[2,3,4] = Pow(%a, %b)
  %axis: f32[2,3,4] = Pow(%a, %c) {axis=1, broadcast=1}
  %suffix: f32[2,3,4] = Pow(%a, %d) {broadcast=1}
}
)";
  Tensor a = Random(24, 80), b = Random(24, 81), c = {2.0f, 0.5f, -1.0f}, d = Random(4, 82);
  for (float& x : a) x = std::fabs(x) + 0.25f;
  Tensor same, axis, suffix;
  for (int i = 0; i < 24; ++i) {
    same.push_back(std::pow(a[i], b[i]));
    axis.push_back(std::pow(a[i], c[(i / 4) % 3]));
    suffix.push_back(std::pow(a[i], d[i % 4]));
  }
  auto out =
      CompileAndRun(text, {{"a", a}, {"b", b}, {"c", c}, {"d", d}}, /*fuse=*/true, /*opset=*/6);
  ExpectClose(out["same"], same);
  ExpectClose(out["axis"], axis);
  ExpectClose(out["suffix"], suffix);
}

TEST(Layout, InferenceDropoutPassesDataAndAnAllTrueMask) {
  const std::string text = R"(graph g(%x: f32[3,4,5]) -> (%y, %mask) {
  %y: f32[3,4,5], %mask: bool[3,4,5] = Dropout(%x)
}
)";
  Tensor x = Random(60, 61);
  auto out = CompileAndRun(text, {{"x", x}});
  EXPECT_EQ(out["y"], x);
  EXPECT_EQ(out["mask"], Tensor(60, 1.0f));
}

TEST(AutoCast, Bf16MatmulAndConvOperandsAccumulateInFp32) {
  const std::string text =
      R"(graph g(%a: bf16[5,200], %b: bf16[200,130], %x: bf16[1,3,6,6], %w: bf16[4,3,3,3]) -> (%y, %c) {
  %y: f32[5,130] = MatMul(%a, %b)
  %c: f32[1,4,4,4] = Conv(%x, %w)
}
)";
  Tensor a = Random(1000, 27), b = Random(200 * 130, 28), x = Random(108, 29), w = Random(108, 30);
  for (Tensor* t : {&a, &b, &x, &w})
    for (float& v : *t) v = RoundBf16(v);
  Tensor y(5 * 130), c(64);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 130; ++j) {
      double acc = 0;
      for (int k = 0; k < 200; ++k) acc += double(a[i * 200 + k]) * b[k * 130 + j];
      y[i * 130 + j] = float(acc);
    }
  for (int o = 0; o < 4; ++o)
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) {
        double acc = 0;
        for (int ci = 0; ci < 3; ++ci)
          for (int r = 0; r < 3; ++r)
            for (int q = 0; q < 3; ++q)
              acc += double(x[(ci * 6 + i + r) * 6 + j + q]) * w[((o * 3 + ci) * 3 + r) * 3 + q];
        c[(o * 4 + i) * 4 + j] = float(acc);
      }
  auto out = CompileAndRun(text, {{"a", a}, {"b", b}, {"x", x}, {"w", w}});
  ExpectClose(out["y"], y);
  ExpectClose(out["c"], c);
}

// Rows on partitions with bf16 B wider than one moving tile: two 512-column
// chunks share each weight DMA (2 KiB per partition) and accumulate in their
// own PSUM banks; a third, partial chunk, a bias and a fused Relu too.
TEST(AutoCast, Bf16WeightsForTwoColumnChunksArriveInOneTransfer) {
  const int m = 40, k = 150, n = 1100;
  const std::string text = absl::StrCat("graph g(%a: bf16[", m, ",", k, "], %b: bf16[", k, ",", n,
                                        "], %c: f32[", n, "]) -> (%y) {\n  %y: f32[", m, ",", n,
                                        "] = Gemm(%a, %b, %c) {fused_activation=\"Relu\"}\n}\n");
  Tensor a = Random(m * k, 62), b = Random(k * n, 63), c = Random(n, 64), y(m * n);
  for (Tensor* t : {&a, &b})
    for (float& v : *t) v = RoundBf16(v);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double acc = c[j];
      for (int q = 0; q < k; ++q) acc += double(a[i * k + q]) * b[q * n + j];
      y[i * n + j] = std::max(0.0f, float(acc));
    }
  auto out = CompileAndRun(text, {{"a", a}, {"b", b}, {"c", c}});
  ExpectClose(out["y"], y);
}

TEST(AutoCast, CastFeedingAMatmulIsFoldedIntoItsLoads) {
  const std::string text = R"(graph g(%a: f32[40,70], %b: f32[70,50]) -> (%y) {
  %a16: bf16[40,70] = Cast(%a) {to=16}
  %b16: bf16[70,50] = Cast(%b) {to=16}
  %y: f32[40,50] = MatMul(%a16, %b16)
}
)";
  Tensor a = Random(2800, 34), b = Random(3500, 35), y(2000);
  for (int i = 0; i < 40; ++i)
    for (int j = 0; j < 50; ++j) {
      double acc = 0;
      for (int k = 0; k < 70; ++k)
        acc += double(RoundBf16(a[i * 70 + k])) * RoundBf16(b[k * 50 + j]);
      y[i * 50 + j] = float(acc);
    }
  auto out = CompileAndRun(text, {{"a", a}, {"b", b}});
  ExpectClose(out["y"], y);
}

TEST(Fusion, ReluSixStyleClipFusesIntoConvAndMatMul) {
  const std::string text =
      R"(graph g(%x: f32[1,3,5,5], %w: f32[4,3,3,3], %a: f32[40,30], %b: f32[30,40]) -> (%c, %m) {
  %zero: f32[] = constant [0.0]
  %cap: f32[] = constant [0.5]
  %v: f32[1,4,3,3] = Conv(%x, %w)
  %c: f32[1,4,3,3] = Clip(%v, %zero, %cap)
  %p: f32[40,40] = MatMul(%a, %b)
  %m: f32[40,40] = Clip(%p, %zero, %cap)
}
)";
  Tensor x = Random(75, 36), w = Random(108, 37), a = Random(1200, 38), b = Random(1200, 39);
  auto clip = [](double v) { return float(std::min(0.5, std::max(0.0, v))); };
  Tensor c(36), m(1600);
  for (int o = 0; o < 4; ++o)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        double acc = 0;
        for (int ci = 0; ci < 3; ++ci)
          for (int r = 0; r < 3; ++r)
            for (int q = 0; q < 3; ++q)
              acc += double(x[(ci * 5 + i + r) * 5 + j + q]) * w[((o * 3 + ci) * 3 + r) * 3 + q];
        c[(o * 3 + i) * 3 + j] = clip(acc);
      }
  for (int i = 0; i < 40; ++i)
    for (int j = 0; j < 40; ++j) {
      double acc = 0;
      for (int k = 0; k < 30; ++k) acc += double(a[i * 30 + k]) * b[k * 40 + j];
      m[i * 40 + j] = clip(acc);
    }
  auto out = CompileAndRun(text, {{"x", x}, {"w", w}, {"a", a}, {"b", b}});
  ExpectClose(out["c"], c);
  ExpectClose(out["m"], m);
}

// Element-wise tiles take one NCHW plane per partition (in column blocks of
// at most 2048) from 16 planes on: the layout convolutions store, so
// residency can serve them. Otherwise the tensor is spread flat over the
// partitions.
TEST(Chunks, PlanePerPartitionForNchwActivations) {
  auto shape_of = [](const std::vector<lower::Chunk>& chunks) {
    std::vector<std::vector<int64_t>> out;
    for (const lower::Chunk& c : chunks) out.push_back({c.start, c.rows, c.free, c.row_stride});
    return out;
  };
  using V = std::vector<std::vector<int64_t>>;
  EXPECT_EQ(shape_of(lower::ChunksOf({1, 256, 7, 7}, 128)),
            (V{{0, 128, 49, 49}, {128 * 49, 128, 49, 49}}));
  // 3136-element planes: two column blocks of 1568 per 128 channels.
  EXPECT_EQ(shape_of(lower::ChunksOf({1, 128, 56, 56}, 128)),
            (V{{0, 128, 1568, 3136}, {1568, 128, 1568, 3136}}));
  EXPECT_EQ(shape_of(lower::ChunksOf({1, 64, 7, 7}, 128)), (V{{0, 64, 49, 49}}));
  EXPECT_EQ(shape_of(lower::ChunksOf({1, 8, 7, 7}, 128)),  // 8 planes: flat
            (V{{0, 98, 4, 4}}));
  EXPECT_EQ(shape_of(lower::ChunksOf({1, 128, 768}, 128)), (V{{0, 128, 768, 768}}));  // rank 3
  EXPECT_EQ(shape_of(lower::ChunksOf({1, 128, 7, 7}, 128, 98)),  // period 98: flat
            (V{{0, 64, 98, 98}}));
}

TEST(Capacity, ActivationsLargerThanSbufStreamThroughDram) {
  // 1x64x320x320 f32 is 26 MB per tensor, more than the 24 MB SBUF: every
  // op streams tiles between DRAM and SBUF and the result stays exact.
  const int64_t c = 64, hw = 320 * 320;
  const std::string text = R"(graph g(%x: f32[1,64,320,320], %w: f32[64,64,1,1]) -> (%y) {
  %v: f32[1,64,320,320] = Conv(%x, %w)
  %r: f32[1,64,320,320] = Relu(%v)
  %y: f32[1,64,320,320] = Add(%r, %x)
}
)";
  Tensor x = Random(c * hw, 40), w = Random(c * c, 41);
  for (float& v : w) v *= 0.125f;
  Tensor y(c * hw);
  std::vector<double> acc(hw);
  for (int64_t o = 0; o < c; ++o) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t i = 0; i < c; ++i) {
      const double wv = w[o * c + i];
      const float* xi = &x[i * hw];
      for (int64_t p = 0; p < hw; ++p) acc[p] += wv * xi[p];
    }
    for (int64_t p = 0; p < hw; ++p) y[o * hw + p] = std::max(0.0f, float(acc[p])) + x[o * hw + p];
  }
  auto out = CompileAndRun(text, {{"x", x}, {"w", w}});
  ExpectClose(out["y"], y);
}

TEST(Capacity, IntermediatesLargerThanSbufAreSpilled) {
  // a and b are 26 MB each, more than the 24 MB SBUF. Each of a's tiles is
  // read by Mul right away and by Sub only after Mul has produced all of b,
  // so a cannot stay on chip: tiles that do not fit are spilled (stored to
  // DRAM and loaded back), the others are read in place, and the result
  // stays exact.
  const int64_t n = 64 * 320 * 320;
  const std::string text = R"(graph g(%x: f32[1,64,320,320]) -> (%y) {
  %a: f32[1,64,320,320] = Add(%x, %x)
  %b: f32[1,64,320,320] = Mul(%a, %x)
  %y: f32[1,64,320,320] = Sub(%b, %a)
}
)";
  Tensor x = Random(n, 42), y(n);
  for (int64_t i = 0; i < n; ++i) {
    const float a = x[i] + x[i];
    y[i] = a * x[i] - a;
  }
  alloc::ResidencyStats residency;
  auto out = CompileAndRun(text, {{"x", x}}, true, 0, nullptr, &residency);
  ExpectClose(out["y"], y, 1e-6);
  EXPECT_GT(residency.loads_forwarded, 0);
  EXPECT_GT(residency.spilled_loads, 0);
  // At least the part of a that cannot be on chip beside b's tiles.
  EXPECT_GT(residency.spill_bytes, int64_t{4} << 20);
}

// Integer element-wise ops run in fp32 on the engines and give the integer
// results: C-style truncating Div, both remainders, Max, comparisons; i8 Min.
TEST(Lowering, IntegerArithmeticIsExact) {
  const std::string text =
      R"(graph g(%a: i64[8], %b: i64[8], %c: i8[8], %d: i8[8]) -> (%add, %div, %fmod, %mod, %max, %lt, %min) {
  %add: i64[8] = Add(%a, %b)
  %div: i64[8] = Div(%a, %b)
  %fmod: i64[8] = Mod(%a, %b) {fmod = 1}
  %mod: i64[8] = Mod(%a, %b)
  %max: i64[8] = Max(%a, %b)
  %lt: bool[8] = Less(%a, %b)
  %min: i8[8] = Min(%c, %d)
}
)";
  const Tensor a = {7, -7, 7, -7, 100000, 16777215, 0, 9};
  const Tensor b = {3, 3, -3, -3, 7, 1, 5, -2};
  const Tensor c = {-128, 127, 0, 5, -5, 1, -1, 3};
  const Tensor d = {127, -128, 1, 4, -6, 1, 0, 2};
  auto out = CompileAndRun(text, {{"a", a}, {"b", b}, {"c", c}, {"d", d}}, /*fuse=*/false);
  EXPECT_EQ(out["add"], (Tensor{10, -4, 4, -10, 100007, 16777216, 5, 7}));
  EXPECT_EQ(out["div"], (Tensor{2, -2, -2, 2, 14285, 16777215, 0, -4}));
  EXPECT_EQ(out["fmod"], (Tensor{1, -1, 1, -1, 5, 0, 0, 1}));
  EXPECT_EQ(out["mod"], (Tensor{1, 2, -2, -1, 5, 0, 0, -1}));
  EXPECT_EQ(out["max"], (Tensor{7, 3, 7, -3, 100000, 16777215, 5, 9}));
  EXPECT_EQ(out["lt"], (Tensor{0, 1, 0, 1, 0, 0, 1, 0}));
  EXPECT_EQ(out["min"], (Tensor{-128, -128, 0, 4, -6, 1, -1, 2}));
}

// Clip on integers (bounds of the input's type, run-time or constant) and
// Pow with a base and an exponent of different types: the result has the
// base's type (ONNX: Pow's T and T1; an integer result is truncated).
TEST(Lowering, IntegerClipAndMixedTypePow) {
  const std::string text =
      R"(graph g(%x: i8[6], %lo: i8[], %b: i32[6], %e: f32[6], %f: f32[6], %n: i64[6]) -> (%c, %k, %p, %q) {
  %hi: i8[] = constant [5]
  %c: i8[6] = Clip(%x, %lo)
  %k: i8[6] = Clip(%x, %lo, %hi)
  %p: i32[6] = Pow(%b, %e)
  %q: f32[6] = Pow(%f, %n)
}
)";
  const Tensor x = {-128, -3, 0, 4, 9, 127};
  const Tensor b = {2, 3, -2, 10, 7, 1};
  const Tensor e = {3, 2, 3, 0.5, 0, 5};
  const Tensor f = {1.5, -2, 0.5, 3, 10, -1};
  const Tensor n = {2, 3, -1, 0, 4, 7};
  auto out = CompileAndRun(text, {{"x", x}, {"lo", {-2}}, {"b", b}, {"e", e}, {"f", f}, {"n", n}},
                           /*fuse=*/false);
  EXPECT_EQ(out["c"], (Tensor{-2, -2, 0, 4, 9, 127}));
  EXPECT_EQ(out["k"], (Tensor{-2, -2, 0, 4, 5, 5}));
  // 10^0.5 = 3.16... truncates to 3.
  EXPECT_EQ(out["p"], (Tensor{8, 9, -8, 3, 1, 1}));
  EXPECT_EQ(out["q"], (Tensor{2.25, -8, 2, 1, 10000, -1}));
}

// Det of 1x1, 2x2 and 3x3 matrices, with a batch wider than the 128
// partitions; the reference is the Leibniz formula (a sum over permutations).
double LeibnizDet(const float* m, int n) {
  std::vector<int> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  double det = 0;
  do {
    int inversions = 0;
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) inversions += perm[i] > perm[j];
    }
    double term = inversions % 2 ? -1 : 1;
    for (int i = 0; i < n; ++i) term *= m[i * n + perm[i]];
    det += term;
  } while (std::next_permutation(perm.begin(), perm.end()));
  return det;
}

TEST(LinearAlgebra, DetOfSmallMatrices) {
  const std::string text =
      R"(graph g(%a: f32[1,1], %b: f32[2,2], %c: f32[130,3,3]) -> (%da, %db, %dc) {
  %da: f32[] = Det(%a)
  %db: f32[] = Det(%b)
  %dc: f32[130] = Det(%c)
}
)";
  const Tensor a = {-2.5}, b = {1.5, 2, -3, 4}, c = Random(130 * 9, 41);
  Tensor dc(130);
  for (int i = 0; i < 130; ++i) dc[i] = float(LeibnizDet(&c[i * 9], 3));
  auto out = CompileAndRun(text, {{"a", a}, {"b", b}, {"c", c}});
  EXPECT_EQ(out["da"], (Tensor{-2.5}));
  EXPECT_EQ(out["db"], (Tensor{12}));
  ExpectClose(out["dc"], dc);

  auto graph = ir::Parse(R"(graph g(%u: f32[4,4]) -> (%du) {
  %du: f32[] = Det(%u)
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 1u);
  EXPECT_EQ(unsupported[0].reason, "4x4 matrices (closed forms up to 3x3)");
}

// int16/uint16/uint32/uint64 element-wise ops run in fp32 like the other
// integers. Mod of int16 takes the divisor's sign (ONNX Mod, fmod=0).
TEST(Lowering, SixteenAndUnsignedIntegerArithmetic) {
  const std::string text =
      R"(graph g(%a: i16[6], %b: i16[6], %c: u16[6], %d: u16[6], %e: u32[6], %f: u32[6], %g: u64[6], %h: u64[6]) -> (%mod, %max, %min, %umod, %sub) {
  %mod: i16[6] = Mod(%a, %b)
  %max: u16[6] = Max(%c, %d)
  %min: u32[6] = Min(%e, %f)
  %umod: u64[6] = Mod(%g, %h)
  %sub: u32[6] = Sub(%e, %f)
}
)";
  auto out = CompileAndRun(text,
                           {{"a", {-4, 7, 5, -9, 32767, -32768}},
                            {"b", {3, -3, 2, 4, 10, 7}},
                            {"c", {0, 65535, 7, 300, 1, 2}},
                            {"d", {65535, 0, 8, 299, 1, 3}},
                            {"e", {4000000, 1, 10, 0, 16777215, 9}},
                            {"f", {3999999, 2, 10, 1, 0, 3}},
                            {"g", {1000000, 17, 0, 5, 16777215, 9}},
                            {"h", {7, 5, 3, 5, 2, 10}}},
                           /*fuse=*/false);
  EXPECT_EQ(out["mod"], (Tensor{2, -2, 1, 3, 7, 6}));
  EXPECT_EQ(out["max"], (Tensor{65535, 65535, 8, 300, 1, 3}));
  EXPECT_EQ(out["min"], (Tensor{3999999, 1, 10, 0, 0, 3}));
  EXPECT_EQ(out["umod"], (Tensor{1, 2, 0, 0, 1, 9}));
  // Below zero saturates at 0 on the store (no wrapping; see IntegerArithmetic).
  EXPECT_EQ(out["sub"], (Tensor{1, 0, 0, 0, 16777215, 6}));
}

// BitShift from the ONNX text: x << y / x >> y on unsigned integers, a left
// shift wrapping to the type's width (uint8 200 << 1 = 144).
TEST(Lowering, BitShiftLeftWrapsAndRightShiftsLogically) {
  const std::string text =
      R"(graph g(%x: u8[6], %y: u8[6], %p: u16[4], %q: u16[4], %r: u64[4], %s: u64[4], %t: u32[4], %u: u32[]) -> (%l8, %r8, %r16, %l64, %l32) {
  %l8: u8[6] = BitShift(%x, %y) {direction="LEFT"}
  %r8: u8[6] = BitShift(%x, %y) {direction="RIGHT"}
  %r16: u16[4] = BitShift(%p, %q) {direction="RIGHT"}
  %l64: u64[4] = BitShift(%r, %s) {direction="LEFT"}
  %l32: u32[4] = BitShift(%t, %u) {direction="LEFT"}
}
)";
  auto out = CompileAndRun(text,
                           {{"x", {16, 4, 1, 200, 255, 3}},
                            {"y", {1, 2, 3, 1, 8, 0}},
                            {"p", {65535, 1024, 7, 40000}},
                            {"q", {15, 3, 3, 16}},
                            {"r", {1, 3, 5, 12345}},
                            {"s", {40, 1, 64, 20}},
                            {"t", {1, 255, 65535, 3}},
                            {"u", {24}}},
                           /*fuse=*/false);
  EXPECT_EQ(out["l8"], (Tensor{32, 16, 8, 144, 0, 3}));
  EXPECT_EQ(out["r8"], (Tensor{8, 1, 0, 100, 0, 3}));
  EXPECT_EQ(out["r16"], (Tensor{1, 128, 0, 0}));
  EXPECT_EQ(out["l64"], (Tensor{1099511627776.0f, 6, 0, 12944670720.0f}));
  // 255 << 24 = 4278190080 and 65535 << 24 wraps to 4278190080 as well.
  EXPECT_EQ(out["l32"], (Tensor{16777216, 4278190080.0f, 4278190080.0f, 50331648}));
}

// Resize reference, written from the ONNX operator text: output index o
// samples input coordinate x (per coordinate_transformation_mode); the
// interpolation takes the n nearest positions of the input padded with its
// edge values (ties to the lower position) with the mode's coefficients.
struct ResizeAxisRef {
  int64_t in, out;
  double scale, roi_start = 0, roi_end = 1;
};

struct ResizeRef {
  std::string mode = "nearest", coordinates = "half_pixel", nearest = "round_prefer_floor";
  double a = -0.75;
  bool exclude_outside = false;
  float extrapolation = 0;
};

// (input position, weight) pairs for output index o; empty when o falls
// outside a tf_crop_and_resize region.
std::vector<std::pair<int64_t, double>> ResizeTaps(const ResizeRef& r, const ResizeAxisRef& ax,
                                                   int64_t o) {
  const double len = ax.scale * ax.in;
  double x;
  if (r.coordinates == "half_pixel") {
    x = (o + 0.5) / ax.scale - 0.5;
  } else if (r.coordinates == "pytorch_half_pixel") {
    x = ax.out > 1 ? (o + 0.5) / ax.scale - 0.5 : 0;
  } else if (r.coordinates == "align_corners") {
    x = len == 1 ? 0 : o * (ax.in - 1) / (len - 1);
  } else if (r.coordinates == "asymmetric") {
    x = o / ax.scale;
  } else if (r.coordinates == "tf_half_pixel_for_nn") {
    x = (o + 0.5) / ax.scale;
  } else {  // tf_crop_and_resize
    x = ax.roi_start * (ax.in - 1) +
        (len == 1 ? (ax.roi_end - ax.roi_start) * (ax.in - 1) / 2
                  : o * (ax.roi_end - ax.roi_start) * (ax.in - 1) / (len - 1));
    if (x < 0 || x > ax.in - 1) return {};
  }
  const double t = x == std::floor(x) ? 1.0 : x - std::floor(x);
  std::vector<double> c;
  if (r.mode == "linear") {
    c = {1 - t, t};
  } else if (r.mode == "cubic") {
    auto k = [&](double d) {  // Keys' cubic convolution kernel
      d = std::fabs(d);
      return d <= 1 ? (r.a + 2) * d * d * d - (r.a + 3) * d * d + 1
                    : r.a * d * d * d - 5 * r.a * d * d + 8 * r.a * d - 4 * r.a;
    };
    c = {k(t + 1), k(t), k(1 - t), k(2 - t)};
  } else if (t == 1.0) {
    c = {0, 1};
  } else {
    bool left = r.nearest == "floor" || (r.nearest == "round_prefer_floor" && t <= 0.5) ||
                (r.nearest == "round_prefer_ceil" && t < 0.5);
    c = {left ? 1.0 : 0.0, left ? 0.0 : 1.0};
  }
  const int64_t n = c.size(), pad = (n + 1) / 2;
  std::vector<int64_t> idx(ax.in + 2 * pad);
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::stable_sort(idx.begin(), idx.end(), [&](int64_t p, int64_t q) {
    return std::fabs(x + pad - p) < std::fabs(x + pad - q);
  });
  idx.resize(n);
  std::sort(idx.begin(), idx.end());
  double sum = 0;
  for (int64_t k = 0; k < n; ++k) {
    const int64_t i = idx[k] - pad;
    if (r.exclude_outside && (i < 0 || i >= ax.in)) c[k] = 0;
    sum += c[k];
  }
  std::vector<std::pair<int64_t, double>> taps;
  for (int64_t k = 0; k < n; ++k) {
    const int64_t i = std::clamp<int64_t>(idx[k] - pad, 0, ax.in - 1);
    taps.push_back({i, r.exclude_outside ? c[k] / sum : c[k]});
  }
  return taps;
}

Tensor ResizeReference(const ResizeRef& r, const std::vector<ResizeAxisRef>& axes,
                       const Tensor& x) {
  const size_t rank = axes.size();
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t d = rank - 1; d > 0; --d) in_strides[d - 1] = in_strides[d] * axes[d].in;
  int64_t total = 1;
  for (const auto& a : axes) total *= a.out;
  Tensor y(total);
  std::vector<int64_t> o(rank, 0);
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t rem = flat;
    for (size_t d = rank; d-- > 0;) o[d] = rem % axes[d].out, rem /= axes[d].out;
    // Sum over the product of the axes' taps.
    std::vector<std::pair<int64_t, double>> terms = {{0, 1.0}};
    bool outside = false;
    for (size_t d = 0; d < rank && !outside; ++d) {
      auto taps = ResizeTaps(r, axes[d], o[d]);
      outside = taps.empty();
      std::vector<std::pair<int64_t, double>> next;
      for (const auto& [offset, w] : terms) {
        for (const auto& [i, c] : taps) next.push_back({offset + i * in_strides[d], w * c});
      }
      terms = std::move(next);
    }
    double acc = 0;
    for (const auto& [offset, w] : terms) acc += w * x[offset];
    y[flat] = outside ? r.extrapolation : float(acc);
  }
  return y;
}

std::string FloatList(const Tensor& v) {
  std::vector<std::string> parts;
  for (float f : v) parts.push_back(FloatAttr(f));
  return absl::StrJoin(parts, ", ");
}

TEST(Resize, CubicWithConstantScalesExcludeOutside) {
  // Both resized axes, the outer one per [in, inner] block; scales whose
  // output sizes round down (5 * 1.5, 7 * 0.6).
  const std::string text = R"(graph g(%x: f32[2,3,5,7]) -> (%y) {
  %scales: f32[4] = constant [1.0, 1.0, 1.5, 0.6]
  %y: f32[2,3,7,4] = Resize(%x, _, %scales) {mode="cubic", cubic_coeff_a=-0.5, exclude_outside=1}
}
)";
  Tensor x = Random(2 * 3 * 5 * 7, 31);
  ResizeRef r;
  r.mode = "cubic", r.a = -0.5, r.exclude_outside = true;
  auto out = CompileAndRun(text, {{"x", x}});
  ExpectClose(out["y"], ResizeReference(r, {{2, 2, 1}, {3, 3, 1}, {5, 7, 1.5}, {7, 4, 0.6}}, x));
}

TEST(Resize, LinearAlignCornersOnTileSizedRows) {
  // 36 -> 72 columns over 80 rows: the rows-on-partitions matmul path.
  const std::string text = R"(graph g(%x: f32[1,2,40,36]) -> (%y) {
  %scales: f32[4] = constant [1.0, 1.0, 2.0, 2.0]
  %y: f32[1,2,80,72] = Resize(%x, _, %scales) {mode="linear", coordinate_transformation_mode="align_corners"}
}
)";
  Tensor x = Random(2 * 40 * 36, 32);
  ResizeRef r;
  r.mode = "linear", r.coordinates = "align_corners";
  auto out = CompileAndRun(text, {{"x", x}});
  ExpectClose(out["y"], ResizeReference(r, {{1, 1, 1}, {2, 2, 1}, {40, 80, 2}, {36, 72, 2}}, x));
}

TEST(Resize, NearestModesAndSizes) {
  // Sizes give the scale out / in; a run-time sizes input is fine because
  // the static output shape is the sizes.
  const std::string text = R"(graph g(%x: f32[3,10,6], %sizes: i64[3]) -> (%ceil, %floor, %tf) {
  %ceil: f32[3,13,6] = Resize(%x, _, _, %sizes) {coordinate_transformation_mode="asymmetric", nearest_mode="round_prefer_ceil"}
  %floor: f32[3,4,9] = Resize(%x, _, _, %sizes) {coordinate_transformation_mode="align_corners", nearest_mode="floor"}
  %tf: f32[3,7,5] = Resize(%x, _, _, %sizes) {coordinate_transformation_mode="tf_half_pixel_for_nn", nearest_mode="ceil"}
}
)";
  Tensor x = Random(3 * 10 * 6, 33);
  auto out = CompileAndRun(text, {{"x", x}, {"sizes", {3, 13, 6}}});
  ResizeRef r;
  r.coordinates = "asymmetric", r.nearest = "round_prefer_ceil";
  ExpectClose(out["ceil"], ResizeReference(r, {{3, 3, 1}, {10, 13, 1.3}, {6, 6, 1}}, x));
  r.coordinates = "align_corners", r.nearest = "floor";
  ExpectClose(out["floor"], ResizeReference(r, {{3, 3, 1}, {10, 4, 0.4}, {6, 9, 1.5}}, x));
  r.coordinates = "tf_half_pixel_for_nn", r.nearest = "ceil";
  ExpectClose(out["tf"], ResizeReference(r, {{3, 3, 1}, {10, 7, 0.7}, {6, 5, 5.0 / 6}}, x));
}

TEST(Resize, CropAndResizeExtrapolatesAndUpsampleIsAsymmetricFloor) {
  const std::string text = R"(graph g(%x: f32[1,1,6,8]) -> (%crop, %up, %half) {
  %roi: f32[8] = constant [0.0, 0.0, 0.2, -0.1, 1.0, 1.0, 0.9, 1.2]
  %sizes: i64[4] = constant [1, 1, 5, 7]
  %crop: f32[1,1,5,7] = Resize(%x, %roi, _, %sizes) {mode="linear", coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=10.0}
  %up: f32[1,1,12,24] = Upsample(%x) {mode="nearest", scales=[1.0, 1.0, 2.0, 3.0]}
  %sizes2: i64[4] = constant [1, 1, 6, 3]
  %half: f32[1,1,6,3] = Resize(%x, _, _, %sizes2) {mode="linear", coordinate_transformation_mode="pytorch_half_pixel"}
}
)";
  Tensor x = Random(6 * 8, 34);
  auto out = CompileAndRun(text, {{"x", x}});
  ResizeRef r;
  r.mode = "linear", r.coordinates = "tf_crop_and_resize", r.extrapolation = 10;
  ExpectClose(
      out["crop"],
      ResizeReference(
          r, {{1, 1, 1}, {1, 1, 1}, {6, 5, 5.0 / 6, 0.2, 0.9}, {8, 7, 7.0 / 8, -0.1, 1.2}}, x));
  ResizeRef up;
  up.coordinates = "asymmetric", up.nearest = "floor";
  ExpectClose(out["up"], ResizeReference(up, {{1, 1, 1}, {1, 1, 1}, {6, 12, 2}, {8, 24, 3}}, x));
  ResizeRef half;
  half.mode = "linear", half.coordinates = "pytorch_half_pixel";
  ExpectClose(out["half"],
              ResizeReference(half, {{1, 1, 1}, {1, 1, 1}, {6, 6, 1}, {8, 3, 3.0 / 8}}, x));
}

TEST(Resize, RunTimeScalesAreReportedUnsupported) {
  auto graph = ir::Parse(R"(graph g(%x: f32[1,1,2,2], %scales: f32[4]) -> (%y) {
  %y: f32[1,1,4,4] = Resize(%x, _, %scales)
}
)");
  ASSERT_TRUE(graph.ok());
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 1u);
  EXPECT_NE(unsupported[0].reason.find("scales 'scales' is computed at run time"),
            std::string::npos)
      << unsupported[0].reason;
}

// ConvTranspose reference from the operator's definition: input (i, j)
// through tap (r, s) adds to output (i*sh + r*dh - ph, j*sw + s*dw - pw).
struct ConvTransposeCase {
  std::vector<int64_t> x, w;  // [n, c, (h,) w], [c, co/group, (kh,) kw]
  int64_t group;
  std::vector<int64_t> strides, dilations, begin_pads, out;  // per spatial axis
  std::string attrs;                                         // as written on the op
  bool bias, constant_w;
};

void PrintTo(const ConvTransposeCase& c, std::ostream* os) {
  *os << "x[" << Dims(c.x) << "] w[" << Dims(c.w) << "] " << c.attrs
      << (c.constant_w ? " constant W" : " run-time W");
}

class ConvTransposeTest : public ::testing::TestWithParam<ConvTransposeCase> {};

TEST_P(ConvTransposeTest, MatchesReference) {
  const ConvTransposeCase& c = GetParam();
  const bool one_d = c.x.size() == 3;
  const int64_t n = c.x[0], ci = c.x[1], h = one_d ? 1 : c.x[2], w = c.x.back();
  const int64_t cog = c.w[1], kh = one_d ? 1 : c.w[2], kw = c.w.back();
  const int64_t co = cog * c.group, cig = ci / c.group;
  const int64_t sh = one_d ? 1 : c.strides[0], sw = c.strides.back();
  const int64_t dh = one_d ? 1 : c.dilations[0], dw = c.dilations.back();
  const int64_t ph = one_d ? 0 : c.begin_pads[0], pw = c.begin_pads.back();
  const int64_t ho = one_d ? 1 : c.out[0], wo = c.out.back();
  std::vector<int64_t> y_shape = {n, co};
  y_shape.insert(y_shape.end(), c.out.begin(), c.out.end());
  Tensor x = Random(n * ci * h * w, 41), wt = Random(ci * cog * kh * kw, 42), b = Random(co, 43);
  std::string text =
      absl::StrCat("graph g(%x: f32[", Dims(c.x), "]",
                   c.constant_w ? "" : absl::StrCat(", %w: f32[", Dims(c.w), "]"),
                   c.bias ? absl::StrCat(", %b: f32[", co, "]") : "", ") -> (%y) {\n");
  if (c.constant_w)
    absl::StrAppend(&text, "  %w: f32[", Dims(c.w), "] = constant [", FloatList(wt), "]\n");
  absl::StrAppend(&text, "  %y: f32[", Dims(y_shape), "] = ConvTranspose(%x, %w",
                  c.bias ? ", %b" : "", ") {group=", c.group, c.attrs.empty() ? "" : ", ", c.attrs,
                  "}\n}\n");
  std::map<std::string, Tensor> in = {{"x", x}};
  if (!c.constant_w) in["w"] = wt;
  if (c.bias) in["b"] = b;
  Tensor want(n * co * ho * wo, 0.0f);
  for (int64_t bn = 0; bn < n; ++bn)
    for (int64_t o = 0; o < co; ++o)
      for (int64_t i = 0; i < ho * wo; ++i) want[(bn * co + o) * ho * wo + i] = c.bias ? b[o] : 0;
  for (int64_t bn = 0; bn < n; ++bn)
    for (int64_t c_in = 0; c_in < ci; ++c_in)
      for (int64_t i = 0; i < h; ++i)
        for (int64_t j = 0; j < w; ++j)
          for (int64_t o = 0; o < cog; ++o)
            for (int64_t r = 0; r < kh; ++r)
              for (int64_t s = 0; s < kw; ++s) {
                const int64_t oh = i * sh + r * dh - ph, ow = j * sw + s * dw - pw;
                if (oh < 0 || oh >= ho || ow < 0 || ow >= wo) continue;
                const int64_t out_c = (c_in / cig) * cog + o;
                want[((bn * co + out_c) * ho + oh) * wo + ow] +=
                    x[((bn * ci + c_in) * h + i) * w + j] *
                    wt[((c_in * cog + o) * kh + r) * kw + s];
              }
  auto out = CompileAndRun(text, in);
  ExpectClose(out["y"], want);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvTransposeTest,
    ::testing::Values(
        // strides, asymmetric pads and output_padding (out = s (in - 1) + op + k - pads)
        ConvTransposeCase{{1, 3, 5, 4},
                          {3, 2, 3, 3},
                          1,
                          {2, 3},
                          {1, 1},
                          {1, 0},
                          {11, 11},
                          "strides=[2,3], pads=[1,0,2,1], output_padding=[1,2]",
                          true,
                          false},
        ConvTransposeCase{{1, 3, 5, 4},
                          {3, 2, 3, 3},
                          1,
                          {2, 3},
                          {1, 1},
                          {1, 0},
                          {11, 11},
                          "strides=[2,3], pads=[1,0,2,1], output_padding=[1,2]",
                          false,
                          true},
        // groups and dilations
        ConvTransposeCase{{2, 4, 3, 3},
                          {4, 3, 2, 3},
                          2,
                          {1, 1},
                          {2, 1},
                          {0, 0},
                          {5, 5},
                          "dilations=[2,1]",
                          true,
                          true},
        // 1-D, SAME_LOWER: out = in * stride, total padding 1 at the start
        ConvTransposeCase{{1, 2, 7},
                          {2, 3, 4},
                          1,
                          {3},
                          {1},
                          {1},
                          {21},
                          "strides=[3], auto_pad=\"SAME_LOWER\"",
                          true,
                          false},
        // depthwise (one channel per group), cropped by pads
        ConvTransposeCase{{1, 4, 6, 6},
                          {4, 1, 3, 3},
                          4,
                          {2, 2},
                          {1, 1},
                          {1, 1},
                          {11, 11},
                          "strides=[2,2], pads=[1,1,1,1]",
                          true,
                          true},
        // output_shape larger than the natural output: the extra row is zero
        ConvTransposeCase{{1, 1, 3, 3},
                          {1, 2, 3, 3},
                          1,
                          {3, 2},
                          {1, 1},
                          {0, 0},
                          {10, 8},
                          "strides=[3,2], output_shape=[10,8]",
                          false,
                          false},
        // 130 input channels: two partition tiles of the contraction
        ConvTransposeCase{{1, 130, 3, 3},
                          {130, 5, 2, 2},
                          1,
                          {2, 2},
                          {1, 1},
                          {0, 0},
                          {6, 6},
                          "strides=[2,2]",
                          true,
                          true}));

// float16 Max/Min/Mod: computed in fp32, rounded back exactly.
TEST(Lowering, Float16MaxMinMod) {
  const std::string text = R"(graph g(%a: f16[6], %b: f16[6]) -> (%mx, %mn, %md) {
  %mx: f16[6] = Max(%a, %b)
  %mn: f16[6] = Min(%a, %b)
  %md: f16[6] = Mod(%a, %b) {fmod=1}
}
)";
  const Tensor a = {-7.25f, 3.5f, 0.125f, 1000.0f, -2.0f, 65504.0f};
  const Tensor b = {2.0f, -1.5f, 0.5f, 7.0f, -2.0f, 3.0f};
  auto out = CompileAndRun(text, {{"a", a}, {"b", b}}, /*fuse=*/false);
  EXPECT_EQ(out["mx"], (Tensor{2.0f, 3.5f, 0.5f, 1000.0f, -2.0f, 65504.0f}));
  EXPECT_EQ(out["mn"], (Tensor{-7.25f, -1.5f, 0.125f, 7.0f, -2.0f, 3.0f}));
  EXPECT_EQ(out["md"], (Tensor{-1.25f, 0.5f, 0.125f, 6.0f, -0.0f, 2.0f}));
}

TEST(Lowering, ReportsEveryUnsupportedOp) {
  auto graph = ir::Parse(R"(graph g(%x: f32[4], %i: i64[4]) -> (%y, %j) {
  %a: f32[4] = LpNormalization(%x)
  %b: f32[4] = LpNormalization(%a)
  %y: f32[4] = Relu(%b)
  %j: f32[4] = Add(%i, %x)
}
)");
  ASSERT_TRUE(graph.ok());
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 3u);
  EXPECT_EQ(unsupported[0].op_type, "LpNormalization");
  EXPECT_EQ(unsupported[2].op_type, "Add");
  EXPECT_NE(unsupported[2].reason.find("'i' is i64"), std::string::npos);
}

// --- Quantization (ONNX QuantizeLinear & co.), references from the spec ---

// Round half to even (the default floating-point rounding mode), then add
// the zero point and saturate to [lo, hi].
float QuantizeRef(float v, float zero_point, float lo, float hi) {
  return std::min(hi, std::max(lo, std::nearbyint(v) + zero_point));
}

std::vector<float> RandomInts(int64_t n, int lo, int hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(dist(rng));
  return v;
}

TEST(Quantize, PerTensorRoundsHalfToEvenAndSaturates) {
  const std::string text =
      R"(graph g(%x: f32[10], %s: f32[], %zp: u8[], %zi: i8[]) -> (%u, %i, %d) {
  %u: u8[10] = QuantizeLinear(%x, %s, %zp)
  %i: i8[10] = QuantizeLinear(%x, %s, %zi)
  %d: f32[10] = DequantizeLinear(%u, %s, %zp)
}
)";
  const Tensor x = {0.0f, 1.0f, 3.0f, 5.0f, -1.0f, -3.0f, 7.0f, 1000.0f, -1000.0f, 2.2f};
  auto out = CompileAndRun(text, {{"x", x}, {"s", {2.0f}}, {"zp", {128.0f}}, {"zi", {-3.0f}}});
  Tensor u, i, d;
  for (float v : x) {
    u.push_back(QuantizeRef(v / 2.0f, 128.0f, 0.0f, 255.0f));
    i.push_back(QuantizeRef(v / 2.0f, -3.0f, -128.0f, 127.0f));
    d.push_back((u.back() - 128.0f) * 2.0f);
  }
  // Ties: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> 0, -1.5 -> -2, 3.5 -> 4.
  EXPECT_EQ(out["u"], u);
  EXPECT_EQ(out["i"], i);
  EXPECT_EQ(out["d"], d);
  EXPECT_EQ(out["u"][1], 128.0f);
  EXPECT_EQ(out["u"][3], 130.0f);
  EXPECT_EQ(out["u"][6], 132.0f);
}

TEST(Quantize, PerAxisOverManyTiles) {
  // 3 x 5 x 129 elements: several chunks, the axis in the middle.
  const int64_t n = 3 * 5 * 129;
  const std::string text = R"(graph g(%x: f32[3,5,129], %s: f32[5], %zp: i8[5]) -> (%q, %d) {
  %q: i8[3,5,129] = QuantizeLinear(%x, %s, %zp) {axis=1}
  %d: f32[3,5,129] = DequantizeLinear(%q, %s, %zp) {axis=-2}
}
)";
  Tensor x = Random(n, 71);
  for (float& v : x) v *= 300.0f;
  const Tensor s = {0.5f, 1.0f, 2.0f, 3.0f, 4.0f}, zp = {0.0f, -10.0f, 10.0f, 127.0f, -128.0f};
  auto out = CompileAndRun(text, {{"x", x}, {"s", s}, {"zp", zp}});
  Tensor q(n), d(n);
  for (int64_t e = 0; e < n; ++e) {
    const int64_t c = (e / 129) % 5;
    q[e] = QuantizeRef(x[e] / s[c], zp[c], -128.0f, 127.0f);
    d[e] = (q[e] - zp[c]) * s[c];
  }
  EXPECT_EQ(out["q"], q);
  EXPECT_EQ(out["d"], d);
}

TEST(Quantize, DynamicQuantizeLinearFindsTheRange) {
  const int64_t n = 1000;  // partial last tile
  const std::string text = R"(graph g(%x: f32[1000], %p: f32[7]) -> (%y, %s, %z, %py, %ps, %pz) {
  %y: u8[1000], %s: f32[], %z: u8[] = DynamicQuantizeLinear(%x)
  %py: u8[7], %ps: f32[], %pz: u8[] = DynamicQuantizeLinear(%p)
}
)";
  Tensor x = Random(n, 5);
  for (float& v : x) v = v * 3.0f + 1.0f;                        // [-2, 4]
  const Tensor p = {1.0f, 2.1f, 1.3f, 2.5f, 3.34f, 4.0f, 1.5f};  // all positive: min is 0
  auto out = CompileAndRun(text, {{"x", x}, {"p", p}});
  for (const auto& [in, y, s, z] :
       {std::tuple{x, "y", "s", "z"}, std::tuple{p, "py", "ps", "pz"}}) {
    const float lo = std::min(0.0f, *std::min_element(in.begin(), in.end()));
    const float hi = std::max(0.0f, *std::max_element(in.begin(), in.end()));
    const float scale = (hi - lo) / 255.0f;
    const float zero_point = QuantizeRef(0.0f - lo / scale, 0.0f, 0.0f, 255.0f);
    Tensor want;
    for (float v : in) want.push_back(QuantizeRef(v / scale, zero_point, 0.0f, 255.0f));
    EXPECT_EQ(out[s], Tensor{scale});
    EXPECT_EQ(out[z], Tensor{zero_point});
    EXPECT_EQ(out[y], want);
  }
}

// sum_k (a[b, m, k] - a_zp[m]) (b[b, k, n] - b_zp[n]), exact in integers.
Tensor IntegerMatMulRef(const Tensor& a, const Tensor& b, const Tensor& a_zp, const Tensor& b_zp,
                        int64_t batch, int64_t m, int64_t k, int64_t n) {
  Tensor y(batch * m * n);
  for (int64_t bi = 0; bi < batch; ++bi) {
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        int64_t acc = 0;
        for (int64_t t = 0; t < k; ++t) {
          const int64_t av =
              static_cast<int64_t>(a[(bi * m + i) * k + t] - a_zp[a_zp.size() == 1 ? 0 : i]);
          const int64_t bv =
              static_cast<int64_t>(b[(bi * k + t) * n + j] - b_zp[b_zp.size() == 1 ? 0 : j]);
          acc += av * bv;
        }
        y[(bi * m + i) * n + j] = static_cast<float>(acc);
      }
    }
  }
  return y;
}

TEST(Quantize, MatMulIntegerIsExact) {
  // K = 258: the largest K whose worst case stays below 2^24; u8 operands at
  // full range with per-row and per-column zero points, and a batched i8 case.
  const std::string text =
      R"(graph g(%a: u8[33,258], %b: u8[258,40], %az: u8[33], %bz: u8[40], %c: i8[3,5,7], %d: i8[3,7,4], %cz: i8[], %dz: i8[1]) -> (%y, %w) {
  %y: i32[33,40] = MatMulInteger(%a, %b, %az, %bz)
  %w: i32[3,5,4] = MatMulInteger(%c, %d, %cz, %dz)
}
)";
  Tensor a = RandomInts(33 * 258, 0, 255, 1), b = RandomInts(258 * 40, 0, 255, 2);
  for (int64_t t = 0; t < 258; ++t) a[t] = 255.0f, b[t * 40] = 255.0f;  // worst case row/column
  Tensor az = RandomInts(33, 0, 255, 3), bz = RandomInts(40, 0, 255, 4);
  az[0] = 0.0f, bz[0] = 0.0f;
  const Tensor c = RandomInts(3 * 5 * 7, -128, 127, 5), d = RandomInts(3 * 7 * 4, -128, 127, 6);
  auto out = CompileAndRun(text, {{"a", a},
                                  {"b", b},
                                  {"az", az},
                                  {"bz", bz},
                                  {"c", c},
                                  {"d", d},
                                  {"cz", {-7.0f}},
                                  {"dz", {3.0f}}});
  EXPECT_EQ(out["y"], IntegerMatMulRef(a, b, az, bz, 1, 33, 258, 40));
  EXPECT_EQ(out["y"][0], 255.0f * 255.0f * 258.0f);
  EXPECT_EQ(out["w"], IntegerMatMulRef(c, d, {-7.0f}, {3.0f}, 3, 5, 7, 4));
}

TEST(Quantize, QLinearMatMulRequantizes) {
  const std::string text =
      R"(graph g(%a: u8[2,6,20], %as: f32[], %az: u8[], %b: u8[2,20,9], %bs: f32[9], %bz: u8[9], %ys: f32[], %yz: i8[]) -> (%y) {
  %y: i8[2,6,9] = QLinearMatMul(%a, %as, %az, %b, %bs, %bz, %ys, %yz)
}
)";
  const Tensor a = RandomInts(2 * 6 * 20, 0, 255, 7), b = RandomInts(2 * 20 * 9, 0, 255, 8);
  const Tensor bz = RandomInts(9, 100, 150, 9);
  Tensor bs(9);
  for (int j = 0; j < 9; ++j) bs[j] = 0.001f * (j + 1);
  auto out = CompileAndRun(text, {{"a", a},
                                  {"as", {0.02f}},
                                  {"az", {120.0f}},
                                  {"b", b},
                                  {"bs", bs},
                                  {"bz", bz},
                                  {"ys", {0.5f}},
                                  {"yz", {-5.0f}}});
  const Tensor acc = IntegerMatMulRef(a, b, {120.0f}, bz, 2, 6, 20, 9);
  Tensor want(acc.size());
  for (size_t e = 0; e < acc.size(); ++e) {
    const float multiplier = 0.02f * bs[e % 9] / 0.5f;
    want[e] = QuantizeRef(acc[e] * multiplier, -5.0f, -128.0f, 127.0f);
  }
  EXPECT_EQ(out["y"], want);
}

// A direct convolution of integers (zero points subtracted, zero padding)
// per the ONNX spec; [n, co, ho, wo].
Tensor IntegerConvRef(const Tensor& x, const Tensor& w, float x_zp, const Tensor& w_zp, int64_t c,
                      int64_t h, int64_t wd, int64_t co, int64_t k, int64_t pad, int64_t stride) {
  const int64_t ho = (h + 2 * pad - k) / stride + 1, wo = (wd + 2 * pad - k) / stride + 1;
  Tensor y(co * ho * wo);
  for (int64_t o = 0; o < co; ++o) {
    for (int64_t i = 0; i < ho; ++i) {
      for (int64_t j = 0; j < wo; ++j) {
        int64_t acc = 0;
        for (int64_t ci = 0; ci < c; ++ci) {
          for (int64_t di = 0; di < k; ++di) {
            for (int64_t dj = 0; dj < k; ++dj) {
              const int64_t r = i * stride + di - pad, s = j * stride + dj - pad;
              if (r < 0 || r >= h || s < 0 || s >= wd) continue;
              const int64_t xv = static_cast<int64_t>(x[(ci * h + r) * wd + s] - x_zp);
              const int64_t wv = static_cast<int64_t>(w[((o * c + ci) * k + di) * k + dj] -
                                                      w_zp[w_zp.size() == 1 ? 0 : o]);
              acc += xv * wv;
            }
          }
        }
        y[(o * ho + i) * wo + j] = static_cast<float>(acc);
      }
    }
  }
  return y;
}

TEST(Quantize, ConvIntegerAndQLinearConv) {
  const std::string text =
      R"(graph g(%x: u8[1,3,9,9], %w: u8[4,3,3,3], %xz: u8[], %wz: u8[4], %xs: f32[], %ws: f32[4], %ys: f32[], %yz: u8[], %bias: i32[4]) -> (%y, %q) {
  %y: i32[1,4,9,9] = ConvInteger(%x, %w, %xz, %wz) {pads=[1,1,1,1]}
  %q: u8[1,4,4,4] = QLinearConv(%x, %xs, %xz, %w, %ws, %wz, %ys, %yz, %bias) {strides=[2,2]}
}
)";
  const Tensor x = RandomInts(3 * 81, 0, 255, 10), w = RandomInts(4 * 27, 0, 255, 11);
  const Tensor wz = {0.0f, 128.0f, 255.0f, 17.0f}, ws = {0.001f, 0.002f, 0.0005f, 0.003f};
  const Tensor bias = {1000.0f, -2000.0f, 0.0f, 123456.0f};
  auto out = CompileAndRun(text, {{"x", x},
                                  {"w", w},
                                  {"xz", {100.0f}},
                                  {"wz", wz},
                                  {"xs", {0.05f}},
                                  {"ws", ws},
                                  {"ys", {0.25f}},
                                  {"yz", {128.0f}},
                                  {"bias", bias}});
  EXPECT_EQ(out["y"], IntegerConvRef(x, w, 100.0f, wz, 3, 9, 9, 4, 3, 1, 1));
  const Tensor acc = IntegerConvRef(x, w, 100.0f, wz, 3, 9, 9, 4, 3, 0, 2);
  Tensor want(acc.size());
  for (size_t e = 0; e < acc.size(); ++e) {
    const int64_t o = static_cast<int64_t>(e) / 16;
    const float multiplier = 0.05f * ws[o] / 0.25f;
    want[e] = QuantizeRef((acc[e] + bias[o]) * multiplier, 128.0f, 0.0f, 255.0f);
  }
  EXPECT_EQ(out["q"], want);
}

std::string IntegerList(const Tensor& v) {
  std::vector<std::string> parts;
  for (float x : v) parts.push_back(absl::StrCat(static_cast<int>(x)));
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

TEST(Quantize, ConstantWeightsAreCenteredAtCompileTime) {
  // Constant i8 weights and zero points (per output channel), a grouped and
  // a depthwise convolution, and a MatMulInteger with a constant B and no
  // zero points.
  const Tensor x = RandomInts(4 * 49, -128, 127, 12), w = RandomInts(6 * 2 * 9, -128, 127, 13);
  const Tensor wz = {0.0f, -128.0f, 127.0f, 5.0f, -5.0f, 1.0f};
  const Tensor dw = RandomInts(4 * 9, -128, 127, 14), b = RandomInts(7 * 5, 0, 255, 15);
  const Tensor a = RandomInts(3 * 7, 0, 255, 16);
  const std::string text = absl::StrCat(
      "graph g(%x: i8[1,4,7,7], %xz: i8[], %a: u8[3,7]) -> (%grouped, %depthwise, %m) {\n"
      "  %w: i8[6,2,3,3] = constant ",
      IntegerList(w),
      "\n"
      "  %wz: i8[6] = constant ",
      IntegerList(wz),
      "\n"
      "  %dw: i8[4,1,3,3] = constant ",
      IntegerList(dw),
      "\n"
      "  %b: u8[7,5] = constant ",
      IntegerList(b),
      "\n"
      "  %grouped: i32[1,6,7,7] = ConvInteger(%x, %w, %xz, %wz) {group=2, pads=[1,1,1,1]}\n"
      "  %depthwise: i32[1,4,5,5] = ConvInteger(%x, %dw, %xz) {group=4}\n"
      "  %m: i32[3,5] = MatMulInteger(%a, %b)\n"
      "}\n");
  auto out = CompileAndRun(text, {{"x", x}, {"xz", {-3.0f}}, {"a", a}});
  // Group g: input channels [2g, 2g + 2), output channels [3g, 3g + 3).
  Tensor grouped;
  for (int g = 0; g < 2; ++g) {
    const Tensor xg(x.begin() + g * 2 * 49, x.begin() + (g + 1) * 2 * 49);
    const Tensor wg(w.begin() + g * 3 * 18, w.begin() + (g + 1) * 3 * 18);
    const Tensor zg(wz.begin() + g * 3, wz.begin() + (g + 1) * 3);
    const Tensor yg = IntegerConvRef(xg, wg, -3.0f, zg, 2, 7, 7, 3, 3, 1, 1);
    grouped.insert(grouped.end(), yg.begin(), yg.end());
  }
  EXPECT_EQ(out["grouped"], grouped);
  Tensor depthwise;
  for (int c = 0; c < 4; ++c) {
    const Tensor yc = IntegerConvRef(Tensor(x.begin() + c * 49, x.begin() + (c + 1) * 49),
                                     Tensor(dw.begin() + c * 9, dw.begin() + (c + 1) * 9), -3.0f,
                                     {0.0f}, 1, 7, 7, 1, 3, 0, 1);
    depthwise.insert(depthwise.end(), yc.begin(), yc.end());
  }
  EXPECT_EQ(out["depthwise"], depthwise);
  EXPECT_EQ(out["m"], IntegerMatMulRef(a, b, {0.0f}, {0.0f}, 1, 3, 7, 5));
}

TEST(Quantize, DynamicQuantizeLinearOverManyTiles) {
  // Two full [128, 2048] tiles and a partial row: the range is folded
  // across tiles.
  const int64_t n = 2 * 128 * 2048 + 3;
  const std::string text = R"(graph g(%x: f32[524291]) -> (%y, %s, %z) {
  %y: u8[524291], %s: f32[], %z: u8[] = DynamicQuantizeLinear(%x)
}
)";
  Tensor x = Random(n, 17);
  x[300000] = -7.0f, x[n - 1] = 9.0f;  // the extremes in the second tile and the last row
  auto out = CompileAndRun(text, {{"x", x}});
  const float scale = (9.0f - -7.0f) / 255.0f;
  const float zero_point = QuantizeRef(0.0f - -7.0f / scale, 0.0f, 0.0f, 255.0f);
  EXPECT_EQ(out["s"], Tensor{scale});
  EXPECT_EQ(out["z"], Tensor{zero_point});
  Tensor want(n);
  for (int64_t i = 0; i < n; ++i) want[i] = QuantizeRef(x[i] / scale, zero_point, 0.0f, 255.0f);
  EXPECT_EQ(out["y"], want);
}

TEST(Quantize, BadParametersAreReported) {
  auto graph = ir::Parse(
      R"(graph g(%x: f32[2,3], %s: f32[2], %zp: u8[3], %c: u8[1,4,5,5], %w: u8[2,3,3,3]) -> (%y, %z, %v) {
  %y: u8[2,3] = QuantizeLinear(%x, %s, %zp)
  %z: i8[2,3] = QuantizeLinear(%x, %s, %zp) {axis=0}
  %v: i32[1,2,3,3] = ConvInteger(%c, %w)
}
)");
  ASSERT_TRUE(graph.ok());
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 3u);
  EXPECT_EQ(unsupported[2].reason, "w [2,3,3,3] does not fit 4 input channels in 1 groups");
  EXPECT_NE(unsupported[0].reason.find("per-axis scales need one per element of axis 1 (3)"),
            std::string::npos)
      << unsupported[0].reason;
  EXPECT_NE(unsupported[1].reason.find("zero point is u8, not i8"), std::string::npos)
      << unsupported[1].reason;
}

// --- Einsum against a direct sum over every label assignment ---

// The labels of `term` ("...ii" with the ellipsis spelled as capitals A, B,
// ... by the caller), sizes by label.
Tensor EinsumRef(const std::vector<std::string>& terms, const std::string& out,
                 const std::vector<Tensor>& inputs, std::map<char, int64_t> sizes) {
  std::string labels;
  for (const auto& [label, size] : sizes) labels.push_back(label);
  int64_t out_n = 1;
  for (char l : out) out_n *= sizes[l];
  Tensor y(out_n, 0.0f);
  std::map<char, int64_t> index;
  int64_t total = 1;
  for (char l : labels) total *= sizes[l];
  auto offset = [&](const std::string& term) {
    int64_t o = 0;
    for (char l : term) o = o * sizes[l] + index[l];
    return o;
  };
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t rem = flat;
    for (size_t i = labels.size(); i-- > 0;) {
      index[labels[i]] = rem % sizes[labels[i]];
      rem /= sizes[labels[i]];
    }
    float v = 1.0f;
    for (size_t t = 0; t < terms.size(); ++t) v *= inputs[t][offset(terms[t])];
    y[offset(out)] += v;
  }
  return y;
}

struct EinsumCase {
  std::string equation;            // as in the model
  std::vector<std::string> terms;  // explicit labels for the reference
  std::string out;
  std::vector<std::vector<int64_t>> shapes;
  std::vector<int64_t> out_shape;
};

void PrintTo(const EinsumCase& c, std::ostream* os) { *os << c.equation; }

class EinsumTest : public ::testing::TestWithParam<EinsumCase> {};

TEST_P(EinsumTest, MatchesReference) {
  const EinsumCase& c = GetParam();
  std::string params, args;
  std::map<std::string, Tensor> inputs;
  std::vector<Tensor> values;
  std::map<char, int64_t> sizes;
  for (size_t i = 0; i < c.shapes.size(); ++i) {
    const std::string name = absl::StrCat("x", i);
    absl::StrAppend(&params, i ? ", " : "", "%", name, ": f32[", Dims(c.shapes[i]), "]");
    absl::StrAppend(&args, i ? ", " : "", "%", name);
    int64_t n = 1;
    for (int64_t d : c.shapes[i]) n *= d;
    values.push_back(Random(n, 40 + static_cast<uint32_t>(i)));
    inputs[name] = values.back();
    for (size_t d = 0; d < c.terms[i].size(); ++d) sizes[c.terms[i][d]] = c.shapes[i][d];
  }
  const std::string text =
      absl::StrCat("graph g(", params, ") -> (%y) {\n  %y: f32[", Dims(c.out_shape), "] = Einsum(",
                   args, ") {equation=\"", c.equation, "\"}\n}\n");
  auto out = CompileAndRun(text, inputs);
  ExpectClose(out["y"], EinsumRef(c.terms, c.out, values, sizes));
}

INSTANTIATE_TEST_SUITE_P(
    Lowering, EinsumTest,
    ::testing::Values(
        EinsumCase{"bij, bjk -> bik", {"bij", "bjk"}, "bik", {{5, 2, 3}, {5, 3, 4}}, {5, 2, 4}},
        EinsumCase{"i,i", {"i", "i"}, "", {{5}, {5}}, {}},
        EinsumCase{"ij->i", {"ij"}, "i", {{3, 4}}, {3}},
        EinsumCase{"ij->", {"ij"}, "", {{130, 7}}, {}},
        EinsumCase{"ij->ji", {"ij"}, "ji", {{3, 4}}, {4, 3}},
        EinsumCase{"...ii ->...i", {"Aii"}, "Ai", {{3, 5, 5}}, {3, 5}},
        EinsumCase{"ii", {"ii"}, "", {{6, 6}}, {}},
        EinsumCase{"ij,jk", {"ij", "jk"}, "ik", {{129, 40}, {40, 33}}, {129, 33}},
        EinsumCase{"bhqd,bhkd->bhqk",
                   {"bhqd", "bhkd"},
                   "bhqk",
                   {{2, 3, 5, 8}, {2, 3, 6, 8}},
                   {2, 3, 5, 6}},
        EinsumCase{"i,j->ji", {"i", "j"}, "ji", {{4}, {3}}, {3, 4}},
        EinsumCase{"abc,cb->a", {"abc", "cb"}, "a", {{4, 3, 5}, {5, 3}}, {4}},
        EinsumCase{"ij,k->i", {"ij", "k"}, "i", {{3, 4}, {5}}, {3}}));

TEST(Einsum, UnsupportedEquationsNameTheEquation) {
  auto graph = ir::Parse(R"(graph g(%a: f32[2,3], %b: f32[3,4], %c: f32[4]) -> (%y, %z) {
  %y: f32[2] = Einsum(%a, %b, %c) {equation="ij,jk,k->i"}
  %z: f32[2] = Einsum(%a) {equation="ij->q"}
}
)");
  ASSERT_TRUE(graph.ok());
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 2u);
  EXPECT_EQ(unsupported[0].reason, "equation 'ij,jk,k->i': 3 operands (at most 2 are supported)");
  EXPECT_EQ(unsupported[1].reason, "equation 'ij->q': output label 'q' is not in any input");
}

// 3-D convolution per the ONNX spec: y[n][co][od][oh][ow] = b[co] + sum over
// the group's input channels and kernel taps of x at (o * stride + k *
// dilation - begin pad) per axis, zero outside the input.
struct Axis3 {
  int64_t in, k, s, d, pad, out;
};
Tensor Conv3dReference(const Tensor& x, const Tensor& w, const Tensor& b, int64_t n, int64_t c,
                       int64_t co, int64_t groups, const Axis3 (&a)[3]) {
  const int64_t cig = c / groups, cog = co / groups;
  Tensor y(n * co * a[0].out * a[1].out * a[2].out);
  for (int64_t in = 0; in < n; ++in)
    for (int64_t o = 0; o < co; ++o)
      for (int64_t od = 0; od < a[0].out; ++od)
        for (int64_t oh = 0; oh < a[1].out; ++oh)
          for (int64_t ow = 0; ow < a[2].out; ++ow) {
            double acc = b.empty() ? 0.0 : b[o];
            for (int64_t ci = 0; ci < cig; ++ci)
              for (int64_t kd = 0; kd < a[0].k; ++kd)
                for (int64_t kh = 0; kh < a[1].k; ++kh)
                  for (int64_t kw = 0; kw < a[2].k; ++kw) {
                    const int64_t id = od * a[0].s + kd * a[0].d - a[0].pad;
                    const int64_t ih = oh * a[1].s + kh * a[1].d - a[1].pad;
                    const int64_t iw = ow * a[2].s + kw * a[2].d - a[2].pad;
                    if (id < 0 || id >= a[0].in || ih < 0 || ih >= a[1].in || iw < 0 ||
                        iw >= a[2].in) {
                      continue;
                    }
                    const int64_t xc = o / cog * cig + ci;
                    acc +=
                        double(x[(((in * c + xc) * a[0].in + id) * a[1].in + ih) * a[2].in + iw]) *
                        w[(((o * cig + ci) * a[0].k + kd) * a[1].k + kh) * a[2].k + kw];
                  }
            y[(((in * co + o) * a[0].out + od) * a[1].out + oh) * a[2].out + ow] = float(acc);
          }
  return y;
}

TEST(Conv3d, GroupsStridesDilationsPadsAndSameAutoPad) {
  // x [2, 4, 5, 6, 7]; w [6, 2, 2, 3, 2] in 2 groups; depth: kernel 2,
  // dilation 2, pads 1 and 2, stride 2 (depth padding slices are zeros);
  // height: kernel 3, pads 0 and 1; width: kernel 2, stride 2, pads 1 and 0.
  const std::string text =
      R"(graph g(%x: f32[2,4,5,6,7], %w: f32[6,2,2,3,2], %b: f32[6], %v: f32[3,4,2,2,2]) -> (%y, %s) {
  %y: f32[2,6,3,5,4] = Conv(%x, %w, %b) {group=2, strides=[2,1,2], dilations=[2,1,1], pads=[1,0,1,2,1,0]}
  %s: f32[2,3,5,6,7] = Conv(%x, %v) {auto_pad="SAME_UPPER"}
}
)";
  Tensor x = Random(2 * 4 * 5 * 6 * 7, 301), w = Random(6 * 2 * 2 * 3 * 2, 302), b = Random(6, 303),
         v = Random(3 * 4 * 8, 304);
  auto out = CompileAndRun(text, {{"x", x}, {"w", w}, {"b", b}, {"v", v}});
  const Axis3 ay[3] = {{5, 2, 2, 2, 1, 3}, {6, 3, 1, 1, 0, 5}, {7, 2, 2, 1, 1, 4}};
  ExpectClose(out["y"], Conv3dReference(x, w, b, 2, 4, 6, 2, ay));
  // SAME_UPPER with an even kernel: total pad 1 per axis, 0 at the start.
  const Axis3 as[3] = {{5, 2, 1, 1, 0, 5}, {6, 2, 1, 1, 0, 6}, {7, 2, 1, 1, 0, 7}};
  ExpectClose(out["s"], Conv3dReference(x, v, {}, 2, 4, 3, 1, as));
}

TEST(Conv3d, ConvTransposeStridedWithPads) {
  // ConvTranspose per the spec: x[n][ci][i] adds x * w[ci][co][k] into
  // y[n][co][i * stride + k * dilation - begin pad] on every axis.
  const std::string text = R"(graph g(%x: f32[1,2,3,4,3], %w: f32[2,3,2,3,2]) -> (%y) {
  %y: f32[1,3,5,5,5] = ConvTranspose(%x, %w) {strides=[2,1,2], pads=[1,0,0,0,1,1]}
}
)";
  Tensor x = Random(2 * 36, 311), w = Random(2 * 3 * 12, 312);
  const int64_t in[3] = {3, 4, 3}, k[3] = {2, 3, 2}, s[3] = {2, 1, 2}, pad[3] = {1, 0, 0};
  Tensor y(3 * 125, 0.0f);
  for (int64_t ci = 0; ci < 2; ++ci)
    for (int64_t co = 0; co < 3; ++co)
      for (int64_t i0 = 0; i0 < in[0]; ++i0)
        for (int64_t i1 = 0; i1 < in[1]; ++i1)
          for (int64_t i2 = 0; i2 < in[2]; ++i2)
            for (int64_t k0 = 0; k0 < k[0]; ++k0)
              for (int64_t k1 = 0; k1 < k[1]; ++k1)
                for (int64_t k2 = 0; k2 < k[2]; ++k2) {
                  const int64_t o0 = i0 * s[0] + k0 - pad[0], o1 = i1 * s[1] + k1 - pad[1],
                                o2 = i2 * s[2] + k2 - pad[2];
                  if (o0 < 0 || o0 >= 5 || o1 < 0 || o1 >= 5 || o2 < 0 || o2 >= 5) continue;
                  y[((co * 5 + o0) * 5 + o1) * 5 + o2] +=
                      x[((ci * 3 + i0) * 4 + i1) * 3 + i2] *
                      w[(((ci * 3 + co) * 2 + k0) * 3 + k1) * 2 + k2];
                }
  auto out = CompileAndRun(text, {{"x", x}, {"w", w}});
  ExpectClose(out["y"], y);
}

TEST(Pool, ThreeDMaxAndAverageWithPadding) {
  // x [1, 130, 5, 6, 7] (channels cross 128); kernel [2, 3, 2], strides
  // [2, 2, 1], pads begin [1, 1, 0] end [0, 1, 1].
  const std::string text = R"(graph g(%x: f32[1,130,5,6,7]) -> (%m, %a, %i) {
  %m: f32[1,130,3,3,7] = MaxPool(%x) {kernel_shape=[2,3,2], strides=[2,2,1], pads=[1,1,0,0,1,1]}
  %a: f32[1,130,3,3,7] = AveragePool(%x) {kernel_shape=[2,3,2], strides=[2,2,1], pads=[1,1,0,0,1,1]}
  %i: f32[1,130,3,3,7] = AveragePool(%x) {kernel_shape=[2,3,2], strides=[2,2,1], pads=[1,1,0,0,1,1], count_include_pad=1}
}
)";
  Tensor x = Random(130 * 5 * 6 * 7, 321);
  const int64_t in[3] = {5, 6, 7}, k[3] = {2, 3, 2}, s[3] = {2, 2, 1}, pb[3] = {1, 1, 0};
  const int64_t pe[3] = {0, 1, 1}, out_size[3] = {3, 3, 7};
  Tensor m, a, i;
  for (int64_t c = 0; c < 130; ++c)
    for (int64_t o0 = 0; o0 < out_size[0]; ++o0)
      for (int64_t o1 = 0; o1 < out_size[1]; ++o1)
        for (int64_t o2 = 0; o2 < out_size[2]; ++o2) {
          float best = -INFINITY;
          double sum = 0;
          int real = 0, padded = 0;
          for (int64_t k0 = 0; k0 < k[0]; ++k0)
            for (int64_t k1 = 0; k1 < k[1]; ++k1)
              for (int64_t k2 = 0; k2 < k[2]; ++k2) {
                const int64_t p[3] = {o0 * s[0] + k0 - pb[0], o1 * s[1] + k1 - pb[1],
                                      o2 * s[2] + k2 - pb[2]};
                bool inside = true, in_pad = true;
                for (int j = 0; j < 3; ++j) {
                  inside &= p[j] >= 0 && p[j] < in[j];
                  in_pad &= p[j] >= -pb[j] && p[j] < in[j] + pe[j];
                }
                padded += in_pad;
                if (!inside) continue;
                const float v = x[((c * 5 + p[0]) * 6 + p[1]) * 7 + p[2]];
                best = std::max(best, v), sum += v, ++real;
              }
          m.push_back(best);
          a.push_back(float(sum / real));
          i.push_back(float(sum / padded));
        }
  auto out = CompileAndRun(text, {{"x", x}});
  EXPECT_EQ(out["m"], m);
  ExpectClose(out["a"], a);
  ExpectClose(out["i"], i);
}

TEST(Trilu, IntegersPassThroughExactlyWithARuntimeK) {
  // Integers just below 2^24 come back exact through the fp32 engines; k
  // comes from an input (and, for the int32 one, a constant).
  const std::string text = R"(graph g(%x: i64[2,3,5], %q: i32[4,3], %k: i64[]) -> (%u, %l, %lq) {
  %u: i64[2,3,5] = Trilu(%x, %k) {upper=1}
  %l: i64[2,3,5] = Trilu(%x, %k) {upper=0}
  %kc: i64[] = constant [-1]
  %lq: i32[4,3] = Trilu(%q, %kc) {upper=0}
}
)";
  Tensor x(30), q(12);
  for (int i = 0; i < 30; ++i) x[i] = float((i % 2 ? -1 : 1) * (16777215 - 37 * i));
  for (int i = 0; i < 12; ++i) q[i] = float(1000 * i - 5000);
  for (float k : {-1.0f, 2.0f}) {
    auto out = CompileAndRun(text, {{"x", x}, {"q", q}, {"k", {k}}});
    Tensor u(30), l(30), lq(12);
    for (int b = 0; b < 2; ++b)
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 5; ++j) {
          const int e = (b * 3 + i) * 5 + j;
          u[e] = j - i >= k ? x[e] : 0.0f;
          l[e] = j - i <= k ? x[e] : 0.0f;
        }
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 3; ++j) lq[i * 3 + j] = j - i <= -1 ? q[i * 3 + j] : 0.0f;
    EXPECT_EQ(out["u"], u) << "k " << k;
    EXPECT_EQ(out["l"], l) << "k " << k;
    EXPECT_EQ(out["lq"], lq);
  }
}

}  // namespace
}  // namespace ncc

// --- RNN, GRU and LSTM against the ONNX spec's formulas ---

namespace ncc {
namespace {
namespace recurrent {

struct Case {
  std::string type;  // RNN, GRU or LSTM
  std::string direction = "forward";
  int64_t layout = 0;
  int64_t seq = 3, batch = 2, input = 4, hidden = 5;
  bool bias = true, initial = true, peepholes = false;
  int64_t linear_before_reset = 0;
  float clip = 0.0f;                     // 0: no clip attribute
  std::vector<int32_t> lengths;          // a runtime sequence_lens when set
  std::vector<std::string> activations;  // empty: the defaults
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.type << "_" << c.direction << "_layout" << c.layout << "_s" << c.seq << "_b" << c.batch
      << "_i" << c.input << "_h" << c.hidden << (c.linear_before_reset ? "_lbr" : "")
      << (c.peepholes ? "_peepholes" : "") << (c.lengths.empty() ? "" : "_lens")
      << (c.clip > 0 ? "_clip" : "");
}

int Gates(const Case& c) { return c.type == "RNN" ? 1 : c.type == "GRU" ? 3 : 4; }
int Directions(const Case& c) { return c.direction == "bidirectional" ? 2 : 1; }

float Activate(const std::string& name, float x) {
  if (name == "Softplus") return std::log1p(std::exp(x));
  return Act(name, x);
}

std::vector<std::string> Functions(const Case& c) {
  if (!c.activations.empty()) return c.activations;
  std::vector<std::string> one = c.type == "RNN" ? std::vector<std::string>{"Tanh"}
                                 : c.type == "GRU"
                                     ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                     : std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"};
  std::vector<std::string> all;
  for (int d = 0; d < Directions(c); ++d) all.insert(all.end(), one.begin(), one.end());
  return all;
}

// Y, Y_h and Y_c in the case's layout, straight from the spec: gate rows of
// W/R/B in the order RNN (i), GRU (z, r, h), LSTM (i, o, f, c); peepholes
// (i, o, f); steps past a batch entry's sequence_lens leave its state alone
// and give zeros in Y.
std::map<std::string, Tensor> Reference(const Case& c, const std::map<std::string, Tensor>& in) {
  const int64_t S = c.seq, B = c.batch, I = c.input, H = c.hidden;
  const int G = Gates(c), D = Directions(c);
  const std::vector<std::string> funcs = Functions(c);
  const int F = static_cast<int>(funcs.size()) / D;
  const Tensor& X = in.at("x");
  const Tensor& W = in.at("w");
  const Tensor& R = in.at("r");
  auto x_at = [&](int64_t t, int64_t b, int64_t i) {
    return c.layout ? X[(b * S + t) * I + i] : X[(t * B + b) * I + i];
  };
  auto state_index = [&](int d, int64_t b, int64_t h) {
    return c.layout ? (b * D + d) * H + h : (d * B + b) * H + h;
  };
  auto y_index = [&](int64_t t, int d, int64_t b, int64_t h) {
    return c.layout ? ((b * S + t) * D + d) * H + h : ((t * D + d) * B + b) * H + h;
  };
  auto clip = [&](float v) { return c.clip > 0 ? std::min(std::max(v, -c.clip), c.clip) : v; };
  Tensor y(S * D * B * H, 0.0f), y_h(D * B * H), y_c(D * B * H);
  for (int d = 0; d < D; ++d) {
    const bool reverse = c.direction == "reverse" || d == 1;
    auto f = [&](int k, float v) { return Activate(funcs[d * F + k], clip(v)); };
    auto wb = [&](int g, int64_t j) { return c.bias ? in.at("b")[(d * 2 * G + g) * H + j] : 0.0f; };
    auto rb = [&](int g, int64_t j) {
      return c.bias ? in.at("b")[(d * 2 * G + G + g) * H + j] : 0.0f;
    };
    // W_g x_t + Wb_g and R_g v + Rb_g for row j of gate g.
    auto wx = [&](int g, int64_t j, int64_t t, int64_t b) {
      float s = wb(g, j);
      for (int64_t i = 0; i < I; ++i) s += W[((d * G + g) * H + j) * I + i] * x_at(t, b, i);
      return s;
    };
    auto rv = [&](int g, int64_t j, const float* v) {
      float s = rb(g, j);
      for (int64_t k = 0; k < H; ++k) s += R[((d * G + g) * H + j) * H + k] * v[k];
      return s;
    };
    std::vector<float> h(B * H, 0.0f), cell(B * H, 0.0f);
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t j = 0; j < H; ++j) {
        if (c.initial) h[b * H + j] = in.at("h0")[state_index(d, b, j)];
        if (c.initial && c.type == "LSTM") cell[b * H + j] = in.at("c0")[state_index(d, b, j)];
      }
    }
    for (int64_t step = 0; step < S; ++step) {
      const int64_t t = reverse ? S - 1 - step : step;
      for (int64_t b = 0; b < B; ++b) {
        if (!c.lengths.empty() && t >= c.lengths[b]) continue;
        const float* hp = &h[b * H];
        std::vector<float> nh(H), nc(H);
        if (c.type == "RNN") {
          for (int64_t j = 0; j < H; ++j) nh[j] = f(0, wx(0, j, t, b) + rv(0, j, hp));
        } else if (c.type == "GRU") {
          std::vector<float> z(H), r(H), rh(H);
          for (int64_t j = 0; j < H; ++j) {
            z[j] = f(0, wx(0, j, t, b) + rv(0, j, hp));
            r[j] = f(0, wx(1, j, t, b) + rv(1, j, hp));
            rh[j] = r[j] * hp[j];
          }
          for (int64_t j = 0; j < H; ++j) {
            const float cand = c.linear_before_reset ? f(1, wx(2, j, t, b) + r[j] * rv(2, j, hp))
                                                     : f(1, wx(2, j, t, b) + rv(2, j, rh.data()));
            nh[j] = (1 - z[j]) * cand + z[j] * hp[j];
          }
        } else {
          auto p = [&](int k, int64_t j) {
            return c.peepholes ? in.at("p")[(d * 3 + k) * H + j] : 0.0f;
          };
          for (int64_t j = 0; j < H; ++j) {
            const float cp = cell[b * H + j];
            const float ig = f(0, wx(0, j, t, b) + rv(0, j, hp) + p(0, j) * cp);
            const float fg = f(0, wx(2, j, t, b) + rv(2, j, hp) + p(2, j) * cp);
            const float cg = f(1, wx(3, j, t, b) + rv(3, j, hp));
            nc[j] = fg * cp + ig * cg;
            const float og = f(0, wx(1, j, t, b) + rv(1, j, hp) + p(1, j) * nc[j]);
            nh[j] = og * Activate(funcs[d * F + 2], nc[j]);
          }
        }
        for (int64_t j = 0; j < H; ++j) {
          h[b * H + j] = nh[j];
          if (c.type == "LSTM") cell[b * H + j] = nc[j];
          y[y_index(t, d, b, j)] = nh[j];
        }
      }
    }
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t j = 0; j < H; ++j) {
        y_h[state_index(d, b, j)] = h[b * H + j];
        y_c[state_index(d, b, j)] = cell[b * H + j];
      }
    }
  }
  std::map<std::string, Tensor> out = {{"y", y}, {"y_h", y_h}};
  if (c.type == "LSTM") out["y_c"] = y_c;
  return out;
}

class RecurrentTest : public ::testing::TestWithParam<Case> {};

TEST_P(RecurrentTest, MatchesSpecFormulas) {
  const Case& c = GetParam();
  const int64_t S = c.seq, B = c.batch, I = c.input, H = c.hidden;
  const int G = Gates(c), D = Directions(c);
  std::map<std::string, Tensor> inputs;
  std::string params, args;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, const char* dtype = "f32") {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    inputs[name] = Random(n, 70 + static_cast<uint32_t>(inputs.size()));
    absl::StrAppend(&params, params.empty() ? "" : ", ", "%", name, ": ", dtype, "[", Dims(shape),
                    "]");
    absl::StrAppend(&args, ", %", name);
  };
  add("x", c.layout ? std::vector<int64_t>{B, S, I} : std::vector<int64_t>{S, B, I});
  add("w", {D, G * H, I});
  add("r", {D, G * H, H});
  args = "%x, %w, %r";
  auto optional = [&](bool present, const std::string& name, std::vector<int64_t> shape,
                      const char* dtype = "f32") {
    if (!present) {
      absl::StrAppend(&args, ", _");
      return;
    }
    add(name, shape, dtype);
  };
  const std::vector<int64_t> state =
      c.layout ? std::vector<int64_t>{B, D, H} : std::vector<int64_t>{D, B, H};
  optional(c.bias, "b", {D, 2 * G * H});
  optional(!c.lengths.empty(), "lens", {B}, "i32");
  if (!c.lengths.empty()) inputs["lens"] = Tensor(c.lengths.begin(), c.lengths.end());
  optional(c.initial, "h0", state);
  if (c.type == "LSTM") {
    optional(c.initial, "c0", state);
    optional(c.peepholes, "p", {D, 3 * H});
  }
  while (absl::EndsWith(args, ", _")) args.resize(args.size() - 3);
  const std::vector<int64_t> y_shape =
      c.layout ? std::vector<int64_t>{B, S, D, H} : std::vector<int64_t>{S, D, B, H};
  std::string attrs =
      absl::StrCat("hidden_size=", H, ", direction=\"", c.direction, "\", layout=", c.layout);
  if (c.type == "GRU") absl::StrAppend(&attrs, ", linear_before_reset=", c.linear_before_reset);
  if (c.clip > 0) absl::StrAppend(&attrs, ", clip=", FloatAttr(c.clip));
  if (!c.activations.empty()) {
    absl::StrAppend(&attrs, ", activations=[\"", absl::StrJoin(c.activations, "\",\""), "\"]");
  }
  std::string outs = "%y, %y_h",
              decls = absl::StrCat("%y: f32[", Dims(y_shape), "], %y_h: f32[", Dims(state), "]");
  if (c.type == "LSTM") {
    outs += ", %y_c";
    absl::StrAppend(&decls, ", %y_c: f32[", Dims(state), "]");
  }
  const std::string text = absl::StrCat("graph g(", params, ") -> (", outs, ") {\n  ", decls, " = ",
                                        c.type, "(", args, ") {", attrs, "}\n}\n");
  auto got = CompileAndRun(text, inputs);
  auto want = Reference(c, inputs);
  for (const auto& [name, tensor] : want) {
    SCOPED_TRACE(name);
    ExpectClose(got[name], tensor, 2e-5);
  }
}

// Forward RNN/GRU/LSTM on [seq 3, batch 2, input 4, hidden 5] with B and
// initial states, and variations on each feature.
std::vector<Case> Cases() {
  std::vector<Case> cases;
  for (const char* type : {"RNN", "GRU", "LSTM"}) {
    Case c;
    c.type = type;
    cases.push_back(c);
  }
  Case c;
  c.type = "RNN";
  c.direction = "reverse";
  c.bias = false;
  cases.push_back(c);

  c = Case();
  c.type = "RNN";
  c.direction = "bidirectional";
  c.activations = {"Relu", "Softplus"};
  c.layout = 1;
  cases.push_back(c);

  c = Case();  // two k-tiles of inputs, a full partition of hidden units
  c.type = "RNN";
  c.input = 130;
  c.hidden = 128;
  c.seq = 2;
  c.initial = false;
  cases.push_back(c);

  c = Case();
  c.type = "GRU";
  c.linear_before_reset = 1;
  cases.push_back(c);

  c.direction = "bidirectional";
  c.layout = 1;
  c.lengths = {3, 1};
  cases.push_back(c);

  c = Case();
  c.type = "GRU";
  c.direction = "reverse";
  c.clip = 0.5f;
  c.bias = false;
  cases.push_back(c);

  c = Case();
  c.type = "LSTM";
  c.peepholes = true;
  c.seq = 4;
  cases.push_back(c);

  c.direction = "bidirectional";
  c.seq = 3;
  c.lengths = {2, 0};
  c.clip = 0.7f;
  cases.push_back(c);

  c = Case();
  c.type = "LSTM";
  c.direction = "reverse";
  c.layout = 1;
  c.initial = false;
  c.batch = 1;
  c.activations = {"Sigmoid", "Relu", "Tanh"};
  cases.push_back(c);

  c = Case();  // a long sequence
  c.type = "LSTM";
  c.direction = "bidirectional";
  c.seq = 200;
  c.batch = 3;
  c.input = 20;
  c.hidden = 32;
  cases.push_back(c);
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Lowering, RecurrentTest, ::testing::ValuesIn(Cases()));

TEST(Recurrent, UnsupportedAttributesAreNamed) {
  auto graph = ir::Parse(
      R"(graph g(%x: f32[2,1,3], %w: f32[1,4,3], %r: f32[1,4,4], %w4: f32[1,16,3], %r4: f32[1,16,4], %wb: f32[1,129,3], %rb: f32[1,129,129]) -> (%a, %b, %c, %d) {
  %a: f32[2,1,1,4] = RNN(%x, %w, %r) {hidden_size=4, activations=["HardSigmoid"]}
  %b: f32[2,1,1,4] = LSTM(%x, %w4, %r4) {hidden_size=4, input_forget=1}
  %c: f32[2,1,1,129] = RNN(%x, %wb, %rb) {hidden_size=129}
  %d: f32[2,1,1,4] = RNN(%x, %w, %r) {hidden_size=4, direction="sideways"}
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 4u);
  EXPECT_EQ(unsupported[0].reason,
            "activation 'HardSigmoid' (supported: Tanh, Sigmoid, Relu, Softplus)");
  EXPECT_EQ(unsupported[1].reason, "attribute 'input_forget'=1 (coupled input and forget gates)");
  EXPECT_EQ(unsupported[2].reason, "hidden_size 129 above 128 (the state sits on the partitions)");
  EXPECT_EQ(unsupported[3].reason, "direction 'sideways'");
}

TEST(Recurrent, ConstantSequenceLengthsMustCoverTheSequence) {
  auto graph = ir::Parse(R"(graph g(%x: f32[2,2,3], %w: f32[1,4,3], %r: f32[1,4,4]) -> (%y) {
  %lens: i32[2] = constant [2, 1]
  %y: f32[2,1,2,4] = RNN(%x, %w, %r, _, %lens) {hidden_size=4}
}
)");
  ASSERT_TRUE(graph.ok()) << graph.status();
  auto unsupported = lower::FindUnsupported(**graph);
  ASSERT_EQ(unsupported.size(), 1u);
  EXPECT_EQ(unsupported[0].reason,
            "constant sequence_lens[1] = 1 differs from the sequence length 2");
}

}  // namespace recurrent
}  // namespace
}  // namespace ncc
