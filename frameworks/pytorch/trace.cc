#include "frameworks/pytorch/trace.h"

#include <torch/csrc/jit/passes/dead_code_elimination.h>

#include <chrono>
#include <iostream>
#include <map>
#include <queue>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "compiler/driver/compile.h"
#include "compiler/driver/pass_flags.h"
#include "compiler/driver/sha256.h"
#include "frameworks/pytorch/model.h"
#include "frontends/pytorch/convert.h"
#include "frontends/pytorch/interpreter.h"
#include "frontends/unsupported.h"
#include "nlohmann/json.hpp"
#include "text/printable.h"

namespace ncc::torch_neuron {
namespace {

using torch::jit::Node;
using torch::jit::Value;

constexpr char kLoadHint[] = "needs_torch_neuron__import_torch_neuron_or_load_libtorch_neuron_so";

struct CompilerFlags {
  driver::CompileOptions options;
  bool verbose = false;
};

// neuron-cc's flags that make sense for a section: "--flag value" or
// "--flag=value".
absl::StatusOr<CompilerFlags> ParseCompilerArgs(const std::vector<std::string>& args) {
  CompilerFlags out;
  driver::AutoCastFlags cast;
  const std::map<std::string, std::string*> valued = {
      {"--auto-cast", &cast.auto_cast},
      {"--auto-cast-type", &cast.auto_cast_type},
      {"--fast-math", &cast.fast_math},
  };
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_value = false;
    if (size_t eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    if (flag == "--verbose") {
      if (has_value) return absl::InvalidArgumentError("compiler_args: --verbose takes no value");
      out.verbose = true;
      continue;
    }
    auto it = valued.find(flag);
    if (it == valued.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "compiler_args: unknown flag ", text::QuotedName(args[i]),
          " (torch.neuron.trace takes --auto-cast, --auto-cast-type, --fast-math and --verbose)"));
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat("compiler_args: ", flag, " needs a value"));
      }
      value = args[++i];
    }
    *it->second = value;
  }
  if (auto s = driver::ApplyAutoCastFlags(cast, &out.options); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("compiler_args: ", s.message()));
  }
  out.options.flags = args;
  return out;
}

// Section `s` of `plan` as a graph of its own: a dummy self, one input per
// section input, the constants it reads cloned in, one output per value the
// rest of the model reads.
std::shared_ptr<torch::jit::Graph> SectionGraph(const Section& s) {
  auto g = std::make_shared<torch::jit::Graph>();
  g->addInput("self")->setType(c10::NoneType::get());
  std::unordered_map<const Value*, Value*> map;
  for (size_t i = 0; i < s.inputs.size(); ++i) {
    Value* in = g->addInput(absl::StrCat("input", i));
    in->setType(s.inputs[i]->type());
    map[s.inputs[i]] = in;
  }
  for (Node* node : s.nodes) {
    for (Value* v : node->inputs()) {
      if (map.count(v)) continue;
      // Not a section input nor made in the section: a constant.
      Node* c = g->createClone(v->node(), [](Value*) -> Value* { return nullptr; });
      g->appendNode(c);
      map[v] = c->output();
    }
    Node* copy = g->createClone(node, [&map](Value* v) { return map.at(v); });
    g->appendNode(copy);
    for (size_t k = 0; k < node->outputs().size(); ++k) map[node->outputs()[k]] = copy->outputs()[k];
  }
  for (Value* out : s.outputs) g->registerOutput(map.at(out));
  return g;
}

// The unsupported operators of the plan, in neuron-cc's words.
std::vector<frontends::UnsupportedNode> UnsupportedOperators(const Plan& plan) {
  std::vector<frontends::UnsupportedNode> out;
  for (const NodePlan& n : plan.nodes) {
    if (n.is_operator && !n.supported) {
      out.push_back({n.kind, n.location.empty() ? n.kind : n.location, n.reason});
    }
  }
  return out;
}

absl::StatusOr<torch::jit::Module> Rewrite(const Plan& plan,
                                           const std::vector<c10::intrusive_ptr<NeuronModel>>& models) {
  const torch::jit::Graph& old = *plan.model.graph;
  if (old.inputs()[0]->hasUses()) {
    return absl::UnimplementedError(
        "the frozen module still reads its own attributes in forward; torch_neuron cannot split it");
  }
  auto cu = std::make_shared<torch::jit::CompilationUnit>();
  torch::jit::Module out(c10::QualifiedName("__torch__.torch_neuron.NeuronModule"), cu,
                         /*shouldMangle=*/true);
  out.register_attribute("training", c10::BoolType::get(), false);
  // libtorch reports loading this module without the custom-op library as
  // "Unknown type name '__torch__.torch.classes.neuron.Model'", quoting the
  // class declaration around the first section attribute: this line, just
  // before it, tells the reader what to load.
  out.register_attribute(kLoadHint, c10::BoolType::get(), true);
  auto model_type = c10::getCustomClassType<c10::intrusive_ptr<NeuronModel>>();
  for (size_t k = 0; k < models.size(); ++k) {
    if (models[k]) out.register_attribute(absl::StrCat("neuron_section_", k), model_type, models[k]);
  }

  auto g = std::make_shared<torch::jit::Graph>();
  Value* self = g->addInput("self");
  self->setType(out.type());
  std::unordered_map<const Value*, Value*> map;
  for (size_t i = 1; i < old.inputs().size(); ++i) {
    Value* in = g->addInput(old.inputs()[i]->hasDebugName() ? old.inputs()[i]->debugName() : "");
    in->setType(old.inputs()[i]->type());
    map[old.inputs()[i]] = in;
  }

  // Items: each live section, and each other top-level node. They are
  // emitted in a topological order of the contracted graph, as close to the
  // original order as the dependencies allow.
  const size_t n = plan.nodes.size();
  std::unordered_map<const Node*, size_t> index;
  for (size_t i = 0; i < n; ++i) index[plan.nodes[i].node] = i;
  std::vector<int64_t> item_of(n);
  std::vector<int64_t> item_key;
  std::vector<int> item_section;
  std::map<int, int64_t> section_item;
  for (size_t i = 0; i < n; ++i) {
    const int section = plan.nodes[i].section;
    if (section >= 0 && models[section]) {
      auto [it, inserted] = section_item.emplace(section, static_cast<int64_t>(item_key.size()));
      if (inserted) {
        item_key.push_back(static_cast<int64_t>(i));
        item_section.push_back(section);
      }
      item_of[i] = it->second;
    } else {
      item_of[i] = static_cast<int64_t>(item_key.size());
      item_key.push_back(static_cast<int64_t>(i));
      item_section.push_back(-1);
    }
  }
  const size_t items = item_key.size();
  std::vector<std::vector<int64_t>> succ(items);
  std::vector<int64_t> pending(items, 0);
  const torch::jit::Block* top = old.block();
  std::function<void(const Node*, int64_t)> add_deps = [&](const Node* node, int64_t item) {
    for (const Value* v : node->inputs()) {
      auto it = index.find(v->node());
      if (it == index.end() || item_of[it->second] == item) continue;
      succ[item_of[it->second]].push_back(item);
      ++pending[item];
    }
    for (const torch::jit::Block* b : node->blocks()) {
      for (const Node* inner : b->nodes()) add_deps(inner, item);
      for (const Value* v : b->outputs()) {
        auto it = index.find(v->node());
        if (v->node()->owningBlock() != top || it == index.end() || item_of[it->second] == item) {
          continue;
        }
        succ[item_of[it->second]].push_back(item);
        ++pending[item];
      }
    }
  };
  for (size_t i = 0; i < n; ++i) add_deps(plan.nodes[i].node, item_of[i]);

  using Entry = std::pair<int64_t, int64_t>;  // (key, item)
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> ready;
  for (size_t it = 0; it < items; ++it) {
    if (pending[it] == 0) ready.push({item_key[it], static_cast<int64_t>(it)});
  }
  size_t emitted = 0;
  while (!ready.empty()) {
    const int64_t item = ready.top().second;
    ready.pop();
    ++emitted;
    const int section = item_section[item];
    if (section < 0) {
      Node* node = plan.nodes[item_key[item]].node;
      Node* copy = g->createClone(node, [&map](Value* v) { return map.at(v); });
      g->appendNode(copy);
      for (size_t k = 0; k < node->outputs().size(); ++k) map[node->outputs()[k]] = copy->outputs()[k];
    } else {
      const Section& s = plan.sections[section];
      Value* obj = g->insertNode(g->createGetAttr(self, absl::StrCat("neuron_section_", section)))
                       ->output();
      std::vector<Value*> ins;
      for (const Value* v : s.inputs) ins.push_back(map.at(v));
      Value* list = g->insertNode(g->createList(c10::TensorType::get(), ins))->output();
      Value* result = g->insert(c10::Symbol::fromQualString("neuron::forward"), {obj, list});
      Node* unpack = g->insertNode(g->createListUnpack(result, s.outputs.size()));
      for (size_t k = 0; k < s.outputs.size(); ++k) {
        if (s.outputs[k]->hasDebugName()) {
          unpack->outputs()[k]->setDebugName(s.outputs[k]->debugName());
        }
        map[s.outputs[k]] = unpack->outputs()[k];
      }
    }
    for (int64_t next : succ[item]) {
      if (--pending[next] == 0) ready.push({item_key[next], next});
    }
  }
  if (emitted != items) {
    return absl::InternalError("torch_neuron: the sections and CPU nodes do not form a DAG");
  }
  for (const Value* v : old.outputs()) g->registerOutput(map.at(v));
  torch::jit::EliminateDeadCode(g);
  g->lint();
  torch::jit::Function* fn =
      cu->create_function(c10::QualifiedName(*out.type()->name(), "forward"), g);
  out.type()->addMethod(fn);
  return out;
}

}  // namespace

absl::StatusOr<TraceResult> Trace(const std::string& archive,
                                  const std::vector<at::Tensor>& example_inputs,
                                  const TraceOptions& options) {
  auto flags = ParseCompilerArgs(options.compiler_args);
  if (!flags.ok()) return flags.status();
  const std::string origin = "torch.neuron.trace";
  auto plan = PlanPartition(archive, origin, example_inputs, options.partition);
  if (!plan.ok()) return plan.status();

  std::vector<frontends::UnsupportedNode> unsupported = UnsupportedOperators(*plan);
  if (!options.fallback && !unsupported.empty()) {
    return absl::UnimplementedError(absl::StrCat(
        "fallback=False, but ",
        frontends::DescribeUnsupportedNodes("PYTORCH", "", unsupported)));
  }

  nlohmann::json report = nlohmann::json::parse(PlanJson(*plan));
  nlohmann::json compiled = nlohmann::json::array();
  std::vector<std::string> warnings;
  std::vector<c10::intrusive_ptr<NeuronModel>> models(plan->sections.size());
  for (size_t k = 0; k < plan->sections.size(); ++k) {
    Section& s = plan->sections[k];
    const std::string label = absl::StrCat("section ", k);
    std::cerr << "INFO:Neuron:compiling " << label << " (" << s.operators << " operators, "
              << s.inputs.size() << " inputs, " << s.outputs.size() << " outputs)" << std::endl;
    const auto start = std::chrono::steady_clock::now();
    std::shared_ptr<torch::jit::Graph> graph = SectionGraph(s);
    std::vector<pytorch_frontend::InterpreterInput> inputs;
    for (size_t i = 0; i < s.inputs.size(); ++i) {
      const TensorMeta& meta = plan->tensors.at(s.inputs[i]);
      pytorch_frontend::InterpreterInput in;
      in.name = absl::StrCat("input", i);
      auto dtype = pytorch_frontend::IrDType(meta.dtype);
      if (!dtype.ok()) return dtype.status();
      in.dtype = *dtype;
      in.shape = ir::Shape(meta.sizes.begin(), meta.sizes.end());
      inputs.push_back(std::move(in));
    }
    driver::InMemoryModel model;
    model.framework = "PYTORCH";
    model.label = absl::StrCat(origin, " ", label);
    model.source_sha256 = driver::Sha256Hex(graph->toString());
    model.import = [graph, inputs, label = model.label]()
        -> absl::StatusOr<frontends::ImportedModel> {
      torch::NoGradGuard no_grad;
      pytorch_frontend::Interpreter interpreter(label, /*check_support=*/true);
      auto result = interpreter.Run(*graph, inputs);
      if (!result.ok()) return result.status();
      if (!result->unsupported.empty()) {
        return absl::UnimplementedError(absl::StrCat(
            label, ": ", frontends::DescribeUnsupportedNodes("PYTORCH", "", result->unsupported)));
      }
      frontends::ImportedModel imported;
      imported.graph = std::move(result->graph);
      imported.notes = std::move(result->notes);
      imported.producer = "torch_neuron";
      return imported;
    };
    driver::CompileReport compile_report;
    absl::StatusOr<driver::CompileResult> result;
    try {
      result = driver::CompileInMemory(model, flags->options, &compile_report);
    } catch (const std::exception& e) {
      result = absl::InternalError(text::PrintableName(e.what()));
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (result.ok()) {
      at::Tensor neff = at::empty({static_cast<int64_t>(result->neff.size())}, at::kByte);
      std::memcpy(neff.data_ptr(), result->neff.data(), result->neff.size());
      try {
        models[k] = c10::make_intrusive<NeuronModel>(neff, label);
      } catch (const c10::Error& e) {
        result = absl::InternalError(e.what_without_backtrace());
      }
    }
    if (!result.ok()) {
      const std::string message(result.status().message());
      const std::string why = absl::StartsWith(message, model.label)
                                  ? message
                                  : absl::StrCat(model.label, ": ", message);
      if (!options.fallback) return absl::Status(result.status().code(), why);
      warnings.push_back(absl::StrCat("failed to compile, so its ", s.operators,
                                      " operators run on the CPU: ", why));
      std::cerr << "WARNING:Neuron:" << warnings.back() << std::endl;
      MoveSectionToCpu(*plan, static_cast<int>(k), "its section failed to compile (see the warning)");
      continue;
    }
    const driver::CompileReport& r = result->report;
    std::cerr << "INFO:Neuron:compiled " << label << " in " << absl::StrFormat("%.1f", seconds)
              << " s: NEFF " << result->neff.size() << " bytes, estimated device latency "
              << absl::StrFormat("%.3f", r.estimated_latency_ns / 1e6)
              << " ms (simulator cost model)" << std::endl;
    if (flags->verbose) {
      for (const auto& [stage, ms] : r.stage_ms) {
        std::cerr << "INFO:Neuron:  " << stage << ": " << absl::StrFormat("%.1f", ms) << " ms"
                  << std::endl;
      }
      for (const std::string& note : r.notes) std::cerr << "INFO:Neuron:  note: " << note << std::endl;
    }
    compiled.push_back({{"index", k},
                        {"compile_seconds", seconds},
                        {"neff_bytes", result->neff.size()},
                        {"ops_after_passes", r.ops_after_passes},
                        {"estimated_latency_ns", r.estimated_latency_ns}});
  }

  auto module = Rewrite(*plan, models);
  if (!module.ok()) return module.status();
  TraceResult out;
  try {
    std::ostringstream stream;
    module->save(stream);
    out.archive = stream.str();
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("torch_neuron: saving the traced module failed: ", text::PrintableName(e.what())));
  }
  // The plan after fallbacks.
  nlohmann::json final_plan = nlohmann::json::parse(PlanJson(*plan));
  final_plan["compiled"] = compiled;
  final_plan["warnings"] = warnings;
  final_plan["planned_sections"] = report["sections"];
  out.report = final_plan.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return out;
}

}  // namespace ncc::torch_neuron
