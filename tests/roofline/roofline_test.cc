// The compiler's latency estimate must never beat physics: for each test
// model it must be at least the roofline bound computed independently from
// the graph's FLOPs (TensorE peak) and the bytes that must cross HBM at least
// once (weights, inputs, outputs). An estimate below it would mean the cost
// model or the schedule is wrong.
#include "tests/roofline/roofline.h"

#include <gtest/gtest.h>

#include <string>

#include "compiler/driver/compile.h"
#include "frontends/onnx/import.h"
#include "target/neuroncore.h"

namespace ncc {
namespace {

class RooflineTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RooflineTest, EstimateIsNeverBelowTheRoofline) {
  const std::string path = "testdata/models/" + GetParam() + ".onnx";
  auto imported = onnx_frontend::ImportOnnxFile(path, {});
  ASSERT_TRUE(imported.ok()) << imported.status();
  const roofline::Bound bound = roofline::Count(*imported->graph);
  const double roofline_ns = roofline::BoundNs(bound, target::NeuronCoreV2());

  auto result = driver::CompileFile({path}, "ONNX", {});
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
