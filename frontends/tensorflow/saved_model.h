// A TensorFlow SavedModel directory -> the IR, through the GraphDef importer:
// DIR/saved_model.pb (or .pbtxt) holds MetaGraphs chosen by tag set, each
// with named signatures; DIR/variables/variables.* is the tensor bundle
// (bundle.h) holding the variables' values. The chosen signature's outputs
// are traced back through the graph; every variable read on the way (TF2
// resource variables: VarHandleOp + ReadVariableOp; TF1: VariableV2 /
// Variable) becomes a Const holding the bundle's tensor, which the restore
// graph (RestoreV2 + AssignVariableOp / Assign) names, else the variable's
// shared_name or node name. Inputs and outputs are named by the signature's
// keys. See docs/tensorflow.md.
#ifndef NCC_FRONTENDS_TENSORFLOW_SAVED_MODEL_H_
#define NCC_FRONTENDS_TENSORFLOW_SAVED_MODEL_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "frontends/frontend.h"
#include "frontends/tensorflow/proto/graph.pb.h"

namespace ncc::tensorflow_frontend {

// The tag set and signature used when ImportOptions gives none.
inline constexpr char kDefaultTag[] = "serve";
inline constexpr char kDefaultSignature[] = "serving_default";

// A signature's graph with its variables frozen.
struct FrozenSavedModel {
  // The nodes the outputs need, in the MetaGraph's order, each variable read
  // replaced by a Const of the same name; control inputs dropped (they order
  // side effects, such as the restore, that a compiled graph does not have).
  tfproto::GraphDef graph;
  // The graph's file ("DIR/saved_model.pb"), for messages.
  std::string origin;
  // The signature's tensors ("node:index") by key.
  std::map<std::string, std::string> inputs;
  std::map<std::string, std::string> outputs;
  // The tensors to compile: ImportOptions::outputs (keys or tensor names),
  // else the signature's outputs in key order.
  std::vector<std::string> output_tensors;
  // "TensorFlow SavedModel (tags {serve}, signature 'serving_default', ...)".
  std::string producer;
  int variables = 0;  // variables frozen into constants
};

// Reads DIR's SavedModel, picks the MetaGraph whose tag set equals
// options.tags (default {serve}) and the signature options.signature
// (default serving_default), and freezes the variables the outputs need.
// One-line errors starting with the file at fault: the tag sets or
// signatures available when the requested one is missing; UNIMPLEMENTED for
// graphs that call into the function library (TF2's StatefulPartitionedCall)
// and for variables neuron-cc cannot read; the bundle's errors (bundle.h).
absl::StatusOr<FrozenSavedModel> FreezeSavedModel(const std::string& dir,
                                                  const frontends::ImportOptions& options);

// FreezeSavedModel, then the GraphDef importer. --input-shape, --io-config
// and --freeze-input names may be signature keys or tensor names; the
// compiled graph's inputs and outputs are named by their keys.
absl::StatusOr<frontends::ImportedModel> ImportSavedModel(const std::string& dir,
                                                          const frontends::ImportOptions& options);

}  // namespace ncc::tensorflow_frontend

#endif  // NCC_FRONTENDS_TENSORFLOW_SAVED_MODEL_H_
