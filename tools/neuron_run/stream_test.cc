#include "tools/neuron_run/stream.h"

#include <gtest/gtest.h>

#include <vector>

namespace ncc::neuron_run {
namespace {

TEST(SimulateStream, OneStageRunsRequestsBackToBack) {
  const StreamTimeline t = SimulateStream({{{10, 0}}, {{10, 0}}, {{10, 0}}});
  EXPECT_EQ(t.requests, 3);
  EXPECT_EQ(t.first_latency_ns, 10);
  EXPECT_EQ(t.makespan_ns, 30);
  EXPECT_EQ(t.interval_ns, 10);
  EXPECT_DOUBLE_EQ(t.throughput_per_s, 1e8);
}

TEST(SimulateStream, StagesOverlapAndTheSlowestSetsThePace) {
  // Stage 0: 10 ns; stage 1: 30 ns after a 5 ns transfer. One request: 45 ns;
  // then one result every 35 ns (stage 1 with its hand-off is the bottleneck).
  const std::vector<StageTime> request = {{10, 0}, {30, 5}};
  const StreamTimeline one = SimulateStream({request});
  EXPECT_EQ(one.first_latency_ns, 45);
  EXPECT_EQ(one.interval_ns, 45);
  const StreamTimeline four = SimulateStream({request, request, request, request});
  EXPECT_EQ(four.first_latency_ns, 45);
  EXPECT_EQ(four.makespan_ns, 45 + 3 * 35);
  EXPECT_EQ(four.interval_ns, 35);
  EXPECT_NEAR(four.throughput_per_s, 1e9 / 35, 1e-3);
}

TEST(SimulateStream, TheSlowestStageWithItsTransferIsTheInterval) {
  // max over stages of transfer + latency: stage 0's 20 ns, not stage 1's
  // 2 + 15.
  const std::vector<StageTime> request = {{20, 0}, {15, 2}};
  const StreamTimeline t = SimulateStream({request, request, request});
  EXPECT_EQ(t.first_latency_ns, 37);
  EXPECT_EQ(t.makespan_ns, 60 + 17);
  EXPECT_EQ(t.interval_ns, 20);
}

TEST(SimulateStream, RequestsMayDifferInTime) {
  // Request 1's stage 0 is slow: stage 1 idles waiting for it.
  const StreamTimeline t = SimulateStream({{{10, 0}, {10, 0}}, {{50, 0}, {10, 0}}});
  EXPECT_EQ(t.makespan_ns, 10 + 50 + 10);
  EXPECT_EQ(t.interval_ns, 70 - 20);
}

TEST(SimulateStream, NoRequests) {
  const StreamTimeline t = SimulateStream({});
  EXPECT_EQ(t.requests, 0);
  EXPECT_EQ(t.throughput_per_s, 0);
}

}  // namespace
}  // namespace ncc::neuron_run
