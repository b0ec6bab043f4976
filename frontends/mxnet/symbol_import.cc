#include "frontends/mxnet/symbol_import.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/eval/graph_edit.h"
#include "frontends/mxnet/convert.h"
#include "frontends/mxnet/op_table.h"
#include "frontends/unsupported.h"
#include "text/printable.h"

namespace ncc::mxnet_frontend {
namespace {

using frontends::UnsupportedNode;
using text::PrintableName;
using text::QuotedName;

// As the other frontends' bounds: larger dimensions could overflow shape
// arithmetic.
constexpr int64_t kMaxDimension = int64_t{1} << 31;

// "'a', 'b', 'c' and 4 more".
std::string NameList(const std::vector<std::string>& names, size_t shown = 5) {
  std::vector<std::string> quoted;
  for (size_t i = 0; i < names.size() && i < shown; ++i) quoted.push_back(QuotedName(names[i]));
  std::string out = absl::StrJoin(quoted, ", ");
  if (names.size() > shown) absl::StrAppend(&out, " and ", names.size() - shown, " more");
  return out;
}

// MXNet's __dtype__ attribute codes (mshadow type flags).
std::optional<ir::DType> DTypeFromFlag(int64_t flag) {
  switch (flag) {
    case 0: return ir::DType::kF32;
    case 1: return ir::DType::kF32;  // float64, computed in float32
    case 2: return ir::DType::kF16;
    case 3: return ir::DType::kU8;
    case 4: return ir::DType::kI32;
    case 5: return ir::DType::kI8;
    case 6: return ir::DType::kI64;
    default: return std::nullopt;
  }
}

// A float16 or float64 parameter's data as float32.
std::vector<uint8_t> WidenOrNarrowToF32(const ParamArray& p) {
  const size_t n = p.data.size() / ir::DTypeSize(p.dtype);
  std::vector<uint8_t> out(n * 4);
  for (size_t i = 0; i < n; ++i) {
    float f;
    if (p.dtype == ir::DType::kF16) {
      uint16_t h;
      std::memcpy(&h, p.data.data() + 2 * i, 2);
      f = ir::eval::F16ToFloat(h);
    } else {
      double d;
      std::memcpy(&d, p.data.data() + 8 * i, 8);
      f = static_cast<float>(d);
    }
    std::memcpy(out.data() + 4 * i, &f, 4);
  }
  return out;
}

class Importer {
 public:
  Importer(const Symbol& symbol, std::vector<ParamArray> params, absl::string_view symbol_origin,
           absl::string_view params_origin, const frontends::ImportOptions& options)
      : symbol_(symbol),
        params_(std::move(params)),
        origin_(symbol_origin),
        params_origin_(params_origin),
        options_(options) {}

  absl::StatusOr<frontends::ImportedModel> Run();

 private:
  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(origin_, ": ", message));
  }
  absl::Status IndexParams();
  void MarkNeeded();
  absl::Status ClassifyVariables();
  absl::Status CheckOptionNames();
  absl::Status AddVariable(size_t index);
  absl::Status ConvertNodes();
  std::string OutputName(size_t node, size_t k) const;
  absl::Status BindOutputs();

  const Symbol& symbol_;
  std::vector<ParamArray> params_;
  std::string origin_;
  std::string params_origin_;
  const frontends::ImportOptions& options_;

  std::map<std::string, size_t> param_index_;
  std::vector<bool> needed_;
  std::set<size_t> label_only_;     // variables read only as training labels
  std::set<std::string> inputs_;    // variable names that are model inputs
  std::set<std::string> used_params_;
  std::vector<std::string> notes_;

  std::unique_ptr<ir::Graph> graph_;
  std::unique_ptr<GraphBuilder> builder_;
  std::vector<std::vector<InputValue>> values_;  // per node, per output
};

absl::Status Importer::IndexParams() {
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!param_index_.emplace(params_[i].name, i).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          params_origin_, ": holds parameter ", QuotedName(params_[i].name), " twice"));
    }
  }
  return absl::OkStatus();
}

// The nodes the heads need (a symbol saved from a larger graph may carry
// more).
void Importer::MarkNeeded() {
  const size_t n = symbol_.nodes.size();
  needed_.assign(n, false);
  for (const NodeEntry& head : symbol_.heads) needed_[head.node] = true;
  std::map<size_t, bool> label_uses;  // variable -> read only as a label so far
  for (size_t i = n; i-- > 0;) {
    if (!needed_[i]) continue;
    const SymbolNode& node = symbol_.nodes[i];
    const MxnetOpSupport* op = node.is_variable() ? nullptr : FindMxnetOp(node.op);
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      const size_t in = static_cast<size_t>(node.inputs[k].node);
      needed_[in] = true;
      if (!symbol_.nodes[in].is_variable()) continue;
      const bool label = op != nullptr && op->first_label > 0 &&
                         k >= static_cast<size_t>(op->first_label);
      auto [it, inserted] = label_uses.emplace(in, label);
      if (!inserted) it->second = it->second && label;
    }
  }
  for (const auto& [var, only_label] : label_uses) {
    if (only_label) label_only_.insert(var);
  }
}

absl::Status Importer::ClassifyVariables() {
  // Variables read where an operator takes a parameter (weights, biases,
  // statistics) that the params file lacks.
  std::set<std::string> param_slots;
  for (size_t i = 0; i < symbol_.nodes.size(); ++i) {
    const SymbolNode& node = symbol_.nodes[i];
    if (!needed_[i] || node.is_variable()) continue;
    const MxnetOpSupport* op = FindMxnetOp(node.op);
    if (op == nullptr || op->first_param == 0) continue;
    for (size_t k = op->first_param; k < node.inputs.size(); ++k) {
      const SymbolNode& in = symbol_.nodes[node.inputs[k].node];
      if (in.is_variable()) param_slots.insert(in.name);
    }
  }
  std::vector<std::string> missing;
  std::set<std::string> seen;
  for (size_t i = 0; i < symbol_.nodes.size(); ++i) {
    const SymbolNode& node = symbol_.nodes[i];
    if (!needed_[i] || !node.is_variable() || label_only_.count(i)) continue;
    if (!seen.insert(node.name).second) {
      return Error(absl::StrCat("two variables are named ", QuotedName(node.name)));
    }
    if (param_index_.count(node.name)) {
      used_params_.insert(node.name);
      continue;
    }
    const bool pinned = options_.input_shapes.count(node.name) ||
                        options_.frozen_inputs.count(node.name);
    if (param_slots.count(node.name) && !pinned) {
      missing.push_back(node.name);
      continue;
    }
    inputs_.insert(node.name);
  }
  if (!missing.empty()) {
    std::vector<std::string> unused;
    for (const ParamArray& p : params_) {
      if (!used_params_.count(p.name) && !seen.count(p.name)) unused.push_back(p.name);
    }
    std::string message = absl::StrCat(params_origin_, ": no array for ", missing.size(), " of the symbol's parameters: ",
                                       NameList(missing));
    if (!unused.empty()) {
      absl::StrAppend(&message, "; it holds ", NameList(unused, 3),
                      ", which the symbol does not use: is it the params file of another symbol?");
    }
    return absl::InvalidArgumentError(message);
  }
  return absl::OkStatus();
}

absl::Status Importer::CheckOptionNames() {
  auto check = [&](const std::string& name, absl::string_view flag) -> absl::Status {
    if (inputs_.count(name)) return absl::OkStatus();
    std::vector<std::string> names(inputs_.begin(), inputs_.end());
    std::string why = param_index_.count(name) ? " (a parameter from the params file)" : "";
    return Error(absl::StrCat(flag, " names ", QuotedName(name), why,
                              ", which is not an input of the symbol; its inputs: ",
                              names.empty() ? "none" : NameList(names, 10)));
  };
  for (const auto& [name, dims] : options_.input_shapes) {
    NCC_MX_RETURN_IF_ERROR(check(name, "--input-shape"));
  }
  for (const auto& [name, dtype] : options_.input_dtypes) {
    NCC_MX_RETURN_IF_ERROR(check(name, "--io-config"));
  }
  for (const auto& [name, frozen] : options_.frozen_inputs) {
    NCC_MX_RETURN_IF_ERROR(check(name, "--freeze-input"));
  }
  return absl::OkStatus();
}

absl::Status Importer::AddVariable(size_t index) {
  const SymbolNode& node = symbol_.nodes[index];
  auto param = param_index_.find(node.name);
  if (param != param_index_.end()) {
    ParamArray& p = params_[param->second];
    ir::DType dtype = p.dtype;
    std::vector<uint8_t> data = std::move(p.data);
    if (dtype == ir::DType::kF16 || dtype == ir::DType::kF64) {
      ParamArray view = p;
      view.data = std::move(data);
      data = WidenOrNarrowToF32(view);
      dtype = ir::DType::kF32;
    }
    ir::Value* c = graph_->AddConstant(builder_->NewName(node.name), dtype, p.shape,
                                       std::move(data));
    values_[index] = {InputValue{c, node.name}};
    return absl::OkStatus();
  }
  auto frozen = options_.frozen_inputs.find(node.name);
  if (frozen != options_.frozen_inputs.end()) {
    const frontends::FrozenInput& f = frozen->second;
    ir::Value* c = graph_->AddConstant(builder_->NewName(node.name), f.dtype, f.shape, f.data);
    values_[index] = {InputValue{c, ""}};
    return absl::OkStatus();
  }
  // A model input: the pin, else a fully static __shape__.
  std::optional<ir::Shape> declared;
  auto shape_attr = node.attrs.find("__shape__");
  if (shape_attr != node.attrs.end()) {
    auto tuple = ParseTuple(shape_attr->second);
    if (tuple) {
      ir::Shape s;
      bool known = true;
      for (const auto& d : *tuple) {
        known &= d.has_value() && *d > 0 && *d <= kMaxDimension;
        if (known) s.push_back(*d);
      }
      if (known) declared = s;
    }
  }
  ir::Shape shape;
  auto pin = options_.input_shapes.find(node.name);
  if (pin != options_.input_shapes.end()) {
    shape = pin->second;
    if (declared && declared->size() != shape.size()) {
      return Error(absl::StrCat("--input-shape gives input ", QuotedName(node.name), " rank ",
                                shape.size(), " but the symbol declares ",
                                ir::ShapeToString(*declared)));
    }
  } else if (declared) {
    shape = *declared;
  } else {
    return Error(absl::StrCat("input ", QuotedName(node.name),
                              " has no static shape in the symbol; pin it with --input-shape ",
                              PrintableName(node.name), "=D0,D1,... or --io-config"));
  }
  for (int64_t d : shape) {
    if (d < 1 || d > kMaxDimension) {
      return Error(absl::StrCat("input ", QuotedName(node.name), " shape ",
                                ir::ShapeToString(shape), " has a dimension out of range"));
    }
  }
  ir::DType dtype = ir::DType::kF32;
  auto dtype_attr = node.attrs.find("__dtype__");
  if (dtype_attr != node.attrs.end()) {
    std::optional<int64_t> flag = ParseInt(dtype_attr->second);
    std::optional<ir::DType> d = flag ? DTypeFromFlag(*flag) : std::nullopt;
    if (!d) {
      return Error(absl::StrCat("input ", QuotedName(node.name), " has __dtype__ ",
                                QuotedName(dtype_attr->second), ", which is not supported"));
    }
    dtype = *d;
  }
  auto pinned_dtype = options_.input_dtypes.find(node.name);
  if (pinned_dtype != options_.input_dtypes.end()) dtype = pinned_dtype->second;
  ir::Value* input = graph_->AddValue(builder_->NewName(node.name), dtype, shape);
  graph_->inputs().push_back(input);
  values_[index] = {InputValue{input, ""}};
  return absl::OkStatus();
}

absl::Status Importer::ConvertNodes() {
  std::vector<UnsupportedNode> unsupported;
  std::set<size_t> failed;  // nodes not converted (unsupported as used)
  for (size_t i = 0; i < symbol_.nodes.size(); ++i) {
    const SymbolNode& node = symbol_.nodes[i];
    if (!needed_[i] || label_only_.count(i)) continue;
    if (node.is_variable()) {
      NCC_MX_RETURN_IF_ERROR(AddVariable(i));
      continue;
    }
    const MxnetOpSupport* op = FindMxnetOp(node.op);
    std::vector<InputValue> inputs;
    bool skip = false;
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      const NodeEntry& e = node.inputs[k];
      if (failed.count(e.node)) {
        skip = true;
        break;
      }
      if (label_only_.count(e.node)) continue;  // a label, read by no converter
      const auto& outs = values_[e.node];
      if (e.output >= static_cast<int64_t>(outs.size()) || outs[e.output].value == nullptr) {
        return Error(absl::StrCat(PrintableName(node.op), " ", QuotedName(node.name), " input ", k,
                                  " reads output ", e.output, " of ",
                                  QuotedName(symbol_.nodes[e.node].name), ", which has ",
                                  outs.size(), " outputs"));
      }
      inputs.push_back(outs[e.output]);
    }
    if (skip) {
      failed.insert(i);
      continue;
    }
    ConvertContext ctx(*builder_, node, std::move(inputs));
    absl::Status status;
    try {
      status = op->convert(ctx);
    } catch (const std::out_of_range&) {
      // A converter read an input the node does not have (ConvertContext
      // checks indices with at()).
      status = absl::InvalidArgumentError("the node has too few inputs");
    }
    if (status.code() == absl::StatusCode::kUnimplemented) {
      unsupported.push_back({node.op, node.name, std::string(status.message())});
      failed.insert(i);
      continue;
    }
    if (!status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat(origin_, ": ", ctx.Where(), ": ", status.message()));
    }
    auto& outs = values_[i];
    for (ir::Value* v : ctx.outputs()) outs.push_back(InputValue{v, ""});
  }
  if (!unsupported.empty()) {
    return absl::UnimplementedError(absl::StrCat(
        origin_, ": ", frontends::DescribeUnsupportedNodes("MXNET", "", unsupported)));
  }
  return absl::OkStatus();
}

// MXNet's list_outputs() names.
std::string Importer::OutputName(size_t node, size_t k) const {
  const SymbolNode& n = symbol_.nodes[node];
  if (n.is_variable()) return n.name;
  // BatchNorm's outputs are output, mean and var; only the first is visible
  // unless output_mean_var.
  if (n.op == "BatchNorm" && k < 3) {
    static const char* const kNames[] = {"_output", "_mean", "_var"};
    return absl::StrCat(n.name, kNames[k]);
  }
  if (values_[node].size() == 1) return absl::StrCat(n.name, "_output");
  return absl::StrCat(n.name, "_output", k);
}

absl::Status Importer::BindOutputs() {
  // The heads, or the outputs --io-config asks for (any node output).
  std::vector<std::pair<size_t, size_t>> chosen;
  std::vector<std::string> names;
  if (options_.outputs.empty()) {
    for (const NodeEntry& head : symbol_.heads) {
      chosen.emplace_back(head.node, head.output);
      names.push_back(OutputName(head.node, head.output));
    }
  } else {
    std::map<std::string, std::pair<size_t, size_t>> known;
    for (size_t i = 0; i < values_.size(); ++i) {
      for (size_t k = 0; k < values_[i].size(); ++k) {
        if (values_[i][k].value != nullptr) known.emplace(OutputName(i, k), std::make_pair(i, k));
      }
    }
    for (const std::string& name : options_.outputs) {
      auto it = known.find(name);
      if (it == known.end()) {
        std::vector<std::string> heads;
        for (const NodeEntry& h : symbol_.heads) heads.push_back(OutputName(h.node, h.output));
        return Error(absl::StrCat("the symbol has no output ", QuotedName(name),
                                  " (outputs are named <node>_output; the heads are ",
                                  NameList(heads), ")"));
      }
      chosen.push_back(it->second);
      names.push_back(name);
    }
  }
  std::set<const ir::Value*> taken;
  for (size_t j = 0; j < chosen.size(); ++j) {
    const auto& [node, k] = chosen[j];
    const auto& outs = values_[node];
    if (k >= outs.size() || outs[k].value == nullptr) {
      return Error(absl::StrCat("head ", j, " reads output ", k, " of ",
                                QuotedName(symbol_.nodes[node].name), ", which has ", outs.size(),
                                " outputs"));
    }
    ir::Value* value = outs[k].value;
    const std::string& name = names[j];
    if (value->name != name) {
      const bool is_input = std::find(graph_->inputs().begin(), graph_->inputs().end(), value) !=
                            graph_->inputs().end();
      if (ir::Value* named = graph_->FindValue(name); named != nullptr) {
        named->name = builder_->NewName(name + "/renamed");
      }
      if (value->producer != nullptr && !is_input && !taken.count(value)) {
        value->name = name;
      } else {
        ir::Value* copy = graph_->AddValue(name, value->dtype, value->shape);
        graph_->AddOp("Identity", name, {value}, {copy});
        value = copy;
      }
    } else if (taken.count(value)) {
      ir::Value* copy = graph_->AddValue(builder_->NewName(name), value->dtype, value->shape);
      graph_->AddOp("Identity", name, {value}, {copy});
      value = copy;
    }
    taken.insert(value);
    graph_->outputs().push_back(value);
  }
  return absl::OkStatus();
}

absl::StatusOr<frontends::ImportedModel> Importer::Run() {
  NCC_MX_RETURN_IF_ERROR(IndexParams());
  MarkNeeded();

  // Every operator the heads need that has no converter, at once.
  std::vector<UnsupportedNode> unsupported;
  for (size_t i = 0; i < symbol_.nodes.size(); ++i) {
    const SymbolNode& node = symbol_.nodes[i];
    if (needed_[i] && !node.is_variable() && FindMxnetOp(node.op) == nullptr) {
      unsupported.push_back({node.op, node.name, "op type is not supported"});
    }
  }
  if (!unsupported.empty()) {
    return absl::UnimplementedError(absl::StrCat(
        origin_, ": ", frontends::DescribeUnsupportedNodes("MXNET", "", unsupported)));
  }
  NCC_MX_RETURN_IF_ERROR(ClassifyVariables());
  NCC_MX_RETURN_IF_ERROR(CheckOptionNames());

  graph_ = std::make_unique<ir::Graph>("main");
  graph_->set_opset(kIrOpset);
  builder_ = std::make_unique<GraphBuilder>(*graph_);
  // Graph inputs and parameters keep their MXNet names.
  values_.assign(symbol_.nodes.size(), {});
  NCC_MX_RETURN_IF_ERROR(ConvertNodes());
  NCC_MX_RETURN_IF_ERROR(BindOutputs());
  graph_->RemoveDeadValues();
  absl::Status verified = ir::Verify(*graph_);
  if (!verified.ok()) {
    return absl::InternalError(absl::StrCat(origin_, ": ", verified.message()));
  }

  int64_t f64 = 0, f16 = 0;
  std::vector<std::string> unused;
  for (const ParamArray& p : params_) {
    if (!used_params_.count(p.name)) {
      unused.push_back(p.name);
      continue;
    }
    f64 += p.dtype == ir::DType::kF64;
    f16 += p.dtype == ir::DType::kF16;
  }
  if (f64 > 0) notes_.push_back(absl::StrCat(f64, " float64 parameters are computed in float32"));
  if (f16 > 0) notes_.push_back(absl::StrCat(f16, " float16 parameters are widened to float32"));
  if (!unused.empty()) {
    notes_.push_back(absl::StrCat(unused.size(), " arrays of the params file are not used by the "
                                  "symbol: ", NameList(unused, 3)));
  }
  frontends::ImportedModel imported;
  imported.graph = std::move(graph_);
  imported.producer = absl::StrCat("MXNet ", FormatMxnetVersion(symbol_.mxnet_version), " symbol");
  imported.notes = std::move(notes_);
  return imported;
}

}  // namespace

absl::StatusOr<frontends::ImportedModel> ImportSymbol(const Symbol& symbol,
                                                      std::vector<ParamArray> params,
                                                      absl::string_view symbol_origin,
                                                      absl::string_view params_origin,
                                                      const frontends::ImportOptions& options) {
  return Importer(symbol, std::move(params), symbol_origin, params_origin, options).Run();
}

}  // namespace ncc::mxnet_frontend
