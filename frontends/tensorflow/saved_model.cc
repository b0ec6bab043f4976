#include "frontends/tensorflow/saved_model.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <sys/stat.h>

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "fileio/bounded_read.h"
#include "frontends/tensorflow/bundle.h"
#include "frontends/tensorflow/convert.h"
#include "frontends/tensorflow/graphdef_import.h"
#include "frontends/tensorflow/proto/saved_model.pb.h"
#include "text/printable.h"

namespace ncc::tensorflow_frontend {
namespace {

using frontends::ImportOptions;
using text::PrintableName;
using text::QuotedName;

std::string JoinPath(absl::string_view dir, absl::string_view name) {
  return absl::StrCat(absl::StripSuffix(dir, "/"), "/", name);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// "x", "x:1", "^x" -> "x".
std::string NodeName(absl::string_view input) {
  absl::ConsumePrefix(&input, "^");
  const size_t colon = input.rfind(':');
  int64_t index = 0;
  if (colon != absl::string_view::npos && absl::SimpleAtoi(input.substr(colon + 1), &index)) {
    input = input.substr(0, colon);
  }
  return std::string(input);
}

int64_t OutputIndex(absl::string_view input) {
  const std::string canonical = CanonicalTensorName(input);
  int64_t index = 0;
  (void)absl::SimpleAtoi(absl::string_view(canonical).substr(canonical.rfind(':') + 1), &index);
  return index;
}

// The first text-format error, for a one-line message.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (message_.empty())
      message_ = absl::StrCat("line ", line + 1, ", column ", column + 1, ": ", message);
  }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

// DIR/saved_model.pb, else DIR/saved_model.pbtxt; *path is the file read.
absl::StatusOr<tfproto::SavedModel> ReadSavedModelFile(const std::string& dir, std::string* path) {
  *path = JoinPath(dir, "saved_model.pb");
  const bool text = !Exists(*path) && Exists(JoinPath(dir, "saved_model.pbtxt"));
  if (text) *path = JoinPath(dir, "saved_model.pbtxt");
  if (!text && !Exists(*path)) {
    return absl::InvalidArgumentError(absl::StrCat(
        dir,
        ": a directory without saved_model.pb or saved_model.pbtxt, so not a SavedModel "
        "(give a frozen GraphDef's own path)"));
  }
  auto file = fileio::RegularFile::Open(*path);
  if (!file.ok()) return file.status();
  // Checked before reading: protobuf cannot parse 2 GiB or more.
  if (file->size() > kProtobufLimit) {
    return absl::InvalidArgumentError(absl::StrCat(
        *path, ": the SavedModel's graphs are ", fileio::FormatBytes(file->size()),
        "; protobuf cannot read a file of 2 GiB or more (keep large weights in variables, "
        "which live in variables/, not in the graph)"));
  }
  auto bytes = file->ReadAll(kProtobufLimit, "a SavedModel");
  if (!bytes.ok()) return bytes.status();
  tfproto::SavedModel saved;
  if (text) {
    google::protobuf::TextFormat::Parser parser;
    FirstError errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(*bytes, &saved)) {
      return absl::InvalidArgumentError(
          absl::StrCat(*path, ": not a text SavedModel: ",
                       PrintableName(errors.message().empty() ? "parse error" : errors.message())));
    }
    return saved;
  }
  google::protobuf::io::CodedInputStream stream(reinterpret_cast<const uint8_t*>(bytes->data()),
                                                static_cast<int>(bytes->size()));
  stream.SetTotalBytesLimit(static_cast<int>(kProtobufLimit));
  stream.SetRecursionLimit(100);
  if (!saved.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    return absl::DataLossError(absl::StrCat(*path, ": not a binary SavedModel, or truncated (",
                                            bytes->size(), " bytes that protobuf cannot parse)"));
  }
  return saved;
}

std::string FormatTags(const std::set<std::string>& tags) {
  std::vector<std::string> printable;
  for (const std::string& tag : tags) printable.push_back(PrintableName(tag));
  return absl::StrCat("{", absl::StrJoin(printable, ","), "}");
}

absl::StatusOr<const tfproto::MetaGraphDef*> SelectMetaGraph(const tfproto::SavedModel& saved,
                                                             const ImportOptions& options,
                                                             const std::string& path) {
  std::set<std::string> wanted(options.tags.begin(), options.tags.end());
  if (wanted.empty()) wanted = {kDefaultTag};
  std::vector<std::string> available;
  for (const tfproto::MetaGraphDef& meta : saved.meta_graphs()) {
    const auto& tags = meta.meta_info_def().tags();
    const std::set<std::string> have(tags.begin(), tags.end());
    if (have == wanted) return &meta;
    available.push_back(FormatTags(have));
  }
  if (available.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no MetaGraph"));
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": no MetaGraph has the tag set ", FormatTags(wanted), " (the SavedModel has ",
      absl::StrJoin(available, ", "), "); choose one with --tags"));
}

absl::StatusOr<const tfproto::SignatureDef*> SelectSignature(const tfproto::MetaGraphDef& meta,
                                                             const std::string& name,
                                                             const std::string& path) {
  auto it = meta.signature_def().find(name);
  if (it != meta.signature_def().end()) return &it->second;
  std::vector<std::string> names;
  for (const auto& [key, sig] : meta.signature_def()) names.push_back(QuotedName(key));
  std::sort(names.begin(), names.end());
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": the MetaGraph tagged ",
      FormatTags(std::set<std::string>(meta.meta_info_def().tags().begin(),
                                       meta.meta_info_def().tags().end())),
      " has no signature ", QuotedName(name), " (signatures: ",
      names.empty() ? "none" : absl::StrJoin(names, ", "), "); choose one with --signature"));
}

// A signature's inputs or outputs: key -> "node:index".
absl::StatusOr<std::map<std::string, std::string>> SignatureTensors(
    const google::protobuf::Map<std::string, tfproto::TensorInfo>& infos, absl::string_view what,
    const std::string& signature, const std::string& path) {
  std::map<std::string, std::string> out;
  for (const auto& [key, info] : infos) {
    if (info.name().empty()) {
      return absl::UnimplementedError(
          absl::StrCat(path, ": signature ", QuotedName(signature), " ", what, " ", QuotedName(key),
                       " is a sparse or composite tensor; neuron-cc reads dense tensors only"));
    }
    out[key] = CanonicalTensorName(info.name());
  }
  return out;
}

// Replaces the variable reads the outputs need with Consts from the bundle.
class VariableFreezer {
 public:
  VariableFreezer(const tfproto::GraphDef& graph, std::string dir, std::string origin,
                  std::string signature)
      : graph_(graph),
        dir_(std::move(dir)),
        origin_(std::move(origin)),
        signature_(std::move(signature)) {}

  absl::StatusOr<tfproto::GraphDef> Run(const std::vector<std::string>& outputs, int* variables);

 private:
  absl::Status Error(absl::StatusCode code, absl::string_view message) const {
    return absl::Status(code, absl::StrCat(origin_, ": ", message));
  }
  const tfproto::NodeDef* Find(absl::string_view input) const {
    auto it = nodes_.find(NodeName(input));
    return it == nodes_.end() ? nullptr : it->second;
  }
  std::string ThroughIdentity(std::string input) const;
  void MapRestoredVariables();
  absl::Status Collect(const std::vector<std::string>& outputs);
  absl::Status CheckVisit(const tfproto::NodeDef& node, const tfproto::NodeDef* consumer);
  absl::StatusOr<TensorBundle*> Bundle(const tfproto::NodeDef& variable);
  absl::StatusOr<std::string> BundleKey(const tfproto::NodeDef& variable);
  absl::StatusOr<tfproto::NodeDef> VariableConst(const tfproto::NodeDef& read,
                                                 const tfproto::NodeDef& variable);

  const tfproto::GraphDef& graph_;
  const std::string dir_;
  const std::string origin_;
  const std::string signature_;
  std::map<std::string, const tfproto::NodeDef*> nodes_;
  // Variable node -> its bundle key, from the restore graph.
  std::map<const tfproto::NodeDef*, std::string> restore_keys_;
  std::set<const tfproto::NodeDef*> needed_;
  // Needed variable reads -> the variable node they read.
  std::map<const tfproto::NodeDef*, const tfproto::NodeDef*> reads_;
  std::optional<TensorBundle> bundle_;
};

bool IsVariable(const tfproto::NodeDef* node) {
  return node != nullptr &&
         (node->op() == "VarHandleOp" || node->op() == "VariableV2" || node->op() == "Variable");
}

// Follows Identity nodes (TF1 savers put one between RestoreV2 and each
// AssignVariableOp), at most one step per node.
std::string VariableFreezer::ThroughIdentity(std::string input) const {
  for (size_t steps = 0; steps < nodes_.size(); ++steps) {
    const tfproto::NodeDef* node = Find(input);
    if (node == nullptr || node->op() != "Identity" || node->input_size() == 0) break;
    input = node->input(0);
  }
  return input;
}

// AssignVariableOp(handle, RestoreV2:i) or Assign(variable, RestoreV2:i):
// the variable's key is element i of RestoreV2's tensor_names (input 1).
void VariableFreezer::MapRestoredVariables() {
  for (const tfproto::NodeDef& node : graph_.node()) {
    if ((node.op() != "AssignVariableOp" && node.op() != "Assign") || node.input_size() < 2) {
      continue;
    }
    const tfproto::NodeDef* variable = Find(ThroughIdentity(node.input(0)));
    const std::string source = ThroughIdentity(node.input(1));
    const tfproto::NodeDef* restore = Find(source);
    if (!IsVariable(variable) || restore == nullptr || restore->op() != "RestoreV2" ||
        restore->input_size() < 2) {
      continue;
    }
    const tfproto::NodeDef* names = Find(ThroughIdentity(restore->input(1)));
    if (names == nullptr || names->op() != "Const") continue;
    auto value = names->attr().find("value");
    if (value == names->attr().end()) continue;
    const auto& strings = value->second.tensor().string_val();
    const int64_t index = OutputIndex(source);
    if (index < strings.size()) restore_keys_[variable] = strings[static_cast<int>(index)];
  }
}

// Why a node on the outputs' path cannot be compiled from a SavedModel.
absl::Status VariableFreezer::CheckVisit(const tfproto::NodeDef& node,
                                         const tfproto::NodeDef* consumer) {
  if (node.op() == "StatefulPartitionedCall" || node.op() == "PartitionedCall") {
    auto f = node.attr().find("f");
    const std::string function = f == node.attr().end() ? "?" : f->second.func().name();
    return Error(
        absl::StatusCode::kUnimplemented,
        absl::StrCat("signature ", QuotedName(signature_), " is computed by ", node.op(), " ",
                     QuotedName(node.name()), ", a call of function ", QuotedName(function),
                     " in the graph's function library, which neuron-cc does not "
                     "inline (a TF2 SavedModel): freeze it to a GraphDef "
                     "(convert_variables_to_constants_v2) and compile that"));
  }
  if (node.op() == "VarHandleOp") {
    return Error(absl::StatusCode::kUnimplemented,
                 absl::StrCat(consumer == nullptr
                                  ? std::string("an output")
                                  : absl::StrCat(consumer->op(), " ", QuotedName(consumer->name())),
                              " uses resource variable ", QuotedName(node.name()),
                              " other than through ReadVariableOp, which neuron-cc does not "
                              "compile"));
  }
  return absl::OkStatus();
}

// The nodes the outputs need (data inputs only), stopping at variable reads.
absl::Status VariableFreezer::Collect(const std::vector<std::string>& outputs) {
  std::vector<std::pair<const tfproto::NodeDef*, const tfproto::NodeDef*>> stack;
  for (const std::string& output : outputs) {
    const tfproto::NodeDef* node = Find(output);
    if (node != nullptr && needed_.insert(node).second) stack.push_back({node, nullptr});
  }
  while (!stack.empty()) {
    const auto [node, consumer] = stack.back();
    stack.pop_back();
    NCC_TF_RETURN_IF_ERROR(CheckVisit(*node, consumer));
    if (node->op() == "VariableV2" || node->op() == "Variable") {
      reads_[node] = node;
      continue;
    }
    if (node->op() == "ReadVariableOp" && node->input_size() > 0) {
      const tfproto::NodeDef* handle = Find(ThroughIdentity(node->input(0)));
      if (handle == nullptr || handle->op() != "VarHandleOp") {
        return Error(absl::StatusCode::kUnimplemented,
                     absl::StrCat("ReadVariableOp ", QuotedName(node->name()),
                                  " reads no VarHandleOp (a variable neuron-cc cannot find)"));
      }
      reads_[node] = handle;
      continue;
    }
    for (const std::string& input : node->input()) {
      if (absl::StartsWith(input, "^")) continue;
      const tfproto::NodeDef* next = Find(input);
      if (next != nullptr && needed_.insert(next).second) stack.push_back({next, node});
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<TensorBundle*> VariableFreezer::Bundle(const tfproto::NodeDef& variable) {
  if (bundle_) return &*bundle_;
  auto bundle = TensorBundle::Open(JoinPath(dir_, "variables/variables"));
  if (bundle.status().code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(absl::StrCat(
        bundle.status().message(), " (the SavedModel's variables are missing: its graph reads ",
        QuotedName(variable.name()), ")"));
  }
  if (!bundle.ok()) return bundle.status();
  bundle_ = std::move(*bundle);
  return &*bundle_;
}

// The restore graph's name for the variable, else its shared_name, else its
// node name: the first that the bundle has.
absl::StatusOr<std::string> VariableFreezer::BundleKey(const tfproto::NodeDef& variable) {
  NCC_TF_ASSIGN(bundle, Bundle(variable));
  std::vector<std::string> tried;
  auto restored = restore_keys_.find(&variable);
  if (restored != restore_keys_.end()) tried.push_back(restored->second);
  auto shared = variable.attr().find("shared_name");
  if (shared != variable.attr().end() && !shared->second.s().empty()) {
    tried.push_back(shared->second.s());
  }
  tried.push_back(variable.name());
  for (const std::string& key : tried) {
    if (bundle->Find(key) != nullptr) return key;
  }
  std::vector<std::string> quoted;
  for (const std::string& key : tried) quoted.push_back(QuotedName(key));
  return absl::NotFoundError(absl::StrCat(
      bundle->IndexPath(), ": no tensor for variable ", QuotedName(variable.name()), " (tried ",
      absl::StrJoin(quoted, ", "), "; the bundle has ", bundle->entries().size(), " tensors)"));
}

absl::StatusOr<tfproto::NodeDef> VariableFreezer::VariableConst(const tfproto::NodeDef& read,
                                                                const tfproto::NodeDef& variable) {
  NCC_TF_ASSIGN(key, BundleKey(variable));
  NCC_TF_ASSIGN(bundle, Bundle(variable));
  const BundleEntry& entry = *bundle->Find(key);
  const std::string where = absl::StrCat("variable ", QuotedName(variable.name()),
                                         " (bundle tensor ", QuotedName(key), ")");
  auto dtype = variable.attr().find("dtype");
  if (dtype != variable.attr().end() && dtype->second.type() != entry.dtype) {
    return Error(absl::StatusCode::kInvalidArgument,
                 absl::StrCat(where, " is declared ", tfproto::DataType_Name(dtype->second.type()),
                              " but the bundle holds ", tfproto::DataType_Name(entry.dtype)));
  }
  auto shape = variable.attr().find("shape");
  if (shape != variable.attr().end() && !shape->second.shape().unknown_rank()) {
    const auto& dims = shape->second.shape().dim();
    bool matches = dims.size() == static_cast<int>(entry.shape.size());
    for (int i = 0; matches && i < dims.size(); ++i) {
      matches = dims[i].size() < 0 || dims[i].size() == entry.shape[i];
    }
    if (!matches) {
      return Error(absl::StatusCode::kInvalidArgument,
                   absl::StrCat(where, " has shape ", ir::ShapeToString(entry.shape),
                                " in the bundle, not its declared shape"));
    }
  }
  NCC_TF_ASSIGN(data, bundle->Read(key));
  tfproto::NodeDef node;
  node.set_name(read.name());
  node.set_op("Const");
  (*node.mutable_attr())["dtype"].set_type(entry.dtype);
  tfproto::TensorProto* tensor = (*node.mutable_attr())["value"].mutable_tensor();
  tensor->set_dtype(entry.dtype);
  for (int64_t d : entry.shape) tensor->mutable_tensor_shape()->add_dim()->set_size(d);
  tensor->set_tensor_content(std::move(data));
  return node;
}

absl::StatusOr<tfproto::GraphDef> VariableFreezer::Run(const std::vector<std::string>& outputs,
                                                       int* variables) {
  for (const tfproto::NodeDef& node : graph_.node()) {
    if (!nodes_.emplace(node.name(), &node).second) {
      return Error(absl::StatusCode::kInvalidArgument,
                   absl::StrCat("two nodes are named ", QuotedName(node.name())));
    }
  }
  MapRestoredVariables();
  NCC_TF_RETURN_IF_ERROR(Collect(outputs));
  tfproto::GraphDef frozen;
  *frozen.mutable_versions() = graph_.versions();
  for (const tfproto::NodeDef& node : graph_.node()) {
    if (!needed_.count(&node)) continue;
    auto read = reads_.find(&node);
    if (read != reads_.end()) {
      NCC_TF_ASSIGN(constant, VariableConst(node, *read->second));
      *frozen.add_node() = std::move(constant);
      continue;
    }
    tfproto::NodeDef* copy = frozen.add_node();
    *copy = node;
    copy->clear_input();
    for (const std::string& input : node.input()) {
      if (!absl::StartsWith(input, "^")) copy->add_input(input);
    }
  }
  *variables = static_cast<int>(reads_.size());
  return frozen;
}

// A name from the command line: a signature key, else a tensor name.
std::string ResolveName(const std::map<std::string, std::string>& keys, const std::string& name) {
  auto it = keys.find(name);
  return it != keys.end() ? it->second : CanonicalTensorName(name);
}

// The options' input names as tensor names: a signature input key, or a
// placeholder of the frozen graph by tensor name.
template <typename T>
absl::StatusOr<std::map<std::string, T>> ResolveInputs(const std::map<std::string, T>& given,
                                                       absl::string_view flag,
                                                       const FrozenSavedModel& frozen,
                                                       const std::string& signature) {
  std::set<std::string> placeholders;
  for (const tfproto::NodeDef& node : frozen.graph.node()) {
    if (node.op() == "Placeholder") placeholders.insert(node.name() + ":0");
  }
  std::map<std::string, T> out;
  for (const auto& [name, value] : given) {
    const std::string tensor = ResolveName(frozen.inputs, name);
    if (!frozen.inputs.count(name) && !placeholders.count(tensor)) {
      std::vector<std::string> inputs;
      for (const auto& [key, t] : frozen.inputs) {
        inputs.push_back(absl::StrCat(QuotedName(key), " (", PrintableName(t), ")"));
      }
      return absl::InvalidArgumentError(
          absl::StrCat(frozen.origin, ": ", flag, " names ", QuotedName(name),
                       ", which is not an input of signature ", QuotedName(signature),
                       " (inputs: ", inputs.empty() ? "none" : absl::StrJoin(inputs, ", "),
                       ") nor a placeholder its outputs use"));
    }
    if (!out.emplace(tensor, value).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(frozen.origin, ": ", flag, " gives input ", QuotedName(tensor), " twice"));
    }
  }
  return out;
}

bool IsGraphInput(const ir::Graph& graph, const ir::Value* value) {
  return std::find(graph.inputs().begin(), graph.inputs().end(), value) != graph.inputs().end();
}

// Names `value` `name`, moving a value that had the name aside.
void Rename(ir::Graph& graph, ir::Value* value, const std::string& name) {
  if (value->name == name) return;
  if (ir::Value* other = graph.FindValue(name)) other->name = graph.UniqueName(name + "/renamed");
  value->name = name;
}

// The signature's keys as the names of the graph's inputs and outputs.
void NameBySignature(ir::Graph& graph, const FrozenSavedModel& frozen,
                     const std::vector<std::string>& requested) {
  for (const auto& [key, tensor] : frozen.inputs) {
    ir::Value* value = graph.FindValue(tensor);
    if (value != nullptr && IsGraphInput(graph, value)) Rename(graph, value, key);
  }
  std::set<const ir::Value*> named;
  for (size_t i = 0; i < graph.outputs().size(); ++i) {
    std::string key;
    if (i < requested.size() && frozen.outputs.count(requested[i])) {
      key = requested[i];
    } else {
      for (const auto& [k, tensor] : frozen.outputs) {
        if (tensor == frozen.output_tensors[i]) {
          key = k;
          break;
        }
      }
    }
    if (key.empty()) continue;
    ir::Value* value = graph.outputs()[i];
    ir::Value* holder = graph.FindValue(key);
    // An input keeps its name (the output keeps its tensor name).
    if (holder != nullptr && holder != value && IsGraphInput(graph, holder)) continue;
    if (holder != value && (IsGraphInput(graph, value) || named.count(value))) {
      // An input, or a value another key names: output through a copy.
      if (holder != nullptr) Rename(graph, holder, graph.UniqueName(key + "/renamed"));
      ir::Value* copy = graph.AddValue(key, value->dtype, value->shape);
      graph.AddOp("Identity", key, {value}, {copy});
      graph.outputs()[i] = copy;
      value = copy;
    } else {
      Rename(graph, value, key);
    }
    named.insert(value);
  }
}

}  // namespace

absl::StatusOr<FrozenSavedModel> FreezeSavedModel(const std::string& dir,
                                                  const ImportOptions& options) {
  FrozenSavedModel frozen;
  auto saved = ReadSavedModelFile(dir, &frozen.origin);
  if (!saved.ok()) return saved.status();
  NCC_TF_ASSIGN(meta, SelectMetaGraph(*saved, options, frozen.origin));
  const std::string signature = options.signature.empty() ? kDefaultSignature : options.signature;
  NCC_TF_ASSIGN(sig, SelectSignature(*meta, signature, frozen.origin));
  NCC_TF_ASSIGN(inputs, SignatureTensors(sig->inputs(), "input", signature, frozen.origin));
  NCC_TF_ASSIGN(outputs, SignatureTensors(sig->outputs(), "output", signature, frozen.origin));
  if (outputs.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(frozen.origin, ": signature ", QuotedName(signature), " has no outputs"));
  }
  frozen.inputs = std::move(inputs);
  frozen.outputs = std::move(outputs);
  for (const std::string& name : options.outputs) {
    frozen.output_tensors.push_back(ResolveName(frozen.outputs, name));
  }
  if (options.outputs.empty()) {
    for (const auto& [key, tensor] : frozen.outputs) frozen.output_tensors.push_back(tensor);
  }
  VariableFreezer freezer(meta->graph_def(), dir, frozen.origin, signature);
  NCC_TF_ASSIGN(graph, freezer.Run(frozen.output_tensors, &frozen.variables));
  frozen.graph = std::move(graph);
  const std::set<std::string> tags(meta->meta_info_def().tags().begin(),
                                   meta->meta_info_def().tags().end());
  frozen.producer =
      absl::StrCat("TensorFlow SavedModel (tags ", FormatTags(tags), ", signature ",
                   QuotedName(signature), ", ", frozen.variables, " variables; GraphDef producer ",
                   meta->graph_def().versions().producer(), ")");
  return frozen;
}

absl::StatusOr<frontends::ImportedModel> ImportSavedModel(const std::string& dir,
                                                          const ImportOptions& options) {
  NCC_TF_ASSIGN(frozen, FreezeSavedModel(dir, options));
  const std::string signature = options.signature.empty() ? kDefaultSignature : options.signature;
  ImportOptions inner = options;
  inner.tags.clear();
  inner.signature.clear();
  inner.outputs = frozen.output_tensors;
  NCC_TF_ASSIGN(shapes, ResolveInputs(options.input_shapes, "--input-shape", frozen, signature));
  NCC_TF_ASSIGN(dtypes, ResolveInputs(options.input_dtypes, "--io-config", frozen, signature));
  NCC_TF_ASSIGN(frozen_inputs,
                ResolveInputs(options.frozen_inputs, "--freeze-input", frozen, signature));
  inner.input_shapes = std::move(shapes);
  inner.input_dtypes = std::move(dtypes);
  inner.frozen_inputs = std::move(frozen_inputs);
  NCC_TF_ASSIGN(imported, ImportGraphDef(frozen.graph, frozen.origin, inner));
  NameBySignature(*imported.graph, frozen, options.outputs);
  imported.producer = frozen.producer;
  return imported;
}

}  // namespace ncc::tensorflow_frontend
