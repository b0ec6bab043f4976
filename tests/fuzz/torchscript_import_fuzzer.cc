// libFuzzer target for the PyTorch frontend on untrusted archive bytes:
// libtorch's archive reader and TorchScript compiler (every exception must
// become a Status), freezing and inlining, the interpreter and the
// converters, with operator support checked as neuron-cc does. The first
// argument is pinned to [2, 3] by position, so mutated models reach the
// interpreter. A rejected archive is the expected outcome for most inputs.
#include <cstddef>
#include <cstdint>
#include <string>

#include "frontends/pytorch/pytorch_frontend.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  ncc::frontends::ImportOptions options;
  options.input_shapes["input0"] = {2, 3};
  (void)ncc::pytorch_frontend::ImportTorchScriptBytes(bytes, "fuzz.pt", options);
  return 0;
}
