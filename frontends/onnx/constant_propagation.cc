#include "frontends/onnx/constant_propagation.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/eval/graph_edit.h"
#include "compiler/ir/eval/host_eval.h"
#include "compiler/ir/graph.h"
#include "frontends/onnx/attributes.h"
#include "frontends/onnx/tensor.h"
#include "text/printable.h"

namespace ncc::onnx_frontend {
namespace {

// Shape computations are a few elements; larger constant expressions are
// left to the IR's constant folding, which bounds weight growth itself.
constexpr int64_t kMaxFoldElements = 1024;

// An unrolled Loop adds its body once per iteration: past this many nodes
// it stays a Loop (reported as unsupported, with the count).
constexpr int64_t kMaxUnrolledNodes = 20000;

// What is folded here: every op the host evaluator (compiler/ir/eval)
// evaluates, one list for the importer and the compiler's folding pass.
bool IsFoldable(const std::string& op_type) {
  static const std::set<std::string>* const kTypes = [] {
    const auto& types = ir::eval::HostEvaluableOpTypes();
    return new std::set<std::string>(types.begin(), types.end());
  }();
  return kTypes->count(op_type) > 0;
}

const std::set<std::string>& ReduceOpTypes() {
  static const std::set<std::string> kTypes = {
      "ReduceL1",   "ReduceL2",  "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
      "ReduceMean", "ReduceMin", "ReduceProd",   "ReduceSum",       "ReduceSumSquare"};
  return kTypes;
}

bool IsDefaultDomain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

struct StaticType {
  int32_t elem_type = 0;
  ir::Shape shape;
};

// Saturates: a hostile shape must not wrap around below kMaxFoldElements.
int64_t NumElements(const ir::Shape& shape) { return ir::NumElements(shape); }

std::optional<StaticType> StaticTypeOf(const onnx::TypeProto& type) {
  if (!type.has_tensor_type() || !type.tensor_type().has_shape() ||
      type.tensor_type().elem_type() == 0) {
    return std::nullopt;
  }
  StaticType t;
  t.elem_type = type.tensor_type().elem_type();
  for (const auto& dim : type.tensor_type().shape().dim()) {
    if (!dim.has_dim_value() || dim.dim_value() < 0) return std::nullopt;
    t.shape.push_back(dim.dim_value());
  }
  return t;
}

int64_t IntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t fallback) {
  for (const auto& attr : node.attribute()) {
    if (attr.name() == name) return attr.i();
  }
  return fallback;
}

class ConstantPropagation {
 public:
  explicit ConstantPropagation(onnx::ModelProto* model) : graph_(model->mutable_graph()) {
    for (const auto& opset : model->opset_import()) {
      if (IsDefaultDomain(opset.domain())) opset_ = opset.version();
    }
  }

  bool Run() {
    CollectTypesAndConstants();
    bool changed = false;
    std::vector<bool> removed(graph_->node_size(), false);
    // Nodes that replace an If whose condition is known, by its index.
    std::map<int, std::vector<onnx::NodeProto>> inlined;
    for (int i = 0; i < graph_->node_size(); ++i) {
      onnx::NodeProto* node = graph_->mutable_node(i);
      if (!IsDefaultDomain(node->domain())) continue;
      if (node->op_type() == "Constant") {
        if (node->output_size() == 1) RecordConstantNode(*node);
        continue;
      }
      if (ReplaceZeroSizeNode(*node) || FoldNode(*node)) {
        removed[i] = true;
        changed = true;
        continue;
      }
      if (node->op_type() == "Scan" && UnrollScan(*node, &inlined[i])) {
        removed[i] = true;
        changed = true;
        continue;
      }
      if (node->op_type() == "Loop" && UnrollLoop(*node, &inlined[i])) {
        removed[i] = true;
        changed = true;
        continue;
      }
      if (node->op_type() == "If" && InlineIf(*node, &inlined[i])) {
        removed[i] = true;
        changed = true;
        continue;
      }
      if (node->op_type() == "Dropout") changed |= ResolveDropout(node);
      if (node->op_type() == "Concat") changed |= DropZeroSizeOperands(node);
      if (ReduceOpTypes().count(node->op_type()) > 0) changed |= ResolveReduceAxes(node);
    }
    if (!changed) return false;
    google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
    for (int i = 0; i < graph_->node_size(); ++i) {
      if (!removed[i]) *kept.Add() = std::move(*graph_->mutable_node(i));
      auto branch = inlined.find(i);
      if (branch == inlined.end()) continue;
      for (onnx::NodeProto& n : branch->second) *kept.Add() = std::move(n);
    }
    graph_->mutable_node()->Swap(&kept);
    return true;
  }

 private:
  void CollectTypesAndConstants() {
    for (const auto* list : {&graph_->input(), &graph_->value_info(), &graph_->output()}) {
      for (const auto& vi : *list) {
        if (types_.count(vi.name()) > 0) continue;
        if (auto t = StaticTypeOf(vi.type())) types_[vi.name()] = *t;
      }
    }
    for (const auto& init : graph_->initializer()) {
      constants_[init.name()] = &init;
      types_[init.name()] =
          StaticType{init.data_type(), ir::Shape(init.dims().begin(), init.dims().end())};
    }
    // A zero-size graph input holds no data: its value is known.
    for (const auto& input : graph_->input()) {
      auto it = types_.find(input.name());
      if (constants_.count(input.name()) > 0 || it == types_.end() ||
          NumElements(it->second.shape) != 0) {
        continue;
      }
      constants_[input.name()] = AddOwned(EmptyTensor(input.name(), it->second));
    }
  }

  static onnx::TensorProto EmptyTensor(const std::string& name, const StaticType& type) {
    onnx::TensorProto t;
    t.set_name(name);
    t.set_data_type(type.elem_type);
    for (int64_t d : type.shape) t.add_dims(d);
    t.set_raw_data("");
    return t;
  }

  const onnx::TensorProto* AddOwned(onnx::TensorProto tensor) {
    owned_.push_back(std::make_unique<onnx::TensorProto>(std::move(tensor)));
    return owned_.back().get();
  }

  void RecordConstantNode(const onnx::NodeProto& node) {
    if (node.attribute_size() != 1) return;
    const onnx::AttributeProto& attr = node.attribute(0);
    onnx::TensorProto t;
    if (attr.name() == "value") {
      t = attr.t();
    } else if (attr.name() == "value_int" || attr.name() == "value_ints") {
      t.set_data_type(onnx::TensorProto::INT64);
      if (attr.name() == "value_int") {
        t.add_int64_data(attr.i());
      } else {
        t.add_dims(attr.ints_size());
        for (int64_t v : attr.ints()) t.add_int64_data(v);
      }
    } else if (attr.name() == "value_float" || attr.name() == "value_floats") {
      t.set_data_type(onnx::TensorProto::FLOAT);
      if (attr.name() == "value_float") {
        t.add_float_data(attr.f());
      } else {
        t.add_dims(attr.floats_size());
        for (float v : attr.floats()) t.add_float_data(v);
      }
    } else {
      return;
    }
    t.set_name(node.output(0));
    types_[node.output(0)] = StaticType{t.data_type(), ir::Shape(t.dims().begin(), t.dims().end())};
    constants_[node.output(0)] = AddOwned(std::move(t));
  }

  // Makes `name` an initializer holding `tensor` (its name is set here).
  void AddInitializer(const std::string& name, onnx::TensorProto tensor) {
    tensor.set_name(name);
    onnx::TensorProto* init = graph_->add_initializer();
    *init = std::move(tensor);
    constants_[name] = AddOwned(*init);
    types_[name] =
        StaticType{init->data_type(), ir::Shape(init->dims().begin(), init->dims().end())};
  }

  // A node whose outputs all have zero elements computes nothing.
  bool ReplaceZeroSizeNode(const onnx::NodeProto& node) {
    if (node.output_size() == 0) return false;
    for (const auto& out : node.output()) {
      auto it = types_.find(out);
      if (out.empty() || it == types_.end() || NumElements(it->second.shape) != 0) return false;
    }
    for (const auto& out : node.output()) AddInitializer(out, EmptyTensor(out, types_[out]));
    return true;
  }

  bool FoldNode(const onnx::NodeProto& node) {
    if (!IsFoldable(node.op_type()) || node.output_size() != 1) return false;
    auto out_type = types_.find(node.output(0));
    if (out_type == types_.end() || NumElements(out_type->second.shape) > kMaxFoldElements) {
      return false;
    }
    auto out_dtype = ConvertElemType(out_type->second.elem_type, node.output(0));
    if (!out_dtype.ok()) return false;
    // Shape and Size read only the shape of their input.
    const bool shape_only = node.op_type() == "Shape" || node.op_type() == "Size";
    ir::Graph scratch("constant_propagation");
    std::vector<ir::Value*> inputs;
    for (const auto& in : node.input()) {
      if (in.empty()) {
        inputs.push_back(nullptr);
        continue;
      }
      auto c = constants_.find(in);
      if (c != constants_.end()) {
        auto tensor = ConvertTensor(*c->second, in);
        if (!tensor.ok()) return false;
        inputs.push_back(scratch.AddConstant(in, tensor->dtype, std::move(tensor->shape),
                                             std::move(tensor->data)));
        continue;
      }
      auto t = types_.find(in);
      if (!shape_only || t == types_.end()) return false;
      auto dtype = ConvertElemType(t->second.elem_type, in);
      if (!dtype.ok()) return false;
      inputs.push_back(scratch.AddValue(in, *dtype, t->second.shape));
    }
    ir::Value* out = scratch.AddValue(node.output(0), *out_dtype, out_type->second.shape);
    ir::Op* op = scratch.AddOp(node.op_type(), node.name(), std::move(inputs), {out});
    std::vector<std::string> errors;
    ConvertAttributes(node, node.name(), op, &errors);
    if (!errors.empty()) return false;
    std::optional<std::vector<double>> values = ir::eval::EvaluateOnHost(*op);
    if (!values) return false;
    onnx::TensorProto tensor;
    tensor.set_data_type(out_type->second.elem_type);
    for (int64_t d : out_type->second.shape) tensor.add_dims(d);
    std::vector<uint8_t> bytes = ir::eval::BytesFromDoubles(*values, *out_dtype);
    tensor.set_raw_data(std::string(bytes.begin(), bytes.end()));
    AddInitializer(node.output(0), std::move(tensor));
    return true;
  }

  // An If whose condition is known at compile time (folded from shapes,
  // constants or a --freeze-input) is replaced by the nodes of the branch
  // it takes: its initializers join the graph's, the names it defines are
  // made unique in the graph, outer-scope names read as they are, and an
  // Identity gives each If output its branch output. Nested Ifs inline on
  // later sweeps, as their own conditions become known.
  bool InlineIf(const onnx::NodeProto& node, std::vector<onnx::NodeProto>* out) {
    if (node.input_size() != 1) return false;
    auto cond = constants_.find(node.input(0));
    if (cond == constants_.end()) return false;
    auto tensor = ConvertTensor(*cond->second, node.input(0));
    if (!tensor.ok() || ir::NumElements(tensor->shape) != 1) return false;
    ir::Graph scratch("if");
    ir::Value* c = scratch.AddConstant("c", tensor->dtype, tensor->shape, tensor->data);
    const bool taken = ir::eval::ConstantAsDoubles(*c)[0] != 0;
    const onnx::GraphProto* branch = nullptr;
    for (const auto& attr : node.attribute()) {
      if (attr.name() == (taken ? "then_branch" : "else_branch") && attr.has_g()) {
        branch = &attr.g();
      }
    }
    if (branch == nullptr || branch->output_size() != node.output_size()) return false;
    std::map<std::string, std::string> renamed;
    CopySubgraph(*branch, node.name(), &renamed, out);
    for (int k = 0; k < node.output_size(); ++k) {
      if (node.output(k).empty()) continue;
      out->push_back(Identity(Use(renamed, branch->output(k).name()), node.output(k),
                              absl::StrCat(node.name(), "/output_", k)));
    }
    return true;
  }

  // A Loop whose trip count is a constant (at most kMaxUnrolledNodes nodes
  // in all) and whose condition stays true (absent, or a constant true
  // passed through the body unchanged) is unrolled: one copy of the body
  // per iteration, the iteration number and condition as constants, the
  // loop-carried values threaded through, and each scan output the Concat
  // of its per-iteration values, each with a new leading axis.
  bool UnrollLoop(const onnx::NodeProto& node, std::vector<onnx::NodeProto>* out) {
    if (node.input_size() < 2) return false;
    const onnx::GraphProto* body = nullptr;
    for (const auto& attr : node.attribute()) {
      if (attr.name() == "body" && attr.has_g()) body = &attr.g();
    }
    const int carried = node.input_size() - 2;
    if (body == nullptr || body->input_size() != carried + 2 ||
        body->output_size() < carried + 1) {
      return false;
    }
    auto trips = ScalarConstant(node.input(0));
    if (!trips || *trips < 1) return false;
    if (!node.input(1).empty()) {
      auto cond = ScalarConstant(node.input(1));
      if (!cond || *cond == 0) return false;
    }
    // The body must pass its condition through (or make it a constant true).
    const std::string& cond_in = body->input(1).name();
    const std::string& cond_out = body->output(0).name();
    bool passes = cond_out == cond_in;
    for (const auto& n : body->node()) {
      if (n.output_size() == 1 && n.output(0) == cond_out && n.op_type() == "Identity" &&
          n.input_size() == 1 && n.input(0) == cond_in) {
        passes = true;
      }
    }
    if (!passes) return false;
    const int64_t nodes = *trips * (body->node_size() + 2);
    if (nodes > kMaxUnrolledNodes) return false;
    const int scans = body->output_size() - 1 - carried;
    std::vector<std::string> values(node.input().begin() + 2, node.input().end());
    std::vector<std::vector<std::string>> scanned(scans);
    onnx::TensorProto true_tensor;
    true_tensor.set_data_type(onnx::TensorProto::BOOL);
    true_tensor.add_int32_data(1);
    const std::string truth = Fresh(absl::StrCat(node.name(), "/cond"));
    AddInitializer(truth, std::move(true_tensor));
    for (int64_t i = 0; i < *trips; ++i) {
      std::map<std::string, std::string> renamed;
      onnx::TensorProto iteration;
      iteration.set_data_type(onnx::TensorProto::INT64);
      iteration.add_int64_data(i);
      const std::string iter_name = Fresh(absl::StrCat(node.name(), "/iteration_", i));
      AddInitializer(iter_name, std::move(iteration));
      renamed[body->input(0).name()] = iter_name;
      renamed[cond_in] = truth;
      for (int k = 0; k < carried; ++k) renamed[body->input(2 + k).name()] = values[k];
      CopySubgraph(*body, absl::StrCat(node.name(), "/iteration_", i), &renamed, out);
      for (int k = 0; k < carried; ++k) values[k] = Use(renamed, body->output(1 + k).name());
      for (int k = 0; k < scans; ++k) {
        scanned[k].push_back(Use(renamed, body->output(1 + carried + k).name()));
      }
    }
    for (int k = 0; k < carried && k < node.output_size(); ++k) {
      if (node.output(k).empty()) continue;
      out->push_back(Identity(values[k], node.output(k), absl::StrCat(node.name(), "/output_", k)));
    }
    for (int k = 0; k < scans && carried + k < node.output_size(); ++k) {
      const std::string& result = node.output(carried + k);
      if (result.empty()) continue;
      onnx::NodeProto concat;
      concat.set_op_type("Concat");
      concat.set_name(absl::StrCat(node.name(), "/scan_", k));
      AddIntAttribute(&concat, "axis", 0);
      for (const std::string& v : scanned[k]) {
        onnx::NodeProto unsqueeze;
        unsqueeze.set_op_type("Unsqueeze");
        unsqueeze.set_name(Fresh(absl::StrCat(v, "/unsqueeze")));
        unsqueeze.add_input(v);
        if (opset_ >= 13) {
          onnx::TensorProto axes;
          axes.set_data_type(onnx::TensorProto::INT64);
          axes.add_dims(1);
          axes.add_int64_data(0);
          const std::string axes_name = Fresh(absl::StrCat(v, "/axes"));
          AddInitializer(axes_name, std::move(axes));
          unsqueeze.add_input(axes_name);
        } else {
          auto* a = unsqueeze.add_attribute();
          a->set_name("axes");
          a->set_type(onnx::AttributeProto::INTS);
          a->add_ints(0);
        }
        unsqueeze.add_output(Fresh(absl::StrCat(v, "/scan")));
        concat.add_input(unsqueeze.output(0));
        out->push_back(std::move(unsqueeze));
      }
      concat.add_output(result);
      out->push_back(std::move(concat));
    }
    return true;
  }

  // A Scan (opset 9+) over scan inputs of static length is unrolled: per
  // step, each scan input's slice (Slice + Squeeze along its axis, from the
  // end for reverse directions) feeds a copy of the body, the states are
  // threaded through, and each scan output is the Concat of its
  // per-step values, each with a new axis (reversed for reverse
  // directions). At most kMaxUnrolledNodes nodes.
  bool UnrollScan(const onnx::NodeProto& node, std::vector<onnx::NodeProto>* out) {
    if (opset_ < 9) return false;
    const onnx::GraphProto* body = nullptr;
    int64_t num_scan_inputs = -1;
    std::vector<int64_t> in_axes, in_dirs, out_axes, out_dirs;
    for (const auto& attr : node.attribute()) {
      if (attr.name() == "body" && attr.has_g()) body = &attr.g();
      if (attr.name() == "num_scan_inputs") num_scan_inputs = attr.i();
      auto ints = std::vector<int64_t>(attr.ints().begin(), attr.ints().end());
      if (attr.name() == "scan_input_axes") in_axes = ints;
      if (attr.name() == "scan_input_directions") in_dirs = ints;
      if (attr.name() == "scan_output_axes") out_axes = ints;
      if (attr.name() == "scan_output_directions") out_dirs = ints;
    }
    const int64_t states = node.input_size() - num_scan_inputs;
    if (body == nullptr || num_scan_inputs < 1 || states < 0 ||
        body->input_size() != node.input_size() || body->output_size() < states) {
      return false;
    }
    const int64_t scan_outputs = body->output_size() - states;
    if (node.output_size() > body->output_size()) return false;
    // Every scan input's static shape, and one sequence length.
    int64_t length = -1;
    std::vector<ir::Shape> shapes;
    std::vector<int64_t> axes;
    for (int64_t k = 0; k < num_scan_inputs; ++k) {
      auto t = types_.find(node.input(states + k));
      if (t == types_.end()) return false;
      const ir::Shape& shape = t->second.shape;
      int64_t axis = k < static_cast<int64_t>(in_axes.size()) ? in_axes[k] : 0;
      if (axis < 0) axis += static_cast<int64_t>(shape.size());
      if (axis < 0 || axis >= static_cast<int64_t>(shape.size())) return false;
      if (length >= 0 && shape[axis] != length) return false;
      length = shape[axis];
      shapes.push_back(shape);
      axes.push_back(axis);
    }
    if (length < 1 || length * (body->node_size() + 2 * num_scan_inputs + 2) > kMaxUnrolledNodes) {
      return false;
    }
    auto int64s = [&](const std::string& base, const std::vector<int64_t>& v) {
      onnx::TensorProto t;
      t.set_data_type(onnx::TensorProto::INT64);
      t.add_dims(static_cast<int64_t>(v.size()));
      for (int64_t x : v) t.add_int64_data(x);
      const std::string name = Fresh(base);
      AddInitializer(name, std::move(t));
      return name;
    };
    std::vector<std::string> values(node.input().begin(), node.input().begin() + states);
    std::vector<std::vector<std::string>> scanned(scan_outputs);
    for (int64_t step = 0; step < length; ++step) {
      std::map<std::string, std::string> renamed;
      for (int64_t k = 0; k < states; ++k) renamed[body->input(k).name()] = values[k];
      for (int64_t k = 0; k < num_scan_inputs; ++k) {
        const bool reverse = k < static_cast<int64_t>(in_dirs.size()) && in_dirs[k] != 0;
        const int64_t at = reverse ? length - 1 - step : step;
        const std::string& seq = node.input(states + k);
        const std::string base = absl::StrCat(node.name(), "/step_", step, "/in_", k);
        onnx::NodeProto slice;
        slice.set_op_type("Slice");
        slice.set_name(Fresh(base + "/slice"));
        slice.add_input(seq);
        slice.add_input(int64s(base + "/start", {at}));
        slice.add_input(int64s(base + "/end", {at + 1}));
        slice.add_input(int64s(base + "/axis", {axes[k]}));
        slice.add_output(Fresh(base + "/sliced"));
        onnx::NodeProto squeeze;
        squeeze.set_op_type("Squeeze");
        squeeze.set_name(Fresh(base + "/squeeze"));
        squeeze.add_input(slice.output(0));
        if (opset_ >= 13) {
          squeeze.add_input(int64s(base + "/squeeze_axes", {axes[k]}));
        } else {
          auto* a = squeeze.add_attribute();
          a->set_name("axes");
          a->set_type(onnx::AttributeProto::INTS);
          a->add_ints(axes[k]);
        }
        squeeze.add_output(Fresh(base));
        renamed[body->input(states + k).name()] = squeeze.output(0);
        out->push_back(std::move(slice));
        out->push_back(std::move(squeeze));
      }
      CopySubgraph(*body, absl::StrCat(node.name(), "/step_", step), &renamed, out);
      for (int64_t k = 0; k < states; ++k) values[k] = Use(renamed, body->output(k).name());
      for (int64_t k = 0; k < scan_outputs; ++k) {
        scanned[k].push_back(Use(renamed, body->output(states + k).name()));
      }
    }
    for (int64_t k = 0; k < states && k < node.output_size(); ++k) {
      if (node.output(k).empty()) continue;
      out->push_back(Identity(values[k], node.output(k), absl::StrCat(node.name(), "/output_", k)));
    }
    for (int64_t k = 0; k < scan_outputs && states + k < node.output_size(); ++k) {
      const std::string& result = node.output(states + k);
      if (result.empty()) continue;
      std::vector<std::string> parts = scanned[k];
      if (k < static_cast<int64_t>(out_dirs.size()) && out_dirs[k] != 0) {
        std::reverse(parts.begin(), parts.end());
      }
      // The new axis; negative counts from the end of the output's rank.
      int64_t axis = k < static_cast<int64_t>(out_axes.size()) ? out_axes[k] : 0;
      if (axis < 0) {
        auto t = types_.find(result);
        if (t == types_.end()) return false;
        axis += static_cast<int64_t>(t->second.shape.size());
      }
      onnx::NodeProto concat;
      concat.set_op_type("Concat");
      concat.set_name(absl::StrCat(node.name(), "/scan_", k));
      AddIntAttribute(&concat, "axis", axis);
      for (const std::string& v : parts) {
        onnx::NodeProto unsqueeze;
        unsqueeze.set_op_type("Unsqueeze");
        unsqueeze.set_name(Fresh(absl::StrCat(v, "/unsqueeze")));
        unsqueeze.add_input(v);
        if (opset_ >= 13) {
          unsqueeze.add_input(int64s(absl::StrCat(v, "/axes"), {axis}));
        } else {
          auto* a = unsqueeze.add_attribute();
          a->set_name("axes");
          a->set_type(onnx::AttributeProto::INTS);
          a->add_ints(axis);
        }
        unsqueeze.add_output(Fresh(absl::StrCat(v, "/scan")));
        concat.add_input(unsqueeze.output(0));
        out->push_back(std::move(unsqueeze));
      }
      concat.add_output(result);
      out->push_back(std::move(concat));
    }
    return true;
  }

  // The value of a one-element constant.
  std::optional<double> ScalarConstant(const std::string& name) {
    auto c = constants_.find(name);
    if (c == constants_.end()) return std::nullopt;
    auto tensor = ConvertTensor(*c->second, name);
    if (!tensor.ok() || ir::NumElements(tensor->shape) != 1) return std::nullopt;
    ir::Graph scratch("scalar");
    ir::Value* v = scratch.AddConstant("v", tensor->dtype, tensor->shape, tensor->data);
    return ir::eval::ConstantAsDoubles(*v)[0];
  }

  // Every name the graph holds, so copied subgraphs' names can be renamed
  // where they clash (a branch may reuse a name of another branch; each
  // unrolled iteration defines the body's names again).
  std::string Fresh(const std::string& name) {
    if (names_.empty()) {
      for (const auto& vi : graph_->input()) names_.insert(vi.name());
      for (const auto& init : graph_->initializer()) names_.insert(init.name());
      for (const auto& n : graph_->node()) {
        for (const auto& o : n.output()) names_.insert(o);
      }
    }
    std::string fresh = name;
    while (names_.count(fresh)) fresh = absl::StrCat(name, "_", ++inlines_);
    names_.insert(fresh);
    return fresh;
  }

  static std::string Use(const std::map<std::string, std::string>& renamed,
                         const std::string& name) {
    auto it = renamed.find(name);
    return it == renamed.end() ? name : it->second;
  }

  static onnx::NodeProto Identity(const std::string& in, const std::string& out,
                                  const std::string& name) {
    onnx::NodeProto identity;
    identity.set_op_type("Identity");
    identity.set_name(name);
    identity.add_input(in);
    identity.add_output(out);
    return identity;
  }

  static void AddIntAttribute(onnx::NodeProto* node, const std::string& name, int64_t value) {
    auto* a = node->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
  }

  // Appends `graph`'s nodes (named under `prefix`) to `out`, its
  // initializers and value_info to the main graph; every name it defines
  // gets a fresh name, recorded in `renamed` (which may already map the
  // subgraph's inputs); names from the outer scope read as they are.
  void CopySubgraph(const onnx::GraphProto& graph, const std::string& prefix,
                    std::map<std::string, std::string>* renamed,
                    std::vector<onnx::NodeProto>* out) {
    auto define = [&](const std::string& name) {
      if (name.empty()) return name;
      std::string fresh = Fresh(name);
      (*renamed)[name] = fresh;
      return fresh;
    };
    for (const auto& init : graph.initializer()) {
      onnx::TensorProto t = init;
      AddInitializer(define(init.name()), std::move(t));
    }
    for (const auto& n : graph.node()) {
      onnx::NodeProto copy = n;
      for (int k = 0; k < copy.input_size(); ++k) copy.set_input(k, Use(*renamed, copy.input(k)));
      for (int k = 0; k < copy.output_size(); ++k) copy.set_output(k, define(copy.output(k)));
      copy.set_name(absl::StrCat(prefix, "/", copy.name()));
      out->push_back(std::move(copy));
    }
    for (const auto& vi : graph.value_info()) {
      auto it = renamed->find(vi.name());
      if (it == renamed->end()) continue;
      onnx::ValueInfoProto copy = vi;
      copy.set_name(it->second);
      *graph_->add_value_info() = std::move(copy);
    }
  }

  // Dropout (opset 12+) with a constant training_mode that is false, or a
  // constant ratio of 0, drops nothing: an Identity (torchvision's Swin
  // exports F.dropout(attn, p=0.0) as training_mode=true). Only when the
  // mask output is not used.
  bool ResolveDropout(onnx::NodeProto* node) {
    if (node->input_size() < 2) return false;
    if (node->output_size() > 1 && !node->output(1).empty()) {
      const std::string& mask = node->output(1);
      for (const auto& out : graph_->output()) {
        if (out.name() == mask) return false;
      }
      for (const auto& n : graph_->node()) {
        for (const auto& in : n.input()) {
          if (in == mask) return false;
        }
      }
    }
    const std::string ratio = node->input(1);
    const std::string training = node->input_size() > 2 ? node->input(2) : "";
    bool inert = training.empty();
    if (!training.empty()) {
      std::optional<double> t = ScalarConstant(training);
      inert = t.has_value() && *t == 0;
    }
    if (!inert && !ratio.empty()) {
      std::optional<double> r = ScalarConstant(ratio);
      inert = r.has_value() && *r == 0;
    }
    if (!inert) return false;
    MakeIdentity(node);
    while (node->output_size() > 1) node->mutable_output()->RemoveLast();
    return true;
  }

  bool IsZeroSize(const std::string& name) const {
    auto it = types_.find(name);
    return it != types_.end() && NumElements(it->second.shape) == 0;
  }

  // Concat ignores operands with no elements, and lowerings need not see
  // them.
  bool DropZeroSizeOperands(onnx::NodeProto* node) {
    std::vector<std::string> kept;
    for (const auto& in : node->input()) {
      if (!IsZeroSize(in)) kept.push_back(in);
    }
    if (kept.empty() || kept.size() == static_cast<size_t>(node->input_size())) return false;
    node->clear_input();
    for (const auto& in : kept) node->add_input(in);
    return true;
  }

  // Reduce* with an `axes` input (opset 13 for ReduceSum, 18 for the others).
  //  - Empty constant axes (an empty initializer or zero-size graph input):
  //    with noop_with_empty_axes the node is an Identity; without it, the
  //    input is dropped, which reduces all axes as the spec says.
  //  - Runtime axes with keepdims=1 and static input and output shapes: the
  //    reduced axes are then derivable. Let S be the true axes and
  //    D = {d : out[d] == 1 && in[d] != 1}. D is a subset of S, and S \ D
  //    has only size-1 dims, which never change which elements form a
  //    group, so reducing over D, or over A = {d : out[d] == 1}, gives the
  //    same result as over S. The exception is noop_with_empty_axes with S
  //    empty: an identity, where A would square (SumSquare), take |x| (L1,
  //    L2) or log x (LogSum). When D is non-empty S cannot be empty, so D
  //    is exact; when D is empty and the noop flag is set, S may be empty
  //    or a set of size-1 dims, which agree only for the reductions whose
  //    value on one element is that element (Sum, Mean, Max, Min, Prod):
  //    those become an Identity, the others are left alone.
  bool ResolveReduceAxes(onnx::NodeProto* node) {
    if (node->input_size() < 2 || node->input(1).empty()) return false;
    const std::string axes = node->input(1);
    const bool noop = IntAttribute(*node, "noop_with_empty_axes", 0) != 0;
    auto c = constants_.find(axes);
    if (c != constants_.end()) {
      if (!IsZeroSize(axes)) return false;
      if (noop) {
        MakeIdentity(node);
      } else {
        node->mutable_input()->RemoveLast();
      }
      return true;
    }
    if (IntAttribute(*node, "keepdims", 1) != 1 || node->output_size() != 1) return false;
    auto in = types_.find(node->input(0));
    auto out = types_.find(node->output(0));
    if (in == types_.end() || out == types_.end() ||
        in->second.shape.size() != out->second.shape.size()) {
      return false;
    }
    const ir::Shape& is = in->second.shape;
    const ir::Shape& os = out->second.shape;
    std::vector<int64_t> derived, ones;
    for (size_t d = 0; d < is.size(); ++d) {
      if (os[d] == 1) ones.push_back(static_cast<int64_t>(d));
      if (os[d] == 1 && is[d] != 1) derived.push_back(static_cast<int64_t>(d));
      if (os[d] != 1 && os[d] != is[d]) return false;
    }
    if (derived.empty() && noop) {
      static const std::set<std::string> kIdentityOnOneElement = {
          "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum"};
      if (kIdentityOnOneElement.count(node->op_type()) == 0) return false;
      MakeIdentity(node);
      return true;
    }
    if (derived.empty()) derived = ones;
    if (derived.empty()) return false;
    onnx::TensorProto tensor;
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_dims(static_cast<int64_t>(derived.size()));
    for (int64_t d : derived) tensor.add_int64_data(d);
    std::string name = absl::StrCat(node->output(0), ".axes");
    while (types_.count(name) > 0) absl::StrAppend(&name, "_");
    AddInitializer(name, std::move(tensor));
    node->set_input(1, name);
    return true;
  }

  static void MakeIdentity(onnx::NodeProto* node) {
    node->set_op_type("Identity");
    node->clear_attribute();
    while (node->input_size() > 1) node->mutable_input()->RemoveLast();
  }

  onnx::GraphProto* graph_;
  std::map<std::string, StaticType> types_;
  std::map<std::string, const onnx::TensorProto*> constants_;
  std::vector<std::unique_ptr<onnx::TensorProto>> owned_;
  std::set<std::string> names_;  // filled when a subgraph is first copied
  int inlines_ = 0;
  int64_t opset_ = 0;
};

}  // namespace

bool PropagateConstants(onnx::ModelProto* model) { return ConstantPropagation(model).Run(); }

std::string DescribeIfCondition(const onnx::GraphProto& graph, const onnx::NodeProto& node) {
  if (node.input_size() < 1) return "it has no condition";
  // Walk the condition's producers back to the graph inputs it reads.
  std::map<std::string, const onnx::NodeProto*> producer;
  for (const auto& n : graph.node()) {
    for (const auto& o : n.output()) producer[o] = &n;
  }
  std::set<std::string> inputs;
  for (const auto& vi : graph.input()) inputs.insert(vi.name());
  for (const auto& init : graph.initializer()) inputs.erase(init.name());
  std::vector<std::string> reads;
  std::vector<std::string> stack = {node.input(0)};
  std::set<std::string> seen;
  while (!stack.empty() && seen.size() < 10000) {
    std::string name = stack.back();
    stack.pop_back();
    if (name.empty() || !seen.insert(name).second) continue;
    if (inputs.count(name)) {
      reads.push_back(ncc::text::QuotedName(name));
      continue;
    }
    auto p = producer.find(name);
    if (p == producer.end()) continue;
    for (const auto& in : p->second->input()) stack.push_back(in);
  }
  std::sort(reads.begin(), reads.end());
  const std::string why =
      reads.empty() ? "the condition is computed on the device"
                    : absl::StrCat("the condition depends on input", reads.size() > 1 ? "s " : " ",
                                   absl::StrJoin(reads, ", "));
  return absl::StrCat(why,
                      "; only an If whose condition is known at compile time (from shapes, "
                      "constants or --freeze-input) is compiled, as the branch it takes");
}

}  // namespace ncc::onnx_frontend
