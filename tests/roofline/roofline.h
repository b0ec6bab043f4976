// A roofline bound on a model's device time, computed from the graph alone
// (independently of the compiler's lowering and cost model): its matmul and
// convolution FLOPs at TensorE's FP32 peak, or the bytes that must cross HBM
// at least once (constants, inputs, outputs), whichever is longer.
#ifndef NCC_TESTS_ROOFLINE_ROOFLINE_H_
#define NCC_TESTS_ROOFLINE_ROOFLINE_H_

#include "compiler/ir/graph.h"
#include "target/neuroncore.h"

namespace ncc::roofline {

struct Bound {
  double flops = 0;
  double bytes = 0;
};

Bound Count(const ir::Graph& graph);

// FP32 runs at a quarter of the 128x128 array's rate (2 FLOP per MAC); HBM
// moves 410 GB/s per core.
double BoundNs(const Bound& bound, const target::CoreSpec& spec);

}  // namespace ncc::roofline

#endif  // NCC_TESTS_ROOFLINE_ROOFLINE_H_
