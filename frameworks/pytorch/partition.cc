#include "frameworks/pytorch/partition.h"

#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "frontends/pytorch/convert.h"
#include "frontends/pytorch/interpreter.h"
#include "nlohmann/json.hpp"
#include "text/printable.h"

namespace ncc::torch_neuron {
namespace {

using torch::jit::Node;
using torch::jit::Value;

// What the interpreter found for one top-level node.
struct Outcome {
  std::vector<bool> runtime;             // per output
  std::vector<c10::IValue> values;       // per output; compile-time ones only
  std::vector<std::optional<TensorMeta>> metas;  // per output; runtime tensors only
  std::string reason;                    // unsupported, when set
};

// A compile-time value that later in-place nodes cannot change.
c10::IValue Snapshot(const c10::IValue& value) {
  if (value.isTensor()) return value.toTensor().detach().clone();
  if (value.isTensorList()) {
    c10::List<at::Tensor> out;
    for (const at::Tensor& t : value.toTensorVector()) out.push_back(t.detach().clone());
    return out;
  }
  return value;
}

std::optional<TensorMeta> MetaOf(const c10::IValue& value) {
  if (!value.isTensor() || !value.toTensor().defined()) return std::nullopt;
  const at::Tensor& t = value.toTensor();
  if (t.is_nested()) return std::nullopt;
  return TensorMeta{t.scalar_type(), t.sizes().vec()};
}

bool IsInPlace(absl::string_view kind) {
  return absl::EndsWith(kind, "_") && !absl::EndsWith(kind, "__");
}

// A set of node indices.
class Bits {
 public:
  explicit Bits(size_t n = 0) : words_((n + 63) / 64, 0) {}
  void Set(size_t i) { words_[i / 64] |= uint64_t{1} << (i % 64); }
  bool Get(size_t i) const { return (words_[i / 64] >> (i % 64)) & 1; }
  void Or(const Bits& other) {
    for (size_t w = 0; w < words_.size(); ++w) words_[w] |= other.words_[w];
  }
  // (a | b) & (c | d) & ~(e | f) is not empty.
  static bool AnyOutside(const Bits& a, const Bits& b, const Bits& c, const Bits& d,
                         const Bits& e, const Bits& f) {
    for (size_t w = 0; w < a.words_.size(); ++w) {
      if ((a.words_[w] | b.words_[w]) & (c.words_[w] | d.words_[w]) &
          ~(e.words_[w] | f.words_[w])) {
        return true;
      }
    }
    return false;
  }

 private:
  std::vector<uint64_t> words_;
};

struct Cluster {
  Bits members, desc, anc;
  std::vector<size_t> nodes;  // indices, unordered until sorted
  bool alive = true;
};

// Values `node` reads that are defined in the graph's top-level block (or
// are graph inputs), including reads from inside its sub-blocks.
void OuterUses(Node* node, const torch::jit::Block* top, std::vector<Value*>* out) {
  for (Value* v : node->inputs()) {
    if (v->node()->owningBlock() == top) out->push_back(v);
  }
  for (torch::jit::Block* b : node->blocks()) {
    for (Node* inner : b->nodes()) OuterUses(inner, top, out);
    for (Value* v : b->outputs()) {
      if (v->node()->owningBlock() == top) out->push_back(v);
    }
  }
}

class Partitioner {
 public:
  Partitioner(Plan& plan, const PartitionOptions& options) : plan_(plan), options_(options) {}

  void Run() {
    auto& graph = *plan_.model.graph;
    const torch::jit::Block* top = graph.block();
    for (Node* n : graph.nodes()) {
      index_[n] = nodes_.size();
      nodes_.push_back(n);
    }
    const size_t n = nodes_.size();
    preds_.assign(n, {});
    succs_.assign(n, {});
    for (size_t i = 0; i < n; ++i) {
      std::vector<Value*> uses;
      OuterUses(nodes_[i], top, &uses);
      for (Value* v : uses) {
        auto it = index_.find(v->node());
        if (it == index_.end() || plan_.nodes[it->second].placement == Placement::kConstant) {
          continue;
        }
        preds_[i].push_back(it->second);
        succs_[it->second].push_back(i);
      }
    }
    desc_.assign(n, Bits(n));
    anc_.assign(n, Bits(n));
    for (size_t i = 0; i < n; ++i) {
      for (size_t p : preds_[i]) {
        anc_[i].Set(p);
        anc_[i].Or(anc_[p]);
      }
    }
    for (size_t i = n; i-- > 0;) {
      for (size_t s : succs_[i]) {
        desc_[i].Set(s);
        desc_[i].Or(desc_[s]);
      }
    }
    // Grouping can only shrink the candidate set, so this ends.
    while (true) {
      Group();
      if (!EvictBoundaryViolations()) break;
    }
    Finish();
  }

 private:
  bool Candidate(size_t i) const { return plan_.nodes[i].placement == Placement::kNeuron; }

  void Group() {
    const size_t n = nodes_.size();
    clusters_.clear();
    cluster_of_.assign(n, -1);
    for (size_t i = 0; i < n; ++i) {
      if (!Candidate(i)) continue;
      Cluster c;
      c.members = Bits(n);
      c.members.Set(i);
      c.desc = desc_[i];
      c.anc = anc_[i];
      c.nodes = {i};
      cluster_of_[i] = static_cast<int>(clusters_.size());
      clusters_.push_back(std::move(c));
    }
    // Along edges first (producer into consumer), then any two clusters that
    // can still become one (independent branches).
    for (size_t i = 0; i < n; ++i) {
      if (!Candidate(i)) continue;
      for (size_t p : preds_[i]) {
        if (Candidate(p)) TryMerge(cluster_of_[p], cluster_of_[i]);
      }
    }
    for (size_t a = 0; a < clusters_.size(); ++a) {
      for (size_t b = a + 1; b < clusters_.size(); ++b) {
        if (clusters_[a].alive && clusters_[b].alive) TryMerge(static_cast<int>(a), static_cast<int>(b));
      }
    }
  }

  // Merges b into a when the result stays convex: no node outside both is
  // reachable from them and reaches them.
  void TryMerge(int a, int b) {
    if (a == b) return;
    Cluster& ca = clusters_[a];
    Cluster& cb = clusters_[b];
    if (Bits::AnyOutside(ca.desc, cb.desc, ca.anc, cb.anc, ca.members, cb.members)) return;
    ca.members.Or(cb.members);
    ca.desc.Or(cb.desc);
    ca.anc.Or(cb.anc);
    for (size_t i : cb.nodes) {
      cluster_of_[i] = a;
      ca.nodes.push_back(i);
    }
    cb.nodes.clear();
    cb.alive = false;
  }

  bool InCluster(const Value* v, int cluster) const {
    auto it = index_.find(v->node());
    return it != index_.end() && cluster_of_[it->second] == cluster;
  }

  bool FromConstant(const Value* v) const {
    auto it = index_.find(v->node());
    return it != index_.end() && plan_.nodes[it->second].placement == Placement::kConstant;
  }

  bool IsRuntimeTensor(const Value* v) const {
    return v->type()->kind() == c10::TypeKind::TensorType && plan_.tensors.count(v) > 0;
  }

  void Evict(size_t i, std::string reason) {
    NodePlan& node = plan_.nodes[i];
    if (node.placement != Placement::kNeuron) return;
    node.placement = Placement::kCpu;
    node.reason = std::move(reason);
  }

  static std::string Describe(const Value* v) {
    return absl::StrCat(text::PrintableName(v->type()->annotation_str()), " %",
                        text::PrintableName(v->debugName()));
  }

  // Sections exchange tensors only, and never update the CPU part's tensors
  // in place. Returns whether a node was moved to the CPU.
  bool EvictBoundaryViolations() {
    bool evicted = false;
    const torch::jit::Block* top = plan_.model.graph->block();
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (!Candidate(i)) continue;
      const int c = cluster_of_[i];
      Node* node = nodes_[i];
      std::vector<Value*> uses;
      OuterUses(node, top, &uses);
      for (const Value* v : uses) {
        if (InCluster(v, c) || FromConstant(v) || IsRuntimeTensor(v)) continue;
        Evict(i, absl::StrCat("takes ", Describe(v),
                              " from the CPU part, and sections take tensors only"));
        evicted = true;
        break;
      }
      if (!Candidate(i)) continue;
      if (IsInPlace(plan_.nodes[i].kind) && !node->inputs().empty() &&
          !InCluster(node->inputs()[0], c)) {
        Evict(i, "updates a tensor of the CPU part in place");
        evicted = true;
        continue;
      }
      for (const Value* out : node->outputs()) {
        bool used_outside = false;
        for (const torch::jit::Use& use : out->uses()) {
          const Node* user = use.user;
          while (user->owningBlock() != top) user = user->owningBlock()->owningNode();
          auto it = index_.find(user);
          if (it == index_.end() || cluster_of_[it->second] != c) used_outside = true;
        }
        if (used_outside && !IsRuntimeTensor(out)) {
          Evict(i, absl::StrCat("gives ", Describe(out),
                                " to the CPU part, and sections return tensors only"));
          evicted = true;
          break;
        }
      }
    }
    return evicted;
  }

  void Finish() {
    const torch::jit::Block* top = plan_.model.graph->block();
    std::vector<Section> sections;
    for (Cluster& c : clusters_) {
      if (!c.alive || c.nodes.empty()) continue;
      std::sort(c.nodes.begin(), c.nodes.end());
      int64_t operators = 0;
      for (size_t i : c.nodes) operators += plan_.nodes[i].is_operator;
      if (operators < options_.minimum_segment_size || operators == 0) {
        for (size_t i : c.nodes) {
          Evict(i, absl::StrCat("its section would hold ", operators, " operator",
                                operators == 1 ? "" : "s", ", below minimum_segment_size ",
                                options_.minimum_segment_size));
        }
        continue;
      }
      const int id = cluster_of_[c.nodes[0]];
      Section s;
      s.operators = operators;
      std::set<const Value*> seen;
      for (size_t i : c.nodes) {
        Node* node = nodes_[i];
        s.nodes.push_back(node);
        for (Value* v : node->inputs()) {
          if (InCluster(v, id) || FromConstant(v) || !seen.insert(v).second) continue;
          s.inputs.push_back(v);
        }
      }
      for (size_t i : c.nodes) {
        for (Value* out : nodes_[i]->outputs()) {
          bool used_outside = false;
          for (const torch::jit::Use& use : out->uses()) {
            const Node* user = use.user;
            while (user->owningBlock() != top) user = user->owningBlock()->owningNode();
            auto it = index_.find(user);
            if (it == index_.end() || cluster_of_[it->second] != id) used_outside = true;
          }
          if (used_outside) s.outputs.push_back(out);
        }
      }
      sections.push_back(std::move(s));
    }
    std::sort(sections.begin(), sections.end(), [this](const Section& a, const Section& b) {
      return index_.at(a.nodes[0]) < index_.at(b.nodes[0]);
    });
    for (size_t k = 0; k < sections.size(); ++k) {
      for (Node* node : sections[k].nodes) plan_.nodes[index_.at(node)].section = static_cast<int>(k);
    }
    plan_.sections = std::move(sections);
  }

  Plan& plan_;
  const PartitionOptions& options_;
  std::vector<Node*> nodes_;
  std::unordered_map<const Node*, size_t> index_;
  std::vector<std::vector<size_t>> preds_, succs_;
  std::vector<Bits> desc_, anc_;
  std::vector<Cluster> clusters_;
  std::vector<int> cluster_of_;
};

}  // namespace

absl::StatusOr<Plan> PlanPartition(const std::string& archive, const std::string& origin,
                                   const std::vector<at::Tensor>& example_inputs,
                                   const PartitionOptions& options) {
  torch::NoGradGuard no_grad;
  // The archive comes from torch.jit.save in this process (torch_neuron's
  // Python side), not from a file.
  auto model = pytorch_frontend::LoadTorchScript(archive, origin, /*trusted=*/true);
  if (!model.ok()) return model.status();
  Plan plan;
  plan.model = std::move(*model);
  const auto& args = plan.model.arguments;
  if (example_inputs.size() != args.size()) {
    std::vector<std::string> names;
    for (const auto& a : args) names.push_back(text::PrintableName(a.name));
    return absl::InvalidArgumentError(absl::StrCat(
        origin, ": example_inputs has ", example_inputs.size(), " tensor",
        example_inputs.size() == 1 ? "" : "s", " but forward takes ", args.size(), " (",
        absl::StrJoin(names, ", "), ")"));
  }
  torch::jit::Graph& graph = *plan.model.graph;
  std::vector<pytorch_frontend::InterpreterInput> inputs;
  for (size_t i = 0; i < args.size(); ++i) {
    const at::Tensor& t = example_inputs[i];
    if (!t.defined() || t.is_nested() || !t.device().is_cpu()) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, ": example input ", i, " ('", text::PrintableName(args[i].name),
          "') must be a dense CPU tensor"));
    }
    auto dtype = pytorch_frontend::IrDType(t.scalar_type());
    if (!dtype.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(origin, ": example input ", i, " ('",
                                                     text::PrintableName(args[i].name),
                                                     "'): ", dtype.status().message()));
    }
    pytorch_frontend::InterpreterInput in;
    in.name = args[i].name;
    in.dtype = *dtype;
    in.shape = ir::Shape(t.sizes().begin(), t.sizes().end());
    inputs.push_back(std::move(in));
    plan.tensors[graph.inputs()[i + 1]] = TensorMeta{t.scalar_type(), t.sizes().vec()};
  }

  std::unordered_map<const Node*, Outcome> outcomes;
  pytorch_frontend::Interpreter interpreter(origin, /*check_support=*/true);
  interpreter.set_observer([&outcomes](const pytorch_frontend::NodeOutcome& o) {
    Outcome& out = outcomes[o.node];
    out.runtime = o.output_runtime;
    out.reason = o.unsupported_reason;
    for (size_t k = 0; k < o.outputs->size(); ++k) {
      const c10::IValue& v = (*o.outputs)[k];
      out.values.push_back(o.output_runtime[k] ? c10::IValue() : Snapshot(v));
      out.metas.push_back(o.output_runtime[k] ? MetaOf(v) : std::nullopt);
    }
  });
  absl::StatusOr<pytorch_frontend::InterpreterResult> run;
  try {
    run = interpreter.Run(graph, inputs);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": ", text::PrintableName(e.what())));
  }
  if (!run.ok()) return run.status();

  // Specialise: what only depends on constants and the example shapes
  // becomes a constant.
  int64_t folded = 0;
  std::vector<Node*> original(graph.nodes().begin(), graph.nodes().end());
  for (Node* node : original) {
    auto it = outcomes.find(node);
    if (it == outcomes.end() || node->kind() == c10::prim::Constant) continue;
    const Outcome& o = it->second;
    for (size_t k = 0; k < node->outputs().size(); ++k) {
      Value* out = node->outputs()[k];
      if (o.runtime[k]) {
        if (o.metas[k]) plan.tensors[out] = *o.metas[k];
        continue;
      }
      if (!out->hasUses()) continue;
      torch::jit::WithInsertPoint guard(node);
      c10::optional<Value*> constant;
      try {
        constant = torch::jit::tryInsertConstant(graph, o.values[k]);
      } catch (const std::exception&) {
      }
      if (constant) {
        out->replaceAllUsesWith(*constant);
        ++folded;
      }
    }
  }
  torch::jit::EliminateDeadCode(plan.model.graph);
  if (folded > 0) {
    plan.notes.push_back(absl::StrCat(
        folded, " values computed from constants and the example shapes were folded into "
                "constants (the compiled model takes exactly the example shapes)"));
  }

  for (Node* node : graph.nodes()) {
    NodePlan p;
    p.node = node;
    p.kind = node->kind().toQualString();
    p.location = pytorch_frontend::SourceLocation(*node);
    const int64_t index = static_cast<int64_t>(plan.nodes.size());
    if (node->kind() == c10::prim::Constant) {
      p.placement = Placement::kConstant;
      p.supported = true;
      plan.nodes.push_back(std::move(p));
      continue;
    }
    p.is_operator = !absl::StartsWith(p.kind, "prim::");
    auto it = outcomes.find(node);
    if (it == outcomes.end()) {
      p.reason = "not reached by the example run";
    } else if (!it->second.reason.empty()) {
      p.reason = it->second.reason;
    } else if (!node->blocks().empty()) {
      p.reason = "control flow (runs on the CPU as a whole)";
    } else if (std::count(it->second.runtime.begin(), it->second.runtime.end(), false) > 0) {
      p.reason = "a compile-time value that cannot be a graph constant";
    } else {
      p.supported = true;
      if (options.cpu_nodes.count(index)) {
        p.reason = "placed on the CPU by subgraph_builder_function";
      } else {
        p.placement = Placement::kNeuron;
      }
    }
    plan.nodes.push_back(std::move(p));
  }
  Partitioner(plan, options).Run();
  return plan;
}

void MoveSectionToCpu(Plan& plan, int index, const std::string& why) {
  for (NodePlan& node : plan.nodes) {
    if (node.section == index) {
      node.section = -1;
      node.placement = Placement::kCpu;
      node.reason = why;
    }
  }
  plan.sections[index].nodes.clear();
}

double NeuronPercent(const Plan& plan) {
  int64_t total = 0;
  int64_t neuron = 0;
  for (const NodePlan& node : plan.nodes) {
    if (!node.is_operator) continue;
    ++total;
    neuron += node.placement == Placement::kNeuron && node.section >= 0;
  }
  return total == 0 ? 0.0 : 100.0 * static_cast<double>(neuron) / static_cast<double>(total);
}

std::string PlanJson(const Plan& plan) {
  nlohmann::json nodes = nlohmann::json::array();
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    const NodePlan& n = plan.nodes[i];
    if (n.placement == Placement::kConstant) continue;
    nodes.push_back({{"index", i},
                     {"kind", n.kind},
                     {"location", n.location},
                     {"operator", n.is_operator},
                     {"supported", n.supported},
                     {"placement", n.placement == Placement::kNeuron && n.section >= 0 ? "neuron" : "cpu"},
                     {"reason", n.reason},
                     {"section", n.section}});
  }
  nlohmann::json sections = nlohmann::json::array();
  for (size_t k = 0; k < plan.sections.size(); ++k) {
    const Section& s = plan.sections[k];
    if (s.nodes.empty()) continue;
    sections.push_back({{"index", k},
                        {"operators", s.operators},
                        {"inputs", s.inputs.size()},
                        {"outputs", s.outputs.size()}});
  }
  nlohmann::json out = {{"nodes", nodes},
                        {"sections", sections},
                        {"neuron_percent", NeuronPercent(plan)},
                        {"notes", plan.notes}};
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ncc::torch_neuron
