#include "compiler/lower/testing/lowering_harness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/alloc/allocate.h"
#include "compiler/emit/emit_neff.h"
#include "compiler/ir/text.h"
#include "compiler/lower/lower.h"
#include "compiler/passes/fuse_activation.h"
#include "compiler/schedule/schedule.h"
#include "neff/format.h"
#include "runtime/kernels/cast.h"
#include "runtime/sim/simulator.h"
#include "target/neuroncore.h"

namespace ncc::lower::harness {

std::vector<float> Random(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

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

std::map<std::string, Tensor> CompileAndRun(const std::string& text,
                                            const std::map<std::string, Tensor>& inputs, bool fuse,
                                            int64_t opset, absl::Status* run_status,
                                            alloc::ResidencyStats* residency) {
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
  std::string bytes = emit::EmitNeff(*program, *sched, stats, {});
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

void ExpectClose(const Tensor& got, const Tensor& want, double tol) {
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

std::string FloatAttr(float f) {
  std::string s = absl::StrCat(f);
  return s.find('.') == std::string::npos ? s + ".0" : s;
}

std::string FloatList(const Tensor& v) {
  std::vector<std::string> parts;
  for (float f : v) parts.push_back(FloatAttr(f));
  return absl::StrJoin(parts, ", ");
}

}  // namespace ncc::lower::harness
