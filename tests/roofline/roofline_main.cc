// roofline MODEL.onnx: prints the model's roofline bound in microseconds
// (tests/roofline/roofline.h), for scripts that compare it with an estimate.
#include <cstdio>

#include "frontends/onnx/import.h"
#include "tests/roofline/roofline.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: roofline MODEL.onnx\n");
    return 1;
  }
  auto imported = ncc::onnx_frontend::ImportOnnxFile(argv[1], {});
  if (!imported.ok()) {
    std::fprintf(stderr, "roofline: %s\n", std::string(imported.status().message()).c_str());
    return 2;
  }
  const ncc::roofline::Bound bound = ncc::roofline::Count(*imported->graph);
  std::printf("%.1f\n", ncc::roofline::BoundNs(bound, ncc::target::NeuronCoreV2()) / 1000);
  return 0;
}
