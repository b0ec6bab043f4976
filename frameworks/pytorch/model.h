// torch.classes.neuron.Model: one compiled section (a NEFF) of a module made
// by torch.neuron.trace, and the op neuron::forward that runs it.
//
// The NEFF is loaded into the runtime (nrt) once, when the object is made:
// by trace, or by torch.jit.load unpickling a saved module (so a corrupt NEFF
// fails the load, with nrt's message, never a call). Calls pass the section's
// input tensors to nrt_execute in place (contiguous tensors of the compiled
// dtype need no copy) and get outputs written straight into new tensors.
// Calls from several threads at once are safe: nrt runs them on the chip's
// NeuronCores in turn or in parallel.
#ifndef NCC_FRAMEWORKS_PYTORCH_MODEL_H_
#define NCC_FRAMEWORKS_PYTORCH_MODEL_H_

#include <torch/custom_class.h>
#include <torch/script.h>

#include <string>
#include <tuple>
#include <vector>

struct nrt_model;

namespace ncc::torch_neuron {

class NeuronModel : public torch::CustomClassHolder {
 public:
  // `neff`: the file's bytes as a 1-D uint8 tensor; `label` names the
  // section in messages ("section 0 of model.pt"). Throws c10::Error with
  // nrt's message when the NEFF does not load.
  NeuronModel(at::Tensor neff, std::string label);
  ~NeuronModel() override;
  NeuronModel(const NeuronModel&) = delete;
  NeuronModel& operator=(const NeuronModel&) = delete;

  // Checks the inputs against the compiled ones (count, dtype, shape) and
  // runs the NEFF; throws c10::Error naming the section on any mismatch.
  std::vector<at::Tensor> Forward(const std::vector<at::Tensor>& inputs);

  // For pickling: (label, NEFF bytes).
  std::tuple<std::string, at::Tensor> State() const { return {label_, neff_}; }
  // JSON: label, NEFF size, inputs and outputs with dtypes and shapes.
  std::string Info() const;

 private:
  struct Port {
    std::string name;
    at::ScalarType dtype;
    std::vector<int64_t> sizes;
    size_t bytes;
  };

  at::Tensor neff_;
  std::string label_;
  nrt_model* model_ = nullptr;
  std::vector<Port> inputs_;   // input0, input1, ...
  std::vector<Port> outputs_;  // output0, output1, ...
};

// Registers torch.classes.neuron.Model and neuron::forward (model.cc) with
// TORCH_LIBRARY; nothing to call.

}  // namespace ncc::torch_neuron

#endif  // NCC_FRAMEWORKS_PYTORCH_MODEL_H_
