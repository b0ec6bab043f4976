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

namespace ncc::onnx_frontend {

// A graph input fixed at compile time (neuron-cc --freeze-input): it becomes
// an initializer before constant propagation and shape inference, so the
// shapes and parameters derived from it are static, and it is no longer an
// input of the compiled program.
struct FrozenInput {
  ir::DType dtype = ir::DType::kF32;
  ir::Shape shape;
  std::vector<uint8_t> data;  // little-endian, row-major
};

struct ImportOptions {
  // Pins graph input shapes (from --input-shape / --io-config). A pin must
  // name a graph input and match its rank.
  std::map<std::string, std::vector<int64_t>> input_shapes;
  // Optional dtypes (from --io-config); a mismatch with the model is an error.
  std::map<std::string, ir::DType> input_dtypes;
  // Graph inputs to freeze. Each must name a graph input and match its
  // declared dtype and shape (a dynamic dimension takes any size).
  std::map<std::string, FrozenInput> frozen_inputs;
  // When non-empty, these tensors become the graph outputs, in this order,
  // and ops that do not feed them are dropped.
  std::vector<std::string> outputs;
  // Checks every node against the operator registry (op_registry.h) and
  // reports all unsupported ones at once as UNIMPLEMENTED. Off only for tools
  // and tests that want the graph of a model neuron-cc cannot compile.
  bool check_operator_support = true;
};

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
