// libFuzzer target for the ONNX importer on untrusted model bytes: protobuf
// parsing, the validation layer, libonnx's checker and shape inference, the
// ONNX-level constant propagation and the import into the IR, with operator
// support checked as neuron-cc does. Any crash, sanitizer report or leak is a
// bug; a rejected model is the expected outcome for most inputs.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "frontends/onnx/import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)ncc::onnx_frontend::ImportOnnxBytes(bytes, "fuzz.onnx", {});
  return 0;
}
