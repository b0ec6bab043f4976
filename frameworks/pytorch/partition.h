// Splitting a traced TorchScript model between the NeuronCore and the CPU
// (torch.neuron.trace / analyze_model).
//
// The model's forward is flattened as the PyTorch frontend does (freezing,
// inlining, constant propagation) and run once by the frontend's interpreter
// on the example inputs' shapes and dtypes. That run decides, node by node,
// what the compiler can take: nodes computed from constants and shapes alone
// become constants of the graph (the graph is specialised to the example
// shapes, as every NEFF is), nodes the frontend converts are NeuronCore
// candidates, and the rest (unsupported ops, numbers read from tensor data,
// control flow on data) stay on the CPU.
//
// Candidates are then grouped into sections: maximal sets of nodes that are
// convex (no path leaves a section and comes back into it through a CPU
// node, so the sections and the CPU nodes still form a DAG), whose inputs and
// outputs are tensors, and which hold at least `minimum_segment_size`
// operators. Each section becomes one NEFF (trace.h).
#ifndef NCC_FRAMEWORKS_PYTORCH_PARTITION_H_
#define NCC_FRAMEWORKS_PYTORCH_PARTITION_H_

#include <torch/script.h>

#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "frontends/pytorch/torchscript.h"

namespace ncc::torch_neuron {

enum class Placement { kConstant, kNeuron, kCpu };

// One node of the flattened graph's top-level block, in graph order.
struct NodePlan {
  torch::jit::Node* node = nullptr;
  std::string kind;      // "aten::conv2d"
  std::string location;  // the user's source line when the archive kept it
  // An operator: counted in the op table and in section sizes. Constants and
  // prim:: structure (lists, tuples) are not.
  bool is_operator = false;
  // Whether the compiler can take the node at all (before partitioning).
  bool supported = false;
  Placement placement = Placement::kCpu;
  std::string reason;  // why it stays on the CPU
  int section = -1;
};

struct TensorMeta {
  at::ScalarType dtype = at::kFloat;
  std::vector<int64_t> sizes;
};

struct Section {
  std::vector<torch::jit::Node*> nodes;        // in graph order
  std::vector<torch::jit::Value*> inputs;      // runtime tensors defined outside
  std::vector<torch::jit::Value*> outputs;     // values used outside
  int64_t operators = 0;
};

struct PartitionOptions {
  int64_t minimum_segment_size = 2;
  // Indices into Plan::nodes that the caller puts on the CPU
  // (subgraph_builder_function); the indices analyze_model reported.
  std::set<int64_t> cpu_nodes;
};

struct Plan {
  // The frozen module; its forward flattened and specialised to the example
  // shapes is `model.graph`, which the nodes below belong to.
  pytorch_frontend::TorchScriptModel model;
  std::vector<NodePlan> nodes;
  std::vector<Section> sections;
  // The example dtype and shape of every runtime tensor of the graph.
  std::unordered_map<const torch::jit::Value*, TensorMeta> tensors;
  std::vector<std::string> notes;
};

// `archive` is a TorchScript archive (torch.jit.save of the traced module);
// `origin` prefixes messages. INVALID_ARGUMENT when the example inputs do not
// fit forward (count, or an error running the graph on them).
absl::StatusOr<Plan> PlanPartition(const std::string& archive, const std::string& origin,
                                   const std::vector<at::Tensor>& example_inputs,
                                   const PartitionOptions& options);

// Puts section `index` back on the CPU (its compilation failed), with `why`.
void MoveSectionToCpu(Plan& plan, int index, const std::string& why);

// The percentage of operators placed on the NeuronCore.
double NeuronPercent(const Plan& plan);

// The plan as JSON: {"nodes": [{index, kind, location, operator, supported,
// placement, reason, section}], "sections": [{index, operators, inputs,
// outputs}], "neuron_percent", "notes"}. torch_neuron's Python side prints
// the op table from it.
std::string PlanJson(const Plan& plan);

}  // namespace ncc::torch_neuron

#endif  // NCC_FRAMEWORKS_PYTORCH_PARTITION_H_
