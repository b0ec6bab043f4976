#include "neff/checksum.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "neff/format.h"

namespace neff {
Xxh64::Xxh64(uint64_t seed) { XXH64_reset(&state_, seed); }

void Xxh64::Update(const void* data, size_t size) { XXH64_update(&state_, data, size); }

uint64_t Xxh64::Digest() const { return XXH64_digest(&state_); }

uint64_t Xxh64Hash(const void* data, size_t size, uint64_t seed) { return XXH64(data, size, seed); }

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
