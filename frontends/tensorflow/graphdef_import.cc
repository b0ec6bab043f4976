#include "frontends/tensorflow/graphdef_import.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <map>
#include <stdexcept>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/eval/graph_edit.h"
#include "frontends/tensorflow/convert.h"
#include "frontends/tensorflow/op_table.h"
#include "frontends/tensorflow/tensor.h"
#include "frontends/unsupported.h"
#include "text/printable.h"

namespace ncc::tensorflow_frontend {
namespace {

using frontends::ImportOptions;
using frontends::UnsupportedNode;
using text::PrintableName;
using text::QuotedName;

// Larger dimensions are refused, so that shape arithmetic cannot overflow.
constexpr int64_t kMaxDimension = int64_t{1} << 31;

// The first text-format error, kept for a one-line message.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (!message_.empty()) return;
    message_ = absl::StrCat("line ", line + 1, ", column ", column + 1, ": ", message);
  }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

// A node input: ("x", 0) for "x", ("x", 1) for "x:1"; control inputs
// ("^x") are flagged.
struct InputRef {
  std::string node;
  int64_t index = 0;
  bool control = false;
};

InputRef ParseInput(absl::string_view input) {
  InputRef ref;
  if (!input.empty() && input[0] == '^') {
    ref.control = true;
    ref.node = std::string(input.substr(1));
    return ref;
  }
  const size_t colon = input.rfind(':');
  int64_t index = 0;
  if (colon != absl::string_view::npos && absl::SimpleAtoi(input.substr(colon + 1), &index) &&
      index >= 0) {
    ref.node = std::string(input.substr(0, colon));
    ref.index = index;
  } else {
    ref.node = std::string(input);
  }
  return ref;
}

std::string TensorName(const InputRef& ref) { return absl::StrCat(ref.node, ":", ref.index); }

class Importer {
 public:
  Importer(const tfproto::GraphDef& graph_def, absl::string_view origin,
           const ImportOptions& options)
      : def_(graph_def), origin_(origin), options_(options) {}

  absl::StatusOr<frontends::ImportedModel> Run();

 private:
  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(origin_, ": ", message));
  }
  absl::Status IndexNodes();
  absl::StatusOr<std::vector<std::string>> OutputNames() const;
  absl::StatusOr<std::vector<const tfproto::NodeDef*>> Order(
      const std::vector<std::string>& outputs) const;
  absl::Status CheckOptionNames(const std::vector<const tfproto::NodeDef*>& order) const;
  absl::Status AddPlaceholder(const tfproto::NodeDef& node);
  absl::Status AddConst(const tfproto::NodeDef& node);
  absl::Status BindOutputs(const std::vector<std::string>& outputs);

  const tfproto::GraphDef& def_;
  const std::string origin_;
  const ImportOptions& options_;
  std::map<std::string, const tfproto::NodeDef*> nodes_;
  std::map<std::string, std::vector<int64_t>> pins_;
  std::map<std::string, ir::DType> dtypes_;
  std::map<std::string, const frontends::FrozenInput*> frozen_;
  std::unique_ptr<ir::Graph> graph_;
  std::unique_ptr<GraphBuilder> builder_;
  std::vector<std::string> notes_;
};

absl::Status Importer::IndexNodes() {
  for (const tfproto::NodeDef& node : def_.node()) {
    if (node.name().empty()) return Error("a node has no name");
    if (!nodes_.emplace(node.name(), &node).second) {
      return Error(absl::StrCat("two nodes are named ", QuotedName(node.name())));
    }
  }
  return absl::OkStatus();
}

// The requested outputs, or every node output nothing reads (Const,
// Placeholder and NoOp sinks excepted).
absl::StatusOr<std::vector<std::string>> Importer::OutputNames() const {
  std::vector<std::string> out;
  if (!options_.outputs.empty()) {
    for (const std::string& name : options_.outputs) out.push_back(CanonicalTensorName(name));
    return out;
  }
  std::set<std::string> consumed;
  for (const tfproto::NodeDef& node : def_.node()) {
    for (const std::string& input : node.input()) consumed.insert(ParseInput(input).node);
  }
  for (const tfproto::NodeDef& node : def_.node()) {
    const std::string& op = node.op();
    if (consumed.count(node.name()) || op == "Const" || op == "Placeholder" || op == "NoOp") {
      continue;
    }
    out.push_back(absl::StrCat(node.name(), ":0"));
  }
  if (out.empty()) return Error("the graph has no outputs");
  return out;
}

// The nodes the outputs need, inputs first (data inputs only: control
// dependencies order side effects a compiled graph does not have).
absl::StatusOr<std::vector<const tfproto::NodeDef*>> Importer::Order(
    const std::vector<std::string>& outputs) const {
  std::vector<const tfproto::NodeDef*> order;
  std::map<const tfproto::NodeDef*, int> state;  // 1: on the stack, 2: done
  std::vector<std::pair<const tfproto::NodeDef*, int>> stack;
  for (const std::string& output : outputs) {
    const InputRef ref = ParseInput(output);
    auto it = nodes_.find(ref.node);
    if (it == nodes_.end()) {
      return Error(absl::StrCat("no node named ", QuotedName(ref.node), " for output ",
                                QuotedName(output)));
    }
    if (state[it->second] == 2) continue;
    stack.push_back({it->second, 0});
    state[it->second] = 1;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next == node->input_size()) {
        state[node] = 2;
        order.push_back(node);
        stack.pop_back();
        continue;
      }
      const InputRef in = ParseInput(node->input(next++));
      if (in.control) continue;
      auto found = nodes_.find(in.node);
      if (found == nodes_.end()) {
        return Error(absl::StrCat("node ", QuotedName(node->name()), " reads ",
                                  QuotedName(node->input(next - 1)), ", which no node produces"));
      }
      int& s = state[found->second];
      if (s == 1) {
        return Error(absl::StrCat("the graph has a cycle through node ",
                                  QuotedName(found->second->name()),
                                  " (control flow such as while loops is not supported)"));
      }
      if (s == 0) {
        s = 1;
        stack.push_back({found->second, 0});
      }
    }
  }
  return order;
}

std::string PlaceholderList(const std::vector<const tfproto::NodeDef*>& order) {
  std::vector<std::string> names;
  for (const tfproto::NodeDef* node : order) {
    if (node->op() == "Placeholder") names.push_back(PrintableName(node->name() + ":0"));
  }
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

absl::Status Importer::CheckOptionNames(const std::vector<const tfproto::NodeDef*>& order) const {
  std::set<std::string> placeholders;
  for (const tfproto::NodeDef* node : order) {
    if (node->op() == "Placeholder") placeholders.insert(node->name() + ":0");
  }
  auto check = [&](const std::string& name, absl::string_view flag) -> absl::Status {
    if (placeholders.count(name)) return absl::OkStatus();
    return Error(absl::StrCat(flag, " names ", QuotedName(name),
                              ", which is not a placeholder the outputs use (placeholders: ",
                              PlaceholderList(order), ")"));
  };
  for (const auto& [name, dims] : pins_) NCC_TF_RETURN_IF_ERROR(check(name, "--input-shape"));
  for (const auto& [name, dtype] : dtypes_) NCC_TF_RETURN_IF_ERROR(check(name, "--io-config"));
  for (const auto& [name, f] : frozen_) NCC_TF_RETURN_IF_ERROR(check(name, "--freeze-input"));
  return absl::OkStatus();
}

absl::Status Importer::AddPlaceholder(const tfproto::NodeDef& node) {
  const std::string tensor = node.name() + ":0";
  auto attr = node.attr().find("dtype");
  if (attr == node.attr().end()) {
    return Error(absl::StrCat("placeholder ", QuotedName(node.name()), " has no dtype"));
  }
  auto dtype = IrDType(attr->second.type());
  if (!dtype.ok()) {
    return Error(absl::StrCat("placeholder ", QuotedName(node.name()), ": ",
                              dtype.status().message()));
  }
  // The declared shape; absent or of unknown rank means nothing is known.
  std::optional<ir::Shape> declared;
  auto shape_attr = node.attr().find("shape");
  if (shape_attr != node.attr().end() && shape_attr->second.has_shape() &&
      !shape_attr->second.shape().unknown_rank()) {
    auto s = ShapeFromProto(shape_attr->second.shape());
    if (s.ok()) declared = *s;
  }
  auto dt = dtypes_.find(tensor);
  if (dt != dtypes_.end() && dt->second != *dtype) {
    return Error(absl::StrCat("--io-config gives ", QuotedName(tensor), " dtype ",
                              ir::DTypeName(dt->second), " but the placeholder is ",
                              ir::DTypeName(*dtype)));
  }
  ir::Shape shape;
  auto pin = pins_.find(tensor);
  auto frozen = frozen_.find(tensor);
  if (frozen != frozen_.end()) {
    shape = frozen->second->shape;
  } else if (pin != pins_.end()) {
    shape = pin->second;
  } else if (!declared) {
    return Error(absl::StrCat("placeholder ", QuotedName(tensor),
                              " has an unknown rank; pin its shape with --input-shape ",
                              PrintableName(tensor), "=D0,D1,... or --io-config"));
  } else {
    shape = *declared;
    for (size_t i = 0; i < shape.size(); ++i) {
      if (shape[i] >= 0) continue;
      std::vector<std::string> example;
      for (int64_t d : shape) example.push_back(d < 0 ? "1" : absl::StrCat(d));
      return Error(absl::StrCat("placeholder ", QuotedName(tensor), " has an unknown dimension ",
                                i, " (shape ", ir::ShapeToString(shape),
                                "); pin it with --input-shape ", PrintableName(tensor), "=",
                                absl::StrJoin(example, ","), " or --io-config"));
    }
  }
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] > kMaxDimension) {
      return Error(absl::StrCat("dimension ", i, " of placeholder ", QuotedName(tensor), " is ",
                                shape[i], ", more than neuron-cc compiles (", kMaxDimension, ")"));
    }
  }
  if (declared) {
    bool matches = declared->size() == shape.size();
    for (size_t i = 0; matches && i < shape.size(); ++i) {
      matches = (*declared)[i] < 0 || (*declared)[i] == shape[i];
    }
    if (!matches) {
      return Error(absl::StrCat("the shape given for placeholder ", QuotedName(tensor), ", ",
                                ir::ShapeToString(shape), ", does not match its declared shape ",
                                ir::ShapeToString(*declared)));
    }
  }
  if (frozen != frozen_.end()) {
    if (frozen->second->dtype != *dtype) {
      return Error(absl::StrCat("--freeze-input ", QuotedName(tensor), " has dtype ",
                                ir::DTypeName(frozen->second->dtype), " but the placeholder is ",
                                ir::DTypeName(*dtype)));
    }
    ir::Value* c = graph_->AddConstant(builder_->NewName(node.name()), *dtype, shape,
                                       frozen->second->data);
    builder_->Bind(tensor, {c, false});
    return absl::OkStatus();
  }
  ir::Value* input = graph_->AddValue(builder_->NewName(tensor), *dtype, shape);
  graph_->inputs().push_back(input);
  builder_->Bind(tensor, {input, false});
  return absl::OkStatus();
}

absl::Status Importer::AddConst(const tfproto::NodeDef& node) {
  auto attr = node.attr().find("value");
  if (attr == node.attr().end() || !attr->second.has_tensor()) {
    return Error(absl::StrCat("Const ", QuotedName(node.name()), " has no tensor value"));
  }
  auto tensor = TensorFromProto(attr->second.tensor());
  if (!tensor.ok()) {
    return Error(absl::StrCat("Const ", QuotedName(node.name()), ": ", tensor.status().message()));
  }
  ir::Value* c = graph_->AddConstant(builder_->NewName(node.name()), tensor->dtype, tensor->shape,
                                     std::move(tensor->data));
  builder_->Bind(node.name() + ":0", {c, false});
  return absl::OkStatus();
}

// The graph outputs, logical layout, named after their tensors.
absl::Status Importer::BindOutputs(const std::vector<std::string>& outputs) {
  std::set<const ir::Value*> taken;
  for (const std::string& name : outputs) {
    const TfValue* held = builder_->Find(name);
    if (held == nullptr) {
      return Error(absl::StrCat("node ", QuotedName(ParseInput(name).node), " has no output ",
                                QuotedName(name)));
    }
    ir::Value* value = builder_->Logical(*held);
    ir::Value* named = graph_->FindValue(name);
    if (value->name != name) {
      const bool is_input = std::find(graph_->inputs().begin(), graph_->inputs().end(), value) !=
                            graph_->inputs().end();
      if (named != nullptr) named->name = builder_->NewName(name + "/renamed");
      if (value->producer != nullptr && !is_input && !taken.count(value)) {
        value->name = name;
      } else {
        ir::Value* copy = graph_->AddValue(name, value->dtype, value->shape);
        graph_->AddOp("Identity", name, {value}, {copy});
        value = copy;
      }
    }
    taken.insert(value);
    graph_->outputs().push_back(value);
  }
  return absl::OkStatus();
}

absl::StatusOr<frontends::ImportedModel> Importer::Run() {
  NCC_TF_RETURN_IF_ERROR(IndexNodes());
  for (const auto& [name, dims] : options_.input_shapes) pins_[CanonicalTensorName(name)] = dims;
  for (const auto& [name, dtype] : options_.input_dtypes) {
    dtypes_[CanonicalTensorName(name)] = dtype;
  }
  for (const auto& [name, f] : options_.frozen_inputs) frozen_[CanonicalTensorName(name)] = &f;
  NCC_TF_ASSIGN(outputs, OutputNames());
  NCC_TF_ASSIGN(order, Order(outputs));
  NCC_TF_RETURN_IF_ERROR(CheckOptionNames(order));

  // Every node the outputs need that has no converter, at once.
  std::vector<UnsupportedNode> unsupported;
  for (const tfproto::NodeDef* node : order) {
    if (FindTensorflowOp(node->op()) == nullptr) {
      unsupported.push_back({node->op(), node->name(), "op type is not supported"});
    }
  }
  auto report = [&]() {
    return absl::UnimplementedError(absl::StrCat(
        origin_, ": ", frontends::DescribeUnsupportedNodes("TENSORFLOW", "", unsupported)));
  };
  if (!unsupported.empty()) return report();

  graph_ = std::make_unique<ir::Graph>("main");
  graph_->set_opset(kIrOpset);
  builder_ = std::make_unique<GraphBuilder>(*graph_);
  std::set<std::string> failed;  // nodes not converted (unsupported as used)
  for (const tfproto::NodeDef* node : order) {
    if (node->op() == "Placeholder") {
      NCC_TF_RETURN_IF_ERROR(AddPlaceholder(*node));
      continue;
    }
    if (node->op() == "Const") {
      NCC_TF_RETURN_IF_ERROR(AddConst(*node));
      continue;
    }
    std::vector<TfValue> inputs;
    bool skip = false;
    for (const std::string& input : node->input()) {
      const InputRef ref = ParseInput(input);
      if (ref.control) continue;
      if (failed.count(ref.node)) {
        skip = true;
        break;
      }
      const TfValue* held = builder_->Find(TensorName(ref));
      if (held == nullptr) {
        return Error(absl::StrCat("node ", QuotedName(node->name()), " reads ",
                                  QuotedName(input), ", which node ", QuotedName(ref.node),
                                  " does not produce"));
      }
      inputs.push_back(*held);
    }
    if (skip) {
      failed.insert(node->name());
      continue;
    }
    ConvertContext ctx(*builder_, *node, std::move(inputs));
    absl::Status status;
    try {
      status = FindTensorflowOp(node->op())->convert(ctx);
    } catch (const std::out_of_range&) {
      // A converter read an input the node does not have (ConvertContext
      // checks indices with at()).
      status = absl::InvalidArgumentError("the node has too few inputs");
    }
    if (status.code() == absl::StatusCode::kUnimplemented) {
      unsupported.push_back({node->op(), node->name(), std::string(status.message())});
      failed.insert(node->name());
      continue;
    }
    if (!status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat(origin_, ": ", ctx.Where(), ": ", status.message()));
    }
  }
  if (!unsupported.empty()) return report();
  NCC_TF_RETURN_IF_ERROR(BindOutputs(outputs));
  graph_->RemoveDeadValues();
  absl::Status verified = ir::Verify(*graph_);
  if (!verified.ok()) {
    return absl::InternalError(absl::StrCat(origin_, ": ", verified.message()));
  }
  frontends::ImportedModel imported;
  imported.graph = std::move(graph_);
  imported.producer = absl::StrCat("TensorFlow GraphDef (producer ", def_.versions().producer(),
                                   ")");
  imported.notes = std::move(notes_);
  return imported;
}

}  // namespace

std::string CanonicalTensorName(absl::string_view name) {
  const InputRef ref = ParseInput(name);
  return TensorName(ref);
}

absl::StatusOr<tfproto::GraphDef> ParseGraphDef(const std::string& bytes, bool text,
                                                absl::string_view origin) {
  if (static_cast<int64_t>(bytes.size()) > kProtobufLimit) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin, ": the graph is ", bytes.size(),
        " bytes; protobuf cannot read a GraphDef of 2 GiB or more (save the model as a "
        "SavedModel, whose weights live outside the graph)"));
  }
  tfproto::GraphDef graph;
  if (text) {
    google::protobuf::TextFormat::Parser parser;
    FirstError errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(bytes, &graph)) {
      return absl::InvalidArgumentError(absl::StrCat(
          origin, ": not a text GraphDef: ",
          PrintableName(errors.message().empty() ? "parse error" : errors.message())));
    }
    return graph;
  }
  google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                static_cast<int>(bytes.size()));
  stream.SetTotalBytesLimit(static_cast<int>(kProtobufLimit));
  stream.SetRecursionLimit(100);
  if (!graph.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    return absl::DataLossError(absl::StrCat(
        origin, ": not a binary GraphDef, or truncated (", bytes.size(),
        " bytes that protobuf cannot parse); a text GraphDef needs the .pbtxt extension"));
  }
  return graph;
}

absl::StatusOr<frontends::ImportedModel> ImportGraphDef(const tfproto::GraphDef& graph,
                                                        absl::string_view origin,
                                                        const frontends::ImportOptions& options) {
  return Importer(graph, origin, options).Run();
}

}  // namespace ncc::tensorflow_frontend
