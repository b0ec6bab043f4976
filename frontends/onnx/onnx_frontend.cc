#include "frontends/onnx/onnx_frontend.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "frontends/onnx/import.h"
#include "frontends/onnx/op_registry.h"

namespace ncc::onnx_frontend {

const OnnxFrontend& OnnxFrontend::Get() {
  static const auto* const kFrontend = new OnnxFrontend;
  return *kFrontend;
}

absl::StatusOr<frontends::ImportedModel> OnnxFrontend::Import(
    absl::Span<const std::string> files, const frontends::ImportOptions& options) const {
  if (files.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("an ONNX model is one .onnx file, got ", files.size(), " files"));
  }
  const std::string& path = files[0];
  if (!options.tags.empty() || !options.signature.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": --tags and --signature choose a graph of a TensorFlow SavedModel; an ONNX model "
              "has one graph"));
  }
  auto imported = ImportOnnxFile(path, options);
  if (!imported.ok()) return imported.status();
  frontends::ImportedModel model;
  model.graph = std::move(imported->graph);
  model.producer = std::move(imported->producer);
  model.notes = std::move(imported->notes);
  return model;
}

std::string OnnxFrontend::FormatOperatorTable() const {
  return onnx_frontend::FormatOperatorTable();
}

std::string OnnxFrontend::FormatOperatorJson() const { return onnx_frontend::FormatOperatorJson(); }

}  // namespace ncc::onnx_frontend
