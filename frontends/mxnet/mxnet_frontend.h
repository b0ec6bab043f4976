// The MXNet frontend behind the framework-neutral interface (--framework
// MXNET): symbol.h reads prefix-symbol.json, params.h prefix-NNNN.params,
// symbol_import.h builds the IR, op_table.h lists the operators. See
// docs/mxnet.md.
#ifndef NCC_FRONTENDS_MXNET_MXNET_FRONTEND_H_
#define NCC_FRONTENDS_MXNET_MXNET_FRONTEND_H_

#include <string>

#include "frontends/frontend.h"

namespace ncc::mxnet_frontend {

class MxnetFrontend : public frontends::Frontend {
 public:
  static const MxnetFrontend& Get();

  absl::string_view name() const override { return "MXNET"; }
  // Two files, the symbol (a name ending in .json) and its params file, in
  // either order; or the symbol alone when it has no parameters. Inputs are
  // the variables without an array in the params file; outputs are the
  // heads, named <node>_output (ImportOptions::outputs may pick any node
  // output by that name).
  absl::StatusOr<frontends::ImportedModel> Import(
      absl::Span<const std::string> files, const frontends::ImportOptions& options) const override;
  std::string FormatOperatorTable() const override;
  std::string FormatOperatorJson() const override;
};

}  // namespace ncc::mxnet_frontend

#endif  // NCC_FRONTENDS_MXNET_MXNET_FRONTEND_H_
