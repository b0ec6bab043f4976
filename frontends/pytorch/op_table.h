// The TorchScript operators neuron-cc compiles: one table, assembled from one
// list per op family (ops_*.cc), that drives both the importer's support check
// and `neuron-cc list-operators --framework PYTORCH`.
//
// Only nodes whose result depends on runtime data need a converter. Nodes
// computed from constants and shapes alone (weight transposes, `x.size(1)`,
// `torch.arange(8)`) are evaluated by libtorch at compile time, whatever their
// kind. An in-place variant (`aten::relu_`) uses its out-of-place converter.
#ifndef NCC_FRONTENDS_PYTORCH_OP_TABLE_H_
#define NCC_FRONTENDS_PYTORCH_OP_TABLE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "frontends/pytorch/convert.h"

namespace ncc::pytorch_frontend {

// One list per family, each in its ops_<family>.cc.
absl::Span<const TorchOpSupport> ElementwiseOps();
absl::Span<const TorchOpSupport> NnOps();
absl::Span<const TorchOpSupport> TensorOps();
absl::Span<const TorchOpSupport> ReduceOps();
absl::Span<const TorchOpSupport> RecurrentOps();
absl::Span<const TorchOpSupport> TransformerOps();
// Structure the interpreter resolves itself (constants, containers, static
// control flow): listed for users, no converter.
absl::Span<const TorchOpSupport> StructuralOps();

// Every op, sorted by kind.
const std::vector<TorchOpSupport>& TorchSupportedOps();
// Null when `kind` has no converter (an in-place `aten::foo_` finds `aten::foo`).
const TorchOpSupport* FindTorchOp(absl::string_view kind);

std::string FormatOperatorTable();
std::string FormatOperatorJson();

}  // namespace ncc::pytorch_frontend

#endif  // NCC_FRONTENDS_PYTORCH_OP_TABLE_H_
