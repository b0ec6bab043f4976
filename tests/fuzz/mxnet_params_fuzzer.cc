// libFuzzer target for MXNet params files (the NDArray-list binary): every
// count, rank, dimension and length is checked against the bytes left
// before it is used. A rejected file is the expected outcome for most
// inputs.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "frontends/mxnet/params.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)ncc::mxnet_frontend::ParseParams(bytes, "fuzz-0000.params");
  return 0;
}
