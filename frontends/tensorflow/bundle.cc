#include "frontends/tensorflow/bundle.h"

#include <fcntl.h>
#include <nmmintrin.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fileio/bounded_read.h"
#include "frontends/tensorflow/proto/tensor_bundle.pb.h"
#include "leveldb/env.h"
#include "leveldb/iterator.h"
#include "leveldb/options.h"
#include "leveldb/table.h"
#include "text/printable.h"

namespace ncc::tensorflow_frontend {
namespace {

using text::QuotedName;

// An index holds ~100 bytes per tensor: 256 MiB is millions of variables.
constexpr int64_t kIndexLimit = int64_t{256} << 20;
// TF names shards with five digits.
constexpr int kMaxShards = 99999;
// TensorFlow's own bound on rank, and a bound on one dimension far above any
// real variable (so that element counts cannot overflow).
constexpr int kMaxRank = 254;
constexpr int64_t kMaxDimension = int64_t{1} << 40;
// BundleHeaderProto::version: TensorFlow's kTensorBundleVersion.
constexpr int kBundleVersion = 1;

// ---- CRC-32C ------------------------------------------------------------

constexpr uint32_t kCastagnoliReflected = 0x82F63B78;

// tables[k][b]: the CRC of byte b followed by k zero bytes (slicing by 8).
struct Crc32cTables {
  uint32_t t[8][256];
};

constexpr Crc32cTables MakeCrc32cTables() {
  Crc32cTables tables{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? (c >> 1) ^ kCastagnoliReflected : c >> 1;
    tables.t[0][b] = c;
  }
  for (int k = 1; k < 8; ++k) {
    for (int b = 0; b < 256; ++b) {
      const uint32_t prev = tables.t[k - 1][b];
      tables.t[k][b] = (prev >> 8) ^ tables.t[0][prev & 0xFF];
    }
  }
  return tables;
}

constexpr Crc32cTables kCrc32cTables = MakeCrc32cTables();

// The state is the inverted CRC, as both implementations update it.
uint32_t UpdatePortable(uint32_t state, const uint8_t* p, size_t n) {
  const auto& t = kCrc32cTables.t;
  for (; n >= 8; n -= 8, p += 8) {
    uint32_t lo;
    uint32_t hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= state;
    state = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
            t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
  }
  for (; n > 0; --n, ++p) state = (state >> 8) ^ t[0][(state ^ *p) & 0xFF];
  return state;
}

__attribute__((target("sse4.2"))) uint32_t UpdateSse42(uint32_t state, const uint8_t* p, size_t n) {
  uint64_t wide = state;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    wide = _mm_crc32_u64(wide, v);
  }
  state = static_cast<uint32_t>(wide);
  for (; n > 0; --n, ++p) state = _mm_crc32_u8(state, *p);
  return state;
}

// ---- LevelDB table framing ------------------------------------------------

// The table layout (LevelDB's doc/table_format.md): blocks, each followed by
// a 5-byte trailer (compression type, masked CRC), then a 48-byte footer of
// two varint64 block handles (metaindex, index), padding and a magic number.
constexpr size_t kFooterSize = 48;
constexpr size_t kBlockTrailerSize = 5;
constexpr uint64_t kTableMagic = 0xdb4775248b80fb57ull;

// A varint of at most `bits` bits (32 or 64), strictly: encodings LevelDB
// would read differently (extra high bits) are refused.
bool GetVarint(absl::string_view* in, int bits, uint64_t* out) {
  uint64_t value = 0;
  for (int shift = 0, i = 0; i < static_cast<int>(in->size()) && shift < bits; shift += 7, ++i) {
    const uint64_t byte = static_cast<uint8_t>((*in)[i]);
    const uint64_t payload = byte & 0x7F;
    if (bits - shift < 7 && (payload >> (bits - shift)) != 0) return false;
    value |= payload << shift;
    if ((byte & 0x80) == 0) {
      in->remove_prefix(i + 1);
      *out = value;
      return true;
    }
  }
  return false;
}

uint32_t Fixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;
};

bool GetBlockHandle(absl::string_view* in, BlockHandle* h) {
  return GetVarint(in, 64, &h->offset) && GetVarint(in, 64, &h->size);
}

// libleveldb trusts a table's framing: it allocates a block's claimed size
// before reading it (ReadBlock in table/format.cc) and sums an entry's key
// and value lengths in 32 bits (DecodeEntry in table/block.cc), and block
// CRCs are no defence against a hostile file. So the framing of everything
// its iterator walks is checked here first: the footer, every block inside
// the file, uncompressed (TensorFlow never compresses bundle indexes, and
// snappy then never sees hostile bytes), data blocks in file order (each
// read once), and every entry in bounds.
class TableFraming {
 public:
  explicit TableFraming(absl::string_view file) : file_(file) {}

  // The reason the table is unreadable, or OK.
  absl::Status Check() {
    if (file_.size() < kFooterSize) {
      return Bad(absl::StrCat(file_.size(), " bytes, shorter than a table footer"));
    }
    uint64_t magic;
    std::memcpy(&magic, file_.data() + file_.size() - 8, 8);
    if (magic != kTableMagic) return Bad("no LevelDB table magic number at its end");
    absl::string_view footer = file_.substr(file_.size() - kFooterSize, kFooterSize - 8);
    BlockHandle meta, index;
    if (!GetBlockHandle(&footer, &meta) || !GetBlockHandle(&footer, &index)) {
      return Bad("a malformed footer");
    }
    if (auto s = Block(meta, "metaindex").status(); !s.ok()) return s;
    auto index_block = Block(index, "index");
    if (!index_block.ok()) return index_block.status();
    uint64_t data_end = 0;  // data blocks come one after another
    return ForEachEntry(*index_block, "index", [&](absl::string_view value) -> absl::Status {
      BlockHandle h;
      if (!GetBlockHandle(&value, &h)) return Bad("an index entry is not a block handle");
      if (h.offset < data_end) return Bad("data blocks overlap or are out of order");
      auto data = Block(h, "data");
      if (!data.ok()) return data.status();
      data_end = h.offset + h.size + kBlockTrailerSize;
      return ForEachEntry(*data, "data", [](absl::string_view) { return absl::OkStatus(); });
    });
  }

 private:
  static absl::Status Bad(absl::string_view reason) { return absl::DataLossError(reason); }

  absl::StatusOr<absl::string_view> Block(const BlockHandle& h, absl::string_view what) const {
    const uint64_t limit = file_.size() - kFooterSize;
    if (h.offset > limit || h.size > limit - h.offset ||
        kBlockTrailerSize > limit - h.offset - h.size) {
      return Bad(absl::StrCat("its ", what, " block (", h.size, " bytes at offset ", h.offset,
                              ") runs past the end of its ", file_.size(), " bytes"));
    }
    const int type = static_cast<uint8_t>(file_[h.offset + h.size]);
    if (type != 0) {
      return Bad(absl::StrCat("its ", what, " block is compressed (type ", type,
                              "); TensorFlow writes bundle indexes uncompressed"));
    }
    return file_.substr(h.offset, h.size);
  }

  // Walks a block's entries as LevelDB's iterator does from its first
  // restart point, calling `value_fn` on each value.
  template <typename Fn>
  absl::Status ForEachEntry(absl::string_view block, absl::string_view what, Fn value_fn) const {
    if (block.size() < 4) return Bad(absl::StrCat("its ", what, " block is too short"));
    const uint64_t restarts = Fixed32(block.data() + block.size() - 4);
    if (restarts > (block.size() - 4) / 4) {
      return Bad(absl::StrCat("its ", what, " block has more restart points than bytes"));
    }
    if (restarts == 0) return absl::OkStatus();
    const size_t restart_array = block.size() - 4 - 4 * restarts;
    size_t p = Fixed32(block.data() + restart_array);
    uint64_t key_size = 0;
    while (p < restart_array) {
      absl::string_view in = block.substr(p, restart_array - p);
      const size_t available = in.size();
      uint64_t shared, non_shared, value_size;
      if (!GetVarint(&in, 32, &shared) || !GetVarint(&in, 32, &non_shared) ||
          !GetVarint(&in, 32, &value_size) || shared > key_size ||
          non_shared + value_size > in.size()) {
        return Bad(absl::StrCat("a malformed entry at offset ", p, " of its ", what, " block"));
      }
      key_size = shared + non_shared;
      if (auto s = value_fn(in.substr(non_shared, value_size)); !s.ok()) return s;
      p += available - in.size() + non_shared + value_size;
    }
    return absl::OkStatus();
  }

  absl::string_view file_;
};

// libleveldb's table reader over bytes in memory. Reads point into them (no
// copy), so they must outlive the table.
class BytesFile : public leveldb::RandomAccessFile {
 public:
  explicit BytesFile(absl::string_view bytes) : bytes_(bytes) {}
  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                       char* /*scratch*/) const override {
    if (offset > bytes_.size()) return leveldb::Status::Corruption("read past the end");
    *result = leveldb::Slice(bytes_.data() + offset, std::min<uint64_t>(n, bytes_.size() - offset));
    return leveldb::Status::OK();
  }

 private:
  absl::string_view bytes_;
};

std::string DTypeName(tfproto::DataType dtype) {
  const std::string& name = tfproto::DataType_Name(dtype);
  return name.empty() ? absl::StrCat("dtype ", static_cast<int>(dtype)) : name;
}

// n * m, or -1 when it would exceed 2^62.
int64_t CheckedMul(int64_t n, int64_t m) {
  constexpr int64_t kLimit = int64_t{1} << 62;
  if (n != 0 && m > kLimit / n) return -1;
  return n * m;
}

}  // namespace

uint32_t Crc32cPortable(const void* data, size_t size, uint32_t crc) {
  return ~UpdatePortable(~crc, static_cast<const uint8_t*>(data), size);
}

uint32_t Crc32c(const void* data, size_t size, uint32_t crc) {
  static const bool kHaveSse42 = __builtin_cpu_supports("sse4.2");
  const auto* p = static_cast<const uint8_t*>(data);
  return ~(kHaveSse42 ? UpdateSse42(~crc, p, size) : UpdatePortable(~crc, p, size));
}

uint32_t MaskCrc32c(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

int64_t BundleDTypeSize(tfproto::DataType dtype) {
  switch (dtype) {
    case tfproto::DT_BOOL:
    case tfproto::DT_INT8:
    case tfproto::DT_UINT8:
    case tfproto::DT_QINT8:
    case tfproto::DT_QUINT8:
      return 1;
    case tfproto::DT_INT16:
    case tfproto::DT_UINT16:
    case tfproto::DT_QINT16:
    case tfproto::DT_QUINT16:
    case tfproto::DT_HALF:
    case tfproto::DT_BFLOAT16:
      return 2;
    case tfproto::DT_FLOAT:
    case tfproto::DT_INT32:
    case tfproto::DT_UINT32:
    case tfproto::DT_QINT32:
      return 4;
    case tfproto::DT_DOUBLE:
    case tfproto::DT_INT64:
    case tfproto::DT_UINT64:
    case tfproto::DT_COMPLEX64:
      return 8;
    case tfproto::DT_COMPLEX128:
      return 16;
    default:
      return 0;
  }
}

// A data shard: a file read with pread, or bytes in memory.
class TensorBundle::Shard {
 public:
  Shard(std::string path, int fd, int64_t size) : path_(std::move(path)), fd_(fd), size_(size) {}
  Shard(std::string path, const std::string* bytes)
      : path_(std::move(path)), bytes_(bytes), size_(static_cast<int64_t>(bytes->size())) {}
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;
  ~Shard() {
    if (fd_ >= 0) ::close(fd_);
  }

  int64_t size() const { return size_; }

  // Bytes [offset, offset + n), already checked to lie within size().
  absl::Status ReadAt(int64_t offset, int64_t n, char* out) const {
    if (bytes_ != nullptr) {
      std::memcpy(out, bytes_->data() + offset, n);
      return absl::OkStatus();
    }
    while (n > 0) {
      const ssize_t got = ::pread(fd_, out, static_cast<size_t>(std::min<int64_t>(n, 1 << 30)),
                                  static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        return absl::DataLossError(absl::StrCat(
            path_, ": cannot read ", n, " bytes at offset ", offset,
            got < 0 ? absl::StrCat(" (", std::strerror(errno), ")") : " (the file shrank)"));
      }
      out += got;
      offset += got;
      n -= got;
    }
    return absl::OkStatus();
  }

 private:
  std::string path_;
  int fd_ = -1;
  const std::string* bytes_ = nullptr;
  int64_t size_ = 0;
};

TensorBundle::TensorBundle(TensorBundle&&) noexcept = default;
TensorBundle& TensorBundle::operator=(TensorBundle&&) noexcept = default;
TensorBundle::~TensorBundle() = default;

absl::StatusOr<TensorBundle> TensorBundle::Open(const std::string& prefix) {
  TensorBundle bundle;
  bundle.prefix_ = prefix;
  auto bytes = fileio::ReadRegularFile(bundle.IndexPath(), kIndexLimit, "a tensor bundle index");
  if (!bytes.ok()) return bytes.status();
  if (auto s = bundle.ParseIndex(*bytes, true); !s.ok()) return s;
  return bundle;
}

absl::StatusOr<TensorBundle> TensorBundle::FromMemory(std::string index,
                                                      std::vector<std::string> shards,
                                                      const std::string& prefix,
                                                      bool verify_index_crcs) {
  TensorBundle bundle;
  bundle.prefix_ = prefix;
  bundle.in_memory_ = true;
  bundle.memory_shards_ = std::move(shards);
  if (auto s = bundle.ParseIndex(index, verify_index_crcs); !s.ok()) return s;
  return bundle;
}

std::string TensorBundle::IndexPath() const { return prefix_ + ".index"; }

std::string TensorBundle::ShardPath(int shard) const {
  return absl::StrFormat("%s.data-%05d-of-%05d", prefix_, shard, num_shards_);
}

const BundleEntry* TensorBundle::Find(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

namespace {

absl::Status CheckHeader(const tfproto::BundleHeaderProto& header, const std::string& path) {
  if (header.num_shards() < 1 || header.num_shards() > kMaxShards) {
    return absl::DataLossError(absl::StrCat(path, ": the bundle header gives ", header.num_shards(),
                                            " data shards (1 to ", kMaxShards,
                                            " expected); the index is corrupt"));
  }
  if (header.endianness() != tfproto::BundleHeaderProto::LITTLE) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ": the bundle was written on a big-endian machine; neuron-cc reads little-endian "
        "bundles only"));
  }
  if (header.version().min_consumer() > kBundleVersion) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the bundle needs a reader of format version ", header.version().min_consumer(),
        " or later (neuron-cc reads version ", kBundleVersion, ")"));
  }
  return absl::OkStatus();
}

// An entry's fields against each other and the header (the shard's size is
// checked when the tensor is read).
absl::StatusOr<BundleEntry> CheckEntry(const tfproto::BundleEntryProto& proto, int num_shards) {
  BundleEntry entry;
  entry.dtype = proto.dtype();
  entry.shard = proto.shard_id();
  entry.offset = proto.offset();
  entry.size = proto.size();
  entry.masked_crc32c = proto.crc32c();
  entry.sliced = proto.slices_size() > 0;
  if (proto.shape().unknown_rank() || proto.shape().dim_size() > kMaxRank) {
    return absl::DataLossError("its shape has an unknown or impossible rank");
  }
  int64_t elements = 1;
  for (const auto& dim : proto.shape().dim()) {
    if (dim.size() < 0 || dim.size() > kMaxDimension) {
      return absl::DataLossError(absl::StrCat("its shape has a dimension of ", dim.size()));
    }
    entry.shape.push_back(dim.size());
    elements = CheckedMul(elements, dim.size());
    if (elements < 0) return absl::DataLossError("its shape has too many elements");
  }
  if (entry.shard < 0 || entry.shard >= num_shards) {
    return absl::DataLossError(absl::StrCat("it is in shard ", entry.shard, " of ", num_shards));
  }
  if (entry.offset < 0 || entry.size < 0 ||
      entry.offset > std::numeric_limits<int64_t>::max() - entry.size) {
    return absl::DataLossError(
        absl::StrCat("it has offset ", entry.offset, " and size ", entry.size));
  }
  const int64_t element_size = BundleDTypeSize(entry.dtype);
  if (element_size > 0 && !entry.sliced && CheckedMul(elements, element_size) != entry.size) {
    return absl::DataLossError(absl::StrCat("its ", entry.size, " bytes do not hold ", elements,
                                            " elements of ", DTypeName(entry.dtype)));
  }
  return entry;
}

}  // namespace

absl::Status TensorBundle::ParseIndex(const std::string& bytes, bool verify_crcs) {
  const std::string path = IndexPath();
  auto corrupt = [&](absl::string_view why) {
    return absl::DataLossError(
        absl::StrCat(path, ": not a tensor bundle index (a LevelDB table), or corrupt: ", why));
  };
  if (auto s = TableFraming(bytes).Check(); !s.ok()) return corrupt(s.message());
  BytesFile file(bytes);
  leveldb::Options options;
  options.paranoid_checks = verify_crcs;  // the index block's CRC too
  leveldb::Table* raw_table = nullptr;
  leveldb::Status status = leveldb::Table::Open(options, &file, bytes.size(), &raw_table);
  if (!status.ok()) return corrupt(status.ToString());
  std::unique_ptr<leveldb::Table> table(raw_table);
  leveldb::ReadOptions read;
  read.verify_checksums = verify_crcs;
  read.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(table->NewIterator(read));
  bool have_header = false;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string key = it->key().ToString();
    const leveldb::Slice value = it->value();
    if (!have_header) {
      // The header sorts first, under the empty key.
      tfproto::BundleHeaderProto header;
      if (!key.empty() || !header.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
        return corrupt("no bundle header under the empty key");
      }
      if (auto s = CheckHeader(header, path); !s.ok()) return s;
      num_shards_ = header.num_shards();
      have_header = true;
      continue;
    }
    tfproto::BundleEntryProto proto;
    if (!proto.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return corrupt(
          absl::StrCat("the entry of tensor ", QuotedName(key), " is not a BundleEntryProto"));
    }
    auto entry = CheckEntry(proto, num_shards_);
    if (!entry.ok()) {
      return corrupt(absl::StrCat("tensor ", QuotedName(key), ": ", entry.status().message()));
    }
    if (!entries_.emplace(key, std::move(*entry)).second) {
      return corrupt(absl::StrCat("tensor ", QuotedName(key), " is listed twice"));
    }
  }
  if (!it->status().ok()) return corrupt(it->status().ToString());
  if (!have_header) return corrupt("no bundle header under the empty key");
  shards_.resize(num_shards_);
  return absl::OkStatus();
}

absl::StatusOr<TensorBundle::Shard*> TensorBundle::OpenShard(int shard, const std::string& key) {
  if (shards_[shard] != nullptr) return shards_[shard].get();
  const std::string path = ShardPath(shard);
  const std::string missing = absl::StrCat(
      path, ": no such file (the SavedModel's variables are incomplete: it holds tensor ",
      QuotedName(key), ")");
  if (in_memory_) {
    if (shard >= static_cast<int>(memory_shards_.size())) return absl::NotFoundError(missing);
    shards_[shard] = std::make_unique<Shard>(path, &memory_shards_[shard]);
    return shards_[shard].get();
  }
  // Non-blocking, so that a FIFO in its place is refused rather than waited on.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(missing);
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot open file (", std::strerror(errno), ")"));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a regular file (", fileio::DescribeFileKind(st.st_mode), ")"));
  }
  shards_[shard] = std::make_unique<Shard>(path, fd, static_cast<int64_t>(st.st_size));
  return shards_[shard].get();
}

absl::StatusOr<std::string> TensorBundle::Read(const std::string& key) {
  const BundleEntry* entry = Find(key);
  if (entry == nullptr) {
    return absl::NotFoundError(absl::StrCat(IndexPath(), ": no tensor ", QuotedName(key), " (",
                                            entries_.size(), " tensors in the bundle)"));
  }
  if (entry->sliced) {
    return absl::UnimplementedError(absl::StrCat(
        IndexPath(), ": tensor ", QuotedName(key),
        " is a partitioned variable saved in slices; neuron-cc reads whole tensors only"));
  }
  if (BundleDTypeSize(entry->dtype) == 0) {
    return absl::UnimplementedError(absl::StrCat(IndexPath(), ": tensor ", QuotedName(key),
                                                 " has dtype ", DTypeName(entry->dtype),
                                                 "; neuron-cc reads numeric tensors only"));
  }
  auto shard = OpenShard(entry->shard, key);
  if (!shard.ok()) return shard.status();
  const int64_t file_size = (*shard)->size();
  if (entry->offset > file_size || entry->size > file_size - entry->offset) {
    return absl::DataLossError(absl::StrCat(
        ShardPath(entry->shard), ": tensor ", QuotedName(key), " is bytes [", entry->offset, ", ",
        entry->offset + entry->size, ") but the file has ", file_size, " bytes (truncated)"));
  }
  std::string data(static_cast<size_t>(entry->size), '\0');
  if (auto s = (*shard)->ReadAt(entry->offset, entry->size, data.data()); !s.ok()) return s;
  const uint32_t crc = MaskCrc32c(Crc32c(data.data(), data.size()));
  if (crc != entry->masked_crc32c) {
    return absl::DataLossError(absl::StrFormat(
        "%s: tensor %s (bytes [%d, %d)) fails its CRC-32C check (stored %08x, computed %08x): "
        "the file is corrupt",
        ShardPath(entry->shard), QuotedName(key), entry->offset, entry->offset + entry->size,
        entry->masked_crc32c, crc));
  }
  return data;
}

}  // namespace ncc::tensorflow_frontend
