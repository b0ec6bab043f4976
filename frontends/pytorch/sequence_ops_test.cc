// The transformer and recurrent converters (ops_transformer.cc,
// ops_recurrent.cc) on small modules defined here in TorchScript: the IR they
// give (op kinds, shapes, the restacked gate order) and what they refuse.
// Numerical agreement with torch eager is checked end to end by
// tests/end_to_end/pytorch_models_test on testdata/torch_models/sequence.py.
#include <torch/script.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "compiler/ir/graph.h"
#include "frontends/options.h"
#include "frontends/pytorch/pytorch_frontend.h"
#include "gtest/gtest.h"

namespace ncc::pytorch_frontend {
namespace {

at::Tensor Rand(std::vector<int64_t> shape) { return torch::randn(shape); }

// Saves `module` and imports it with the given pins.
absl::StatusOr<frontends::ImportedModel> Import(torch::jit::Module& module,
                                                const frontends::InputShapes& shapes) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/sequence_ops_test_", getpid(),
                                  "_", module.type()->name()->name(), ".pt");
  module.save(path);
  frontends::ImportOptions options;
  options.input_shapes = shapes;
  auto model = PytorchFrontend::Get().Import({path}, options);
  std::remove(path.c_str());
  return model;
}

std::map<std::string, int> OpCounts(const ir::Graph& graph) {
  std::map<std::string, int> counts;
  for (const auto& op : graph.ops()) ++counts[op->type];
  return counts;
}

const ir::Op* FirstOp(const ir::Graph& graph, const std::string& type) {
  for (const auto& op : graph.ops()) {
    if (op->type == type) return op.get();
  }
  return nullptr;
}

void AddAttentionWeights(torch::jit::Module& m, int64_t e) {
  m.register_parameter("qkv_w", Rand({3 * e, e}), false);
  m.register_parameter("qkv_b", Rand({3 * e}), false);
  m.register_parameter("proj_w", Rand({e, e}), false);
  m.register_parameter("proj_b", Rand({e}), false);
}

TEST(TransformerOps, EncoderLayerDecomposes) {
  torch::jit::Module m("EncoderLayer");
  AddAttentionWeights(m, 16);
  for (const char* n : {"n1w", "n1b", "n2w", "n2b"}) m.register_parameter(n, Rand({16}), false);
  m.register_parameter("f1w", Rand({32, 16}), false);
  m.register_parameter("f1b", Rand({32}), false);
  m.register_parameter("f2w", Rand({16, 32}), false);
  m.register_parameter("f2b", Rand({16}), false);
  m.define(R"(
def forward(self, x):
    return torch._transformer_encoder_layer_fwd(
        x, 16, 2, self.qkv_w, self.qkv_b, self.proj_w, self.proj_b, True, True, 1e-5,
        self.n1w, self.n1b, self.n2w, self.n2b, self.f1w, self.f1b, self.f2w, self.f2b,
        None, None)
)");
  auto model = Import(m, {{"x", {2, 8, 16}}});
  ASSERT_TRUE(model.ok()) << model.status();
  const ir::Graph& g = *model->graph;
  std::map<std::string, int> counts = OpCounts(g);
  EXPECT_EQ(counts["Softmax"], 1);
  EXPECT_EQ(counts["LayerNormalization"], 2);
  EXPECT_EQ(counts["Gelu"], 1);
  EXPECT_EQ(counts["Relu"], 0);
  // q, k, v, the output projection, two FFN layers, q k^T and probs v.
  EXPECT_EQ(counts["MatMul"], 8);
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.outputs()[0]->shape, (ir::Shape{2, 8, 16}));
  const ir::Op* softmax = FirstOp(g, "Softmax");
  ASSERT_NE(softmax, nullptr);
  EXPECT_EQ(softmax->input(0)->shape, (ir::Shape{2, 2, 8, 8}));
}

TEST(TransformerOps, NativeAttentionWithMaskAndPerHeadWeights) {
  torch::jit::Module m("Attention");
  AddAttentionWeights(m, 16);
  m.define(R"(
def forward(self, x, padding):
    return torch._native_multi_head_attention(
        x, x, x, 16, 4, self.qkv_w, self.qkv_b, self.proj_w, self.proj_b,
        padding > 0.5, True, False, 1)
)");
  auto model = Import(m, {{"x", {2, 6, 16}}, {"padding", {2, 6}}});
  ASSERT_TRUE(model.ok()) << model.status();
  const ir::Graph& g = *model->graph;
  ASSERT_EQ(g.outputs().size(), 2u);
  EXPECT_EQ(g.outputs()[0]->shape, (ir::Shape{2, 6, 16}));
  EXPECT_EQ(g.outputs()[1]->shape, (ir::Shape{2, 4, 6, 6}));
  const ir::Op* where = FirstOp(g, "Where");
  ASSERT_NE(where, nullptr);
  EXPECT_EQ(where->input(0)->dtype, ir::DType::kBool);
  EXPECT_EQ(where->input(0)->shape, (ir::Shape{2, 1, 1, 6}));
}

TEST(TransformerOps, RuntimeWeightsAreUnsupported) {
  torch::jit::Module m("RuntimeWeights");
  AddAttentionWeights(m, 16);
  m.define(R"(
def forward(self, x, w):
    return torch._native_multi_head_attention(
        x, x, x, 16, 2, w, self.qkv_b, self.proj_w, self.proj_b, None, False, True, None)[0]
)");
  auto model = Import(m, {{"x", {1, 4, 16}}, {"w", {48, 16}}});
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(model.status().message().find("qkv_weight is computed at run time"), std::string::npos)
      << model.status();
}

// Every row of a torch gate block holds its block index, so the restacked
// ONNX weights show the order the converter chose.
at::Tensor GateIndexed(int64_t gates, int64_t hidden, int64_t cols) {
  return torch::arange(gates)
      .repeat_interleave(hidden)
      .to(torch::kFloat)
      .unsqueeze(1)
      .expand({gates * hidden, cols})
      .contiguous();
}

std::vector<float> BlockOrder(const ir::Value* w, int64_t gates, int64_t hidden) {
  std::vector<float> order;
  const int64_t cols = w->shape[2];
  for (int64_t g = 0; g < gates; ++g) order.push_back(w->data_as<float>()[g * hidden * cols]);
  return order;
}

TEST(RecurrentOps, LstmGatesReorderedBatchFirstTransposed) {
  torch::jit::Module m("Lstm");
  m.register_parameter("w_ih", GateIndexed(4, 8, 5), false);
  m.register_parameter("w_hh", GateIndexed(4, 8, 8), false);
  m.register_parameter("b_ih", Rand({32}), false);
  m.register_parameter("b_hh", Rand({32}), false);
  m.define(R"(
def forward(self, x, h, c):
    out, hn, cn = torch.lstm(x, [h, c], [self.w_ih, self.w_hh, self.b_ih, self.b_hh],
                             True, 1, 0.0, False, False, True)
    return out, hn, cn
)");
  auto model = Import(m, {{"x", {3, 7, 5}}, {"h", {1, 3, 8}}, {"c", {1, 3, 8}}});
  ASSERT_TRUE(model.ok()) << model.status();
  const ir::Graph& g = *model->graph;
  const ir::Op* lstm = FirstOp(g, "LSTM");
  ASSERT_NE(lstm, nullptr);
  EXPECT_EQ(lstm->GetInt("layout", 0), 0);
  EXPECT_EQ(lstm->input(0)->shape, (ir::Shape{7, 3, 5}));  // sequence-major
  ASSERT_TRUE(lstm->input(1)->is_constant);
  // torch i, f, g, o -> ONNX i, o, f, c.
  EXPECT_EQ(BlockOrder(lstm->input(1), 4, 8), (std::vector<float>{0, 3, 1, 2}));
  EXPECT_EQ(BlockOrder(lstm->input(2), 4, 8), (std::vector<float>{0, 3, 1, 2}));
  ASSERT_NE(lstm->input(5), nullptr);  // initial_h, initial_c: runtime inputs
  ASSERT_NE(lstm->input(6), nullptr);
  ASSERT_EQ(g.outputs().size(), 3u);
  EXPECT_EQ(g.outputs()[0]->shape, (ir::Shape{3, 7, 8}));
  EXPECT_EQ(g.outputs()[1]->shape, (ir::Shape{1, 3, 8}));
}

TEST(RecurrentOps, GruBidirectionalTwoLayers) {
  torch::jit::Module m("Gru");
  std::vector<std::string> names;
  for (int layer = 0; layer < 2; ++layer) {
    for (int d = 0; d < 2; ++d) {
      const int64_t in = layer == 0 ? 5 : 12;
      std::string s = absl::StrCat("_l", layer, "_d", d);
      m.register_parameter("w_ih" + s, GateIndexed(3, 6, in), false);
      m.register_parameter("w_hh" + s, GateIndexed(3, 6, 6), false);
      m.register_parameter("b_ih" + s, Rand({18}), false);
      m.register_parameter("b_hh" + s, Rand({18}), false);
      for (const char* p : {"w_ih", "w_hh", "b_ih", "b_hh"}) names.push_back("self." + (p + s));
    }
  }
  std::string params;
  for (const std::string& n : names) absl::StrAppend(&params, params.empty() ? "" : ", ", n);
  m.define(absl::StrCat(R"(
def forward(self, x):
    h0 = torch.zeros(4, 2, 6)
    out, hn = torch.gru(x, h0, [)",
                        params, R"(], True, 2, 0.0, False, True, False)
    return out, hn
)"));
  auto model = Import(m, {{"x", {9, 2, 5}}});
  ASSERT_TRUE(model.ok()) << model.status();
  const ir::Graph& g = *model->graph;
  EXPECT_EQ(OpCounts(g)["GRU"], 2);
  const ir::Op* gru = FirstOp(g, "GRU");
  ASSERT_NE(gru, nullptr);
  EXPECT_EQ(gru->GetInt("linear_before_reset", 0), 1);
  EXPECT_EQ(gru->GetString("direction", ""), "bidirectional");
  EXPECT_EQ(gru->input(1)->shape, (ir::Shape{2, 18, 5}));
  // torch r, z, n -> ONNX z, r, h.
  EXPECT_EQ(BlockOrder(gru->input(1), 3, 6), (std::vector<float>{1, 0, 2}));
  EXPECT_EQ(gru->inputs.size(), 4u);  // a zero initial state is left out
  ASSERT_EQ(g.outputs().size(), 2u);
  EXPECT_EQ(g.outputs()[0]->shape, (ir::Shape{9, 2, 12}));
  EXPECT_EQ(g.outputs()[1]->shape, (ir::Shape{4, 2, 6}));
}

}  // namespace
}  // namespace ncc::pytorch_frontend
