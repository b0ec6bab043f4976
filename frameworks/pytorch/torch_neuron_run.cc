// torch_neuron_run: loads a module saved from torch.neuron.trace with
// libtorch (as a C++ service would), runs it on .npy inputs, and writes each
// output as .npy. The custom ops (neuron::forward, torch.classes.neuron.Model)
// are linked in; a service links //frameworks/pytorch:neuron_ops the same
// way, or dlopens libtorch_neuron.so before torch::jit::load.
//
//   torch_neuron_run MODEL.pt [--input NAME=FILE.npy ...] [--output-dir DIR]
//
// Inputs are forward's argument names (or input0, input1, ...); every input
// must be given. Outputs are output0, output1, ... (tuples and lists
// flattened). Exit codes: 0 ok, 1 the model failed to load or run, 2 usage
// or input errors.
#include <torch/script.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "npy/npy.h"
#include "text/printable.h"
#include "tools/cli/flags.h"

namespace {

constexpr char kUsage[] =
    "usage: torch_neuron_run MODEL.pt [--input NAME=FILE.npy ...] [--output-dir DIR]\n"
    "\n"
    "Loads a module saved from torch.neuron.trace with libtorch and the\n"
    "torch_neuron ops, runs forward on the given inputs (NeuronCore sections on\n"
    "the simulated NeuronCore, the rest on the CPU) and prints each output.\n"
    "\n"
    "  --input NAME=FILE.npy  an input of forward, by argument name or input<N>;\n"
    "                         every input must be given\n"
    "  --output-dir DIR       write output0.npy, output1.npy, ... into DIR\n";

struct DType {
  const char* descr;
  at::ScalarType type;
};
constexpr DType kDTypes[] = {
    {"<f4", at::kFloat}, {"<f8", at::kDouble}, {"<f2", at::kHalf}, {"<i8", at::kLong},
    {"<i4", at::kInt},   {"<i2", at::kShort},  {"|i1", at::kChar}, {"|u1", at::kByte},
    {"|b1", at::kBool},
};

int Fail(int code, const std::string& message) {
  std::cerr << "torch_neuron_run: error: " << message << "\n";
  return code;
}

std::string FirstLine(const std::string& text) {
  size_t start = text.find_first_not_of(" \n");
  if (start == std::string::npos) return "no reason given";
  return text.substr(start, text.find('\n', start) - start);
}

void Flatten(const c10::IValue& value, std::vector<at::Tensor>* out, bool* ok) {
  if (value.isTensor()) {
    out->push_back(value.toTensor());
  } else if (value.isTuple()) {
    for (const auto& v : value.toTupleRef().elements()) Flatten(v, out, ok);
  } else if (value.isList()) {
    for (const c10::IValue& v : value.toListRef()) Flatten(v, out, ok);
  } else {
    *ok = false;
  }
}

}  // namespace

int main(int argc, char** argv) {
  ncc::cli::CommandLine cli("torch_neuron_run", kUsage, /*usage_exit_code=*/2);
  std::vector<std::string> input_flags;
  std::string output_dir;
  std::vector<std::string> positionals;
  cli.Repeated("--input", &input_flags, "NAME=FILE.npy");
  cli.Value("--output-dir", &output_dir, "a directory");
  cli.Positionals(&positionals);
  if (std::optional<int> exit_code = cli.Parse(argc, argv)) return *exit_code;
  if (positionals.size() != 1) return cli.UsageError("give exactly one MODEL.pt");
  const std::string path = positionals[0];

  torch::jit::Module module;
  try {
    module = torch::jit::load(path);
  } catch (const c10::Error& e) {
    return Fail(1, absl::StrCat(ncc::text::PrintableName(path), ": cannot load: ",
                                ncc::text::PrintableName(FirstLine(e.what_without_backtrace()))));
  } catch (const std::exception& e) {
    return Fail(1, absl::StrCat(ncc::text::PrintableName(path), ": cannot load: ",
                                ncc::text::PrintableName(FirstLine(e.what()))));
  }
  module.eval();
  auto forward = module.find_method("forward");
  if (!forward) return Fail(1, absl::StrCat(path, ": the module has no forward method"));
  const auto& args = forward->function().getSchema().arguments();
  std::vector<std::string> names;
  for (size_t i = 1; i < args.size(); ++i) names.push_back(args[i].name());

  std::map<size_t, at::Tensor> given;
  std::vector<std::string> input_files;
  for (const std::string& flag : input_flags) {
    const size_t eq = flag.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == flag.size()) {
      return cli.UsageError(absl::StrCat("--input takes NAME=FILE.npy, got ",
                                         ncc::text::QuotedName(flag)));
    }
    const std::string name = flag.substr(0, eq);
    const std::string file = flag.substr(eq + 1);
    size_t index = names.size();
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name || name == absl::StrCat("input", i)) index = i;
    }
    if (index == names.size()) {
      return Fail(2, absl::StrCat("--input ", ncc::text::QuotedName(name),
                                  ": forward has no such argument (arguments: ",
                                  absl::StrJoin(names, ", "), ")"));
    }
    if (given.count(index)) {
      return Fail(2, absl::StrCat("--input gives ", ncc::text::QuotedName(names[index]), " twice"));
    }
    auto array = ncc::npy::Read(file);
    if (!array.ok()) return Fail(2, std::string(array.status().message()));
    const DType* dtype = nullptr;
    for (const DType& d : kDTypes) {
      if (array->dtype_descr == d.descr) dtype = &d;
    }
    if (dtype == nullptr) {
      return Fail(2, absl::StrCat(file, ": dtype ", array->dtype_descr, " is not supported"));
    }
    at::Tensor t = at::empty(array->shape, at::TensorOptions().dtype(dtype->type));
    if (static_cast<size_t>(t.nbytes()) != array->data.size()) {
      return Fail(2, absl::StrCat(file, ": data size does not match its shape"));
    }
    std::memcpy(t.data_ptr(), array->data.data(), array->data.size());
    given[index] = t;
    input_files.push_back(file);
  }
  std::vector<c10::IValue> inputs;
  for (size_t i = 0; i < names.size(); ++i) {
    auto it = given.find(i);
    if (it == given.end()) {
      return Fail(2, absl::StrCat("no --input for ", ncc::text::QuotedName(names[i]),
                                  " (argument ", i + 1, " of forward)"));
    }
    inputs.push_back(it->second);
  }

  c10::IValue result;
  const auto start = std::chrono::steady_clock::now();
  try {
    torch::NoGradGuard no_grad;
    result = module.forward(inputs);
  } catch (const c10::Error& e) {
    return Fail(1, absl::StrCat(path, ": forward failed: ",
                                ncc::text::PrintableName(FirstLine(e.what_without_backtrace()))));
  } catch (const std::exception& e) {
    return Fail(1, absl::StrCat(path, ": forward failed: ",
                                ncc::text::PrintableName(FirstLine(e.what()))));
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::vector<at::Tensor> outputs;
  bool ok = true;
  Flatten(result, &outputs, &ok);
  if (!ok) return Fail(1, absl::StrCat(path, ": forward returned something other than tensors"));

  for (size_t k = 0; k < outputs.size(); ++k) {
    at::Tensor t = outputs[k].contiguous();
    const DType* dtype = nullptr;
    for (const DType& d : kDTypes) {
      if (t.scalar_type() == d.type) dtype = &d;
    }
    std::cout << "output" << k << ": " << c10::toString(t.scalar_type()) << " ["
              << absl::StrJoin(t.sizes(), ", ") << "]\n";
    if (output_dir.empty()) continue;
    std::error_code error;
    std::filesystem::create_directories(output_dir, error);
    if (error) {
      return Fail(1, absl::StrCat(ncc::text::PrintableName(output_dir),
                                  ": cannot create the output directory: ", error.message()));
    }
    if (dtype == nullptr) {
      return Fail(1, absl::StrCat("output", k, " has dtype ", c10::toString(t.scalar_type()),
                                  ", which .npy files here do not hold"));
    }
    ncc::npy::Array array;
    array.dtype_descr = dtype->descr;
    array.shape = t.sizes().vec();
    const auto* bytes = static_cast<const uint8_t*>(t.data_ptr());
    array.data.assign(bytes, bytes + t.nbytes());
    const std::string file = absl::StrCat(output_dir, "/output", k, ".npy");
    if (auto s = ncc::npy::Write(file, array, input_files); !s.ok()) {
      return Fail(1, std::string(s.message()));
    }
  }
  std::cout << "host time: " << ms << " ms (forward, CPU parts and simulated NeuronCore sections)\n";
  return 0;
}
