#include "neff/checksum.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "neff/format.h"

namespace neff {
namespace {

// XXH64 constants and steps, as named in the specification.
constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kPrime3 = 0x165667B19E3779F9ULL;
constexpr uint64_t kPrime4 = 0x85EBCA77C2B2AE63ULL;
constexpr uint64_t kPrime5 = 0x27D4EB2F165667C5ULL;

inline uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// Little-endian loads (x86-64 and every target we build for is
// little-endian; memcpy keeps unaligned reads defined).
inline uint64_t Read64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint32_t Read32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline uint64_t Round(uint64_t acc, uint64_t lane) {
  acc += lane * kPrime2;
  acc = Rotl(acc, 31);
  return acc * kPrime1;
}

inline uint64_t MergeRound(uint64_t acc, uint64_t val) {
  acc ^= Round(0, val);
  return acc * kPrime1 + kPrime4;
}

// Consumes whole 32-byte stripes from p; returns bytes consumed.
size_t ConsumeStripes(uint64_t acc[4], const unsigned char* p, size_t size) {
  const size_t n = size / 32 * 32;
  uint64_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  for (size_t i = 0; i < n; i += 32) {
    a0 = Round(a0, Read64(p + i));
    a1 = Round(a1, Read64(p + i + 8));
    a2 = Round(a2, Read64(p + i + 16));
    a3 = Round(a3, Read64(p + i + 24));
  }
  acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
  return n;
}

}  // namespace

Xxh64::Xxh64(uint64_t seed) : seed_(seed) {
  acc_[0] = seed + kPrime1 + kPrime2;
  acc_[1] = seed + kPrime2;
  acc_[2] = seed;
  acc_[3] = seed - kPrime1;
}

void Xxh64::Update(const void* data, size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  total_ += size;
  if (buffered_ > 0) {
    const size_t take = std::min(size, sizeof(buffer_) - buffered_);
    std::memcpy(buffer_ + buffered_, p, take);
    buffered_ += take;
    p += take;
    size -= take;
    if (buffered_ < sizeof(buffer_)) return;
    ConsumeStripes(acc_, buffer_, sizeof(buffer_));
    buffered_ = 0;
  }
  const size_t used = ConsumeStripes(acc_, p, size);
  std::memcpy(buffer_, p + used, size - used);
  buffered_ = size - used;
}

uint64_t Xxh64::Digest() const {
  uint64_t h;
  if (total_ >= 32) {
    h = Rotl(acc_[0], 1) + Rotl(acc_[1], 7) + Rotl(acc_[2], 12) + Rotl(acc_[3], 18);
    for (uint64_t a : acc_) h = MergeRound(h, a);
  } else {
    h = seed_ + kPrime5;
  }
  h += total_;
  const unsigned char* p = buffer_;
  size_t left = buffered_;
  for (; left >= 8; p += 8, left -= 8) {
    h ^= Round(0, Read64(p));
    h = Rotl(h, 27) * kPrime1 + kPrime4;
  }
  if (left >= 4) {
    h ^= static_cast<uint64_t>(Read32(p)) * kPrime1;
    h = Rotl(h, 23) * kPrime2 + kPrime3;
    p += 4;
    left -= 4;
  }
  for (; left > 0; ++p, --left) {
    h ^= *p * kPrime5;
    h = Rotl(h, 11) * kPrime1;
  }
  h ^= h >> 33;
  h *= kPrime2;
  h ^= h >> 29;
  h *= kPrime3;
  h ^= h >> 32;
  return h;
}

uint64_t Xxh64Hash(const void* data, size_t size, uint64_t seed) {
  Xxh64 h(seed);
  h.Update(data, size);
  return h.Digest();
}

namespace {

constexpr uint64_t kPlaceholder = ~0ULL;

// The file bytes [begin, end) that make up the weights vector's data.
std::pair<size_t, size_t> WeightsRange(absl::string_view bytes, const Model& model) {
  if (model.weights() == nullptr) return {0, 0};
  const size_t begin = reinterpret_cast<const char*>(model.weights()->data()) - bytes.data();
  return {begin, begin + model.weights()->size()};
}

// Hashes the program section: the file minus the weights data, with each
// checksum value read as zero.
SectionDigest ProgramDigest(absl::string_view bytes, const Model& model) {
  std::vector<size_t> zeroed;  // file offsets of 8-byte xxh64 values
  if (model.checksums() != nullptr) {
    for (const SectionChecksum* c : *model.checksums()) {
      const uint8_t* field =
          reinterpret_cast<const flatbuffers::Table*>(c)->GetAddressOf(SectionChecksum::VT_XXH64);
      if (field == nullptr) continue;
      zeroed.push_back(reinterpret_cast<const char*>(field) - bytes.data());
    }
  }
  std::sort(zeroed.begin(), zeroed.end());
  const auto [w_begin, w_end] = WeightsRange(bytes, model);
  Xxh64 h;
  uint64_t hashed = 0;
  static constexpr unsigned char kZeros[8] = {};
  auto hash_range = [&](size_t begin, size_t end) {
    for (size_t z : zeroed) {
      if (z + 8 <= begin || z >= end) continue;
      h.Update(bytes.data() + begin, z - begin);
      h.Update(kZeros, 8);
      begin = z + 8;
    }
    if (end > begin) h.Update(bytes.data() + begin, end - begin);
  };
  hash_range(0, w_begin);
  hash_range(w_end, bytes.size());
  hashed = bytes.size() - (w_end - w_begin);
  return {kProgramSection, hashed, h.Digest()};
}

}  // namespace

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<SectionChecksum>>>
CreateChecksumPlaceholders(flatbuffers::FlatBufferBuilder& fbb) {
  // All-ones placeholders, so the fields are stored even when the builder
  // omits default values; SealChecksums overwrites them.
  std::vector<flatbuffers::Offset<SectionChecksum>> entries;
  for (const char* name : {kWeightsSection, kProgramSection}) {
    entries.push_back(
        CreateSectionChecksum(fbb, fbb.CreateString(name), kPlaceholder, kPlaceholder));
  }
  return fbb.CreateVector(entries);
}

std::vector<SectionDigest> ComputeSectionDigests(absl::string_view bytes, const Model& model) {
  std::vector<SectionDigest> out;
  const auto [w_begin, w_end] = WeightsRange(bytes, model);
  out.push_back(
      {kWeightsSection, w_end - w_begin, Xxh64Hash(bytes.data() + w_begin, w_end - w_begin)});
  out.push_back(ProgramDigest(bytes, model));
  return out;
}

absl::Status SealChecksums(uint8_t* data, size_t size) {
  absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto opened = OpenModel(bytes);
  if (!opened.ok()) return opened.status();
  Model* model = flatbuffers::GetMutableSizePrefixedRoot<Model>(data);
  auto* checksums = model->mutable_checksums();
  if (checksums == nullptr) {
    return absl::FailedPreconditionError(
        "SealChecksums: the model has no checksums vector (call "
        "CreateChecksumPlaceholders)");
  }
  // Sizes first: they are part of the program section's bytes.
  const auto [w_begin, w_end] = WeightsRange(bytes, *model);
  for (flatbuffers::uoffset_t i = 0; i < checksums->size(); ++i) {
    SectionChecksum* c = checksums->GetMutableObject(i);
    if (c->name() == nullptr) continue;
    const uint64_t section_size =
        c->name()->str() == kWeightsSection ? w_end - w_begin : size - (w_end - w_begin);
    if (!c->mutate_size(section_size) || !c->mutate_xxh64(0)) {
      return absl::FailedPreconditionError(
          "SealChecksums: checksum fields were not stored (placeholders "
          "missing)");
    }
  }
  for (const SectionDigest& d : ComputeSectionDigests(bytes, *model)) {
    for (flatbuffers::uoffset_t i = 0; i < checksums->size(); ++i) {
      SectionChecksum* c = checksums->GetMutableObject(i);
      if (c->name() != nullptr && c->name()->str() == d.name) {
        c->mutate_xxh64(d.xxh64);
      }
    }
  }
  return absl::OkStatus();
}

absl::Status VerifyChecksums(absl::string_view bytes, const Model& model) {
  if (model.checksums() == nullptr) return absl::OkStatus();
  const std::vector<SectionDigest> digests = ComputeSectionDigests(bytes, model);
  for (const SectionChecksum* c : *model.checksums()) {
    if (c->name() == nullptr) continue;
    for (const SectionDigest& d : digests) {
      if (c->name()->str() != d.name) continue;
      if (c->size() != d.size || c->xxh64() != d.xxh64) {
        return absl::DataLossError(
            absl::StrFormat("checksum mismatch in section '%s': file says %d bytes with "
                            "XXH64 %#018x, contents are %d bytes hashing to %#018x (the file "
                            "is damaged)",
                            d.name, c->size(), c->xxh64(), d.size, d.xxh64));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace neff
