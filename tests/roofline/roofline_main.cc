// roofline MODEL.onnx: prints the model's roofline bound in microseconds
// (tests/roofline/roofline.h), for scripts that compare it with an estimate.
// roofline --flops MODEL.onnx: prints the FLOPs of its Conv, Gemm and
// MatMul ops (2 per multiply-add), for utilisation figures.
#include <cstdio>
#include <string>

#include "frontends/onnx/import.h"
#include "tests/roofline/roofline.h"

int main(int argc, char** argv) {
  const bool flops = argc == 3 && std::string(argv[1]) == "--flops";
  if (argc != 2 && !flops) {
    std::fprintf(stderr, "usage: roofline [--flops] MODEL.onnx\n");
    return 1;
  }
  auto imported = ncc::onnx_frontend::ImportOnnxFile(argv[argc - 1], {});
  if (!imported.ok()) {
    std::fprintf(stderr, "roofline: %s\n", std::string(imported.status().message()).c_str());
    return 2;
  }
  const ncc::roofline::Bound bound = ncc::roofline::Count(*imported->graph);
  if (flops) {
    std::printf("%.0f\n", bound.flops);
    return 0;
  }
  std::printf("%.1f\n", ncc::roofline::BoundNs(bound, ncc::target::NeuronCoreV2()) / 1000);
  return 0;
}
