// libFuzzer target for the .npy parser (neuron-run --input, --freeze-input,
// --accuracy-inputs), and the round trip of what it accepts.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "npy/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto array = ncc::npy::Parse(bytes, "fuzz.npy");
  if (array.ok()) (void)ncc::npy::Serialize(*array);
  return 0;
}
