// Recurrent layers: aten::lstm and aten::gru.
#include "frontends/pytorch/op_table.h"
#include "frontends/pytorch/ops_util.h"

namespace ncc::pytorch_frontend {

absl::Span<const TorchOpSupport> RecurrentOps() { return {}; }

}  // namespace ncc::pytorch_frontend
