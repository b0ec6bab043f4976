// Fused transformer ops a trace records in eval mode, decomposed.
#include "frontends/pytorch/op_table.h"
#include "frontends/pytorch/ops_util.h"

namespace ncc::pytorch_frontend {

absl::Span<const TorchOpSupport> TransformerOps() { return {}; }

}  // namespace ncc::pytorch_frontend
