#include "compiler/driver/resource_limits.h"

#include <gtest/gtest.h>

#include "compiler/ir/text.h"

namespace ncc::driver {
namespace {

absl::Status Check(const char* text, int64_t device_memory_bytes = int64_t{16} << 30) {
  auto graph = ir::Parse(text);
  EXPECT_TRUE(graph.ok()) << graph.status();
  target::CoreSpec spec = target::NeuronCoreV2();
  spec.device_memory_bytes = device_memory_bytes;
  return CheckResourceLimits(**graph, spec);
}

TEST(ResourceLimits, RefusesATensorLargerThanDeviceMemoryNamingIt) {
  absl::Status s = Check(R"(graph g(%x: f32[1048576,1048576]) -> (%y) {
  %y: f32[1048576,1048576] = Relu(%x)
}
)");
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(),
            "tensor 'x' (f32 [1048576,1048576]) needs 4 TiB, more than the 16 GiB of device "
            "memory of a NeuronCore-v2");
}

TEST(ResourceLimits, SaturatesInsteadOfOverflowing) {
  // 2^31 * 2^31 * 4 bytes wraps to 0 in int64 arithmetic.
  absl::Status s = Check(R"(graph g(%x: f32[2147483648,2147483648,4]) -> (%y) {
  %y: f32[2147483648,2147483648,4] = Relu(%x)
}
)");
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("needs over 8 EiB"), absl::string_view::npos) << s;
}

TEST(ResourceLimits, CountsWeightsInputsAndOutputsTogether) {
  const char* text = R"(graph g(%x: f32[2]) -> (%y) {
  %w: f32[2] = constant [0, 1]
  %y: f32[2] = Add(%x, %w)
}
)";
  absl::Status s = Check(text, 16);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(),
            "the model's weights, inputs and outputs together needs 24 bytes, more than the 16 "
            "bytes of device memory of a NeuronCore-v2");
  EXPECT_TRUE(Check(text, 32).ok());
}

TEST(ResourceLimits, DescribesBytes) {
  EXPECT_EQ(DescribeBytes(512), "512 bytes");
  EXPECT_EQ(DescribeBytes(1536), "1.5 KiB");
  EXPECT_EQ(DescribeBytes(int64_t{16} << 30), "16 GiB");
}

}  // namespace
}  // namespace ncc::driver
