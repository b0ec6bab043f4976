// libFuzzer target for the TensorFlow frontend on untrusted GraphDef bytes:
// protobuf's binary and text parsers, then (for what parses) placeholders,
// the support check, every converter, host folding of shape chains and the
// NHWC layout bookkeeping. Each input is tried as a binary and as a text
// GraphDef. A rejected graph is the expected outcome for most inputs.
#include <cstddef>
#include <cstdint>
#include <string>

#include "frontends/tensorflow/tensorflow_frontend.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const ncc::frontends::ImportOptions options;
  (void)ncc::tensorflow_frontend::ImportGraphDefBytes(bytes, false, "fuzz.pb", options);
  (void)ncc::tensorflow_frontend::ImportGraphDefBytes(bytes, true, "fuzz.pbtxt", options);
  return 0;
}
