#include "neff/checksum.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "neff/format.h"

namespace neff {
namespace {

// Reference values from the xxHash project's xxhsum -H64.
TEST(Xxh64, MatchesReferenceValues) {
  EXPECT_EQ(Xxh64Hash("", 0), 0xef46db3751d8e999ULL);
  EXPECT_EQ(Xxh64Hash("a", 1), 0xd24ec4f1a98c6e5bULL);
  EXPECT_EQ(Xxh64Hash("abc", 3), 0x44bc2cf5ad770999ULL);
  const std::string s = "Nobody inspects the spammish repetition";
  EXPECT_EQ(Xxh64Hash(s.data(), s.size()), 0xfbcea83c8a378bf1ULL);
  const std::string zeros(1000, '\0');
  EXPECT_EQ(Xxh64Hash(zeros.data(), zeros.size()), 0x0e2b1ef27944075aULL);
}

TEST(Xxh64, StreamingEqualsOneShotForEverySplit) {
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>(i * 131 + 7));
  for (size_t len : {0, 1, 3, 4, 7, 8, 31, 32, 33, 63, 64, 65, 299}) {
    const uint64_t want = Xxh64Hash(data.data(), len);
    for (size_t split = 0; split <= len; split += 5) {
      Xxh64 h;
      h.Update(data.data(), split);
      h.Update(data.data() + split, len - split);
      EXPECT_EQ(h.Digest(), want) << "len " << len << " split " << split;
    }
  }
}

std::string SealedModel(uint16_t minor = kSingleCoreVersionMinor) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<uint8_t> weights(256);
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<uint8_t>(i);
  fbb.ForceVectorAlignment(weights.size(), 1, kWeightsAlignment);
  auto w = fbb.CreateVector(weights);
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<SectionChecksum>>> checksums;
  if (minor >= 3) {
    checksums = CreateChecksumPlaceholders(fbb);
  } else {
    // A format 0.2 table: no offsets.
    std::vector<flatbuffers::Offset<SectionChecksum>> entries;
    for (const char* name : {kWeightsSection, kProgramSection}) {
      auto name_offset = fbb.CreateString(name);
      SectionChecksumBuilder b(fbb);
      b.add_name(name_offset);
      b.add_size(~0ULL);
      b.add_xxh64(~0ULL);
      entries.push_back(b.Finish());
    }
    checksums = fbb.CreateVector(entries);
  }
  auto nodes = fbb.CreateVectorOfStrings({"node_a", "node_b"});
  ModelBuilder mb(fbb);
  mb.add_version_major(kSingleCoreVersionMajor);
  mb.add_version_minor(minor);
  mb.add_dram_size(64);
  mb.add_nodes(nodes);
  mb.add_weights(w);
  mb.add_checksums(checksums);
  FinishSizePrefixedModelBuffer(fbb, mb.Finish());
  std::string bytes(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  EXPECT_TRUE(SealChecksums(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()).ok());
  return bytes;
}

TEST(SectionChecksums, SealedModelVerifies) {
  const std::string bytes = SealedModel();
  auto model = OpenModel(bytes);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_TRUE(VerifyChecksums(bytes, **model).ok());
  auto digests = ComputeSectionDigests(bytes, **model);
  ASSERT_EQ(digests.size(), 2u);
  EXPECT_EQ(digests[0].name, "weights");
  EXPECT_EQ(digests[0].size, 256u);
  EXPECT_EQ(digests[0].offset,
            reinterpret_cast<const char*>((*model)->weights()->data()) - bytes.data());
  EXPECT_EQ(digests[1].size, bytes.size() - 256);
  EXPECT_EQ(digests[1].offset, 0u);
  // The table records what the digests say.
  EXPECT_EQ((*model)->checksums()->Get(0)->offset(), digests[0].offset);
  EXPECT_EQ((*model)->checksums()->Get(0)->size(), 256u);
  // Sealing is deterministic.
  EXPECT_EQ(SealedModel(), bytes);
}

TEST(SectionChecksums, DamagedWeightByteNamesTheWeightsSection) {
  std::string bytes = SealedModel();
  auto model = OpenModel(bytes);
  ASSERT_TRUE(model.ok());
  const size_t at = reinterpret_cast<const char*>((*model)->weights()->data()) - bytes.data() + 100;
  bytes[at] ^= 0x01;
  model = OpenModel(bytes);
  ASSERT_TRUE(model.ok());
  absl::Status s = VerifyChecksums(bytes, **model);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("section 'weights'"), std::string::npos) << s;
}

TEST(SectionChecksums, DamagedNodeNameNamesTheProgramSection) {
  std::string bytes = SealedModel();
  const size_t at = bytes.find("node_b");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'X';
  auto model = OpenModel(bytes);
  ASSERT_TRUE(model.ok());
  absl::Status s = VerifyChecksums(bytes, **model);
  EXPECT_NE(s.message().find("section 'program'"), std::string::npos) << s;
}

TEST(SectionChecksums, UnsealedFileIsRefused) {
  flatbuffers::FlatBufferBuilder fbb;
  ModelBuilder mb(fbb);
  mb.add_version_major(kVersionMajor);
  FinishSizePrefixedModelBuffer(fbb, mb.Finish());
  std::string bytes(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  auto model = OpenModel(bytes);
  ASSERT_TRUE(model.ok());
  EXPECT_FALSE(IsSealed(**model));
  absl::Status s = VerifyChecksums(bytes, **model);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("not sealed"), std::string::npos) << s;
}

// The bypass of issue 14: one byte renames the program section, which a
// reader that skipped unknown names then left unchecked.
TEST(SectionChecksums, RenamedSectionBreaksTheSeal) {
  for (const char* section : {"program", "weights"}) {
    std::string bytes = SealedModel();
    const size_t at = bytes.find(section);
    ASSERT_NE(at, std::string::npos);
    bytes[at + 1] = '\x1b';  // also checks that the name is printed escaped
    auto model = OpenModel(bytes);
    ASSERT_TRUE(model.ok());
    absl::Status s = VerifyChecksums(bytes, **model);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
    EXPECT_NE(s.message().find(absl::StrCat("unknown section '", std::string(section, 1), "\\x1b",
                                            section + 2, "'")),
              std::string::npos)
        << s;
  }
}

TEST(SectionChecksums, DuplicatedOrMissingSectionBreaksTheSeal) {
  std::string bytes = SealedModel();
  // "weights" -> "program": two program entries, no weights entry.
  const size_t at = bytes.find("weights");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 7, "program");
  auto model = OpenModel(bytes);
  ASSERT_TRUE(model.ok());
  absl::Status s = VerifyChecksums(bytes, **model);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("'program' is listed twice"), std::string::npos) << s;
}

TEST(SectionChecksums, WrongOffsetBreaksTheSeal) {
  std::string bytes = SealedModel();
  auto* m = flatbuffers::GetMutableSizePrefixedRoot<Model>(bytes.data());
  SectionChecksum* weights = m->mutable_checksums()->GetMutableObject(0);
  ASSERT_TRUE(weights->mutate_offset(weights->offset() + 64));
  auto model = OpenModel(bytes);
  ASSERT_TRUE(model.ok());
  absl::Status s = VerifyChecksums(bytes, **model);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("section 'weights': the section table says it starts at"),
            std::string::npos)
      << s;
}

// The other bypass: zeroing the Model's vtable slot of `checksums` drops the
// whole table. The file then reads as unsealed, which is refused.
TEST(SectionChecksums, ZeroedTableSlotLeavesAnUnsealedFile) {
  std::string bytes = SealedModel();
  auto model = OpenModel(bytes);
  ASSERT_TRUE(model.ok());
  const auto* table = reinterpret_cast<const flatbuffers::Table*>(*model);
  const uint8_t* vtable = table->GetVTable();
  const size_t slot = reinterpret_cast<const char*>(vtable) - bytes.data() + Model::VT_CHECKSUMS;
  bytes[slot] = 0;
  bytes[slot + 1] = 0;
  model = OpenModel(bytes);
  ASSERT_TRUE(model.ok());
  EXPECT_FALSE(IsSealed(**model));
  EXPECT_EQ(VerifyChecksums(bytes, **model).code(), absl::StatusCode::kFailedPrecondition);
}

// Files of format 0.2 have no offsets in their table; their seal is still
// checked, section by section.
TEST(SectionChecksums, Format02FilesAreChecked) {
  std::string bytes = SealedModel(/*minor=*/2);
  auto model = OpenModel(bytes);
  ASSERT_TRUE(model.ok());
  EXPECT_TRUE(VerifyChecksums(bytes, **model).ok());
  bytes[bytes.find("node_a")] = 'N';
  model = OpenModel(bytes);
  ASSERT_TRUE(model.ok());
  EXPECT_NE(VerifyChecksums(bytes, **model).message().find("section 'program'"), std::string::npos);
}

}  // namespace
}  // namespace neff
