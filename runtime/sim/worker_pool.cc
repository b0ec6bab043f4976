#include "runtime/sim/worker_pool.h"

#include <chrono>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ncc::sim {
namespace {

inline void CpuRelax() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

// How long an idle worker spins before it sleeps: covers the gap between
// two large instructions of one execution without burning a core for long
// after the execution ends.
constexpr std::chrono::microseconds kSpin{200};

}  // namespace

WorkerPool::WorkerPool(int threads) {
  for (int i = 1; i < threads; ++i) {
    workers_.emplace_back([this, i] { WorkerLoop(i); });
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void WorkerPool::Run(int n, const std::function<void(int)>& fn) {
  if (n <= 1 || workers_.empty()) {
    for (int i = 0; i < n; ++i) fn(i);
    return;
  }
  if (n > threads()) n = threads();
  {
    std::lock_guard<std::mutex> lock(mu_);
    task_ = &fn;
    task_count_ = n;
    pending_.store(n - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  fn(0);
  while (pending_.load(std::memory_order_acquire) != 0) CpuRelax();
}

void WorkerPool::WorkerLoop(int index) {
  uint64_t seen = 0;
  while (true) {
    // Spin for a new generation, then sleep until one arrives.
    const auto spin_until = std::chrono::steady_clock::now() + kSpin;
    uint64_t gen = generation_.load(std::memory_order_acquire);
    for (int i = 0; gen == seen && !stop_.load(std::memory_order_acquire);
         ++i) {
      CpuRelax();
      if ((i & 255) == 255 && std::chrono::steady_clock::now() > spin_until) {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] {
          return generation_.load(std::memory_order_acquire) != seen ||
                 stop_.load(std::memory_order_acquire);
        });
      }
      gen = generation_.load(std::memory_order_acquire);
    }
    if (gen == seen) return;  // stopped
    const std::function<void(int)>* task;
    int count;
    {
      // Generation and task together: a worker that sat out a generation
      // may already see the next one.
      std::lock_guard<std::mutex> lock(mu_);
      seen = generation_.load(std::memory_order_relaxed);
      task = task_;
      count = task_count_;
    }
    if (index < count) {
      (*task)(index);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }
}

}  // namespace ncc::sim
