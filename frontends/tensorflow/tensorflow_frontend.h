// The TensorFlow frontend behind the framework-neutral interface
// (--framework TENSORFLOW): graphdef_import.h reads a frozen GraphDef into the
// IR, op_table.h lists the operators. See docs/tensorflow.md.
#ifndef NCC_FRONTENDS_TENSORFLOW_TENSORFLOW_FRONTEND_H_
#define NCC_FRONTENDS_TENSORFLOW_TENSORFLOW_FRONTEND_H_

#include <string>

#include "frontends/frontend.h"

namespace ncc::tensorflow_frontend {

class TensorflowFrontend : public frontends::Frontend {
 public:
  static const TensorflowFrontend& Get();

  absl::string_view name() const override { return "TENSORFLOW"; }
  // Exactly one file: a frozen GraphDef, binary (.pb) or text (.pbtxt), or a
  // TF.js graph model's model.json (any name ending in .json; tfjs_model.h),
  // or a SavedModel directory (saved_model.h; options.tags and .signature
  // choose its graph; signature keys name the inputs and outputs).
  // Tensors are named node:index; placeholders are the inputs; the outputs
  // are ImportOptions::outputs or else every node output nothing reads.
  absl::StatusOr<frontends::ImportedModel> Import(
      absl::Span<const std::string> files, const frontends::ImportOptions& options) const override;
  std::string FormatOperatorTable() const override;
  std::string FormatOperatorJson() const override;
};

// Import() on a GraphDef already in memory (`text`: the text format;
// `origin` names it in messages); the fuzz target's entry point.
absl::StatusOr<frontends::ImportedModel> ImportGraphDefBytes(
    const std::string& bytes, bool text, absl::string_view origin,
    const frontends::ImportOptions& options);

}  // namespace ncc::tensorflow_frontend

#endif  // NCC_FRONTENDS_TENSORFLOW_TENSORFLOW_FRONTEND_H_
