#include "target/neuroncore.h"

#include <gtest/gtest.h>

namespace ncc::target {
namespace {

TEST(NeuronCoreV2, PublicFigures) {
  const CoreSpec& spec = NeuronCoreV2();
  EXPECT_EQ(spec.partitions, 128);
  EXPECT_EQ(spec.partitions * spec.sbuf_partition_bytes, 24 * 1024 * 1024);
  EXPECT_EQ(spec.psum_banks * spec.psum_bank_bytes, spec.psum_partition_bytes);
  EXPECT_EQ(spec.psum_bank_bytes / 4, spec.matmul_max_moving_free);
}

TEST(NeuronCoreV2, MatmulCostFollowsMovingSizeAndFp32QuarterRate) {
  const CoreSpec& spec = NeuronCoreV2();
  double bf16 = MatmulNs(spec, 128, 512, 2);
  EXPECT_NEAR(bf16, (512 + 100) / 2.8, 1e-9);
  EXPECT_NEAR(MatmulNs(spec, 128, 512, 4), (4 * 512 + 100) / 2.8, 1e-9);
  // Small moving tiles cost at least min(64, stationary) cycles.
  EXPECT_NEAR(MatmulNs(spec, 128, 1, 2), (64 + 100) / 2.8, 1e-9);
}

TEST(NeuronCoreV2, DmaPaysLatencyAndPrefersLongRuns) {
  const CoreSpec& spec = NeuronCoreV2();
  EXPECT_GE(DmaNs(spec, 4, 4), spec.dma_start_latency_ns);
  EXPECT_LT(DmaNs(spec, 1 << 20, 4096), DmaNs(spec, 1 << 20, 4));
}

TEST(NeuronCoreV2, EngineCostsHaveMinimumWork) {
  const CoreSpec& spec = NeuronCoreV2();
  EXPECT_EQ(ActivationNs(spec, 1), ActivationNs(spec, 64));
  EXPECT_GT(VectorNs(spec, 512, 2), VectorNs(spec, 512, 1));
}

TEST(FindCoreSpec, FindsCoresByTheNameTheNeffCarries) {
  EXPECT_EQ(FindCoreSpec(NeuronCoreV2().name), &NeuronCoreV2());
  EXPECT_EQ(FindCoreSpec("NeuronCore-v9"), nullptr);
  EXPECT_EQ(FindCoreSpec(""), nullptr);
}

TEST(CoreSpecForTarget, EmptyMeansV2AndUnknownIsNamed) {
  EXPECT_EQ(*CoreSpecForTarget(""), &NeuronCoreV2());
  EXPECT_EQ(*CoreSpecForTarget("NeuronCore-v2"), &NeuronCoreV2());
  const auto unknown = CoreSpecForTarget("NeuronCore-v9");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(),
            "NEFF load: unknown target 'NeuronCore-v9' (this runtime runs NeuronCore-v2)");
}

}  // namespace
}  // namespace ncc::target
