// Pipelined NEFFs for the runtime's tests (testonly): small single-core
// stage programs from neff::test_builder, wrapped as stages of a NEFF 1.0
// file with neff::Writer. The stage NEFFs are unsealed (test_builder does
// not seal), so loads need allow_unsealed; the top-level file is sealed.
#ifndef NCC_RUNTIME_TEST_PIPELINES_H_
#define NCC_RUNTIME_TEST_PIPELINES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "neff/writer.h"

namespace ncc::runtime::test_pipelines {

// y = x * scale + bias for x, y: f32 [rows, cols] (rows <= 128, cols <= 2048),
// named `x` and `y`.
std::string ScaleBiasNeff(float scale, float bias, int rows = 2, int cols = 4,
                          const std::string& x = "x", const std::string& y = "y");
// z = a - b for f32 [rows, cols] tensors named `a`, `b` and `z`.
std::string SubtractNeff(int rows = 2, int cols = 4, const std::string& a = "a",
                         const std::string& b = "b", const std::string& z = "z");
// y = x + adds, as `adds` Vector instructions, for x, y: f32 [128, 512]: a
// stage that takes a while to simulate (exact for small integers).
std::string SlowAddNeff(int adds, const std::string& x = "x", const std::string& y = "y");

// y = x + w for x, y: f32 [2, 4] and w the 8 given weights, which a load
// queue copies into SBUF once at load (NEFF 1.0): a single-core model that
// keeps state on its NeuronCore.
std::string ResidentWeightsNeff(const std::vector<float>& w);

struct Stage {
  std::string neff;
  std::vector<neff::TensorSourceSpec> inputs;  // one per input of `neff`
};

// A pipelined NEFF: the model's inputs and outputs (f32 [rows, cols] each,
// by name), its stages and where each output comes from.
std::string PipelineNeff(const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs, const std::vector<Stage>& stages,
                         const std::vector<neff::TensorSourceSpec>& output_sources, int rows = 2,
                         int cols = 4);

// x -> [stage 0: h = 2x + 1] -> [stage 1: y = 3h - 1] -> y; so y = 6x + 2.
std::vector<Stage> TwoStages();
std::string TwoStagePipeline();

// Four stages, one of them reading a non-adjacent earlier stage and the
// model input, and a model output taken from stage 0:
//   stage 0: h0 = 2x + 1        (x)
//   stage 1: h1 = 3 * h0        (stage 0)
//   stage 2: h2 = h1 - h0       (stage 1, stage 0)    = 4x + 2
//   stage 3: y  = h2 - x        (stage 2, model input) = 3x + 2
// Outputs: y (stage 3) and h0 (stage 0).
std::vector<Stage> FourStages();
std::string FourStagePipeline();

}  // namespace ncc::runtime::test_pipelines

#endif  // NCC_RUNTIME_TEST_PIPELINES_H_
