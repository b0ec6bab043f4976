#include "frontends/pytorch/pytorch_frontend.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fileio/bounded_read.h"
#include "frontends/pytorch/convert.h"
#include "frontends/pytorch/interpreter.h"
#include "frontends/pytorch/op_table.h"
#include "frontends/pytorch/torchscript.h"
#include "frontends/unsupported.h"
#include "text/printable.h"

namespace ncc::pytorch_frontend {
namespace {

// The argument a --input-shape / --io-config / --freeze-input name refers to:
// its own name, or input<N> for the N-th argument.
int FindArgument(const std::vector<ForwardArgument>& args, const std::string& name) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].name == name) return static_cast<int>(i);
  }
  if (name.rfind("input", 0) == 0 && name.size() > 5 && name.size() < 9) {
    int index = 0;
    for (char c : name.substr(5)) {
      if (c < '0' || c > '9') return -1;
      index = index * 10 + (c - '0');
    }
    if (index < static_cast<int>(args.size())) return index;
  }
  return -1;
}

std::string ArgumentList(const std::vector<ForwardArgument>& args) {
  std::vector<std::string> names;
  for (const ForwardArgument& arg : args) names.push_back(text::PrintableName(arg.name));
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

// Checks that every name the options use is an argument; returns the
// argument index of each.
template <typename Map>
absl::StatusOr<std::map<int, typename Map::mapped_type>> ByArgument(
    const Map& by_name, const std::vector<ForwardArgument>& args, absl::string_view flag,
    absl::string_view origin) {
  std::map<int, typename Map::mapped_type> out;
  for (const auto& [name, value] : by_name) {
    int index = FindArgument(args, name);
    if (index < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ": ", flag, " names '", text::PrintableName(name),
                       "', which is not an argument of forward (arguments: ", ArgumentList(args),
                       "; input0, input1, ... also name them by position)"));
    }
    if (out.count(index)) {
      return absl::InvalidArgumentError(absl::StrCat(origin, ": ", flag, " gives argument '",
                                                     text::PrintableName(args[index].name), "' twice"));
    }
    out.emplace(index, value);
  }
  return out;
}

}  // namespace

const PytorchFrontend& PytorchFrontend::Get() {
  static const auto* const kFrontend = new PytorchFrontend;
  return *kFrontend;
}

absl::StatusOr<frontends::ImportedModel> PytorchFrontend::Import(
    absl::Span<const std::string> files, const frontends::ImportOptions& options) const {
  if (files.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a PyTorch model is one TorchScript archive (torch.jit.save), got ", files.size(),
        " files"));
  }
  const std::string& path = files[0];
  if (!options.tags.empty() || !options.signature.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": --tags and --signature choose a graph of a TensorFlow SavedModel; a TorchScript archive "
              "has one graph"));
  }
  auto bytes = fileio::ReadRegularFile(path, fileio::kModelFileLimit, "a model file");
  if (!bytes.ok()) return bytes.status();
  return ImportTorchScriptBytes(*bytes, path, options);
}

absl::StatusOr<frontends::ImportedModel> ImportTorchScriptBytes(
    const std::string& bytes, absl::string_view origin, const frontends::ImportOptions& options) {
  const std::string path(origin);
  auto model = LoadTorchScript(bytes, path);
  if (!model.ok()) return model.status();
  const std::vector<ForwardArgument>& args = model->arguments;

  auto shapes = ByArgument(options.input_shapes, args, "--input-shape", path);
  if (!shapes.ok()) return shapes.status();
  auto dtypes = ByArgument(options.input_dtypes, args, "--io-config", path);
  if (!dtypes.ok()) return dtypes.status();
  auto frozen = ByArgument(options.frozen_inputs, args, "--freeze-input", path);
  if (!frozen.ok()) return frozen.status();

  frontends::ImportedModel imported;
  std::vector<InterpreterInput> inputs;
  for (size_t i = 0; i < args.size(); ++i) {
    const ForwardArgument& arg = args[i];
    InterpreterInput in;
    in.name = arg.name;
    if (!arg.is_tensor && arg.default_value) {
      in.constant = *arg.default_value;
      imported.notes.push_back(absl::StrCat("argument '", text::PrintableName(arg.name), "' (", text::PrintableName(arg.type),
                                            ") is compiled with its default value"));
      inputs.push_back(std::move(in));
      continue;
    }
    if (!arg.is_tensor) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": argument '", text::PrintableName(arg.name), "' of forward is ",
          text::PrintableName(arg.type),
          "; a compiled model takes tensors only (make it a constant or a module attribute)"));
    }
    auto f = frozen->find(static_cast<int>(i));
    auto s = shapes->find(static_cast<int>(i));
    auto d = dtypes->find(static_cast<int>(i));
    if (d != dtypes->end()) in.dtype = d->second;
    if (f != frozen->end()) {
      in.shape = f->second.shape;
      in.dtype = f->second.dtype;
      in.frozen_data = &f->second.data;
      if (s != shapes->end() && s->second != in.shape) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": --input-shape for '", text::PrintableName(arg.name), "' is ", ir::ShapeToString(s->second),
            " but its frozen value has shape ", ir::ShapeToString(in.shape)));
      }
    } else if (s != shapes->end()) {
      in.shape = s->second;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": input '", text::PrintableName(arg.name), "' (argument ", i + 1,
          " of forward) has no static shape; a TorchScript archive does not record one: pin it "
          "with --input-shape ",
          text::PrintableName(arg.name), "=D0,D1,... (e.g. --input-shape ",
          text::PrintableName(arg.name),
          "=1,3,224,224) or --io-config"));
    }
    for (size_t k = 0; k < in.shape.size(); ++k) {
      if (in.shape[k] < 0) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": dimension ", k, " of input '",
                                                       text::PrintableName(arg.name), "' is negative"));
      }
    }
    inputs.push_back(std::move(in));
  }

  Interpreter interpreter(path, options.check_operator_support);
  absl::StatusOr<InterpreterResult> result;
  try {
    result = interpreter.Run(*model->graph, inputs);
  } catch (const std::exception& e) {
    // A converter or libtorch threw past the interpreter's guards.
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", text::PrintableName(e.what())));
  }
  if (!result.ok()) return result.status();
  if (!result->unsupported.empty()) {
    return absl::UnimplementedError(absl::StrCat(
        path, ": ", frontends::DescribeUnsupportedNodes("PYTORCH", "", result->unsupported)));
  }
  imported.graph = std::move(result->graph);
  imported.notes.insert(imported.notes.end(), result->notes.begin(), result->notes.end());
  imported.producer = "TorchScript";

  if (!options.outputs.empty()) {
    std::vector<ir::Value*> outputs;
    for (const std::string& name : options.outputs) {
      ir::Value* value = imported.graph->FindValue(name);
      if (value == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": no tensor named '", text::PrintableName(name), "' to make an output"));
      }
      outputs.push_back(value);
    }
    imported.graph->outputs() = std::move(outputs);
  }
  return imported;
}

std::string PytorchFrontend::FormatOperatorTable() const {
  return pytorch_frontend::FormatOperatorTable();
}

std::string PytorchFrontend::FormatOperatorJson() const {
  return pytorch_frontend::FormatOperatorJson();
}

}  // namespace ncc::pytorch_frontend
