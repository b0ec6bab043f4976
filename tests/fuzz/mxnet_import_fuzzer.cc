// libFuzzer target for MXNet models: an input is the symbol JSON, a NUL
// byte, then the params file's bytes, so one input mutates both. Through the
// JSON parser and the symbol checks, the params reader, variable
// classification, every converter the symbol reaches and the output naming.
// The seeds declare their data shapes with __shape__, so no pins are needed
// to reach the converters. A rejected model is the expected outcome for most
// inputs.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "frontends/mxnet/params.h"
#include "frontends/mxnet/symbol.h"
#include "frontends/mxnet/symbol_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const absl::string_view json = input.substr(0, nul);
  const absl::string_view params_bytes =
      nul == absl::string_view::npos ? absl::string_view() : input.substr(nul + 1);
  auto symbol = ncc::mxnet_frontend::ParseSymbol(json, "fuzz-symbol.json");
  if (!symbol.ok()) return 0;
  auto params = ncc::mxnet_frontend::ParseParams(params_bytes, "fuzz-0000.params");
  std::vector<ncc::mxnet_frontend::ParamArray> arrays;
  if (params.ok()) arrays = std::move(*params);
  const ncc::frontends::ImportOptions options;
  (void)ncc::mxnet_frontend::ImportSymbol(*symbol, std::move(arrays), "fuzz-symbol.json",
                                          "fuzz-0000.params", options);
  return 0;
}
