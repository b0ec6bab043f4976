// Einsum equations ("bij,bjk->bik", "...ii->...i", "i,i") resolved against
// the shapes of their operands: one label per operand dimension, the
// output's labels (explicit, or implicit: the broadcast dimensions, then the
// letters that occur once, alphabetically) and every label's size. Shared by
// the ONNX importer (output shapes) and the lowering.
#ifndef NCC_COMPILER_IR_EINSUM_EQUATION_H_
#define NCC_COMPILER_IR_EINSUM_EQUATION_H_

#include <map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/dtype.h"

namespace ncc::ir {

struct EinsumEquation {
  // Letters are labels by their character code; the dimensions that "..."
  // covers are labels kEllipsis + i, right-aligned across operands as NumPy
  // broadcasts them.
  static constexpr int kEllipsis = 256;

  std::vector<std::vector<int>> inputs;  // one label per operand dimension
  std::vector<int> output;
  std::map<int, int64_t> sizes;  // a size-1 dimension broadcasts

  Shape OutputShape() const;
};

// An INVALID_ARGUMENT error names the equation and what is wrong with it,
// in one line ("equation 'ij->q': output label 'q' is not in any input").
absl::StatusOr<EinsumEquation> ParseEinsum(absl::string_view equation,
                                           const std::vector<Shape>& shapes);

}  // namespace ncc::ir

#endif  // NCC_COMPILER_IR_EINSUM_EQUATION_H_
