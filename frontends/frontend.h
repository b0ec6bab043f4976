// The framework-neutral frontend interface. A frontend reads one framework's
// model files into the graph IR; the driver and the tools know only this
// interface and find a frontend by its --framework name in registry.h.
// Adding a framework is adding a package that implements Frontend and one
// line in registry.cc.
#ifndef NCC_FRONTENDS_FRONTEND_H_
#define NCC_FRONTENDS_FRONTEND_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "compiler/ir/graph.h"
#include "frontends/options.h"

namespace ncc::frontends {

struct ImportedModel {
  std::unique_ptr<ir::Graph> graph;
  // Who wrote the model (e.g. ONNX's producer name and version); may be empty.
  std::string producer;
  // Things the user should know that are not errors, one line each (e.g.
  // "float64 is computed in float32").
  std::vector<std::string> notes;
  // Files the import read besides those it was given (a TF.js model's
  // weight shards): {name as the model refers to it, path}. The NEFF's
  // source digest covers them too.
  std::vector<std::pair<std::string, std::string>> also_read;
};

class Frontend {
 public:
  virtual ~Frontend() = default;

  // The --framework value as documented ("ONNX"); the registry matches it
  // case-insensitively. Recorded in the NEFF metadata.
  virtual absl::string_view name() const = 0;

  // Reads the model's files (one .onnx file; for other frameworks e.g. a
  // symbol file and a params file, or a SavedModel directory) into a graph
  // whose every shape is static. Errors are one line that starts with the
  // model's origin: INVALID_ARGUMENT / NOT_FOUND / DATA_LOSS for unreadable
  // or invalid models and unpinned dynamic shapes (naming the tensor and
  // dimension and how to pin it), and, when options.check_operator_support,
  // UNIMPLEMENTED listing every unsupported node at once.
  virtual absl::StatusOr<ImportedModel> Import(absl::Span<const std::string> files,
                                               const ImportOptions& options) const = 0;

  // `neuron-cc list-operators --framework NAME [--json]`: the table the
  // support check uses, for people and as JSON.
  virtual std::string FormatOperatorTable() const = 0;
  virtual std::string FormatOperatorJson() const = 0;
};

}  // namespace ncc::frontends

#endif  // NCC_FRONTENDS_FRONTEND_H_
