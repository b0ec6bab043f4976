// ScatterElements and ScatterND lowered and run on the simulated NeuronCore, checked against
// references written from the operator definitions (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::CompileAndRun;
using lower::harness::ExpectClose;
using lower::harness::Random;
using lower::harness::Tensor;

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

TEST(Scatter, MaxAndMinReductions) {
  // Opset 18: output[target] = max (min) of data and every update to it.
  // Targets repeated up to 4 times, over several blocks and chunks.
  const std::string text =
      R"(graph g(%d: f32[9,30], %ia: i64[9,17], %ue: f32[9,17], %r: f32[140,6], %ina: i64[130,1], %un: f32[130,6]) -> (%ex, %nn) {
  %ex: f32[9,30] = ScatterElements(%d, %ia, %ue) {axis=1, reduction="max"}
  %nn: f32[140,6] = ScatterND(%r, %ina, %un) {reduction="min"}
}
)";
  Tensor d = Random(270, 84), ue = Random(153, 85), r = Random(840, 86), un = Random(780, 87);
  Tensor ia(153), ina(130);
  for (int a = 0; a < 9; ++a)
    for (int j = 0; j < 17; ++j) ia[a * 17 + j] = float(j % 5 - 2);
  for (int k = 0; k < 130; ++k) ina[k] = float(k % 50 - (k % 4 == 0 ? 140 : 0));
  Tensor ex = d, nn = r;
  for (int a = 0; a < 9; ++a)
    for (int j = 0; j < 17; ++j) {
      int c = int(ia[a * 17 + j]);
      if (c < 0) c += 30;
      ex[a * 30 + c] = std::max(ex[a * 30 + c], ue[a * 17 + j]);
    }
  for (int k = 0; k < 130; ++k) {
    int row = int(ina[k]);
    if (row < 0) row += 140;
    for (int c = 0; c < 6; ++c) nn[row * 6 + c] = std::min(nn[row * 6 + c], un[k * 6 + c]);
  }
  auto out =
      CompileAndRun(text, {{"d", d}, {"ia", ia}, {"ue", ue}, {"r", r}, {"ina", ina}, {"un", un}});
  EXPECT_EQ(out["ex"], ex);
  EXPECT_EQ(out["nn"], nn);
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

}  // namespace
}  // namespace ncc
