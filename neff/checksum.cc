#include "neff/checksum.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "neff/format.h"
#include "text/printable.h"

namespace neff {

using ncc::text::PrintableName;
Xxh64::Xxh64(uint64_t seed) { XXH64_reset(&state_, seed); }

void Xxh64::Update(const void* data, size_t size) { XXH64_update(&state_, data, size); }

uint64_t Xxh64::Digest() const { return XXH64_digest(&state_); }

uint64_t Xxh64Hash(const void* data, size_t size, uint64_t seed) { return XXH64(data, size, seed); }

namespace {

constexpr uint64_t kPlaceholder = ~0ULL;

// Format 0.3 added SectionChecksum.offset; 0.2 tables have none.
bool HasOffsets(const Model& model) {
  return model.version_major() > 0 || model.version_minor() >= 3;
}

absl::Status Altered(absl::string_view what) {
  return absl::DataLossError(
      absl::StrCat("broken seal: ", what, " (the file is damaged or was altered)"));
}

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
  // A hostile file's checksum fields may overlap each other or straddle the
  // weights (a fuzz finding): each is clipped to what is left of the range.
  auto hash_range = [&](size_t begin, size_t end) {
    for (size_t z : zeroed) {
      if (z + 8 <= begin || z >= end) continue;
      const size_t zero_begin = std::max(z, begin);
      const size_t zero_end = std::min(z + 8, end);
      h.Update(bytes.data() + begin, zero_begin - begin);
      h.Update(kZeros, zero_end - zero_begin);
      begin = zero_end;
    }
    if (end > begin) h.Update(bytes.data() + begin, end - begin);
  };
  hash_range(0, w_begin);
  hash_range(w_end, bytes.size());
  hashed = bytes.size() - (w_end - w_begin);
  return {kProgramSection, 0, hashed, h.Digest()};
}

}  // namespace

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<SectionChecksum>>>
CreateChecksumPlaceholders(flatbuffers::FlatBufferBuilder& fbb) {
  // All-ones placeholders, so the fields are stored even when the builder
  // omits default values; SealChecksums overwrites them.
  std::vector<flatbuffers::Offset<SectionChecksum>> entries;
  for (const char* name : {kWeightsSection, kProgramSection}) {
    entries.push_back(CreateSectionChecksum(fbb, fbb.CreateString(name), kPlaceholder, kPlaceholder,
                                            kPlaceholder));
  }
  return fbb.CreateVector(entries);
}

namespace {

std::vector<SectionDigest> SectionDigests(absl::string_view bytes, const Model& model,
                                          std::optional<uint64_t> weights_xxh64) {
  std::vector<SectionDigest> out;
  const auto [w_begin, w_end] = WeightsRange(bytes, model);
  out.push_back({kWeightsSection, w_begin, w_end - w_begin,
                 weights_xxh64.has_value() ? *weights_xxh64
                                           : Xxh64Hash(bytes.data() + w_begin, w_end - w_begin)});
  out.push_back(ProgramDigest(bytes, model));
  return out;
}

}  // namespace

std::vector<SectionDigest> ComputeSectionDigests(absl::string_view bytes, const Model& model) {
  return SectionDigests(bytes, model, std::nullopt);
}

namespace {

// The sections' names, offsets and sizes, without hashing anything.
std::vector<SectionDigest> SectionLayout(absl::string_view bytes, const Model& model) {
  const auto [w_begin, w_end] = WeightsRange(bytes, model);
  return {{kWeightsSection, w_begin, w_end - w_begin, 0},
          {kProgramSection, 0, bytes.size() - (w_end - w_begin), 0}};
}

}  // namespace

absl::Status SealChecksums(uint8_t* data, size_t size, std::optional<uint64_t> weights_xxh64) {
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
  // Offsets and sizes first: they are part of the program section's bytes.
  const std::vector<SectionDigest> layout = SectionLayout(bytes, *model);
  for (flatbuffers::uoffset_t i = 0; i < checksums->size(); ++i) {
    SectionChecksum* c = checksums->GetMutableObject(i);
    const SectionDigest* d = nullptr;
    for (const SectionDigest& s : layout) {
      if (c->name() != nullptr && c->name()->str() == s.name) d = &s;
    }
    if (d == nullptr) {
      return absl::FailedPreconditionError(
          "SealChecksums: the section table has an entry that is not a section");
    }
    if (!c->mutate_size(d->size) || !c->mutate_xxh64(0) ||
        (HasOffsets(*model) && !c->mutate_offset(d->offset))) {
      return absl::FailedPreconditionError(
          "SealChecksums: checksum fields were not stored (placeholders "
          "missing)");
    }
  }
  for (const SectionDigest& d : SectionDigests(bytes, *model, weights_xxh64)) {
    for (flatbuffers::uoffset_t i = 0; i < checksums->size(); ++i) {
      SectionChecksum* c = checksums->GetMutableObject(i);
      if (c->name() != nullptr && c->name()->str() == d.name) {
        c->mutate_xxh64(d.xxh64);
      }
    }
  }
  return absl::OkStatus();
}

bool IsSealed(const Model& model) { return model.checksums() != nullptr; }

absl::Status VerifyChecksums(absl::string_view bytes, const Model& model) {
  if (!IsSealed(model)) {
    return absl::FailedPreconditionError(
        "the NEFF is not sealed (it has no section checksums): it was written by a tool that "
        "does not seal or by a compiler older than NEFF 0.2; recompile it with neuron-cc, or "
        "allow unsealed files explicitly if you trust it");
  }
  const std::vector<SectionDigest> digests = ComputeSectionDigests(bytes, model);
  // The table first: exactly the known sections, each once.
  const auto& table = *model.checksums();
  std::vector<size_t> section_of(table.size());  // index into digests
  std::vector<bool> seen(digests.size(), false);
  for (flatbuffers::uoffset_t i = 0; i < table.size(); ++i) {
    const SectionChecksum* c = table.Get(i);
    if (c->name() == nullptr) {
      return Altered(absl::StrCat("entry ", i, " of the section table has no name"));
    }
    const absl::string_view name(c->name()->c_str(), c->name()->size());
    size_t k = 0;
    while (k < digests.size() && name != digests[k].name) ++k;
    if (k == digests.size()) {
      return Altered(absl::StrCat("unknown section '", PrintableName(name), "' (entry ", i,
                                  " of the section table); a sealed NEFF has exactly the "
                                  "sections 'weights' and 'program'"));
    }
    if (seen[k]) {
      return Altered(
          absl::StrCat("section '", digests[k].name, "' is listed twice in the section table"));
    }
    seen[k] = true;
    section_of[i] = k;
  }
  for (size_t k = 0; k < digests.size(); ++k) {
    if (!seen[k]) {
      return Altered(absl::StrCat("the section table lacks section '", digests[k].name, "'"));
    }
  }
  // Then each section's offset, size and contents.
  for (flatbuffers::uoffset_t i = 0; i < table.size(); ++i) {
    const SectionChecksum* c = table.Get(i);
    const SectionDigest& d = digests[section_of[i]];
    if (HasOffsets(model) && c->offset() != d.offset) {
      return Altered(absl::StrCat("section '", d.name, "': the section table says it starts at ",
                                  "file offset ", c->offset(), ", but it starts at ", d.offset));
    }
    if (c->size() != d.size || c->xxh64() != d.xxh64) {
      return absl::DataLossError(
          absl::StrFormat("checksum mismatch in section '%s': file says %d bytes with "
                          "XXH64 %#018x, contents are %d bytes hashing to %#018x (the file "
                          "is damaged)",
                          d.name, c->size(), c->xxh64(), d.size, d.xxh64));
    }
  }
  return absl::OkStatus();
}

}  // namespace neff
