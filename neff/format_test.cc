#include "neff/format.h"

#include <gtest/gtest.h>

namespace neff {
namespace {

std::string BuildModel(uint16_t major) {
  flatbuffers::FlatBufferBuilder fbb;
  auto name = fbb.CreateString("x");
  auto shape = fbb.CreateVector(std::vector<int64_t>{1, 4});
  auto input = CreateTensorInfo(fbb, name, DType::F32, shape, 0);
  auto inputs = fbb.CreateVector(std::vector<flatbuffers::Offset<TensorInfo>>{input});
  ModelBuilder mb(fbb);
  mb.add_version_major(major);
  mb.add_version_minor(kVersionMinor);
  mb.add_inputs(inputs);
  mb.add_dram_size(16);
  FinishSizePrefixedModelBuffer(fbb, mb.Finish());
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

TEST(NeffFormat, OpensAWellFormedModel) {
  std::string bytes = BuildModel(kVersionMajor);
  auto model = OpenModel(bytes);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->dram_size(), 16u);
  EXPECT_EQ((*model)->inputs()->Get(0)->name()->str(), "x");
}

TEST(NeffFormat, RejectsTruncatedFile) {
  std::string bytes = BuildModel(kVersionMajor);
  for (size_t keep : {size_t{0}, size_t{4}, bytes.size() / 2, bytes.size() - 1}) {
    auto model = OpenModel(absl::string_view(bytes).substr(0, keep));
    EXPECT_FALSE(model.ok()) << "kept " << keep;
  }
}

TEST(NeffFormat, RejectsNonNeff) {
  auto model = OpenModel("this is not a neff file at all");
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("identifier"), std::string::npos);
}

TEST(NeffFormat, RejectsNewerMajorVersion) {
  std::string bytes = BuildModel(kVersionMajor + 1);
  auto model = OpenModel(bytes);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("newer"), std::string::npos);
}

}  // namespace
}  // namespace neff
