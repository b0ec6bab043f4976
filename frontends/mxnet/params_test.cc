#include "frontends/mxnet/params.h"

#include <cstring>

#include "frontends/mxnet/params_writer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ncc::mxnet_frontend {
namespace {

using ::testing::HasSubstr;

TEST(Params, ReadsEveryVersionAndDenseType) {
  ParamToWrite v1 = F32Param("arg:conv0_weight", {2, 3}, {1, 2, 3, 4, 5, 6});
  v1.magic = kNDArrayV1Magic;
  ParamToWrite v2 = F32Param("aux:bn_moving_var", {4}, {0.5f});
  v2.magic = kNDArrayV2Magic;
  ParamToWrite f64{"fc_bias", 1, {2}, std::vector<uint8_t>(16)};
  const double d[2] = {1.5, -2.25};
  std::memcpy(f64.data.data(), d, 16);
  ParamToWrite i64{"arg:ids", 6, {3}, std::vector<uint8_t>(24)};
  ParamToWrite scalar{"arg:s", 0, {}, std::vector<uint8_t>(4)};  // V3: rank 0 is a scalar
  auto params = ParseParams(WriteParams({v1, v2, f64, i64, scalar}), "m-0000.params");
  ASSERT_TRUE(params.ok()) << params.status();
  ASSERT_EQ(params->size(), 5u);
  EXPECT_EQ((*params)[0].name, "conv0_weight");
  EXPECT_FALSE((*params)[0].aux);
  EXPECT_EQ((*params)[0].shape, (ir::Shape{2, 3}));
  float last;
  std::memcpy(&last, (*params)[0].data.data() + 20, 4);
  EXPECT_EQ(last, 6.0f);
  EXPECT_EQ((*params)[1].name, "bn_moving_var");
  EXPECT_TRUE((*params)[1].aux);
  EXPECT_EQ((*params)[2].name, "fc_bias");
  EXPECT_EQ((*params)[2].dtype, ir::DType::kF64);
  EXPECT_EQ((*params)[3].dtype, ir::DType::kI64);
  EXPECT_EQ((*params)[4].shape, ir::Shape{});
  EXPECT_EQ((*params)[4].data.size(), 4u);
}

TEST(Params, EveryTruncationIsOneLineDataLoss) {
  const std::string whole =
      WriteParams({F32Param("arg:w", {2, 2}), F32Param("aux:m", {3}, {1.0f})});
  ASSERT_TRUE(ParseParams(whole, "p").ok());
  for (size_t n = 0; n < whole.size(); ++n) {
    auto r = ParseParams(whole.substr(0, n), "p");
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.status().message().find('\n'), absl::string_view::npos);
    EXPECT_THAT(r.status().message(), HasSubstr("p: ")) << n;
  }
  auto extra = ParseParams(whole + "x", "p");
  ASSERT_FALSE(extra.ok());
  EXPECT_THAT(extra.status().message(), HasSubstr("1 bytes follow the last name"));
}

TEST(Params, RefusesSparseAndUnreadTypesByName) {
  ParamToWrite sparse = F32Param("arg:emb_weight", {10, 4});
  sparse.storage_type = 1;
  auto r = ParseParams(WriteParams({F32Param("arg:a", {1}), sparse}), "p");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("parameter 'emb_weight' is a row_sparse array"));
  ParamToWrite csr = sparse;
  csr.storage_type = 2;
  r = ParseParams(WriteParams({csr}), "p");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("a csr array"));
  ParamToWrite bf16{"arg:h", 12, {2}, std::vector<uint8_t>(4)};
  r = ParseParams(WriteParams({bf16}), "p");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("parameter 'h' is of type bfloat16"));
}

TEST(Params, AbsurdCountsAndShapesAreRefusedBeforeAllocation) {
  std::string bytes = WriteParams({F32Param("arg:w", {2})});
  // Array count 2^40.
  std::string count = bytes;
  const uint64_t huge = uint64_t{1} << 40;
  std::memcpy(count.data() + 16, &huge, 8);
  auto r = ParseParams(count, "p");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("holds 1099511627776 arrays"));
  // A dimension of 2^62 elements.
  ParamToWrite big = F32Param("arg:w", {2});
  big.shape = {int64_t{1} << 62};
  big.data.clear();
  r = ParseParams(WriteParams({big}), "p");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("larger than the"));
  // Not a params file at all.
  r = ParseParams("{\"nodes\": []}", "p");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("p: "));
}

TEST(Params, NamelessListsAreRefused) {
  std::string bytes = WriteParams({F32Param("arg:w", {2})});
  // Replace the names with an empty list.
  const size_t names_at = bytes.size() - (8 + 8 + 5);
  bytes.resize(names_at);
  const uint64_t zero = 0;
  bytes.append(reinterpret_cast<const char*>(&zero), 8);
  auto r = ParseParams(bytes, "p");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("have no names"));
}

}  // namespace
}  // namespace ncc::mxnet_frontend
