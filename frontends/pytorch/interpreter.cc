#include "frontends/pytorch/interpreter.h"

#include <torch/csrc/jit/ir/constants.h>

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "frontends/pytorch/convert.h"
#include "frontends/pytorch/op_table.h"
#include "text/printable.h"

namespace ncc::pytorch_frontend {
namespace {

// Unrolling bound: a scripted `for` over more iterations than this is
// refused rather than expanded into a graph nobody can compile.
constexpr int64_t kMaxUnrolledIterations = 100000;

namespace sym {
const c10::Symbol kConstant = c10::Symbol::fromQualString("prim::Constant");
const c10::Symbol kIf = c10::Symbol::fromQualString("prim::If");
const c10::Symbol kLoop = c10::Symbol::fromQualString("prim::Loop");
}  // namespace sym

// Nodes whose result is fixed by shapes and types alone, even when they read
// a runtime tensor.
bool IsShapeQuery(absl::string_view kind) {
  static const char* const kKinds[] = {
      "aten::size",        "aten::sym_size",   "aten::dim",     "aten::numel",
      "aten::len",         "prim::dtype",      "prim::device",  "prim::layout",
      "prim::is_cuda",     "aten::__is__",     "aten::__isnot__", "aten::is_floating_point",
      "prim::requires_grad", "aten::is_contiguous", "prim::shape",
  };
  for (const char* k : kKinds) {
    if (kind == k) return true;
  }
  return false;
}

// Nodes that only move values between containers: the tensors inside keep
// their IR values.
bool IsPassThrough(const torch::jit::Node& node, absl::string_view kind) {
  static const char* const kPrim[] = {
      "prim::ListConstruct", "prim::ListUnpack",  "prim::TupleConstruct",
      "prim::TupleUnpack",   "prim::TupleIndex",  "prim::unchecked_cast",
      "prim::DictConstruct", "prim::TupleSlice",  "prim::Uninitialized",
  };
  for (const char* k : kPrim) {
    if (kind == k) return true;
  }
  static const char* const kListOps[] = {
      "aten::__getitem__", "aten::slice", "aten::append", "aten::list",
      "aten::extend",      "aten::insert", "aten::reverse", "aten::copy",
  };
  if (node.inputs().empty()) return false;
  auto type = node.inputs()[0]->type();
  if (type->kind() != c10::TypeKind::ListType && type->kind() != c10::TypeKind::DictType &&
      type->kind() != c10::TypeKind::TupleType) {
    return false;
  }
  for (const char* k : kListOps) {
    if (kind == k) return true;
  }
  return false;
}

bool HasTensor(const std::vector<c10::IValue>& values) {
  for (const c10::IValue& v : values) {
    if (v.isTensor() || v.isTensorList() || v.isList() || v.isTuple()) return true;
  }
  return false;
}

// The first non-blank line of libtorch's (often multi-line) message.
std::string FirstLine(absl::string_view text) {
  while (!text.empty() && (text.front() == '\n' || text.front() == ' ')) text.remove_prefix(1);
  std::string line(text.substr(0, text.find('\n')));
  return line.empty() ? "libtorch gave no reason" : line;
}

// dropout_(x, p, train=False) changes nothing, so it may act on a view.
bool IsEvalDropout(absl::string_view kind, const std::vector<c10::IValue>& inputs) {
  if (!absl::StrContains(kind, "dropout")) return false;
  return inputs.size() > 2 && inputs[2].isBool() && !inputs[2].toBool();
}

}  // namespace

std::string SourceLocation(const torch::jit::Node& node) {
  const torch::jit::SourceRange& range = node.sourceRange();
  auto describe = [](const torch::jit::SourceRange& r) -> std::string {
    if (!r.source()) return "";
    auto flc = r.file_line_col();
    if (!flc) return "";
    return absl::StrCat(std::get<0>(*flc), ":", std::get<1>(*flc), ":", std::get<2>(*flc) + 1);
  };
  if (auto generated = range.findSourceRangeThatGenerated()) {
    std::string where = describe(*generated);
    if (!where.empty()) return where;
  }
  return describe(range);
}

Interpreter::Interpreter(std::string origin, bool check_support)
    : origin_(std::move(origin)), check_support_(check_support) {}

std::string Interpreter::FreshName(absl::string_view base) {
  std::string name(base.empty() ? "t" : base);
  std::string candidate = name;
  for (int i = 1; names_.count(candidate); ++i) candidate = absl::StrCat(name, "_", i);
  names_.insert(candidate);
  return candidate;
}

void Interpreter::AddNote(std::string note) {
  for (const std::string& n : notes_) {
    if (n == note) return;
  }
  notes_.push_back(std::move(note));
}

bool Interpreter::IsRuntimeTensor(const at::Tensor& tensor) const {
  if (!tensor.defined()) return false;
  auto it = bindings_.find(tensor.unsafeGetTensorImpl());
  return it != bindings_.end() && !it->second.value->is_constant;
}

bool Interpreter::IsRuntimeScalar(const torch::jit::Value* value) const {
  auto it = env_.find(value);
  return it != env_.end() && it->second.runtime;
}

void Interpreter::Bind(const at::Tensor& tensor, ir::Value* value) {
  bindings_[tensor.unsafeGetTensorImpl()] = Binding{tensor, value};
}

absl::StatusOr<ir::Value*> Interpreter::IrValueOf(const at::Tensor& tensor) {
  if (!tensor.defined()) return absl::InvalidArgumentError("an undefined tensor");
  auto it = bindings_.find(tensor.unsafeGetTensorImpl());
  if (it != bindings_.end()) return it->second.value;
  // A compile-time tensor: a constant of its data.
  auto dtype = IrDType(tensor.scalar_type());
  if (!dtype.ok()) return dtype.status();
  at::Tensor data = tensor.contiguous().cpu();
  ir::Shape shape(data.sizes().begin(), data.sizes().end());
  const auto* bytes = static_cast<const uint8_t*>(data.data_ptr());
  std::vector<uint8_t> payload(bytes, bytes + data.nbytes());
  ir::Value* value = graph_->AddConstant(FreshName("const"), *dtype, shape, std::move(payload));
  Bind(tensor, value);
  return value;
}

const Interpreter::Slot& Interpreter::Get(const torch::jit::Value* value) const {
  static const Slot* const kNone = new Slot{c10::IValue(), false};
  auto it = env_.find(value);
  return it == env_.end() ? *kNone : it->second;
}

bool Interpreter::HasRuntimeData(const c10::IValue& value) const {
  if (value.isTensor()) return IsRuntimeTensor(value.toTensor());
  if (value.isTensorList()) {
    for (const at::Tensor& t : value.toTensorVector()) {
      if (IsRuntimeTensor(t)) return true;
    }
    return false;
  }
  if (value.isList()) {
    for (const c10::IValue& v : value.toListRef()) {
      if (HasRuntimeData(v)) return true;
    }
    return false;
  }
  if (value.isTuple()) {
    for (const c10::IValue& v : value.toTupleRef().elements()) {
      if (HasRuntimeData(v)) return true;
    }
    return false;
  }
  if (value.isGenericDict()) {
    for (const auto& entry : value.toGenericDict()) {
      if (HasRuntimeData(entry.value())) return true;
    }
  }
  return false;
}

std::string Interpreter::NodeError(const torch::jit::Node& node,
                                   absl::string_view message) const {
  std::string where = SourceLocation(node);
  // The kind, the source path and libtorch's words may all come from the
  // archive: escaped.
  return absl::StrCat(origin_, ": ", text::PrintableName(node.kind().toQualString()),
                      where.empty() ? "" : absl::StrCat(" at ", text::PrintableName(where)), ": ",
                      text::PrintableName(message));
}

void Interpreter::ReportUnsupported(const torch::jit::Node& node, std::string reason) {
  // Named by where it is in the user's source; by its TorchScript value
  // name when the archive kept no source.
  std::string name = SourceLocation(node);
  if (name.empty()) {
    name = node.outputs().empty() ? std::string(node.kind().toUnqualString())
                                  : absl::StrCat("%", node.outputs()[0]->debugName());
  }
  unsupported_.push_back({node.kind().toQualString(), std::move(name), std::move(reason)});
}

absl::StatusOr<std::vector<c10::IValue>> Interpreter::Execute(const torch::jit::Node& node,
                                                              std::vector<c10::IValue> inputs) {
  try {
    // Containers: TorchScript's interpreter builds these with instructions of
    // its own, not operators.
    const std::string kind = node.kind().toQualString();
    if (kind == "prim::TupleConstruct") {
      return std::vector<c10::IValue>{c10::ivalue::Tuple::create(std::move(inputs))};
    }
    if (kind == "prim::TupleUnpack" || kind == "prim::ListUnpack") {
      std::vector<c10::IValue> elements;
      if (inputs.at(0).isTuple()) {
        const auto& tuple = inputs[0].toTupleRef().elements();
        elements.assign(tuple.begin(), tuple.end());
      } else {
        for (const c10::IValue& v : inputs.at(0).toListRef()) elements.push_back(v);
      }
      if (elements.size() != node.outputs().size()) {
        return absl::InvalidArgumentError(NodeError(
            node, absl::StrCat("unpacks ", elements.size(), " values into ",
                               node.outputs().size())));
      }
      return elements;
    }
    if (kind == "prim::TupleIndex") {
      const auto& tuple = inputs.at(0).toTupleRef().elements();
      int64_t i = inputs.at(1).toInt();
      if (i < 0) i += static_cast<int64_t>(tuple.size());
      if (i < 0 || i >= static_cast<int64_t>(tuple.size())) {
        return absl::InvalidArgumentError(NodeError(node, "tuple index out of range"));
      }
      return std::vector<c10::IValue>{tuple[i]};
    }
    if (kind == "prim::ListConstruct") {
      c10::TypePtr element = node.output()->type()->containedType(0);
      c10::impl::GenericList list(element);
      for (c10::IValue& v : inputs) list.push_back(std::move(v));
      return std::vector<c10::IValue>{c10::IValue(std::move(list))};
    }
    if (kind == "prim::unchecked_cast") return std::vector<c10::IValue>{inputs.at(0)};
    if (kind == "prim::Uninitialized") return std::vector<c10::IValue>{c10::IValue()};
    torch::jit::Operation op = node.getOperation();
    torch::jit::Stack stack = std::move(inputs);
    op(stack);
    if (stack.size() != node.outputs().size()) {
      return absl::InternalError(NodeError(
          node, absl::StrCat("libtorch returned ", stack.size(), " values for ",
                             node.outputs().size(), " outputs")));
    }
    return stack;
  } catch (const c10::Error& e) {
    return absl::InvalidArgumentError(NodeError(node, FirstLine(e.what_without_backtrace())));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        NodeError(node, "out of host memory evaluating the node at compile time"));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(NodeError(node, FirstLine(e.what())));
  }
}

absl::Status Interpreter::BindOpaque(const torch::jit::Node& node,
                                     const std::vector<c10::IValue>& inputs,
                                     const std::vector<c10::IValue>& outputs) {
  std::vector<ir::Value*> ir_inputs;
  if (!check_support_) {
    for (const c10::IValue& in : inputs) {
      if (in.isTensor() && IsRuntimeTensor(in.toTensor())) {
        ir_inputs.push_back(*IrValueOf(in.toTensor()));
      }
    }
  }
  std::vector<ir::Value*> ir_outputs;
  for (size_t k = 0; k < outputs.size(); ++k) {
    if (!outputs[k].isTensor()) continue;
    const at::Tensor& t = outputs[k].toTensor();
    // A nested tensor has no sizes (libtorch throws); its node is reported.
    if (!t.defined() || t.is_nested()) continue;
    auto dtype = IrDType(t.scalar_type());
    ir::Value* value =
        graph_->AddValue(FreshName(node.outputs()[k]->debugName()), dtype.ok() ? *dtype : ir::DType::kF32,
                         ir::Shape(t.sizes().begin(), t.sizes().end()));
    Bind(t, value);
    ir_outputs.push_back(value);
  }
  if (!check_support_ && !ir_outputs.empty()) {
    graph_->AddOp(node.kind().toQualString(), ir_outputs[0]->name, ir_inputs, ir_outputs);
  }
  return absl::OkStatus();
}

absl::Status Interpreter::Convert(const torch::jit::Node& node,
                                  const std::vector<c10::IValue>& inputs,
                                  const std::vector<c10::IValue>& outputs) {
  std::string kind = node.kind().toQualString();
  const TorchOpSupport* support = FindTorchOp(kind);
  if (support == nullptr || support->convert == nullptr) {
    ReportUnsupported(node, "op is not supported");
    return BindOpaque(node, inputs, outputs);
  }
  // An in-place op on a view would also change the tensor it views.
  if (absl::EndsWith(kind, "_") && !inputs.empty() && inputs[0].isTensor() &&
      inputs[0].toTensor().is_view() && !IsEvalDropout(kind, inputs)) {
    ReportUnsupported(node, "in-place update of a view of another tensor");
    return BindOpaque(node, inputs, outputs);
  }
  ConvertContext ctx(*this, node, inputs, outputs);
  absl::Status status = support->convert(ctx);
  if (absl::IsUnimplemented(status)) {
    ReportUnsupported(node, std::string(status.message()));
    return BindOpaque(node, inputs, outputs);
  }
  if (!status.ok()) {
    return absl::Status(status.code(), NodeError(node, status.message()));
  }
  // Every used, defined tensor output must be bound: an unused one (the
  // indices of adaptive_max_pool2d) or an optional result not computed
  // (attention weights with need_weights=False) needs no value.
  for (size_t k = 0; k < outputs.size(); ++k) {
    if (outputs[k].isTensor() && outputs[k].toTensor().defined() &&
        node.outputs()[k]->hasUses() &&
        bindings_.count(outputs[k].toTensor().unsafeGetTensorImpl()) == 0) {
      return absl::InternalError(
          NodeError(node, absl::StrCat("the converter did not produce output ", k)));
    }
  }
  return absl::OkStatus();
}

absl::Status Interpreter::RunNode(const torch::jit::Node& node) {
  const c10::Symbol kind = node.kind();
  if (kind == sym::kConstant) {
    auto value = torch::jit::toIValue(node.output());
    if (!value) return absl::InvalidArgumentError(NodeError(node, "unreadable constant"));
    env_[node.output()] = Slot{*value, false};
    return absl::OkStatus();
  }
  if (kind == sym::kIf) return RunIf(node);
  if (kind == sym::kLoop) return RunLoop(node);

  std::vector<c10::IValue> inputs;
  bool runtime_scalar = false;
  bool runtime_tensor = false;
  for (const torch::jit::Value* in : node.inputs()) {
    const Slot& slot = Get(in);
    inputs.push_back(slot.value);
    runtime_scalar |= slot.runtime;
    runtime_tensor |= HasRuntimeData(slot.value);
  }
  auto outputs = Execute(node, inputs);
  if (!outputs.ok()) return outputs.status();

  const std::string kind_name = kind.toQualString();
  bool outputs_runtime = false;
  if (!runtime_scalar && !runtime_tensor) {
    // Compile-time only: libtorch's result is the value. A tensor it changed
    // in place gets a fresh constant when next used.
    for (const c10::IValue& out : *outputs) {
      if (out.isTensor()) bindings_.erase(out.toTensor().unsafeGetTensorImpl());
    }
  } else if (IsShapeQuery(kind_name)) {
    outputs_runtime = false;
  } else if (IsPassThrough(node, kind_name)) {
    outputs_runtime = runtime_scalar;
  } else if (FindTorchOp(kind_name) == nullptr && !HasTensor(*outputs)) {
    // A number read from runtime data (`bool(x.sum() > 0)`, `x.item()`):
    // whatever needs it at compile time reports it, naming itself.
    outputs_runtime = true;
  } else {
    absl::Status status = Convert(node, inputs, *outputs);
    if (!status.ok()) return status;
    outputs_runtime = true;
  }
  for (size_t k = 0; k < outputs->size(); ++k) {
    const c10::IValue& out = (*outputs)[k];
    env_[node.outputs()[k]] = Slot{out, outputs_runtime && !out.isTensor()};
  }
  return absl::OkStatus();
}

absl::Status Interpreter::RunIf(const torch::jit::Node& node) {
  const Slot& cond = Get(node.inputs()[0]);
  if (!cond.value.isBool()) {
    return absl::InvalidArgumentError(NodeError(node, "condition is not a bool"));
  }
  if (cond.runtime || HasRuntimeData(cond.value)) {
    ReportUnsupported(node,
                      "the condition depends on tensor data at run time (only conditions on "
                      "shapes and constants are resolved at compile time)");
  }
  const torch::jit::Block& branch = *node.blocks()[cond.value.toBool() ? 0 : 1];
  absl::Status status = RunBlock(branch);
  if (!status.ok()) return status;
  for (size_t k = 0; k < node.outputs().size(); ++k) {
    env_[node.outputs()[k]] = Get(branch.outputs()[k]);
  }
  return absl::OkStatus();
}

absl::Status Interpreter::RunLoop(const torch::jit::Node& node) {
  // prim::Loop(max_trip_count, initial_condition, carried...) with a body
  // block (iteration, carried...) -> (condition, carried...).
  const Slot& trip = Get(node.inputs()[0]);
  const Slot& initial = Get(node.inputs()[1]);
  if (!trip.value.isInt() || !initial.value.isBool()) {
    return absl::InvalidArgumentError(NodeError(node, "malformed loop"));
  }
  bool reported = false;
  if (trip.runtime || initial.runtime) {
    ReportUnsupported(node, "the trip count depends on tensor data at run time");
    reported = true;
  }
  const torch::jit::Block& body = *node.blocks()[0];
  std::vector<Slot> carried;
  for (size_t i = 2; i < node.inputs().size(); ++i) carried.push_back(Get(node.inputs()[i]));
  bool cond = initial.value.toBool();
  for (int64_t iter = 0; cond && iter < trip.value.toInt(); ++iter) {
    if (++unrolled_iterations_ > kMaxUnrolledIterations) {
      return absl::InvalidArgumentError(NodeError(
          node, absl::StrCat("unrolling loops needs more than ", kMaxUnrolledIterations,
                             " iterations; the compiled graph would be too large")));
    }
    env_[body.inputs()[0]] = Slot{c10::IValue(iter), false};
    for (size_t i = 0; i < carried.size(); ++i) env_[body.inputs()[i + 1]] = carried[i];
    absl::Status status = RunBlock(body);
    if (!status.ok()) return status;
    const Slot& next = Get(body.outputs()[0]);
    if (!next.value.isBool()) {
      return absl::InvalidArgumentError(NodeError(node, "loop condition is not a bool"));
    }
    if ((next.runtime || HasRuntimeData(next.value)) && !reported) {
      ReportUnsupported(node, "the loop condition depends on tensor data at run time");
      reported = true;
    }
    cond = next.value.toBool();
    for (size_t i = 0; i < carried.size(); ++i) carried[i] = Get(body.outputs()[i + 1]);
  }
  for (size_t k = 0; k < node.outputs().size(); ++k) env_[node.outputs()[k]] = carried[k];
  return absl::OkStatus();
}

absl::Status Interpreter::RunBlock(const torch::jit::Block& block) {
  const bool top_level = observer_ && block.owningNode() == nullptr;
  for (const torch::jit::Node* node : block.nodes()) {
    const size_t unsupported_before = unsupported_.size();
    absl::Status status = RunNode(*node);
    if (!status.ok()) return status;
    if (!top_level) continue;
    NodeOutcome outcome;
    outcome.node = node;
    std::vector<c10::IValue> outputs;
    bool runtime_scalar = false;
    for (const torch::jit::Value* out : node->outputs()) {
      const Slot& slot = Get(out);
      outputs.push_back(slot.value);
      outcome.output_runtime.push_back(slot.runtime || HasRuntimeData(slot.value));
      runtime_scalar |= slot.runtime;
    }
    outcome.outputs = &outputs;
    if (unsupported_.size() > unsupported_before) {
      outcome.unsupported_reason = unsupported_.back().reason;
    } else if (runtime_scalar) {
      outcome.unsupported_reason = "reads a number from tensor data on the host";
    } else if (!node->blocks().empty() && std::count(outcome.output_runtime.begin(),
                                                     outcome.output_runtime.end(), true) > 0) {
      outcome.unsupported_reason = "control flow (runs on the CPU as a whole)";
    }
    observer_(outcome);
  }
  return absl::OkStatus();
}

absl::Status Interpreter::FlattenOutput(const c10::IValue& value, std::vector<ir::Value*>* out) {
  if (value.isTensor()) {
    auto ir_value = IrValueOf(value.toTensor());
    if (!ir_value.ok()) return ir_value.status();
    out->push_back(*ir_value);
    return absl::OkStatus();
  }
  if (value.isTuple()) {
    for (const c10::IValue& v : value.toTupleRef().elements()) {
      absl::Status status = FlattenOutput(v, out);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }
  if (value.isList()) {
    for (const c10::IValue& v : value.toListRef()) {
      absl::Status status = FlattenOutput(v, out);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      origin_, ": forward returns a ", value.tagKind(),
      "; a compiled model returns tensors (or tuples and lists of tensors)"));
}

absl::StatusOr<InterpreterResult> Interpreter::Run(torch::jit::Graph& graph,
                                                   const std::vector<InterpreterInput>& inputs) {
  graph_ = std::make_unique<ir::Graph>("main");
  graph_->set_opset(kIrOpset);
  env_.clear();
  bindings_.clear();
  names_.clear();
  unsupported_.clear();
  notes_.clear();
  unrolled_iterations_ = 0;

  auto graph_inputs = graph.inputs();
  if (graph_inputs.size() != inputs.size() + 1) {
    return absl::InternalError(absl::StrCat(origin_, ": forward has ", graph_inputs.size() - 1,
                                            " arguments, ", inputs.size(), " given"));
  }
  env_[graph_inputs[0]] = Slot{c10::IValue(), false};  // self: frozen away
  for (size_t i = 0; i < inputs.size(); ++i) {
    const InterpreterInput& in = inputs[i];
    if (in.constant) {
      env_[graph_inputs[i + 1]] = Slot{*in.constant, false};
      continue;
    }
    names_.insert(in.name);
    at::ScalarType type;
    switch (in.dtype) {
      case ir::DType::kF32: type = at::kFloat; break;
      case ir::DType::kF16: type = at::kHalf; break;
      case ir::DType::kBF16: type = at::kBFloat16; break;
      case ir::DType::kI64: type = at::kLong; break;
      case ir::DType::kI32: type = at::kInt; break;
      case ir::DType::kI8: type = at::kChar; break;
      case ir::DType::kU8: type = at::kByte; break;
      case ir::DType::kBool: type = at::kBool; break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat(origin_, ": input '", in.name, "' has dtype ", ir::DTypeName(in.dtype),
                         ", which the PyTorch frontend does not take"));
    }
    at::Tensor example;
    try {
      example = at::zeros(std::vector<int64_t>(in.shape.begin(), in.shape.end()),
                          at::TensorOptions().dtype(type));
    } catch (const std::exception&) {
      return absl::ResourceExhaustedError(
          absl::StrCat(origin_, ": input '", in.name, "' of shape ", ir::ShapeToString(in.shape),
                       " does not fit in host memory"));
    }
    if (in.frozen_data != nullptr) {
      if (in.frozen_data->size() != static_cast<size_t>(example.nbytes())) {
        return absl::InvalidArgumentError(
            absl::StrCat(origin_, ": frozen input '", in.name, "' has the wrong size"));
      }
      std::memcpy(example.data_ptr(), in.frozen_data->data(), in.frozen_data->size());
      // No binding: a compile-time tensor, folded like a weight.
    } else {
      ir::Value* value = graph_->AddValue(in.name, in.dtype, in.shape);
      graph_->inputs().push_back(value);
      Bind(example, value);
    }
    env_[graph_inputs[i + 1]] = Slot{c10::IValue(example), false};
  }

  absl::Status status = RunBlock(*graph.block());
  if (!status.ok()) return status;

  InterpreterResult result;
  if (!unsupported_.empty() && check_support_) {
    result.unsupported = std::move(unsupported_);
    return result;
  }
  std::vector<ir::Value*> outputs;
  for (const torch::jit::Value* out : graph.outputs()) {
    status = FlattenOutput(Get(out).value, &outputs);
    if (!status.ok()) return status;
  }
  if (outputs.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(origin_, ": forward returns no tensors"));
  }
  // Outputs are named output0, output1, ...; a value returned twice, a graph
  // input or a constant returned as is gets an Identity of its own.
  std::set<const ir::Value*> seen;
  for (size_t k = 0; k < outputs.size(); ++k) {
    ir::Value* value = outputs[k];
    std::string name = absl::StrCat("output", k);
    bool is_input = value->producer == nullptr;
    if (is_input || seen.count(value)) {
      ir::Value* copy = graph_->AddValue(name, value->dtype, value->shape);
      graph_->AddOp("Identity", name, {value}, {copy});
      value = copy;
    }
    seen.insert(value);
    if (value->name != name) {
      if (ir::Value* other = graph_->FindValue(name)) other->name = FreshName(name + "_");
      value->name = name;
    }
    graph_->outputs().push_back(value);
  }
  result.notes = std::move(notes_);
  graph_->RemoveDeadValues();
  result.graph = std::move(graph_);
  return result;
}

}  // namespace ncc::pytorch_frontend
