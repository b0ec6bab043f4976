#include "frontends/onnx/graph_inputs.h"

#include <cctype>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "frontends/onnx/tensor.h"
#include "text/printable.h"

namespace ncc::onnx_frontend {
namespace {

std::string DimSymbol(const onnx::TensorShapeProto_Dimension& dim) {
  if (dim.has_dim_param() && !dim.dim_param().empty()) {
    return absl::StrCat(ncc::text::QuotedName(dim.dim_param()), "");
  }
  if (dim.has_dim_value()) return absl::StrCat("value ", dim.dim_value());
  return "unnamed";
}

// The least size a dynamic input dimension can take, and why: the windowed
// op (Conv, ConvTranspose's opposite excluded, the pools) that reads it,
// found by following the dimension through ops that keep each axis
// (element-wise unary ops, Cast, Identity, Unsqueeze with constant axes,
// Transpose). Other paths are not followed: a dimension they lead to gets
// no bound, and its suggestion is a placeholder, never a guess.
struct DimBound {
  int64_t min = 1;
  std::string why;
};

const std::set<std::string>& AxisPreservingOps() {
  static const std::set<std::string> kOps = {
      "Abs",     "Cast",  "Ceil",    "Clip",    "Elu",      "Erf",     "Exp",       "Floor",
      "Gelu",    "HardSigmoid", "HardSwish", "Identity", "LeakyRelu", "Log", "Mish", "Neg",
      "Reciprocal", "Relu", "Round", "Selu",  "Sigmoid", "Sign", "Sin", "Cos", "Softplus",
      "Softsign", "Sqrt", "Tanh"};
  return kOps;
}

std::vector<int64_t> IntsAttr(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& attr : node.attribute()) {
    if (attr.name() == name) return std::vector<int64_t>(attr.ints().begin(), attr.ints().end());
  }
  return {};
}

std::string StringAttr(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& attr : node.attribute()) {
    if (attr.name() == name) return attr.s();
  }
  return "";
}

// An int64 constant (initializer or Constant node) by name.
std::optional<std::vector<int64_t>> IntConstant(const onnx::GraphProto& g, const std::string& name) {
  auto read = [](const onnx::TensorProto& t) -> std::optional<std::vector<int64_t>> {
    if (t.data_type() != onnx::TensorProto::INT64) return std::nullopt;
    std::vector<int64_t> v(t.int64_data().begin(), t.int64_data().end());
    if (v.empty() && t.raw_data().size() % 8 == 0) {
      v.resize(t.raw_data().size() / 8);
      std::memcpy(v.data(), t.raw_data().data(), t.raw_data().size());
    }
    return v;
  };
  for (const auto& init : g.initializer()) {
    if (init.name() == name) return read(init);
  }
  for (const auto& node : g.node()) {
    if (node.op_type() == "Constant" && node.output_size() == 1 && node.output(0) == name) {
      for (const auto& attr : node.attribute()) {
        if (attr.name() == "value" && attr.has_t()) return read(attr.t());
      }
    }
  }
  return std::nullopt;
}

// Bounds for every axis of `input` (rank `rank`) that a window reads.
std::map<int, DimBound> WindowBounds(const onnx::GraphProto& g, const std::string& input,
                                     int rank) {
  std::map<int, DimBound> bounds;
  // (tensor, its axis -> the input's axis), explored breadth-first.
  std::vector<std::pair<std::string, std::vector<int>>> work;
  std::vector<int> identity(rank);
  for (int i = 0; i < rank; ++i) identity[i] = i;
  work.emplace_back(input, identity);
  std::set<std::string> seen = {input};
  for (size_t w = 0; w < work.size() && w < 256; ++w) {
    const auto [tensor, axes] = work[w];
    for (const auto& node : g.node()) {
      if (node.input_size() == 0 || node.input(0) != tensor || node.output_size() == 0) continue;
      const std::string& op = node.op_type();
      std::vector<int> out_axes;
      if (AxisPreservingOps().count(op)) {
        out_axes = axes;
      } else if (op == "Transpose") {
        std::vector<int64_t> perm = IntsAttr(node, "perm");
        if (perm.size() != axes.size()) continue;
        for (int64_t p : perm) {
          if (p < 0 || p >= static_cast<int64_t>(axes.size())) break;
          out_axes.push_back(axes[p]);
        }
        if (out_axes.size() != axes.size()) continue;
      } else if (op == "Unsqueeze") {
        std::vector<int64_t> inserted = IntsAttr(node, "axes");
        if (node.input_size() > 1) {
          auto c = IntConstant(g, node.input(1));
          if (!c) continue;
          inserted = *c;
        }
        const int out_rank = static_cast<int>(axes.size() + inserted.size());
        std::vector<bool> is_new(out_rank, false);
        bool ok = true;
        for (int64_t a : inserted) {
          const int64_t n = a < 0 ? a + out_rank : a;
          if (n < 0 || n >= out_rank) ok = false;
          if (ok) is_new[n] = true;
        }
        if (!ok) continue;
        size_t k = 0;
        for (int i = 0; i < out_rank; ++i) out_axes.push_back(is_new[i] ? -1 : axes[k++]);
      } else if (op == "Conv" || op == "MaxPool" || op == "AveragePool" || op == "LpPool") {
        std::vector<int64_t> kernel = IntsAttr(node, "kernel_shape");
        if (kernel.empty() && op == "Conv" && node.input_size() > 1) {
          for (const auto& init : g.initializer()) {
            if (init.name() == node.input(1) && init.dims_size() > 2) {
              kernel.assign(init.dims().begin() + 2, init.dims().end());
            }
          }
        }
        const std::string auto_pad = StringAttr(node, "auto_pad");
        if (kernel.empty() || axes.size() != kernel.size() + 2 ||
            (!auto_pad.empty() && auto_pad != "NOTSET" && auto_pad != "VALID")) {
          continue;
        }
        std::vector<int64_t> dilations = IntsAttr(node, "dilations");
        std::vector<int64_t> pads = IntsAttr(node, "pads");
        for (size_t i = 0; i < kernel.size(); ++i) {
          const int axis = axes[2 + i];
          if (axis < 0) continue;
          const int64_t d = i < dilations.size() ? dilations[i] : 1;
          const int64_t padded = pads.size() == 2 * kernel.size() ? pads[i] + pads[kernel.size() + i]
                                                                  : 0;
          const int64_t min = (kernel[i] - 1) * d + 1 - padded;
          auto known = bounds.find(axis);
          if (min > 1 && (known == bounds.end() || min > known->second.min)) {
            bounds[axis] = {min, absl::StrCat(op, " ", ncc::text::QuotedName(node.name()),
                                              " reads it with a ", kernel[i], "-wide window",
                                              padded > 0 ? absl::StrCat(" padded by ", padded) : "")};
          }
        }
        continue;
      } else {
        continue;
      }
      if (seen.insert(node.output(0)).second) work.emplace_back(node.output(0), out_axes);
    }
  }
  return bounds;
}

// A placeholder for a dimension the user must choose: its symbol in angle
// brackets, so that a pasted command fails in the shell rather than compile
// a guess.
std::string Placeholder(const onnx::TensorShapeProto_Dimension& dim, int i) {
  std::string name = dim.has_dim_param() ? dim.dim_param() : "";
  bool simple = !name.empty() && name.size() <= 32;
  for (char c : name) simple &= std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  return absl::StrCat("<", simple ? name : absl::StrCat("d", i), ">");
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
    // Static dimensions as they are; the leading (batch) dimension 1 unless
    // a window needs more; any other dynamic one a placeholder, with the
    // least size a window reading it needs.
    const std::map<int, DimBound> bounds =
        WindowBounds(model.graph(), name, tensor.shape().dim_size());
    std::vector<std::string> suggestion, wheres;
    for (int i = 0; i < tensor.shape().dim_size(); ++i) {
      const auto& dim = tensor.shape().dim(i);
      auto bound = bounds.find(i);
      if (IsStatic(dim)) {
        suggestion.push_back(absl::StrCat(dim.dim_value()));
      } else if (bound != bounds.end()) {
        suggestion.push_back(Placeholder(dim, i));
        wheres.push_back(absl::StrCat(suggestion.back(), " >= ", bound->second.min, " (",
                                      bound->second.why, ")"));
      } else {
        suggestion.push_back(i == 0 ? "1" : Placeholder(dim, i));
      }
    }
    problems.push_back(absl::StrCat(
        "input ", ncc::text::QuotedName(name), " has dynamic ", dynamic,
        "; pin it with --input-shape ", ncc::text::PrintableName(name), "=",
        absl::StrJoin(suggestion, ","),
        wheres.empty() ? "" : absl::StrCat(" where ", absl::StrJoin(wheres, ", ")),
        " (or --io-config)"));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

}  // namespace ncc::onnx_frontend
