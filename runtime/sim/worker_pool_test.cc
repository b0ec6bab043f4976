#include "runtime/sim/worker_pool.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace ncc::sim {
namespace {

TEST(WorkerPoolTest, RunsEveryChunkOnceManyTimes) {
  WorkerPool pool(3);
  EXPECT_EQ(pool.threads(), 3);
  std::vector<std::atomic<int>> hits(8);
  for (int round = 0; round < 2000; ++round) {
    const int n = 1 + round % 8;
    pool.Run(n, [&](int i) { hits[i].fetch_add(1); });
  }
  // Chunk i runs in every round with more than i chunks: 250 rounds per n.
  for (int i = 0; i < 8; ++i) EXPECT_EQ(hits[i].load(), 250 * (8 - i)) << i;
}

TEST(WorkerPoolTest, SingleThreadRunsInline) {
  WorkerPool pool(1);
  int sum = 0;
  pool.Run(1, [&](int i) { sum += i + 1; });
  EXPECT_EQ(sum, 1);
}

TEST(WorkerPoolTest, ResultsVisibleAfterRun) {
  WorkerPool pool(2);
  std::vector<int> out(6, 0);
  for (int round = 1; round <= 500; ++round) {
    pool.Run(6, [&](int i) { out[i] = round * (i + 1); });
    for (int i = 0; i < 6; ++i) ASSERT_EQ(out[i], round * (i + 1));
  }
}

// More threads than cores (the workers are often not scheduled): the caller
// runs what they do not claim, and every Run still completes.
TEST(WorkerPoolTest, OversubscribedPoolsComplete) {
  std::vector<std::thread> callers;
  std::atomic<int64_t> total{0};
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      WorkerPool pool(4);
      for (int round = 0; round < 300; ++round) {
        pool.Run(4, [&](int i) { total.fetch_add(i + 1); });
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(total.load(), 4 * 300 * 10);
}

}  // namespace
}  // namespace ncc::sim
