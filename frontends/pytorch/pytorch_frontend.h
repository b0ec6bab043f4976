// The PyTorch frontend behind the framework-neutral interface (--framework
// PYTORCH): torchscript.h reads and flattens the archive, interpreter.h turns
// the graph into the IR, op_table.h lists the operators.
#ifndef NCC_FRONTENDS_PYTORCH_PYTORCH_FRONTEND_H_
#define NCC_FRONTENDS_PYTORCH_PYTORCH_FRONTEND_H_

#include <string>

#include "frontends/frontend.h"

namespace ncc::pytorch_frontend {

class PytorchFrontend : public frontends::Frontend {
 public:
  static const PytorchFrontend& Get();

  absl::string_view name() const override { return "PYTORCH"; }
  // Exactly one file: a TorchScript archive (torch.jit.save). Inputs are
  // named by forward's argument names; input0, input1, ... name them by
  // position too. Outputs are output0, output1, ... in the order forward
  // returns them (tuples and lists flattened).
  absl::StatusOr<frontends::ImportedModel> Import(
      absl::Span<const std::string> files, const frontends::ImportOptions& options) const override;
  std::string FormatOperatorTable() const override;
  std::string FormatOperatorJson() const override;
};

// Import() on an archive already in memory (`origin` names it in messages);
// the fuzz target's entry point.
absl::StatusOr<frontends::ImportedModel> ImportTorchScriptBytes(
    const std::string& bytes, absl::string_view origin, const frontends::ImportOptions& options);

}  // namespace ncc::pytorch_frontend

#endif  // NCC_FRONTENDS_PYTORCH_PYTORCH_FRONTEND_H_
