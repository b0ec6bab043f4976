// A TensorFlow tensor bundle: the checkpoint format of a SavedModel's
// variables (PREFIX = DIR/variables/variables). PREFIX.index is a
// LevelDB-format table (not a database) mapping "" to a BundleHeaderProto and
// every tensor name to a BundleEntryProto (dtype, shape, shard, offset,
// size, masked CRC-32C); the bytes live in PREFIX.data-NNNNN-of-NNNNN. The
// index is read with libleveldb after its framing is checked here; every
// offset, size and count is checked against the files before use, and a
// tensor's bytes against their CRC.
#ifndef NCC_FRONTENDS_TENSORFLOW_BUNDLE_H_
#define NCC_FRONTENDS_TENSORFLOW_BUNDLE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "frontends/tensorflow/proto/types.pb.h"

namespace ncc::tensorflow_frontend {

// CRC-32C (Castagnoli) of `size` bytes, continuing `crc` (0 to start): SSE4.2
// when the CPU has it, else Crc32cPortable.
uint32_t Crc32c(const void* data, size_t size, uint32_t crc = 0);
// The table-driven reference (slicing by 8); the fast one is tested against it.
uint32_t Crc32cPortable(const void* data, size_t size, uint32_t crc = 0);
// The masked form TensorFlow and LevelDB store (a CRC of data that holds
// CRCs is then not degenerate).
uint32_t MaskCrc32c(uint32_t crc);

// One tensor of the index, as checked when the index was read.
struct BundleEntry {
  tfproto::DataType dtype = tfproto::DT_INVALID;
  std::vector<int64_t> shape;
  int32_t shard = 0;
  int64_t offset = 0;
  int64_t size = 0;
  uint32_t masked_crc32c = 0;
  bool sliced = false;  // a partitioned variable: its parts are other entries
};

// Bytes per element of a numeric dtype; 0 for strings, resources, variants
// and dtypes neuron-cc does not know.
int64_t BundleDTypeSize(tfproto::DataType dtype);

class TensorBundle {
 public:
  // Reads and checks PREFIX.index; data shards are opened on first read.
  // Errors start with the index's path: NOT_FOUND when it is missing,
  // DATA_LOSS for a corrupt table or entry, INVALID_ARGUMENT for a bundle
  // neuron-cc cannot read (big-endian, too many shards).
  static absl::StatusOr<TensorBundle> Open(const std::string& prefix);
  // The same over bytes in memory (tests, the fuzz target): the index, and
  // shard i's bytes in shards[i] (fewer: the rest are missing). `prefix`
  // names them in messages. The fuzz target also turns the index's block
  // CRCs off, so that mutated blocks reach libleveldb's parser (it cannot
  // forge CRCs, and a hostile file can).
  static absl::StatusOr<TensorBundle> FromMemory(std::string index, std::vector<std::string> shards,
                                                 const std::string& prefix,
                                                 bool verify_index_crcs = true);

  TensorBundle(TensorBundle&&) noexcept;
  TensorBundle& operator=(TensorBundle&&) noexcept;
  ~TensorBundle();

  const std::string& prefix() const { return prefix_; }
  std::string IndexPath() const;
  std::string ShardPath(int shard) const;
  int num_shards() const { return num_shards_; }
  const std::map<std::string, BundleEntry>& entries() const { return entries_; }
  const BundleEntry* Find(const std::string& key) const;

  // A numeric tensor's bytes (little-endian, row-major). One-line errors
  // naming the file and the tensor: NOT_FOUND for a key the index lacks or a
  // missing shard, DATA_LOSS for a shard too short for it or a CRC mismatch,
  // UNIMPLEMENTED for string/resource/variant tensors and sliced ones.
  absl::StatusOr<std::string> Read(const std::string& key);

 private:
  class Shard;
  TensorBundle() = default;
  absl::Status ParseIndex(const std::string& bytes, bool verify_crcs);
  absl::StatusOr<Shard*> OpenShard(int shard, const std::string& key);

  std::string prefix_;
  int num_shards_ = 0;
  std::map<std::string, BundleEntry> entries_;
  std::vector<std::unique_ptr<Shard>> shards_;  // null until opened
  std::vector<std::string> memory_shards_;      // FromMemory only
  bool in_memory_ = false;
};

}  // namespace ncc::tensorflow_frontend

#endif  // NCC_FRONTENDS_TENSORFLOW_BUNDLE_H_
