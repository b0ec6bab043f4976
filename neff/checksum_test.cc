#include "neff/checksum.h"

#include <gtest/gtest.h>

#include <string>

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

std::string SealedModel() {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<uint8_t> weights(256);
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<uint8_t>(i);
  fbb.ForceVectorAlignment(weights.size(), 1, kWeightsAlignment);
  auto w = fbb.CreateVector(weights);
  auto checksums = CreateChecksumPlaceholders(fbb);
  auto nodes = fbb.CreateVectorOfStrings({"node_a", "node_b"});
  ModelBuilder mb(fbb);
  mb.add_version_major(kVersionMajor);
  mb.add_version_minor(kVersionMinor);
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
  EXPECT_EQ(digests[1].size, bytes.size() - 256);
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

TEST(SectionChecksums, UnsealedFilePasses) {
  flatbuffers::FlatBufferBuilder fbb;
  ModelBuilder mb(fbb);
  mb.add_version_major(kVersionMajor);
  FinishSizePrefixedModelBuffer(fbb, mb.Finish());
  std::string bytes(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  auto model = OpenModel(bytes);
  ASSERT_TRUE(model.ok());
  EXPECT_TRUE(VerifyChecksums(bytes, **model).ok());
}

}  // namespace
}  // namespace neff
