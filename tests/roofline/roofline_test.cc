// The compiler's latency estimate must never beat physics: for each test
// model it must be at least the roofline bound computed independently from
// the graph's FLOPs (TensorE peak) and the bytes that must cross HBM at least
// once (weights, inputs, outputs). An estimate below it would mean the cost
// model or the schedule is wrong.
#include <string>

#include <gtest/gtest.h>

#include "compiler/driver/compile.h"
#include "frontends/onnx/import.h"
#include "target/neuroncore.h"

namespace ncc {
namespace {

struct Bound {
  double flops = 0;
  double bytes = 0;
};

Bound Roofline(const ir::Graph& graph) {
  Bound b;
  for (const auto& op : graph.ops()) {
    const ir::Shape& y = op->outputs[0]->shape;
    if (op->type == "Conv") {
      const ir::Shape& w = op->input(1)->shape;  // [Co, Ci/g, k...]
      double per_output = 2.0;
      for (size_t i = 1; i < w.size(); ++i) per_output *= static_cast<double>(w[i]);
      b.flops += per_output * static_cast<double>(ir::NumElements(y));
    } else if (op->type == "Gemm" || op->type == "MatMul") {
      const ir::Shape& a = op->input(0)->shape;
      const bool trans_a = op->GetInt("transA", 0) != 0;
      const double k = static_cast<double>(trans_a ? a[a.size() - 2] : a.back());
      b.flops += 2.0 * k * static_cast<double>(ir::NumElements(y));
    }
  }
  for (const auto& v : graph.values()) {
    if (v->is_constant) b.bytes += static_cast<double>(v->size_bytes());
  }
  for (const ir::Value* v : graph.inputs()) b.bytes += static_cast<double>(v->size_bytes());
  for (const ir::Value* v : graph.outputs()) b.bytes += static_cast<double>(v->size_bytes());
  return b;
}

class RooflineTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RooflineTest, EstimateIsNeverBelowTheRoofline) {
  const std::string path = "testdata/models/" + GetParam() + ".onnx";
  auto imported = onnx_frontend::ImportOnnxFile(path, {});
  ASSERT_TRUE(imported.ok()) << imported.status();
  const Bound bound = Roofline(*imported->graph);
  const target::CoreSpec& spec = target::NeuronCoreV2();
  // FP32 runs at a quarter of the 128x128 array's rate: 2 FLOP per MAC.
  const double peak_flops_per_ns =
      2.0 * spec.partitions * spec.matmul_max_stationary_free * spec.tensor_ghz / 4.0;
  const double hbm_bytes_per_ns = 410.0;  // GB/s per core = bytes/ns
  const double roofline_ns =
      std::max(bound.flops / peak_flops_per_ns, bound.bytes / hbm_bytes_per_ns);

  auto result = driver::CompileFile(path, {});
  ASSERT_TRUE(result.ok()) << result.status();
  const double estimate = result->report.estimated_latency_ns;
  std::printf("%s: %.3g FLOP, %.3g bytes, roofline %.1f us, estimate %.1f us (%.1fx)\n",
              GetParam().c_str(), bound.flops, bound.bytes, roofline_ns / 1000, estimate / 1000,
              estimate / roofline_ns);
  EXPECT_GE(estimate, roofline_ns);
}

INSTANTIATE_TEST_SUITE_P(Models, RooflineTest,
                         ::testing::Values("mlp", "mlp_matmul", "cnn", "cnn_wide"));

}  // namespace
}  // namespace ncc
