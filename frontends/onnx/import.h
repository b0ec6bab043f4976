// Reads an ONNX model (a serialized onnx.ModelProto) into the compiler's graph
// IR. The importer pins input shapes, runs the ONNX checker and shape
// inference, checks every node against the operator registry (all
// unsupported nodes in one UNIMPLEMENTED status), and rejects any tensor whose shape is not static,
// naming the tensor and dimension and saying how to pin it. ONNX errors and exceptions never
// escape: everything comes back as an absl::Status whose message is one line that starts with the
// model's origin (its path).
#ifndef NCC_FRONTENDS_ONNX_IMPORT_H_
#define NCC_FRONTENDS_ONNX_IMPORT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/dtype.h"
#include "compiler/ir/graph.h"
#include "frontends/options.h"

namespace ncc::onnx_frontend {

// The framework-neutral options (frontends/options.h), under the names the
// importer's callers have always used.
using FrozenInput = frontends::FrozenInput;
using ImportOptions = frontends::ImportOptions;

struct ImportedModel {
  std::unique_ptr<ir::Graph> graph;
  // Opset version of the default ("" / "ai.onnx") domain.
  int64_t opset = 0;
  // ModelProto.producer_name, plus " " + producer_version when set.
  std::string producer;
  // Things the user should know that are not errors, one line each (e.g.
  // "float64 is computed in float32").
  std::vector<std::string> notes;
};

// Reads and imports the file at `path`; messages start with "<path>: ".
absl::StatusOr<ImportedModel> ImportOnnxFile(const std::string& path, const ImportOptions& options);

// Imports a serialized ModelProto; `origin` names it in messages.
absl::StatusOr<ImportedModel> ImportOnnxBytes(absl::string_view bytes, std::string origin,
                                              const ImportOptions& options);

}  // namespace ncc::onnx_frontend

#endif  // NCC_FRONTENDS_ONNX_IMPORT_H_
