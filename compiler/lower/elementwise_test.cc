// Element-wise ops (unary, binary, integer and float16 arithmetic, legacy broadcast) lowered and
// run on the simulated NeuronCore, checked against references written from the operator definitions
// (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::Tensor;

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

}  // namespace
}  // namespace ncc
