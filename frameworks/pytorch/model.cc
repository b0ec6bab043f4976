#include "frameworks/pytorch/model.h"

#include <mutex>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "runtime/nrt.h"
#include "text/printable.h"

namespace ncc::torch_neuron {
namespace {

// nrt_init once per process. Empty when the runtime is up, else why not
// (for every later caller: nrt's last error is per thread).
const std::string& InitRuntime() {
  static std::once_flag once;
  static std::string* error = new std::string;
  std::call_once(once, [] {
    if (nrt_init(NRT_FRAMEWORK_TYPE_PYTORCH, "1.13", "") != NRT_SUCCESS) {
      *error = nrt_get_last_error();
      if (error->empty()) *error = "nrt_init failed";
    }
  });
  return *error;
}

std::optional<at::ScalarType> TorchType(nrt_dtype_t dtype) {
  switch (dtype) {
    case NRT_DTYPE_FLOAT32: return at::kFloat;
    case NRT_DTYPE_FLOAT16: return at::kHalf;
    case NRT_DTYPE_BFLOAT16: return at::kBFloat16;
    case NRT_DTYPE_INT8: return at::kChar;
    case NRT_DTYPE_UINT8: return at::kByte;
    case NRT_DTYPE_INT16: return at::kShort;
    case NRT_DTYPE_INT32: return at::kInt;
    case NRT_DTYPE_INT64: return at::kLong;
    case NRT_DTYPE_BOOL: return at::kBool;
    case NRT_DTYPE_FLOAT64: return at::kDouble;
    default: return std::nullopt;
  }
}

std::string Shape(at::IntArrayRef sizes) { return absl::StrCat("[", absl::StrJoin(sizes, ", "), "]"); }

// The index in "input3" / "output12"; -1 for other names.
int PortIndex(absl::string_view name, absl::string_view prefix) {
  if (name.substr(0, prefix.size()) != prefix || name.size() == prefix.size()) return -1;
  int index = 0;
  for (char c : name.substr(prefix.size())) {
    if (c < '0' || c > '9' || index > 100000) return -1;
    index = index * 10 + (c - '0');
  }
  return index;
}

// Frees nrt tensors and sets at scope exit.
struct CallResources {
  std::vector<nrt_tensor_t*> tensors;
  nrt_tensor_set_t* inputs = nullptr;
  nrt_tensor_set_t* outputs = nullptr;
  ~CallResources() {
    for (nrt_tensor_t*& t : tensors) nrt_tensor_free(&t);
    if (inputs) nrt_destroy_tensor_set(&inputs);
    if (outputs) nrt_destroy_tensor_set(&outputs);
  }
};

}  // namespace

NeuronModel::NeuronModel(at::Tensor neff, std::string label)
    : neff_(std::move(neff)), label_(std::move(label)) {
  TORCH_CHECK(neff_.defined() && neff_.scalar_type() == at::kByte && neff_.dim() == 1,
              "neuron::Model ", label_, ": the NEFF must be a 1-D uint8 tensor");
  neff_ = neff_.contiguous();
  const std::string& init_error = InitRuntime();
  TORCH_CHECK(init_error.empty(), "neuron::Model ", label_,
              ": the Neuron runtime did not start: ", init_error);
  NRT_STATUS status = nrt_load(neff_.data_ptr(), static_cast<size_t>(neff_.numel()), 0, -1, &model_);
  TORCH_CHECK(status == NRT_SUCCESS, "neuron::Model ", label_, ": its NEFF does not load (",
              nrt_get_status_as_str(status), "): ", nrt_get_last_error());
  nrt_tensor_info_array_t* info = nullptr;
  status = nrt_get_model_tensor_info(model_, &info);
  TORCH_CHECK(status == NRT_SUCCESS, "neuron::Model ", label_, ": ", nrt_get_last_error());
  std::string problem;
  for (uint64_t i = 0; i < info->tensor_count; ++i) {
    const nrt_tensor_info_t& t = info->tensor_array[i];
    const bool input = t.usage == NRT_TENSOR_USAGE_INPUT;
    std::vector<Port>& ports = input ? inputs_ : outputs_;
    const int index = PortIndex(t.name, input ? "input" : "output");
    auto dtype = TorchType(t.dtype);
    if (index < 0 || !dtype) {
      problem = absl::StrCat("tensor ", text::QuotedName(t.name), " (", nrt_dtype_as_str(t.dtype),
                             ") is not one torch_neuron made");
      break;
    }
    if (static_cast<size_t>(index) >= ports.size()) ports.resize(index + 1);
    ports[index] = Port{t.name, *dtype, std::vector<int64_t>(t.shape, t.shape + t.ndim), t.size};
  }
  nrt_free_model_tensor_info(info);
  for (const auto* ports : {&inputs_, &outputs_}) {
    for (const Port& p : *ports) {
      if (p.name.empty() && problem.empty()) problem = "its inputs or outputs are not numbered 0..n-1";
    }
  }
  if (!problem.empty()) {
    nrt_unload(model_);
    model_ = nullptr;
    TORCH_CHECK(false, "neuron::Model ", label_, ": ", problem);
  }
}

NeuronModel::~NeuronModel() {
  if (model_ != nullptr) nrt_unload(model_);
}

std::vector<at::Tensor> NeuronModel::Forward(const std::vector<at::Tensor>& inputs) {
  TORCH_CHECK(inputs.size() == inputs_.size(), "neuron::forward ", label_, ": takes ",
              inputs_.size(), " tensors, got ", inputs.size());
  CallResources call;
  TORCH_CHECK(nrt_allocate_tensor_set(&call.inputs) == NRT_SUCCESS &&
                  nrt_allocate_tensor_set(&call.outputs) == NRT_SUCCESS,
              "neuron::forward ", label_, ": ", nrt_get_last_error());
  // Keeps contiguous copies alive for the call when an input needed one.
  std::vector<at::Tensor> held;
  held.reserve(inputs.size());
  auto attach = [&](const std::string& name, void* data, size_t bytes, nrt_tensor_set_t* set) {
    nrt_tensor_t* t = nullptr;
    NRT_STATUS s = nrt_tensor_allocate_empty(NRT_TENSOR_PLACEMENT_HOST, 0, name.c_str(), &t);
    if (s == NRT_SUCCESS) call.tensors.push_back(t);
    if (s == NRT_SUCCESS) s = nrt_tensor_attach_buffer(t, data, bytes);
    if (s == NRT_SUCCESS) s = nrt_add_tensor_to_tensor_set(set, name.c_str(), t);
    TORCH_CHECK(s == NRT_SUCCESS, "neuron::forward ", label_, ": ", nrt_get_last_error());
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Port& port = inputs_[i];
    const at::Tensor& in = inputs[i];
    TORCH_CHECK(in.defined() && in.device().is_cpu() && !in.is_nested(), "neuron::forward ", label_,
                ": input ", i, " must be a dense CPU tensor");
    TORCH_CHECK(in.scalar_type() == port.dtype, "neuron::forward ", label_, ": input ", i, " is ",
                c10::toString(in.scalar_type()), ", compiled for ", c10::toString(port.dtype));
    TORCH_CHECK(in.sizes().vec() == port.sizes, "neuron::forward ", label_, ": input ", i,
                " has shape ", Shape(in.sizes()), ", compiled for ", Shape(port.sizes),
                " (a traced model takes the example inputs' shapes; trace again for others)");
    held.push_back(in.contiguous());
    attach(port.name, held.back().data_ptr(), port.bytes, call.inputs);
  }
  std::vector<at::Tensor> outputs;
  outputs.reserve(outputs_.size());
  for (const Port& port : outputs_) {
    outputs.push_back(at::empty(port.sizes, at::TensorOptions().dtype(port.dtype)));
    attach(port.name, outputs.back().data_ptr(), port.bytes, call.outputs);
  }
  NRT_STATUS status = nrt_execute(model_, call.inputs, call.outputs);
  TORCH_CHECK(status == NRT_SUCCESS, "neuron::forward ", label_, ": execution failed (",
              nrt_get_status_as_str(status), "): ", nrt_get_last_error());
  return outputs;
}

std::string NeuronModel::Info() const {
  auto ports = [](const std::vector<Port>& list) {
    nlohmann::json out = nlohmann::json::array();
    for (const Port& p : list) {
      out.push_back({{"name", p.name}, {"dtype", c10::toString(p.dtype)}, {"shape", p.sizes}});
    }
    return out;
  };
  nlohmann::json info = {{"label", label_},
                         {"neff_bytes", neff_.numel()},
                         {"inputs", ports(inputs_)},
                         {"outputs", ports(outputs_)}};
  return info.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

std::vector<at::Tensor> ForwardOp(const c10::intrusive_ptr<NeuronModel>& model,
                                  std::vector<at::Tensor> inputs) {
  return model->Forward(inputs);
}

TORCH_LIBRARY_FRAGMENT(neuron, m) {
  m.class_<NeuronModel>("Model")
      .def(torch::init<at::Tensor, std::string>())
      .def("info", &NeuronModel::Info)
      .def_pickle(
          [](const c10::intrusive_ptr<NeuronModel>& self) { return self->State(); },
          [](std::tuple<std::string, at::Tensor> state) {
            return c10::make_intrusive<NeuronModel>(std::get<1>(state), std::get<0>(state));
          });
  m.def("forward", ForwardOp);
}

}  // namespace
}  // namespace ncc::torch_neuron
