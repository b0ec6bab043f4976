// The MXNet operators neuron-cc compiles: one table, assembled from one list
// per op family (ops_*.cc), that drives both the importer's support check
// and `neuron-cc list-operators --framework MXNET`. Aliases (elemwise_add's
// _plus, _Plus, _add) are rows of their own, as MXNet writes either name.
#ifndef NCC_FRONTENDS_MXNET_OP_TABLE_H_
#define NCC_FRONTENDS_MXNET_OP_TABLE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "frontends/mxnet/convert.h"

namespace ncc::mxnet_frontend {

// One list per family, each in its ops_<family>.cc.
absl::Span<const MxnetOpSupport> NnOps();      // conv, dense, norms, pooling, activations
absl::Span<const MxnetOpSupport> MathOps();    // element-wise, scalar, reductions, batch_dot
absl::Span<const MxnetOpSupport> TensorOps();  // reshapes, slices, joins, casts

// Every op, sorted by name.
const std::vector<MxnetOpSupport>& MxnetSupportedOps();
// Null when `op` is not in the table.
const MxnetOpSupport* FindMxnetOp(absl::string_view op);

std::string FormatOperatorTable();
std::string FormatOperatorJson();

}  // namespace ncc::mxnet_frontend

#endif  // NCC_FRONTENDS_MXNET_OP_TABLE_H_
