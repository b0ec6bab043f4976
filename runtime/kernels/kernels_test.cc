#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "runtime/kernels/cast.h"
#include "runtime/kernels/elementwise.h"
#include "runtime/kernels/matmul.h"

namespace ncc::kernels {
namespace {

std::vector<float> Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

void ExpectBitEqual(const std::vector<float>& a, const std::vector<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(std::memcmp(&a[i], &b[i], 4), 0) << "at " << i << ": " << a[i] << " vs " << b[i];
  }
}

constexpr int kAwkward[] = {1, 31, 127, 128, 129, 511, 512, 513};

// Within a few ulp of the reference, or tiny in absolute terms (near zeros
// of sin/cos/log, relative error is meaningless).
void ExpectClose(const std::vector<float>& ref, const std::vector<float>& got, float ulps,
                 const char* what) {
  ASSERT_EQ(ref.size(), got.size());
  for (size_t i = 0; i < ref.size(); ++i) {
    if (std::isnan(ref[i])) {
      ASSERT_TRUE(std::isnan(got[i])) << what << " at " << i;
      continue;
    }
    if (std::isinf(ref[i])) {
      ASSERT_EQ(ref[i], got[i]) << what << " at " << i;
      continue;
    }
    const float tol =
        std::max(ulps * std::numeric_limits<float>::epsilon() * std::fabs(ref[i]), 1e-7f);
    ASSERT_NEAR(ref[i], got[i], tol) << what << " at " << i;
  }
}

std::vector<MatmulPath> F32Paths() {
  std::vector<MatmulPath> paths;
  for (MatmulPath p : {MatmulPath::kPortable, MatmulPath::kAvx512}) {
    if (MatmulF32PathAvailable(p)) paths.push_back(p);
  }
  return paths;
}

std::vector<MatmulPath> Bf16Paths() {
  std::vector<MatmulPath> paths;
  for (MatmulPath p : {MatmulPath::kPortable, MatmulPath::kAvx512, MatmulPath::kAmx}) {
    if (MatmulBf16PathAvailable(p)) paths.push_back(p);
  }
  return paths;
}

TEST(Kernels, MatmulF32PathsMatchReferenceBitForBit) {
  for (MatmulPath path : F32Paths()) {
    for (int n : kAwkward) {
      for (int m : {1, 3, 31, 128}) {
        for (int k : {1, 31, 128}) {
          for (bool acc : {false, true}) {
            const int64_t st_ld = m + 3, mv_ld = n + 5, out_ld = n + 1;
            auto st = Random(k * st_ld, 1);
            auto mv = Random(k * mv_ld, 2);
            auto out_ref = Random(m * out_ld, 3);
            auto out_fast = out_ref;
            MatmulArgs args{k,      m,  n, st.data(), st_ld, mv.data(), mv_ld, out_ref.data(),
                            out_ld, acc};
            MatmulF32Reference(args);
            args.out = out_fast.data();
            MatmulF32With(path, args);
            SCOPED_TRACE(testing::Message() << MatmulPathName(path) << " k=" << k << " m=" << m
                                            << " n=" << n << " acc=" << acc);
            ExpectBitEqual(out_ref, out_fast);
          }
        }
      }
    }
  }
}

std::vector<uint16_t> RandomBf16(size_t n, uint32_t seed) {
  auto f = Random(n, seed);
  std::vector<uint16_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = F32ToBf16(f[i]);
  return out;
}

// bf16 paths sum exact products in another order: bounded by fp32
// accumulation error, K * eps * sum |products| (plus the accumulator).
TEST(Kernels, MatmulBf16PathsMatchReference) {
  for (MatmulPath path : Bf16Paths()) {
    for (int n : kAwkward) {
      for (int m : {1, 17, 31, 128}) {
        for (int k : {1, 2, 31, 128}) {
          for (bool acc : {false, true}) {
            const int64_t st_ld = m + 1, mv_ld = n + 2, out_ld = n + 3;
            auto st = RandomBf16(k * st_ld, 4);
            auto mv = RandomBf16(k * mv_ld, 5);
            auto out_ref = Random(m * out_ld, 6);
            auto out_fast = out_ref;
            MatmulBf16Args args{k,      m,  n, st.data(), st_ld, mv.data(), mv_ld, out_ref.data(),
                                out_ld, acc};
            MatmulBf16Reference(args);
            args.out = out_fast.data();
            MatmulBf16With(path, args);
            SCOPED_TRACE(testing::Message() << MatmulPathName(path) << " k=" << k << " m=" << m
                                            << " n=" << n << " acc=" << acc);
            if (path == MatmulPath::kPortable) {
              // Widening to fp32 keeps the reference's arithmetic exactly.
              ExpectBitEqual(out_ref, out_fast);
            }
            for (int mm = 0; mm < m; ++mm) {
              for (int nn = 0; nn < n; ++nn) {
                double mag = acc ? std::fabs(out_ref[mm * out_ld + nn]) : 0;
                for (int kk = 0; kk < k; ++kk) {
                  mag += std::fabs(Bf16ToF32(st[kk * st_ld + mm]) * Bf16ToF32(mv[kk * mv_ld + nn]));
                }
                const double tol = (k + 2) * 1.2e-7 * mag + 1e-30;
                ASSERT_NEAR(out_ref[mm * out_ld + nn], out_fast[mm * out_ld + nn], tol)
                    << "at m=" << mm << " n=" << nn;
              }
            }
            // Padding columns of out are untouched.
            if (out_ld > n) {
              auto untouched = Random(m * out_ld, 6);
              ASSERT_EQ(out_fast[n], untouched[n]);
            }
          }
        }
      }
    }
  }
}

TEST(Kernels, MatmulBf16HandComputed) {
  // stationary [K=3, M=1] = [1, 2, 3]; moving [K=3, N=2] = [[1, 0.5], [2, 0],
  // [-1, 4]]: out = [1*1 + 2*2 - 3, 0.5 + 12] = [2, 12.5].
  for (MatmulPath path : Bf16Paths()) {
    uint16_t st[] = {F32ToBf16(1), F32ToBf16(2), F32ToBf16(3)};
    uint16_t mv[] = {F32ToBf16(1), F32ToBf16(0.5f), F32ToBf16(2),
                     F32ToBf16(0), F32ToBf16(-1),   F32ToBf16(4)};
    float out[2] = {100, 100};
    MatmulBf16With(path, {3, 1, 2, st, 1, mv, 2, out, 2, false});
    EXPECT_EQ(out[0], 2.0f) << MatmulPathName(path);
    EXPECT_EQ(out[1], 12.5f) << MatmulPathName(path);
  }
}

TEST(Kernels, MatmulHandComputed) {
  // stationary [K=2, M=2] = [[1,2],[3,4]]; moving [K=2, N=3].
  float st[] = {1, 2, 3, 4};
  float mv[] = {1, 0, 2, 0, 1, 1};
  float out[6] = {10, 10, 10, 10, 10, 10};
  MatmulF32({2, 2, 3, st, 2, mv, 3, out, 3, /*accumulate=*/true});
  // out[m][n] = 10 + sum_k st[k][m] * mv[k][n]
  EXPECT_EQ(std::vector<float>(out, out + 6), (std::vector<float>{11, 13, 15, 12, 14, 18}));
}

// Inputs with every edge the kernels must get right: NaN, infinities,
// signed zeros, huge and tiny values, beside ordinary ones.
std::vector<float> EdgyInputs(int64_t n, uint32_t seed) {
  auto v = Random(n, seed);
  const float specials[] = {NAN,    INFINITY, -INFINITY, 0.0f,    -0.0f, 1e30f,
                            -1e30f, 1e-30f,   100.0f,    -100.0f, 3.0f};
  for (int64_t i = 0; i < n; i += 37) v[i] = specials[(i / 37) % 11];
  for (int64_t i = 5; i < n; i += 11) v[i] *= 6.0f;
  return v;
}

TEST(Kernels, AluFastMatchesReferenceBitForBit) {
  for (int64_t n : kAwkward) {
    auto a = EdgyInputs(n, 7);
    auto b = EdgyInputs(n, 8);
    for (int i = 0; i < n; i += 3) b[i] = a[i];  // equal pairs for compares
    for (int op = 0; op < kNumAluOps; ++op) {
      const Alu alu = static_cast<Alu>(op);
      std::vector<float> ref(n), fast(n);
      AluTensorTensorReference(alu, a.data(), b.data(), ref.data(), n);
      AluTensorTensor(alu, a.data(), b.data(), fast.data(), n);
      SCOPED_TRACE(testing::Message() << "op=" << op << " n=" << n);
      ExpectBitEqual(ref, fast);
      for (int op2 = 0; op2 < kNumAluOps; ++op2) {
        const Alu alu2 = static_cast<Alu>(op2);
        AluTensorScalarReference(alu, 0.25f, alu2, -2.0f, a.data(), ref.data(), n);
        AluTensorScalar(alu, 0.25f, alu2, -2.0f, a.data(), fast.data(), n);
        ExpectBitEqual(ref, fast);
      }
    }
    // In place.
    std::vector<float> inplace = a, ref(n);
    AluTensorTensorReference(Alu::kAdd, a.data(), b.data(), ref.data(), n);
    AluTensorTensor(Alu::kAdd, inplace.data(), b.data(), inplace.data(), n);
    ExpectBitEqual(ref, inplace);
  }
}

TEST(Kernels, ActivationFastMatchesReference) {
  for (int64_t n : kAwkward) {
    auto a = EdgyInputs(n, 9);
    for (int f = 0; f < kNumActs; ++f) {
      const Act act = static_cast<Act>(f);
      for (float scale : {1.0f, 2.0f, -0.5f}) {
        std::vector<float> ref(n), fast(n);
        ActivationReference(act, a.data(), scale, -0.5f, ref.data(), n);
        Activation(act, a.data(), scale, -0.5f, fast.data(), n);
        SCOPED_TRACE(testing::Message() << "func=" << f << " n=" << n << " scale=" << scale);
        if (ActIsExact(act)) {
          ExpectBitEqual(ref, fast);
        } else {
          ExpectClose(ref, fast, 8.0f, "activation");
        }
      }
    }
  }
}

TEST(Kernels, ReduceFastMatchesReference) {
  for (int64_t r : kAwkward) {
    for (int64_t groups : {1, 3}) {
      auto a = Random(r * groups, 10);
      for (Alu op : {Alu::kAdd, Alu::kMultiply, Alu::kMax, Alu::kMin}) {
        std::vector<float> ref(groups), fast(groups);
        ReduceReference(op, a.data(), groups, r, ref.data());
        Reduce(op, a.data(), groups, r, fast.data());
        SCOPED_TRACE(testing::Message()
                     << "op=" << static_cast<int>(op) << " r=" << r << " groups=" << groups);
        ExpectBitEqual(ref, fast);
      }
      // Edge values (NaN, signed zeros) take the sequential path.
      auto e = EdgyInputs(r * groups, 11);
      for (Alu op : {Alu::kMax, Alu::kMin}) {
        std::vector<float> ref(groups), fast(groups);
        ReduceReference(op, e.data(), groups, r, ref.data());
        Reduce(op, e.data(), groups, r, fast.data());
        ExpectBitEqual(ref, fast);
      }
    }
  }
}

TEST(Kernels, HandComputedValues) {
  float a[] = {-1.0f, 0.0f, 2.5f, 4.0f};
  float b[] = {1.0f, 0.0f, 1.0f, 2.0f};
  float out[4];
  Activation(Act::kRelu, a, 1.0f, 0.0f, out, 3);
  EXPECT_EQ(std::vector<float>(out, out + 3), (std::vector<float>{0, 0, 2.5f}));
  AluTensorTensor(Alu::kAdd, a, b, out, 3);
  EXPECT_EQ(std::vector<float>(out, out + 3), (std::vector<float>{0, 0, 3.5f}));
  AluTensorTensor(Alu::kPow, a, b, out, 4);
  EXPECT_EQ(std::vector<float>(out, out + 4), (std::vector<float>{-1, 1, 2.5f, 16}));
  AluTensorTensor(Alu::kIsGe, a, b, out, 4);
  EXPECT_EQ(std::vector<float>(out, out + 4), (std::vector<float>{0, 1, 1, 1}));
  AluTensorTensor(Alu::kDivide, b, a, out, 2);  // 1 / -1, 0 / 0
  EXPECT_EQ(out[0], -1.0f);
  EXPECT_TRUE(std::isnan(out[1]));
  // (a - 1) max 0.5
  AluTensorScalar(Alu::kSubtract, 1.0f, Alu::kMax, 0.5f, a, out, 4);
  EXPECT_EQ(std::vector<float>(out, out + 4), (std::vector<float>{0.5f, 0.5f, 1.5f, 3}));
  Reduce(Alu::kAdd, a, 2, 2, out);
  EXPECT_EQ(out[0], -1.0f);
  EXPECT_EQ(out[1], 6.5f);
  EXPECT_EQ(ApplyAct(Act::kSign, -3.0f), -1.0f);
  EXPECT_EQ(ApplyAct(Act::kSquare, -3.0f), 9.0f);
  EXPECT_EQ(ApplyAct(Act::kRsqrt, 4.0f), 0.5f);
  EXPECT_EQ(ApplyAct(Act::kReciprocal, 0.0f), INFINITY);
  EXPECT_TRUE(std::isnan(ApplyAct(Act::kLog, -1.0f)));
  EXPECT_EQ(ApplyAct(Act::kLog, 0.0f), -INFINITY);
  EXPECT_NEAR(ApplyAct(Act::kGelu, 1.0f), 0.8413447f, 1e-6);
  EXPECT_NEAR(ApplyAct(Act::kGeluTanh, 1.0f), 0.8411920f, 1e-6);
  EXPECT_NEAR(ApplyAct(Act::kSilu, 1.0f), 0.7310586f, 1e-6);
  EXPECT_NEAR(ApplyAct(Act::kSoftplus, 0.0f), 0.6931472f, 1e-6);
  EXPECT_EQ(ApplyAct(Act::kSoftplus, 1000.0f), 1000.0f);
  EXPECT_NEAR(ApplyAct(Act::kErf, 0.5f), 0.5204999f, 1e-6);
}

TEST(Kernels, Bf16RoundsToNearestEven) {
  EXPECT_EQ(F32ToBf16(1.0f), 0x3f80);
  // 1 + 2^-8 is exactly half way between bf16 1.0 and 1.0078125: ties to even.
  EXPECT_EQ(F32ToBf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  // 1 + 3*2^-8 is half way between 0x3f81 and 0x3f82: ties to even (0x3f82).
  EXPECT_EQ(F32ToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_EQ(F32ToBf16(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)), 0x3f81);
  EXPECT_TRUE(std::isnan(Bf16ToF32(F32ToBf16(NAN))));
  EXPECT_EQ(Bf16ToF32(0xc040), -3.0f);
}

TEST(Kernels, F16RoundTrip) {
  EXPECT_EQ(F32ToF16(1.0f), 0x3c00);
  EXPECT_EQ(F32ToF16(-2.0f), 0xc000);
  EXPECT_EQ(F32ToF16(65504.0f), 0x7bff);
  EXPECT_EQ(F32ToF16(70000.0f), 0x7c00);
  EXPECT_EQ(F32ToF16(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(F32ToF16(std::ldexp(1.0f, -25)), 0x0000);  // tie to even -> 0
  EXPECT_EQ(F16ToF32(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(F16ToF32(0x3555), 0.333251953125f);
  EXPECT_TRUE(std::isnan(F16ToF32(F32ToF16(NAN))));
  // Every finite fp16 value round-trips exactly.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00) continue;
    ASSERT_EQ(F32ToF16(F16ToF32(static_cast<uint16_t>(h))), h) << h;
  }
  // 1 + 2^-11 ties to even (1.0); 1 + 3*2^-11 ties up.
  EXPECT_EQ(F32ToF16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  EXPECT_EQ(F32ToF16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
}

// The array conversions (vectorised) agree bit for bit with the scalar
// ones on every awkward length and on the edge values: NaNs (quieted, sign
// kept), infinities, denormals, signed zeros and exact rounding ties.
TEST(Kernels, Bf16ArrayConversionsMatchScalar) {
  std::vector<uint32_t> bits = {0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u,
                                0xff800001u, 0x7f800001u, 0x00000001u, 0x807fffffu, 0x3f808000u,
                                0x3f818000u, 0x3f80ffffu, 0x7f7fffffu, 0xff7fffffu, 0x3f800001u};
  std::mt19937 rng(7);
  while (bits.size() < 300) bits.push_back(rng());
  for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{127}, size_t{128},
                   size_t{129}, bits.size()}) {
    std::vector<float> f(n);
    // f.data() is null when n == 0, and memcpy's pointers must never be
    // (UBSan: "null pointer passed as argument 1").
    if (n > 0) std::memcpy(f.data(), bits.data(), n * 4);
    std::vector<uint16_t> h(n, 0xabcd);
    F32ToBf16Array(f.data(), h.data(), static_cast<int64_t>(n));
    std::vector<float> back(n);
    Bf16ToF32Array(h.data(), back.data(), static_cast<int64_t>(n));
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(h[i], F32ToBf16(f[i])) << "n=" << n << " i=" << i;
      const float want = Bf16ToF32(h[i]);
      ASSERT_EQ(0, std::memcmp(&back[i], &want, 4)) << "n=" << n << " i=" << i;
    }
  }
}

}  // namespace
}  // namespace ncc::kernels
