#include "frontends/onnx/graph_inputs.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "frontends/onnx/tensor.h"
#include "text/printable.h"

namespace ncc::onnx_frontend {
namespace {

std::string DimsToFlag(const std::vector<int64_t>& dims) { return absl::StrJoin(dims, ","); }

std::string DimSymbol(const onnx::TensorShapeProto_Dimension& dim) {
  if (dim.has_dim_param() && !dim.dim_param().empty()) {
    return absl::StrCat(ncc::text::QuotedName(dim.dim_param()), "");
  }
  if (dim.has_dim_value()) return absl::StrCat("value ", dim.dim_value());
  return "unnamed";
}

}  // namespace

// Runtime inputs: graph inputs that are not initializers.
std::vector<onnx::ValueInfoProto*> RuntimeInputs(onnx::ModelProto& model,
                                                 const std::set<std::string>& initializers) {
  std::vector<onnx::ValueInfoProto*> inputs;
  for (auto& input : *model.mutable_graph()->mutable_input()) {
    if (initializers.count(input.name()) == 0) inputs.push_back(&input);
  }
  return inputs;
}

// Turns each frozen graph input into an initializer of the same name. From
// IR version 4 an initializer needs no graph input, and one that has one
// would be an overridable default, so the input is removed; older models
// keep it (their checker requires it) and RuntimeInputs skips it.
absl::Status FreezeInputs(const std::map<std::string, FrozenInput>& frozen_inputs,
                          onnx::ModelProto& model, std::set<std::string>& initializers) {
  if (frozen_inputs.empty()) return absl::OkStatus();
  std::vector<std::string> names;
  for (const auto* input : RuntimeInputs(model, initializers))
    names.push_back(absl::StrCat(ncc::text::QuotedName(input->name()), ""));
  auto* g = model.mutable_graph();
  for (const auto& [name, frozen] : frozen_inputs) {
    int index = -1;
    for (int i = 0; i < g->input_size(); ++i) {
      if (g->input(i).name() == name && initializers.count(name) == 0) index = i;
    }
    if (index < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot freeze input ", ncc::text::QuotedName(name), ": ",
                       initializers.count(name) > 0 ? "it is an initializer (a constant) already"
                                                    : "not a graph input",
                       " (inputs: ", absl::StrJoin(names, ", "), ")"));
    }
    const onnx::ValueInfoProto& input = g->input(index);
    if (!input.type().has_tensor_type()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot freeze input ", ncc::text::QuotedName(name), ": it is not a tensor"));
    }
    const auto& tensor = input.type().tensor_type();
    auto model_dtype = ConvertElemType(tensor.elem_type(), name);
    if (!model_dtype.ok()) return model_dtype.status();
    if (*model_dtype != frozen.dtype) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot freeze input ", ncc::text::QuotedName(name), ": the model declares ",
          ir::DTypeName(*model_dtype), " but the value is ", ir::DTypeName(frozen.dtype)));
    }
    if (tensor.has_shape()) {
      const auto& shape = tensor.shape();
      bool matches = shape.dim_size() == static_cast<int>(frozen.shape.size());
      for (int i = 0; matches && i < shape.dim_size(); ++i) {
        matches = !IsStatic(shape.dim(i)) || shape.dim(i).dim_value() == frozen.shape[i];
      }
      if (!matches) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cannot freeze input ", ncc::text::QuotedName(name), ": the model declares shape ",
            DescribeShape(shape), " but the value has shape ", ir::ShapeToString(frozen.shape)));
      }
    }
    const int64_t want_bytes = ir::NumElements(frozen.shape) * ir::DTypeSize(frozen.dtype);
    if (want_bytes != static_cast<int64_t>(frozen.data.size())) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot freeze input ", ncc::text::QuotedName(name), ": ",
                       frozen.data.size(), " bytes of data for ", ir::DTypeName(frozen.dtype), " ",
                       ir::ShapeToString(frozen.shape), " (want ", want_bytes, ")"));
    }
    onnx::TensorProto* init = g->add_initializer();
    init->set_name(name);
    init->set_data_type(tensor.elem_type());
    for (int64_t d : frozen.shape) init->add_dims(d);
    init->set_raw_data(frozen.data.data(), frozen.data.size());
    initializers.insert(name);
    if (model.ir_version() >= 4) g->mutable_input()->DeleteSubrange(index, 1);
  }
  return absl::OkStatus();
}

absl::Status ApplyPins(const ImportOptions& options, onnx::ModelProto& model,
                       const std::set<std::string>& initializers) {
  std::vector<onnx::ValueInfoProto*> inputs = RuntimeInputs(model, initializers);
  std::vector<std::string> names;
  for (const auto* input : inputs)
    names.push_back(absl::StrCat(ncc::text::QuotedName(input->name()), ""));
  auto find = [&](const std::string& name) -> onnx::ValueInfoProto* {
    for (auto* input : inputs) {
      if (input->name() == name) return input;
    }
    return nullptr;
  };
  auto unknown = [&](const std::string& name, absl::string_view what) {
    if (initializers.count(name) > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " names ", ncc::text::QuotedName(name),
                       ", which is an initializer (a constant), not a graph input"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(what, " names ", ncc::text::QuotedName(name),
                     ", which is not a graph input (inputs: ", absl::StrJoin(names, ", "), ")"));
  };

  for (const auto& [name, dims] : options.input_dtypes) {
    onnx::ValueInfoProto* input = find(name);
    if (input == nullptr) return unknown(name, "the dtype pin");
    int32_t elem_type = input->type().tensor_type().elem_type();
    auto model_dtype = ConvertElemType(elem_type, name);
    if (!model_dtype.ok()) return model_dtype.status();
    if (*model_dtype != dims) {
      return absl::InvalidArgumentError(
          absl::StrCat("input ", ncc::text::QuotedName(name), " is ", ir::DTypeName(*model_dtype),
                       " in the model but the io-config says ", ir::DTypeName(dims)));
    }
  }

  for (const auto& [name, dims] : options.input_shapes) {
    onnx::ValueInfoProto* input = find(name);
    if (input == nullptr) return unknown(name, "the shape pin");
    if (!input->type().has_tensor_type()) {
      return absl::InvalidArgumentError(absl::StrCat("input ", ncc::text::QuotedName(name),
                                                     " is not a tensor and cannot be pinned"));
    }
    onnx::TypeProto_Tensor* tensor = input->mutable_type()->mutable_tensor_type();
    for (size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] <= 0) {
        return absl::InvalidArgumentError(absl::StrCat("the shape pin for input ",
                                                       ncc::text::QuotedName(name),
                                                       " has non-positive dimension ", i));
      }
    }
    if (tensor->has_shape()) {
      const auto& shape = tensor->shape();
      if (shape.dim_size() != static_cast<int>(dims.size())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the shape pin for input ", ncc::text::QuotedName(name), " has rank ", dims.size(),
            " but the input has rank ", shape.dim_size(), " (", DescribeShape(shape), ")"));
      }
      for (int i = 0; i < shape.dim_size(); ++i) {
        const auto& dim = shape.dim(i);
        if (dim.has_dim_value() && dim.dim_value() > 0 && dim.dim_value() != dims[i]) {
          return absl::InvalidArgumentError(
              absl::StrCat("the shape pin for input ", ncc::text::QuotedName(name),
                           " sets dimension ", i, " to ", dims[i], " but the model fixes it at ",
                           dim.dim_value(), " (", DescribeShape(shape), ")"));
        }
      }
    }
    onnx::TensorShapeProto* shape = tensor->mutable_shape();
    shape->clear_dim();
    for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
  }
  return absl::OkStatus();
}

std::string DescribeShape(const onnx::TensorShapeProto& shape) {
  std::vector<std::string> dims;
  for (const auto& dim : shape.dim()) {
    if (dim.has_dim_value()) {
      dims.push_back(absl::StrCat(dim.dim_value()));
    } else if (dim.has_dim_param() && !dim.dim_param().empty()) {
      dims.push_back(dim.dim_param());
    } else {
      dims.push_back("?");
    }
  }
  return absl::StrCat("[", absl::StrJoin(dims, ","), "]");
}

// Zero is static: a zero-size tensor holds no data, so constant
// propagation replaces what computes one, and CheckZeroSizeTensors
// rejects the rest.
bool IsStatic(const onnx::TensorShapeProto_Dimension& dim) {
  return dim.has_dim_value() && dim.dim_value() >= 0;
}

// "dimension 0 ('batch')" or "dimensions 0 ('batch'), 2 (unnamed)";
// empty when every dimension is static.
std::string DynamicDims(const onnx::TensorShapeProto& shape) {
  std::vector<std::string> parts;
  for (int i = 0; i < shape.dim_size(); ++i) {
    if (!IsStatic(shape.dim(i))) {
      parts.push_back(absl::StrCat(i, " (", DimSymbol(shape.dim(i)), ")"));
    }
  }
  if (parts.empty()) return "";
  return absl::StrCat(parts.size() == 1 ? "dimension " : "dimensions ", absl::StrJoin(parts, ", "));
}

absl::Status CheckStaticInputs(onnx::ModelProto& model, const std::set<std::string>& initializers) {
  std::vector<std::string> problems;
  for (const auto* input : RuntimeInputs(model, initializers)) {
    const std::string& name = input->name();
    if (!input->type().has_tensor_type()) {
      problems.push_back(absl::StrCat("input ", ncc::text::QuotedName(name), " is not a tensor"));
      continue;
    }
    const auto& tensor = input->type().tensor_type();
    if (!tensor.has_shape()) {
      problems.push_back(absl::StrCat(
          "input ", ncc::text::QuotedName(name), " has unknown rank; pin it with --input-shape ",
          ncc::text::PrintableName(name), "=D0,D1,... (or --io-config)"));
      continue;
    }
    std::string dynamic = DynamicDims(tensor.shape());
    if (dynamic.empty()) continue;
    std::vector<int64_t> suggestion;
    for (const auto& dim : tensor.shape().dim()) {
      suggestion.push_back(IsStatic(dim) ? dim.dim_value() : 1);
    }
    problems.push_back(absl::StrCat("input ", ncc::text::QuotedName(name), " has dynamic ", dynamic,
                                    "; pin it with --input-shape ", name, "=",
                                    DimsToFlag(suggestion), " (or --io-config)"));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

}  // namespace ncc::onnx_frontend
