// Softmax, LogSoftmax, the normalisations and LRN lowered and run on the simulated NeuronCore,
// checked against references written from the operator definitions (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::Tensor;

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

}  // namespace
}  // namespace ncc
