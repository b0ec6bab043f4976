// The model's runtime inputs before shape inference: frozen inputs become
// initializers, --input-shape / --io-config pins are applied, and every
// remaining input must be static. Also the shape helpers the importer's
// messages share.
#ifndef NCC_FRONTENDS_ONNX_GRAPH_INPUTS_H_
#define NCC_FRONTENDS_ONNX_GRAPH_INPUTS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "frontends/onnx/import.h"
#include "onnx/onnx_pb.h"

namespace ncc::onnx_frontend {

// Graph inputs that are not initializers.
std::vector<onnx::ValueInfoProto*> RuntimeInputs(onnx::ModelProto& model,
                                                 const std::set<std::string>& initializers);

// Turns each frozen graph input into an initializer of the same name (and adds it to
// `initializers`). From IR version 4 an initializer needs no graph input, and one that has one
// would be an overridable default, so the input is removed; older models keep it (their checker
// requires it) and RuntimeInputs skips it.
absl::Status FreezeInputs(const std::map<std::string, FrozenInput>& frozen_inputs,
                          onnx::ModelProto& model, std::set<std::string>& initializers);

// Checks the dtype pins and writes the shape pins into the inputs' types.
absl::Status ApplyPins(const ImportOptions& options, onnx::ModelProto& model,
                       const std::set<std::string>& initializers);

// Every runtime input must have a static shape; the message says how to pin each one that
// does not.
absl::Status CheckStaticInputs(onnx::ModelProto& model, const std::set<std::string>& initializers);

// "[1,batch,?]".
std::string DescribeShape(const onnx::TensorShapeProto& shape);

// Zero is static: a zero-size tensor holds no data, so constant propagation replaces what
// computes one, and the importer rejects the rest.
bool IsStatic(const onnx::TensorShapeProto_Dimension& dim);

// "dimension 0 ('batch')" or "dimensions 0 ('batch'), 2 (unnamed)"; empty when every dimension
// is static.
std::string DynamicDims(const onnx::TensorShapeProto& shape);

}  // namespace ncc::onnx_frontend

#endif  // NCC_FRONTENDS_ONNX_GRAPH_INPUTS_H_
