// Writes the seeds of //tests/fuzz:tensorflow_bundle_fuzzer: small tensor
// bundles (a few hundred bytes each) as the fuzz target reads them, a 2-byte
// length, data shard 0, then the index, built with libleveldb's
// TableBuilder as TensorFlow lays it out (uncompressed, BundleHeaderProto
// under the empty key). The protos are encoded by hand: tests/fuzz does not
// see the generated classes. Each seed is read back with TensorBundle, which
// must accept it (reading some of its tensors fails on purpose).
//
//   bazel run //tests/fuzz:make_tensorflow_bundle_seeds   (or: ... -- DIR)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "frontends/tensorflow/bundle.h"
#include "leveldb/env.h"
#include "leveldb/options.h"
#include "leveldb/table_builder.h"

namespace {

using ncc::tensorflow_frontend::Crc32c;
using ncc::tensorflow_frontend::MaskCrc32c;

class StringFile : public leveldb::WritableFile {
 public:
  explicit StringFile(std::string* out) : out_(out) {}
  leveldb::Status Append(const leveldb::Slice& data) override {
    out_->append(data.data(), data.size());
    return leveldb::Status::OK();
  }
  leveldb::Status Close() override { return leveldb::Status::OK(); }
  leveldb::Status Flush() override { return leveldb::Status::OK(); }
  leveldb::Status Sync() override { return leveldb::Status::OK(); }

 private:
  std::string* out_;
};

// Protobuf wire format: field tags, varints, length-delimited fields.
void Varint(std::string* out, uint64_t v) {
  for (; v >= 0x80; v >>= 7) out->push_back(static_cast<char>((v & 0x7F) | 0x80));
  out->push_back(static_cast<char>(v));
}
void VarintField(std::string* out, int field, uint64_t v) {
  Varint(out, static_cast<uint64_t>(field) << 3);
  Varint(out, v);
}
void BytesField(std::string* out, int field, const std::string& bytes) {
  Varint(out, (static_cast<uint64_t>(field) << 3) | 2);
  Varint(out, bytes.size());
  *out += bytes;
}

struct Tensor {
  std::string key;
  int dtype;  // TensorFlow DataType
  std::vector<int64_t> shape;
  std::string bytes;
  bool sliced = false;
  int shard = 0;
};

std::string Bundle(const std::vector<Tensor>& tensors, int num_shards, int restart_interval) {
  std::map<std::string, std::string> entries;
  std::string header, version;
  VarintField(&header, 1, num_shards);
  VarintField(&version, 1, 1);  // producer
  BytesField(&header, 3, version);
  entries[""] = header;
  std::string data;
  for (const Tensor& t : tensors) {
    std::string entry, shape;
    VarintField(&entry, 1, t.dtype);
    for (int64_t d : t.shape) {
      std::string dim;
      VarintField(&dim, 1, d);
      BytesField(&shape, 2, dim);
    }
    BytesField(&entry, 2, shape);
    VarintField(&entry, 3, t.shard);
    VarintField(&entry, 4, data.size());
    VarintField(&entry, 5, t.bytes.size());
    const uint32_t crc = MaskCrc32c(Crc32c(t.bytes.data(), t.bytes.size()));
    Varint(&entry, (6 << 3) | 5);
    entry.append(reinterpret_cast<const char*>(&crc), 4);
    if (t.sliced) BytesField(&entry, 7, std::string("\x0a\x02\x08\x00", 4));
    entries[t.key] = entry;
    data += t.bytes;
  }
  std::string index;
  StringFile file(&index);
  leveldb::Options options;
  options.compression = leveldb::kNoCompression;
  options.block_size = 128;
  options.block_restart_interval = restart_interval;
  leveldb::TableBuilder builder(options, &file);
  for (const auto& [key, value] : entries) builder.Add(key, value);
  if (!builder.Finish().ok()) std::abort();
  std::string out;
  out.push_back(static_cast<char>(data.size() & 0xFF));
  out.push_back(static_cast<char>(data.size() >> 8));
  return out + data + index;
}

std::string Bytes(size_t n, int seed) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>(i * 37 + seed);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  if (argc > 2 || (argc == 1 && workspace == nullptr)) {
    std::fprintf(stderr, "usage: make_tensorflow_bundle_seeds [DIR]\n");
    return 2;
  }
  const std::string dir = argc == 2
                              ? std::string(argv[1])
                              : std::string(workspace) + "/tests/fuzz/corpus/tensorflow_bundle";
  constexpr int kFloat = 1, kDouble = 2, kInt32 = 3, kUint8 = 4, kString = 7, kInt64 = 9,
                kBool = 10, kHalf = 19;
  const std::map<std::string, std::string> seeds = {
      {"dense", Bundle({{"dense/kernel", kFloat, {2, 3}, Bytes(24, 1)},
                        {"dense/bias", kFloat, {3}, Bytes(12, 2)}},
                       1, 16)},
      {"dtypes", Bundle({{"a/double", kDouble, {2}, Bytes(16, 3)},
                         {"a/int32", kInt32, {1, 2}, Bytes(8, 4)},
                         {"b/uint8", kUint8, {5}, Bytes(5, 5)},
                         {"b/int64", kInt64, {}, Bytes(8, 6)},
                         {"c/bool", kBool, {3}, std::string("\1\0\1", 3)},
                         {"c/half", kHalf, {2, 2}, Bytes(8, 7)},
                         {"d/empty", kFloat, {0, 4}, ""}},
                        1, 1)},
      {"string_and_slices", Bundle({{"names", kString, {2}, Bytes(6, 8)},
                                    {"part", kFloat, {4}, "", true},
                                    {"w", kFloat, {2}, Bytes(8, 9)}},
                                   1, 2)},
      {"two_shards",
       Bundle({{"layer/kernel/.ATTRIBUTES/VARIABLE_VALUE", kFloat, {2}, Bytes(8, 10)},
               {"layer/bias/.ATTRIBUTES/VARIABLE_VALUE", kFloat, {1}, Bytes(4, 11), false, 1}},
              2, 16)},
  };
  for (const auto& [name, bytes] : seeds) {
    const std::string path = dir + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    const size_t shard = static_cast<uint8_t>(bytes[0]) | static_cast<uint8_t>(bytes[1]) << 8;
    auto bundle = ncc::tensorflow_frontend::TensorBundle::FromMemory(
        bytes.substr(2 + shard), {bytes.substr(2, shard)}, name);
    if (!bundle.ok()) {
      std::fprintf(stderr, "%s: the bundle reader refuses it: %s\n", path.c_str(),
                   std::string(bundle.status().message()).c_str());
      return 1;
    }
    int readable = 0;
    for (const auto& [key, entry] : bundle->entries()) readable += bundle->Read(key).ok();
    std::printf("%s: %zu bytes, %zu tensors, %d readable\n", path.c_str(), bytes.size(),
                bundle->entries().size(), readable);
  }
  return 0;
}
