#include "frontends/onnx/import.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "compiler/ir/einsum_equation.h"
#include "fileio/bounded_read.h"
#include "frontends/child_probe.h"
#include "frontends/onnx/attributes.h"
#include "frontends/onnx/constant_propagation.h"
#include "frontends/onnx/float64.h"
#include "frontends/onnx/graph_inputs.h"
#include "frontends/onnx/op_registry.h"
#include "frontends/onnx/tensor.h"
#include "frontends/onnx/validate.h"
#include "frontends/onnx/version_adapter.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "onnx/checker.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"
#include "text/printable.h"

namespace ncc::onnx_frontend {
namespace {

// At most this many per-node problems are spelled out in one message.
constexpr int kMaxListedErrors = 8;

bool IsDefaultDomain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

// ONNX exception texts span several lines ("==> Context: ..."); status
// messages stay on one.
std::string OneLine(absl::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// libonnx's shape inference as the importer runs it, in the probe child and
// then for real. Not strict: ops without inference functions are reported
// per node, with their names. Data propagation resolves Shape->Reshape
// chains.
void InferShapesOf(onnx::ModelProto& model) {
  onnx::ShapeInferenceOptions options(/*check_type_val=*/false,
                                      /*strict_mode_val=*/0,
                                      /*data_prop_val=*/true);
  onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options);
}

// The address space an inference probe may use: more than any model of this
// size needs.
uint64_t ProbeLimit(size_t model_bytes) {
  return (uint64_t{8} << 30) + static_cast<uint64_t>(model_bytes) * 4;
}

// Models up to this size go to the persistent probe child, serialised;
// bigger ones cost more to serialise and parse again there than a fork of
// their own (about 1 ms in an ASan build).
constexpr size_t kMaxServedModelBytes = size_t{1} << 20;

// The persistent probe child of every inference round. It parses the bytes
// the importer serialised from its model_ and runs InferShapesOf on that
// copy: the same model, field for field, through the same function with the
// same options as the importer's own run next, so a child that survives
// means that run is safe. (Unlike a fresh fork, its heap is not a copy of
// the importer's: memory corruption whose effect depends on heap layout is
// not reproduced exactly; the crashes found so far are not of that kind.)
frontends::ProbeServer& InferenceProbe() {
  static auto* const server = new frontends::ProbeServer(
      [](const std::string& bytes) {
        onnx::ModelProto copy;
        // Bytes the importer serialised from a parsed model always parse;
        // a probe that skipped inference would prove nothing.
        if (!copy.ParseFromString(bytes)) std::abort();
        InferShapesOf(copy);
      },
      ProbeLimit(kMaxServedModelBytes));
  return *server;
}

absl::Status WithOrigin(const std::string& origin, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(origin, ": ", status.message()));
}

template <typename T>
std::vector<uint8_t> BytesOf(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

class Importer {
 public:
  Importer(std::string origin, const ImportOptions& options)
      : origin_(std::move(origin)), options_(options) {}

  // `parse` fills the model it is given and says whether that worked.
  absl::StatusOr<ImportedModel> Run(const std::function<bool(onnx::ModelProto*)>& parse) {
    absl::Status status = Parse(parse);
    if (status.ok()) status = CheckOnnxVersions(model_);
    if (status.ok()) status = ValidateGraph(model_.graph());
    if (status.ok()) status = CheckExternalData();
    if (status.ok()) status = FreezeInputs(options_.frozen_inputs, model_, initializer_names_);
    if (status.ok()) status = ApplyPins(options_, model_, initializer_names_);
    if (status.ok()) status = CheckStaticInputs(model_, initializer_names_);
    if (status.ok()) status = AdaptVersion();
    if (status.ok()) status = RunChecker();
    if (status.ok()) status = NarrowFloat64s();
    if (status.ok()) NameOmittedOutputs();
    if (status.ok()) MakeStftOnesidedExplicit();
    if (status.ok()) status = RunShapeInference();
    if (status.ok()) status = CheckSupport();
    if (status.ok()) status = CheckZeroSizeTensors();
    if (status.ok()) status = BuildGraph();
    if (status.ok()) status = ir::Verify(*graph_);
    if (!status.ok()) return WithOrigin(origin_, status);
    ImportedModel result;
    result.graph = std::move(graph_);
    result.graph->set_opset(opset_);
    result.opset = model_opset_;
    result.notes = std::move(notes_);
    result.producer = model_.producer_name();
    if (!model_.producer_version().empty()) {
      absl::StrAppend(&result.producer, " ", model_.producer_version());
    }
    return result;
  }

 private:
  absl::Status Parse(const std::function<bool(onnx::ModelProto*)>& parse) {
    if (!parse(&model_)) {
      return absl::InvalidArgumentError("not a valid ONNX model (protobuf parse failed)");
    }
    // Many byte strings parse as some protobuf; an ONNX model has both.
    if (!model_.has_graph()) {
      return absl::InvalidArgumentError("not a valid ONNX model (no graph)");
    }
    if (model_.opset_import_size() == 0) {
      return absl::InvalidArgumentError("not a valid ONNX model (no opset_import)");
    }
    for (const auto& opset : model_.opset_import()) {
      if (IsDefaultDomain(opset.domain())) opset_ = opset.version();
    }
    if (opset_ <= 0) {
      return absl::InvalidArgumentError("model imports no opset for the default ONNX domain");
    }
    for (const auto& init : model_.graph().initializer()) {
      initializer_names_.insert(init.name());
    }
    return absl::OkStatus();
  }

  // Checked before the ONNX checker, which would look for the files.
  absl::Status CheckExternalData() {
    auto is_external = [](const onnx::TensorProto& t) {
      return t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0;
    };
    auto error = [](const std::string& name) {
      return absl::UnimplementedError(
          absl::StrCat("unsupported: external data for tensor ", ncc::text::QuotedName(name),
                       "; save the model with its weights inside the .onnx file"));
    };
    for (const auto& init : model_.graph().initializer()) {
      if (is_external(init)) return error(init.name());
    }
    for (const auto& node : model_.graph().node()) {
      for (const auto& attr : node.attribute()) {
        if (attr.has_t() && is_external(attr.t())) {
          return error(node.output_size() > 0 ? node.output(0) : attr.t().name());
        }
      }
    }
    return absl::OkStatus();
  }

  // Opsets 18-21 become opset 17 for libonnx; messages keep the file's.
  absl::Status AdaptVersion() {
    model_opset_ = opset_;
    opset_ = std::min<int64_t>(opset_, kAdaptedOnnxOpset);
    auto adapted = AdaptToOpset17(&model_, [this](onnx::ModelProto& copy) {
      std::swap(copy, model_);  // the guarded inference runs on model_
      absl::Status s = InferShapes();
      std::swap(copy, model_);
      return s;
    });
    if (!adapted.ok()) return adapted.status();
    for (const auto& init : model_.graph().initializer()) initializer_names_.insert(init.name());
    return absl::OkStatus();
  }

  absl::Status RunChecker() {
    try {
      onnx::checker::check_model(model_);
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(
          absl::StrCat("ONNX checker rejected the model: ", OneLine(e.what())));
    } catch (...) {
      return absl::InvalidArgumentError("ONNX checker rejected the model");
    }
    return absl::OkStatus();
  }

  // The NeuronCore has no float64: compute in float32, keep float64 I/O.
  absl::Status NarrowFloat64s() {
    // Unnamed nodes are named by position; fix the names before Casts are
    // inserted in front so that messages name the nodes as the file has them.
    auto& nodes = *model_.mutable_graph()->mutable_node();
    for (int i = 0; i < nodes.size(); ++i) nodes[i].set_name(NodeName(nodes[i], i));
    auto narrowed = NarrowFloat64(&model_);
    if (!narrowed.ok()) return narrowed.status();
    if (narrowed->any()) {
      notes_.push_back(absl::StrCat(
          "float64 is computed in float32 (the NeuronCore has no float64; magnitudes above 3.4e38 "
          "become inf): ",
          narrowed->constants, " constants rounded, ", narrowed->casts, " casts retargeted, ",
          narrowed->boundary, " inputs/outputs stay float64 and are converted by DMA"));
    }
    return absl::OkStatus();
  }

  // An output omitted before a used one (RNN's Y when only Y_h is read)
  // gets a fresh name, so that shape inference types it and the IR, which
  // has no holes in an op's outputs, holds it as an unused value.
  void NameOmittedOutputs() {
    auto* g = model_.mutable_graph();
    std::set<std::string> used;
    for (const auto& vi : g->input()) used.insert(vi.name());
    for (const auto& init : g->initializer()) used.insert(init.name());
    for (const auto& node : g->node()) {
      for (const auto& out : node.output()) used.insert(out);
    }
    for (auto& node : *g->mutable_node()) {
      int last = node.output_size() - 1;
      while (last >= 0 && node.output(last).empty()) --last;
      for (int i = 0; i < last; ++i) {
        if (!node.output(i).empty()) continue;
        std::string name = absl::StrCat(node.name(), "/omitted_output_", i);
        while (used.count(name) > 0) name += "_";
        used.insert(name);
        node.set_output(i, name);
      }
    }
  }

  // ONNX 1.12's STFT shape inference takes onesided's default as 0 where
  // the operator's default is 1, so a model with constant frame_step and the
  // default would fail inference against its own declared shape.
  void MakeStftOnesidedExplicit() {
    for (auto& node : *model_.mutable_graph()->mutable_node()) {
      if (node.op_type() != "STFT" || !IsDefaultDomain(node.domain())) continue;
      bool has = false;
      for (const auto& attr : node.attribute()) has |= attr.name() == "onesided";
      if (has) continue;
      auto* attr = node.add_attribute();
      attr->set_name("onesided");
      attr->set_type(onnx::AttributeProto::INT);
      attr->set_i(1);
    }
  }

  // The node rules with every shape and constant known so far; run before
  // each round of libonnx's inference, which trusts the attributes.
  absl::Status ValidateKnown() const {
    const auto& g = model_.graph();
    absl::flat_hash_map<std::string, std::vector<int64_t>> shapes;
    absl::flat_hash_map<std::string, int64_t> ranks;  // shapes with unknown dimensions
    absl::flat_hash_map<std::string, const onnx::TensorProto*> constants;
    for (const auto* list : {&g.input(), &g.value_info(), &g.output()}) {
      for (const auto& vi : *list) {
        if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) continue;
        const auto& shape = vi.type().tensor_type().shape();
        if (!DynamicDims(shape).empty()) {
          ranks.emplace(vi.name(), shape.dim_size());
          continue;
        }
        std::vector<int64_t> dims;
        for (const auto& dim : shape.dim()) dims.push_back(dim.dim_value());
        shapes.emplace(vi.name(), std::move(dims));
      }
    }
    for (const auto& init : g.initializer()) {
      shapes.emplace(init.name(), std::vector<int64_t>(init.dims().begin(), init.dims().end()));
      constants.emplace(init.name(), &init);
    }
    // Shape-preserving ops pass what is known on before inference has run:
    // the Casts float64 narrowing inserts in front of every float64 input
    // would otherwise hide its rank from the rules (a rank-0 float64 STFT
    // signal reached libonnx's inference, which read past it).
    for (const auto& node : g.node()) {
      if ((node.op_type() != "Cast" && node.op_type() != "Identity") ||
          !IsDefaultDomain(node.domain()) || node.input_size() != 1 || node.output_size() != 1) {
        continue;
      }
      const std::string& in = node.input(0);
      const std::string& out = node.output(0);
      if (shapes.count(out) || ranks.count(out)) continue;
      // Copies first: emplace may rehash and move the entry being copied.
      if (auto it = shapes.find(in); it != shapes.end()) {
        std::vector<int64_t> dims = it->second;
        shapes.emplace(out, std::move(dims));
      } else if (auto r = ranks.find(in); r != ranks.end()) {
        const int64_t rank = r->second;
        ranks.emplace(out, rank);
      }
    }
    for (const auto& node : g.node()) {
      if (node.op_type() != "Constant" || !IsDefaultDomain(node.domain()) ||
          node.output_size() != 1) {
        continue;
      }
      for (const auto& attr : node.attribute()) {
        if (attr.name() == "value" && attr.has_t()) constants.emplace(node.output(0), &attr.t());
      }
    }
    KnownTensors known;
    known.shape = [&](const std::string& name) -> std::optional<std::vector<int64_t>> {
      auto it = shapes.find(name);
      if (it == shapes.end()) return std::nullopt;
      return it->second;
    };
    known.constant = [&](const std::string& name) -> const onnx::TensorProto* {
      auto it = constants.find(name);
      return it == constants.end() ? nullptr : it->second;
    };
    known.rank = [&](const std::string& name) -> std::optional<int64_t> {
      auto it = ranks.find(name);
      if (it == ranks.end()) return std::nullopt;
      return it->second;
    };
    return ValidateNodes(g, opset_, known);
  }

  absl::Status InferShapes() {
    if (absl::Status s = ValidateKnown(); !s.ok()) return s;
    // libonnx's inference functions trust what the validation layer cannot
    // fully check, and some crash on hostile models (MaxUnpool, STFT, ...,
    // found by fuzzing): each round runs in a child first.
    const size_t size = model_.ByteSizeLong();
    std::string bytes;
    frontends::ProbeResult probe;
    if (size <= kMaxServedModelBytes && model_.SerializeToString(&bytes)) {
      probe = InferenceProbe().Probe(bytes);
    } else {
      probe = frontends::ProbeInChild([&] { InferShapesOf(model_); }, ProbeLimit(size));
    }
    if (probe.failed) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ONNX shape inference (libonnx) failed on this model (", probe.how,
          "): a node's attributes or input ranks are outside its operator's specification"));
    }
    try {
      InferShapesOf(model_);
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(
          absl::StrCat("ONNX shape inference failed: ", OneLine(e.what())));
    } catch (...) {
      return absl::InvalidArgumentError("ONNX shape inference failed");
    }
    return absl::OkStatus();
  }

  // The static shape of `name` as the model declares or inference found it.
  std::optional<ir::Shape> StaticShape(const std::string& name) const {
    const auto& g = model_.graph();
    for (const auto* list : {&g.input(), &g.value_info(), &g.output()}) {
      for (const auto& vi : *list) {
        if (vi.name() != name || !vi.type().has_tensor_type() ||
            !vi.type().tensor_type().has_shape() ||
            !DynamicDims(vi.type().tensor_type().shape()).empty()) {
          continue;
        }
        ir::Shape shape;
        for (const auto& dim : vi.type().tensor_type().shape().dim()) {
          shape.push_back(dim.dim_value());
        }
        return shape;
      }
    }
    for (const auto& init : g.initializer()) {
      if (init.name() == name) return ir::Shape(init.dims().begin(), init.dims().end());
    }
    return std::nullopt;
  }

  // ONNX's Einsum inference gives only the output's rank: complete the
  // shapes it leaves dynamic from the equation (and let inference carry
  // them to the readers). Returns whether any changed.
  bool CompleteEinsumShapes() {
    bool changed = false;
    auto* g = model_.mutable_graph();
    for (const auto& node : g->node()) {
      if (node.op_type() != "Einsum" || !IsDefaultDomain(node.domain()) ||
          node.output_size() != 1 || StaticShape(node.output(0))) {
        continue;
      }
      std::vector<ir::Shape> shapes;
      for (const auto& in : node.input()) {
        if (auto shape = StaticShape(in)) shapes.push_back(*shape);
      }
      std::string equation;
      for (const auto& attr : node.attribute()) {
        if (attr.name() == "equation") equation = attr.s();
      }
      if (shapes.size() != static_cast<size_t>(node.input_size())) continue;
      // An equation that does not parse is reported by the lowering.
      auto parsed = ir::ParseEinsum(equation, shapes);
      if (!parsed.ok()) continue;
      onnx::ValueInfoProto* info = nullptr;
      for (auto& vi : *g->mutable_value_info()) {
        if (vi.name() == node.output(0)) info = &vi;
      }
      if (info == nullptr) {
        info = g->add_value_info();
        info->set_name(node.output(0));
      }
      auto* tensor = info->mutable_type()->mutable_tensor_type();
      if (tensor->elem_type() == 0) tensor->set_elem_type(ElemTypeAndRank(node.input(0)).first);
      tensor->mutable_shape()->clear_dim();
      for (int64_t d : parsed->OutputShape()) tensor->mutable_shape()->add_dim()->set_dim_value(d);
      changed = true;
    }
    return changed;
  }

  absl::Status RunShapeInference() {
    if (absl::Status s = InferShapes(); !s.ok()) return s;
    // Each round folds the shape computations and completes the Einsums
    // whose inputs became static; every round removes a node or makes a
    // shape static, so the node count bounds the rounds.
    for (int round = 0; round <= model_.graph().node_size(); ++round) {
      const bool folded = PropagateConstants(&model_);
      if (!CompleteEinsumShapes() && !folded) break;
      if (absl::Status s = InferShapes(); !s.ok()) return s;
    }
    // The last round's shapes complete the shape-dependent rules.
    if (absl::Status s = ValidateKnown(); !s.ok()) return s;
    initializer_names_.clear();
    for (const auto& init : model_.graph().initializer()) initializer_names_.insert(init.name());
    const auto& graph = model_.graph();
    for (const auto& vi : graph.value_info()) types_[vi.name()].push_back(&vi.type());
    for (const auto& vi : graph.output()) types_[vi.name()].push_back(&vi.type());
    return absl::OkStatus();
  }

  // The inferred type of a node output: the first fully static candidate,
  // else the first candidate (for the message), else null.
  const onnx::TypeProto* TypeOf(const std::string& name) const {
    auto it = types_.find(name);
    if (it == types_.end()) return nullptr;
    for (const onnx::TypeProto* type : it->second) {
      if (type->has_tensor_type() && type->tensor_type().has_shape() &&
          DynamicDims(type->tensor_type().shape()).empty()) {
        return type;
      }
    }
    return it->second.front();
  }

  // Element type and rank of a tensor as far as the model and shape
  // inference know them: {0, -1} when unknown.
  std::pair<int32_t, int> ElemTypeAndRank(const std::string& name) const {
    if (const onnx::TypeProto* type = TypeOf(name); type != nullptr && type->has_tensor_type()) {
      const auto& t = type->tensor_type();
      return {t.elem_type(), t.has_shape() ? t.shape().dim_size() : -1};
    }
    for (const auto& input : model_.graph().input()) {
      if (input.name() != name || !input.type().has_tensor_type()) continue;
      const auto& t = input.type().tensor_type();
      return {t.elem_type(), t.has_shape() ? t.shape().dim_size() : -1};
    }
    for (const auto& init : model_.graph().initializer()) {
      if (init.name() == name) return {init.data_type(), init.dims_size()};
    }
    return {0, -1};
  }

  // Every node the operator registry does not accept, reported at once.
  absl::Status CheckSupport() {
    if (!options_.check_operator_support) return absl::OkStatus();
    auto live = LiveNodes();
    if (!live.ok()) return live.status();
    const auto& g = model_.graph();
    std::vector<UnsupportedNode> unsupported;
    for (int i = 0; i < g.node_size(); ++i) {
      if (!(*live)[i]) continue;
      const onnx::NodeProto& node = g.node(i);
      NodeTypes types;
      for (const auto& in : node.input()) {
        auto [elem_type, rank] = in.empty() ? std::pair<int32_t, int>{0, -1} : ElemTypeAndRank(in);
        types.input_elem_types.push_back(elem_type);
        types.input_ranks.push_back(rank);
      }
      for (const auto& out : node.output()) {
        auto [elem_type, rank] =
            out.empty() ? std::pair<int32_t, int>{0, -1} : ElemTypeAndRank(out);
        types.output_elem_types.push_back(elem_type);
        types.output_ranks.push_back(rank);
      }
      for (UnsupportedNode& u : CheckOnnxNode(node, NodeName(node, i), model_opset_, types)) {
        // Control flow left after folding: say why it was not resolved.
        if (IsDefaultDomain(node.domain()) && node.op_type() == "If") {
          u.reason = DescribeIfCondition(g, node);
        } else if (IsDefaultDomain(node.domain()) && node.op_type() == "Loop") {
          u.reason =
              "only a Loop with a constant trip count whose condition stays true is compiled "
              "(unrolled, up to 20000 nodes)";
        }
        unsupported.push_back(std::move(u));
      }
    }
    if (unsupported.empty()) return absl::OkStatus();
    return absl::UnimplementedError(DescribeUnsupportedNodes(unsupported, model_opset_));
  }

  // Constant propagation leaves zero-size tensors only where a node would
  // compute with one on the device: reading a zero-size graph input, or
  // writing a zero-size output beside non-empty ones (Split). Lowerings do
  // not handle those; they are reported at once.
  absl::Status CheckZeroSizeTensors() {
    auto live = LiveNodes();
    if (!live.ok()) return live.status();
    auto is_zero_size = [&](const std::string& name) {
      std::optional<ir::Shape> shape = StaticShape(name);
      return shape.has_value() && ir::NumElements(*shape) == 0;
    };
    std::set<std::string> runtime_inputs;
    for (const auto* input : RuntimeInputs(model_, initializer_names_))
      runtime_inputs.insert(input->name());
    std::vector<std::string> problems;
    const auto& g = model_.graph();
    for (int i = 0; i < g.node_size(); ++i) {
      if (!(*live)[i]) continue;
      const onnx::NodeProto& node = g.node(i);
      if (node.op_type() == "Constant") continue;  // an empty constant is fine
      const std::string label = NodeLabel(node, NodeName(node, i));
      for (const auto& in : node.input()) {
        if (runtime_inputs.count(in) > 0 && is_zero_size(in)) {
          problems.push_back(absl::StrCat(label, " reads the zero-size input ",
                                          ncc::text::QuotedName(in), " (",
                                          ir::ShapeToString(*StaticShape(in)), ")"));
        }
      }
      for (const auto& out : node.output()) {
        if (!out.empty() && is_zero_size(out)) {
          problems.push_back(absl::StrCat(
              label, " computes the zero-size tensor ", ncc::text::QuotedName(out), " (",
              ir::ShapeToString(*StaticShape(out)), ") beside non-empty outputs"));
        }
      }
    }
    if (problems.empty()) return absl::OkStatus();
    return absl::UnimplementedError(absl::StrCat(
        "unsupported: zero-size tensors computed on the device: ", absl::StrJoin(problems, "; ")));
  }

  static std::string NodeName(const onnx::NodeProto& node, int index) {
    return node.name().empty() ? absl::StrCat(node.op_type(), "_", index) : node.name();
  }

  // Nodes needed for options_.outputs (all nodes when none are selected).
  absl::StatusOr<std::vector<bool>> LiveNodes() {
    const auto& graph = model_.graph();
    std::vector<bool> live(graph.node_size(), options_.outputs.empty());
    if (options_.outputs.empty()) return live;
    absl::flat_hash_map<std::string, int> producer;
    std::set<std::string> known(initializer_names_);
    for (const auto& input : graph.input()) known.insert(input.name());
    for (int i = 0; i < graph.node_size(); ++i) {
      for (const auto& out : graph.node(i).output()) {
        if (!out.empty()) producer[out] = i;
      }
    }
    std::vector<std::string> work;
    for (const auto& name : options_.outputs) {
      if (producer.count(name) == 0 && known.count(name) == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the selected output ", ncc::text::QuotedName(name), " is not a tensor of the model"));
      }
      work.push_back(name);
    }
    while (!work.empty()) {
      std::string name = std::move(work.back());
      work.pop_back();
      auto it = producer.find(name);
      if (it == producer.end() || live[it->second]) continue;
      live[it->second] = true;
      for (const auto& in : graph.node(it->second).input()) {
        if (!in.empty()) work.push_back(in);
      }
    }
    return live;
  }

  // The first error of libonnx's inference in strict mode, which stops
  // where the lenient mode the importer runs goes on without a type. Only
  // run to explain a failure, on a copy, after the lenient rounds (whose
  // probe proved the same inference functions safe on this model).
  std::optional<std::string> StrictInferenceError() const {
    onnx::ModelProto copy = model_;
    onnx::ShapeInferenceOptions options(/*check_type_val=*/false,
                                        /*strict_mode_val=*/1,
                                        /*data_prop_val=*/true);
    std::string what;
    try {
      onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(), options);
      return std::nullopt;
    } catch (const std::exception& e) {
      what = OneLine(e.what());
    } catch (...) {
      return std::nullopt;
    }
    // "... (op_type:Add, node name: merge): [ShapeInferenceError] Incompatible
    // dimensions (op_type:Relu, ...": the first node and its error, with the
    // shapes of its inputs.
    const size_t at = what.find("(op_type:");
    const size_t comma = what.find(", node name: ", at);
    const size_t close = what.find("): ", comma);
    if (at == std::string::npos || comma == std::string::npos || close == std::string::npos) {
      return what;
    }
    const std::string op = what.substr(at + 9, comma - at - 9);
    const std::string name = what.substr(comma + 13, close - comma - 13);
    absl::string_view error(what);
    error = error.substr(close + 3, what.find(" (op_type:", close) - close - 3);
    while (absl::ConsumePrefix(&error, "[ShapeInferenceError] ") ||
           absl::ConsumePrefix(&error, "[TypeInferenceError] ")) {
    }
    std::vector<std::string> shapes;
    for (const auto& node : model_.graph().node()) {
      if (node.name() != name || node.op_type() != op) continue;
      for (const auto& in : node.input()) {
        std::optional<ir::Shape> shape = StaticShape(in);
        shapes.push_back(shape ? ir::ShapeToString(*shape) : "?");
      }
      break;
    }
    return absl::StrCat("node ", ncc::text::QuotedName(name), " (", ncc::text::PrintableName(op),
                        "): ", error,
                        shapes.empty() ? "" : absl::StrCat(" (inputs ", absl::StrJoin(shapes, ", "), ")"));
  }

  absl::Status BuildGraph() {
    const onnx::GraphProto& g = model_.graph();
    graph_ = std::make_unique<ir::Graph>(g.name().empty() ? "main" : g.name());

    // The weights move from the parsed model into the graph (no copy of the
    // largest part of the model).
    for (onnx::TensorProto& init : *model_.mutable_graph()->mutable_initializer()) {
      auto tensor = TakeTensor(&init, init.name());
      if (!tensor.ok()) return tensor.status();
      const bool taken = init.has_raw_data();
      absl::Status s = AddConstant(init.name(), *std::move(tensor));
      if (!s.ok()) return s;
      if (taken) taken_payloads_.emplace_back(&init, values_[init.name()]);
    }
    for (const auto* input : RuntimeInputs(model_, initializer_names_)) {
      const auto& tensor = input->type().tensor_type();
      auto dtype = ConvertElemType(tensor.elem_type(), input->name());
      if (!dtype.ok()) return dtype.status();
      ir::Shape shape;
      for (const auto& dim : tensor.shape().dim()) shape.push_back(dim.dim_value());
      ir::Value* value = graph_->AddValue(input->name(), *dtype, std::move(shape));
      values_[input->name()] = value;
      graph_->inputs().push_back(value);
    }

    auto live = LiveNodes();
    if (!live.ok()) return live.status();
    std::vector<std::string> errors;
    for (int i = 0; i < g.node_size(); ++i) {
      if (!(*live)[i]) continue;
      absl::Status s = ImportNode(g.node(i), i, &errors);
      if (!s.ok()) return s;
    }
    if (!errors.empty()) {
      std::string message = absl::StrJoin(
          errors.begin(), errors.begin() + std::min<size_t>(errors.size(), kMaxListedErrors), "; ");
      if (errors.size() > kMaxListedErrors) {
        absl::StrAppend(&message, "; and ", errors.size() - kMaxListedErrors, " more");
      }
      if (errors.size() > 1) {
        message = absl::StrCat(errors.size(), " problems: ", message);
      }
      // Tensors left without a static type usually follow from one node
      // whose input shapes disagree, which libonnx's lenient inference
      // passes over in silence: name it first.
      if (absl::StrContains(message, "shape inference could not determine") ||
          absl::StrContains(message, "has dynamic dimension")) {
        ReturnTakenPayloads();  // inference may read them
        if (std::optional<std::string> cause = StrictInferenceError()) {
          message = absl::StrCat("ONNX shape inference stops at ", *cause, "; then ", message);
        }
      }
      return absl::InvalidArgumentError(message);
    }

    std::vector<std::string> output_names = options_.outputs;
    if (output_names.empty()) {
      for (const auto& out : g.output()) output_names.push_back(out.name());
    }
    for (const auto& name : output_names) {
      auto it = values_.find(name);
      if (it == values_.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("graph output ", ncc::text::QuotedName(name), " is never defined"));
      }
      graph_->outputs().push_back(it->second);
    }
    if (!options_.outputs.empty()) graph_->RemoveDeadValues();
    return absl::OkStatus();
  }

  // Puts the weights BuildGraph took back into the model (which it then
  // describes whole again), for a diagnosis on a failed import.
  void ReturnTakenPayloads() {
    for (const auto& [init, value] : taken_payloads_) {
      init->set_raw_data(value->data.data(), value->data.size());
    }
    taken_payloads_.clear();
  }

  absl::Status AddConstant(const std::string& name, ConstantTensor tensor) {
    if (values_.count(name) > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor ", ncc::text::QuotedName(name), " is defined twice"));
    }
    values_[name] =
        graph_->AddConstant(name, tensor.dtype, std::move(tensor.shape), std::move(tensor.data));
    return absl::OkStatus();
  }

  static std::string NodeLabel(const onnx::NodeProto& node, const std::string& name) {
    return absl::StrCat("node ", ncc::text::QuotedName(name), " (",
                        ncc::text::PrintableName(node.op_type()), ")");
  }

  // A Constant node becomes an IR constant named after its output.
  absl::Status ImportConstant(const onnx::NodeProto& node, const std::string& name) {
    if (node.output_size() != 1 || node.attribute_size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          NodeLabel(node, name), " must have one output and exactly one value attribute"));
    }
    const std::string& out = node.output(0);
    const onnx::AttributeProto& attr = node.attribute(0);
    ConstantTensor tensor;
    if (attr.name() == "value") {
      auto converted = ConvertTensor(attr.t(), out);
      if (!converted.ok()) return converted.status();
      tensor = *std::move(converted);
    } else if (attr.name() == "value_float") {
      tensor.dtype = ir::DType::kF32;
      tensor.data = BytesOf(std::vector<float>{attr.f()});
    } else if (attr.name() == "value_floats") {
      tensor.dtype = ir::DType::kF32;
      tensor.shape = {attr.floats_size()};
      tensor.data = BytesOf(std::vector<float>(attr.floats().begin(), attr.floats().end()));
    } else if (attr.name() == "value_int") {
      tensor.dtype = ir::DType::kI64;
      tensor.data = BytesOf(std::vector<int64_t>{attr.i()});
    } else if (attr.name() == "value_ints") {
      tensor.dtype = ir::DType::kI64;
      tensor.shape = {attr.ints_size()};
      tensor.data = BytesOf(std::vector<int64_t>(attr.ints().begin(), attr.ints().end()));
    } else {
      return absl::UnimplementedError(absl::StrCat(
          "unsupported: ", NodeLabel(node, name), " has attribute ",
          ncc::text::QuotedName(attr.name()), "; only numeric constants are supported"));
    }
    return AddConstant(out, std::move(tensor));
  }

  absl::Status ImportNode(const onnx::NodeProto& node, int index,
                          std::vector<std::string>* errors) {
    const std::string name = NodeName(node, index);
    const bool default_domain = IsDefaultDomain(node.domain());
    if (default_domain && node.op_type() == "Constant") {
      absl::Status s = ImportConstant(node, name);
      if (!s.ok()) errors->push_back(std::string(s.message()));
      return absl::OkStatus();
    }
    const std::string type =
        default_domain ? node.op_type() : absl::StrCat(node.domain(), ".", node.op_type());
    const std::string label = absl::StrCat("node ", ncc::text::QuotedName(name), " (",
                                           ncc::text::PrintableName(type), ")");

    std::vector<ir::Value*> inputs;
    for (const auto& in : node.input()) {
      if (in.empty()) {
        inputs.push_back(nullptr);
        continue;
      }
      auto it = values_.find(in);
      if (it == values_.end()) {
        return absl::InvalidArgumentError(absl::StrCat(label, " reads ", ncc::text::QuotedName(in),
                                                       ", which is not defined before it"));
      }
      inputs.push_back(it->second);
    }

    // Omitted trailing optional outputs are dropped; an omitted one before a
    // used one would leave a hole the IR cannot represent.
    int num_outputs = node.output_size();
    while (num_outputs > 0 && node.output(num_outputs - 1).empty()) --num_outputs;
    std::vector<ir::Value*> outputs;
    for (int i = 0; i < num_outputs; ++i) {
      const std::string& out = node.output(i);
      if (out.empty()) {
        errors->push_back(
            absl::StrCat("unsupported: ", label, " omits output ", i, " but uses a later one"));
        return absl::OkStatus();
      }
      if (values_.count(out) > 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(label, " redefines tensor ", ncc::text::QuotedName(out)));
      }
      ir::DType dtype = ir::DType::kF32;
      ir::Shape shape;
      absl::Status s = OutputType(label, out, &dtype, &shape);
      if (!s.ok()) errors->push_back(std::string(s.message()));
      // Still defined, so later nodes do not cascade into "not defined".
      ir::Value* value = graph_->AddValue(out, dtype, std::move(shape));
      values_[out] = value;
      outputs.push_back(value);
    }
    ir::Op* op = graph_->AddOp(type, name, std::move(inputs), std::move(outputs));
    ConvertAttributes(node, label, op, errors);
    return absl::OkStatus();
  }

  absl::Status OutputType(const std::string& label, const std::string& out, ir::DType* dtype,
                          ir::Shape* shape) const {
    const onnx::TypeProto* type = TypeOf(out);
    if (type == nullptr || !type->has_tensor_type()) {
      return absl::InvalidArgumentError(
          absl::StrCat(label, " output ", ncc::text::QuotedName(out),
                       ": shape inference could not determine its type"));
    }
    const auto& tensor = type->tensor_type();
    auto converted = ConvertElemType(tensor.elem_type(), out);
    if (!converted.ok()) {
      return absl::Status(converted.status().code(),
                          absl::StrCat(label, ": ", converted.status().message()));
    }
    *dtype = *converted;
    if (!tensor.has_shape()) {
      return absl::InvalidArgumentError(
          absl::StrCat(label, " output ", ncc::text::QuotedName(out),
                       ": shape inference could not determine its shape"));
    }
    std::string dynamic = DynamicDims(tensor.shape());
    if (!dynamic.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(label, " output ", ncc::text::QuotedName(out),
                                                     " has dynamic ", dynamic, " (",
                                                     DescribeShape(tensor.shape()), ")"));
    }
    for (const auto& dim : tensor.shape().dim()) shape->push_back(dim.dim_value());
    return absl::OkStatus();
  }

  std::string origin_;
  const ImportOptions& options_;
  std::vector<std::string> notes_;
  onnx::ModelProto model_;
  int64_t opset_ = 0;        // the opset of the (adapted) nodes
  int64_t model_opset_ = 0;  // the file's
  std::set<std::string> initializer_names_;
  std::map<std::string, std::vector<const onnx::TypeProto*>> types_;
  std::unique_ptr<ir::Graph> graph_;
  absl::flat_hash_map<std::string, ir::Value*> values_;
  // Initializers whose raw_data BuildGraph moved into these constants.
  std::vector<std::pair<onnx::TensorProto*, const ir::Value*>> taken_payloads_;
};

}  // namespace

absl::StatusOr<ImportedModel> ImportOnnxBytes(absl::string_view bytes, std::string origin,
                                              const ImportOptions& options) {
  return Importer(std::move(origin), options).Run([bytes](onnx::ModelProto* model) {
    return bytes.size() <= static_cast<size_t>(std::numeric_limits<int>::max()) &&
           model->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  });
}

absl::StatusOr<ImportedModel> ImportOnnxFile(const std::string& path,
                                             const ImportOptions& options) {
  // Only a regular file of bounded size: /dev/zero or a FIFO would be read forever.
  auto file = fileio::RegularFile::Open(path);
  if (!file.ok()) return file.status();
  if (absl::Status s = file->CheckLimit(fileio::kModelFileLimit, "a model file"); !s.ok()) {
    return s;
  }
  // Parsed as it is read: the model's bytes are held once, in the parsed
  // model (whose weights then move into the graph), not also as an image of
  // the file.
  constexpr int kReadBlock = 1 << 20;
  google::protobuf::io::FileInputStream input(file->descriptor(), kReadBlock);
  int read_error = 0;
  auto imported = Importer(path, options).Run([&](onnx::ModelProto* model) {
    // Protobuf cannot parse 2 GiB or more.
    if (file->size() > std::numeric_limits<int>::max()) return false;
    const bool parsed = model->ParseFromZeroCopyStream(&input);
    read_error = input.GetErrno();
    return parsed;
  });
  if (read_error != 0) {
    return absl::DataLossError(
        absl::StrCat(path, ": read failed (", std::strerror(read_error), ")"));
  }
  return imported;
}

}  // namespace ncc::onnx_frontend
