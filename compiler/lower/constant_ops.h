// Ops whose result is known at compile time because every shape is static
// (Shape, Size) or because their inputs are constants (ConstantOfShape,
// Range): the value is computed by the compiler, stored with the weights,
// and copied to the output by DMA. The constant-folding pass usually removes
// them first; these lowerings cover graphs where they reach the backend
// (e.g. as model outputs).
#ifndef NCC_COMPILER_LOWER_CONSTANT_OPS_H_
#define NCC_COMPILER_LOWER_CONSTANT_OPS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/lower_context.h"

namespace ncc::lower {

absl::Status CheckComputedConstant(const ir::Op& op);
absl::Status LowerComputedConstant(const ir::Op& op, LowerContext& ctx);

// A weights tensor holding `values` converted to `dtype`.
DramTensor WeightsFromDoubles(LowerContext& ctx, const std::string& name, ir::DType dtype,
                              const ir::Shape& shape, const std::vector<double>& values);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_CONSTANT_OPS_H_
