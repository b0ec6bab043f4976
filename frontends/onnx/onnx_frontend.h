// The ONNX frontend behind the framework-neutral interface (--framework ONNX):
// import.h reads the model, op_registry.h lists the operators.
#ifndef NCC_FRONTENDS_ONNX_ONNX_FRONTEND_H_
#define NCC_FRONTENDS_ONNX_ONNX_FRONTEND_H_

#include <string>

#include "frontends/frontend.h"

namespace ncc::onnx_frontend {

class OnnxFrontend : public frontends::Frontend {
 public:
  static const OnnxFrontend& Get();

  absl::string_view name() const override { return "ONNX"; }
  // Exactly one file: a serialized onnx.ModelProto.
  absl::StatusOr<frontends::ImportedModel> Import(
      absl::Span<const std::string> files, const frontends::ImportOptions& options) const override;
  std::string FormatOperatorTable() const override;
  std::string FormatOperatorJson() const override;
};

}  // namespace ncc::onnx_frontend

#endif  // NCC_FRONTENDS_ONNX_ONNX_FRONTEND_H_
