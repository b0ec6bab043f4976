// Host throughput of the simulator's numeric kernels (runtime/kernels): the
// Tensor engine's matmul tile (128 x 128 stationary, 128 x 512 moving) in
// fp32 and bf16 on every path this CPU has, and the element-wise /
// activation kernels. These are host measurements of the simulator, not
// device-time estimates.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "runtime/kernels/cast.h"
#include "runtime/kernels/elementwise.h"
#include "runtime/kernels/matmul.h"

namespace ncc::kernels {
namespace {

constexpr int kK = 128, kM = 128, kN = 512;
constexpr double kTileFlops = 2.0 * kK * kM * kN;

std::vector<float> Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

void BM_MatmulF32(benchmark::State& state, MatmulPath path) {
  if (!MatmulF32PathAvailable(path)) {
    state.SkipWithError("path not available on this CPU");
    return;
  }
  auto st = Random(kK * kM, 1), mv = Random(kK * kN, 2);
  std::vector<float> out(kM * kN);
  const MatmulArgs args{kK, kM, kN, st.data(), kM, mv.data(), kN, out.data(), kN, false};
  for (auto _ : state) {
    MatmulF32With(path, args);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(kTileFlops * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

void BM_MatmulBf16(benchmark::State& state, MatmulPath path) {
  if (!MatmulBf16PathAvailable(path)) {
    state.SkipWithError("path not available on this CPU");
    return;
  }
  auto stf = Random(kK * kM, 1), mvf = Random(kK * kN, 2);
  std::vector<uint16_t> st(stf.size()), mv(mvf.size());
  F32ToBf16Array(stf.data(), st.data(), st.size());
  F32ToBf16Array(mvf.data(), mv.data(), mv.size());
  std::vector<float> out(kM * kN);
  const MatmulBf16Args args{kK, kM, kN, st.data(), kM, mv.data(), kN, out.data(), kN, false};
  for (auto _ : state) {
    MatmulBf16With(path, args);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(kTileFlops * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(BM_MatmulF32, reference, MatmulPath::kReference);
BENCHMARK_CAPTURE(BM_MatmulF32, portable_avx2, MatmulPath::kPortable);
BENCHMARK_CAPTURE(BM_MatmulF32, avx512, MatmulPath::kAvx512);
BENCHMARK_CAPTURE(BM_MatmulBf16, reference, MatmulPath::kReference);
BENCHMARK_CAPTURE(BM_MatmulBf16, portable_avx2, MatmulPath::kPortable);
BENCHMARK_CAPTURE(BM_MatmulBf16, avx512_bf16, MatmulPath::kAvx512);
BENCHMARK_CAPTURE(BM_MatmulBf16, amx, MatmulPath::kAmx);

// One 128-partition x 512 tile per iteration, row by row as the simulator
// calls the kernels.
constexpr int64_t kRows = 128, kCols = 512;

void BM_Activation(benchmark::State& state, Act func, bool reference) {
  auto a = Random(kRows * kCols, 3);
  std::vector<float> out(a.size());
  for (auto _ : state) {
    for (int64_t r = 0; r < kRows; ++r) {
      if (reference) {
        ActivationReference(func, a.data() + r * kCols, 1.5f, 0.25f, out.data() + r * kCols, kCols);
      } else {
        Activation(func, a.data() + r * kCols, 1.5f, 0.25f, out.data() + r * kCols, kCols);
      }
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["Gelem/s"] =
      benchmark::Counter(1e-9 * kRows * kCols * state.iterations(), benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(BM_Activation, relu, Act::kRelu, false);
BENCHMARK_CAPTURE(BM_Activation, relu_reference, Act::kRelu, true);
BENCHMARK_CAPTURE(BM_Activation, exp, Act::kExp, false);
BENCHMARK_CAPTURE(BM_Activation, exp_reference, Act::kExp, true);
BENCHMARK_CAPTURE(BM_Activation, sigmoid, Act::kSigmoid, false);
BENCHMARK_CAPTURE(BM_Activation, sigmoid_reference, Act::kSigmoid, true);
BENCHMARK_CAPTURE(BM_Activation, tanh, Act::kTanh, false);
BENCHMARK_CAPTURE(BM_Activation, tanh_reference, Act::kTanh, true);
BENCHMARK_CAPTURE(BM_Activation, gelu_tanh, Act::kGeluTanh, false);
BENCHMARK_CAPTURE(BM_Activation, gelu_tanh_reference, Act::kGeluTanh, true);
BENCHMARK_CAPTURE(BM_Activation, gelu_erf_libm, Act::kGelu, false);

void BM_TensorTensor(benchmark::State& state, Alu op, bool reference) {
  auto a = Random(kRows * kCols, 4), b = Random(kRows * kCols, 5);
  std::vector<float> out(a.size());
  for (auto _ : state) {
    for (int64_t r = 0; r < kRows; ++r) {
      const int64_t o = r * kCols;
      if (reference) {
        AluTensorTensorReference(op, a.data() + o, b.data() + o, out.data() + o, kCols);
      } else {
        AluTensorTensor(op, a.data() + o, b.data() + o, out.data() + o, kCols);
      }
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["Gelem/s"] =
      benchmark::Counter(1e-9 * kRows * kCols * state.iterations(), benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(BM_TensorTensor, add, Alu::kAdd, false);
BENCHMARK_CAPTURE(BM_TensorTensor, add_reference, Alu::kAdd, true);
BENCHMARK_CAPTURE(BM_TensorTensor, max, Alu::kMax, false);
BENCHMARK_CAPTURE(BM_TensorTensor, is_gt, Alu::kIsGt, false);
BENCHMARK_CAPTURE(BM_TensorTensor, is_gt_reference, Alu::kIsGt, true);

void BM_ReduceMax(benchmark::State& state) {
  auto a = Random(kRows * kCols, 6);
  std::vector<float> out(kRows);
  for (auto _ : state) {
    for (int64_t r = 0; r < kRows; ++r) Reduce(Alu::kMax, a.data() + r * kCols, 1, kCols, &out[r]);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["Gelem/s"] =
      benchmark::Counter(1e-9 * kRows * kCols * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReduceMax);

}  // namespace
}  // namespace ncc::kernels
