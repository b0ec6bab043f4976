// libFuzzer target for TF.js graph models: an input is model.json's text, a
// NUL byte, then the weight shards' bytes (concatenated in manifest order),
// so that one input mutates both. Through the JSON parser, the manifest and
// shard-path checks, protobuf's JSON mapping of the topology, the weight
// decoding and dequantization, then the GraphDef importer for what is read.
// A rejected model is the expected outcome for most inputs.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "frontends/tensorflow/tfjs_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string json(input.substr(0, nul));
  const absl::string_view weights =
      nul == absl::string_view::npos ? absl::string_view() : input.substr(nul + 1);
  const ncc::frontends::ImportOptions options;
  (void)ncc::tensorflow_frontend::ImportTfjsModelBytes(json, weights, "fuzz/model.json", options);
  return 0;
}
