// libFuzzer target for neuron-cc's --io-config JSON and --input-shape parsers.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "frontends/io_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ncc::frontends::ParseIoConfig(text);
  (void)ncc::frontends::ParseInputShapeFlag(text);
  return 0;
}
