// RNN, GRU and LSTM lowered and run on the simulated NeuronCore, checked against
// references written from the operator definitions (testing/lowering_harness.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/text.h"
#include "compiler/lower/lower.h"
#include "compiler/lower/testing/lowering_harness.h"

namespace ncc {
namespace {

using lower::harness::Act;
using lower::harness::CompileAndRun;
using lower::harness::Dims;
using lower::harness::ExpectClose;
using lower::harness::FloatAttr;
using lower::harness::Random;
using lower::harness::Tensor;

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
