#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

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
    ASSERT_EQ(std::memcmp(&a[i], &b[i], 4), 0)
        << "at " << i << ": " << a[i] << " vs " << b[i];
  }
}

TEST(Kernels, MatmulFastMatchesReference) {
  for (int n : {1, 31, 127, 128, 129, 511, 512}) {
    for (int m : {1, 3, 31, 128}) {
      for (int k : {1, 31, 128}) {
        for (bool acc : {false, true}) {
          const int64_t st_ld = m + 3, mv_ld = n + 5, out_ld = n + 1;
          auto st = Random(k * st_ld, 1);
          auto mv = Random(k * mv_ld, 2);
          auto out_ref = Random(m * out_ld, 3);
          auto out_fast = out_ref;
          MatmulArgs args{k, m, n, st.data(), st_ld, mv.data(), mv_ld,
                          out_ref.data(), out_ld, acc};
          MatmulF32Reference(args);
          args.out = out_fast.data();
          MatmulF32(args);
          SCOPED_TRACE(testing::Message() << "k=" << k << " m=" << m
                                          << " n=" << n << " acc=" << acc);
          ExpectBitEqual(out_ref, out_fast);
        }
      }
    }
  }
}

TEST(Kernels, MatmulHandComputed) {
  // stationary [K=2, M=2] = [[1,2],[3,4]]; moving [K=2, N=3].
  float st[] = {1, 2, 3, 4};
  float mv[] = {1, 0, 2, 0, 1, 1};
  float out[6] = {10, 10, 10, 10, 10, 10};
  MatmulF32({2, 2, 3, st, 2, mv, 3, out, 3, /*accumulate=*/true});
  // out[m][n] = 10 + sum_k st[k][m] * mv[k][n]
  EXPECT_EQ(std::vector<float>(out, out + 6),
            (std::vector<float>{11, 13, 15, 12, 14, 18}));
}

TEST(Kernels, ElementwiseFastMatchesReference) {
  for (int64_t n : {1, 31, 127, 128, 129, 511, 512, 513}) {
    auto a = Random(n, 7);
    auto b = Random(n, 8);
    for (int op = 0; op <= static_cast<int>(Alu::kMin); ++op) {
      std::vector<float> ref(n), fast(n);
      AluTensorTensorReference(static_cast<Alu>(op), a.data(), b.data(),
                               ref.data(), n);
      AluTensorTensor(static_cast<Alu>(op), a.data(), b.data(), fast.data(), n);
      ExpectBitEqual(ref, fast);
      AluTensorScalarReference(static_cast<Alu>(op), a.data(), 0.25f,
                               ref.data(), n);
      AluTensorScalar(static_cast<Alu>(op), a.data(), 0.25f, fast.data(), n);
      ExpectBitEqual(ref, fast);
    }
    for (int f = 0; f <= static_cast<int>(Act::kExp); ++f) {
      std::vector<float> ref(n), fast(n);
      ActivationReference(static_cast<Act>(f), a.data(), 2.0f, -0.5f,
                          ref.data(), n);
      Activation(static_cast<Act>(f), a.data(), 2.0f, -0.5f, fast.data(), n);
      ExpectBitEqual(ref, fast);
    }
    // In place.
    std::vector<float> inplace = a, ref(n);
    AluTensorTensorReference(Alu::kAdd, a.data(), b.data(), ref.data(), n);
    AluTensorTensor(Alu::kAdd, inplace.data(), b.data(), inplace.data(), n);
    ExpectBitEqual(ref, inplace);
  }
}

TEST(Kernels, ReluAndAddValues) {
  float a[] = {-1.0f, 0.0f, 2.5f};
  float b[] = {1.0f, 1.0f, 1.0f};
  float out[3];
  Activation(Act::kRelu, a, 1.0f, 0.0f, out, 3);
  EXPECT_EQ(std::vector<float>(out, out + 3), (std::vector<float>{0, 0, 2.5f}));
  AluTensorTensor(Alu::kAdd, a, b, out, 3);
  EXPECT_EQ(std::vector<float>(out, out + 3), (std::vector<float>{0, 1, 3.5f}));
}

TEST(Kernels, Bf16RoundsToNearestEven) {
  EXPECT_EQ(F32ToBf16(1.0f), 0x3f80);
  // 1 + 2^-8 is exactly half way between bf16 1.0 and 1.0078125: ties to even.
  EXPECT_EQ(F32ToBf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  // 1 + 3*2^-8 is half way between 0x3f81 and 0x3f82: ties to even (0x3f82).
  EXPECT_EQ(F32ToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_EQ(F32ToBf16(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)),
            0x3f81);
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

}  // namespace
}  // namespace ncc::kernels
