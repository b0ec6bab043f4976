// libFuzzer target for TensorFlow tensor bundles (a SavedModel's variables/):
// the index's LevelDB table framing, libleveldb's reader over what passes,
// the header and entry checks, and every entry's read from one data shard
// (bounds against the shard, CRC-32C). Input: a 2-byte little-endian length
// n, n bytes of data shard 0, then the index (the layout of the seeds that
// make_tensorflow_bundle_seeds writes). Each input is read twice: as a file
// would be, and with the index's block CRCs unchecked, so that mutated
// blocks, which libFuzzer cannot re-seal and an attacker can, reach
// libleveldb's block parser behind the framing check.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "frontends/tensorflow/bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t shard_size = std::min<size_t>(data[0] | (data[1] << 8), size - 2);
  const char* bytes = reinterpret_cast<const char*>(data) + 2;
  const std::string shard(bytes, shard_size);
  const std::string index(bytes + shard_size, size - 2 - shard_size);
  for (bool verify_crcs : {true, false}) {
    auto bundle =
        ncc::tensorflow_frontend::TensorBundle::FromMemory(index, {shard}, "fuzz", verify_crcs);
    if (!bundle.ok()) continue;
    std::vector<std::string> keys;
    for (const auto& [key, entry] : bundle->entries()) keys.push_back(key);
    for (const std::string& key : keys) (void)bundle->Read(key);
  }
  return 0;
}
