#include "runtime/sim/worker_pool.h"

#include <atomic>
#include <vector>

#include "gtest/gtest.h"

namespace ncc::sim {
namespace {

TEST(WorkerPoolTest, RunsEveryIndexOnceManyTimes) {
  WorkerPool pool(3);
  EXPECT_EQ(pool.threads(), 3);
  std::vector<std::atomic<int>> hits(3);
  for (int round = 0; round < 2000; ++round) {
    const int n = 1 + round % 3;
    pool.Run(n, [&](int i) { hits[i].fetch_add(1); });
  }
  // n cycles 1, 2, 3: index 0 runs every round, 1 in two of three, 2 in one.
  EXPECT_EQ(hits[0].load(), 2000);
  EXPECT_EQ(hits[1].load(), 1333);
  EXPECT_EQ(hits[2].load(), 666);
}

TEST(WorkerPoolTest, SingleThreadRunsInline) {
  WorkerPool pool(1);
  int sum = 0;
  pool.Run(1, [&](int i) { sum += i + 1; });
  EXPECT_EQ(sum, 1);
}

TEST(WorkerPoolTest, ResultsVisibleAfterRun) {
  WorkerPool pool(2);
  std::vector<int> out(2, 0);
  for (int round = 1; round <= 500; ++round) {
    pool.Run(2, [&](int i) { out[i] = round * (i + 1); });
    ASSERT_EQ(out[0], round);
    ASSERT_EQ(out[1], 2 * round);
  }
}

}  // namespace
}  // namespace ncc::sim
