// The TensorFlow operators neuron-cc compiles: one table, assembled from one
// list per op family (ops_*.cc), that drives both the importer's support check
// and `neuron-cc list-operators --framework TENSORFLOW`.
#ifndef NCC_FRONTENDS_TENSORFLOW_OP_TABLE_H_
#define NCC_FRONTENDS_TENSORFLOW_OP_TABLE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "frontends/tensorflow/convert.h"

namespace ncc::tensorflow_frontend {

// One list per family, each in its ops_<family>.cc.
absl::Span<const TensorflowOpSupport> NnOps();
absl::Span<const TensorflowOpSupport> MathOps();
absl::Span<const TensorflowOpSupport> ArrayOps();

// Every op, sorted by name.
const std::vector<TensorflowOpSupport>& TensorflowSupportedOps();
// Null when `op` is not in the table.
const TensorflowOpSupport* FindTensorflowOp(absl::string_view op);

std::string FormatOperatorTable();
std::string FormatOperatorJson();

}  // namespace ncc::tensorflow_frontend

#endif  // NCC_FRONTENDS_TENSORFLOW_OP_TABLE_H_
