#include "runtime/sim/worker_pool.h"

#include <chrono>

#include "runtime/sim/spin.h"

namespace ncc::sim {
namespace {

// How long an idle worker spins before it sleeps, and how long the caller
// spins for the last chunks before it sleeps. Kept short: on this project's
// 2-vCPU machines a spinning thread slows the one still computing (they
// behave like SMT siblings sharing a core), so waiters block instead.
constexpr std::chrono::microseconds kSpin{20};

}  // namespace

WorkerPool::WorkerPool(int threads) {
  for (int i = 1; i < threads; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
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

void WorkerPool::RunChunks(const std::function<void(int)>& fn, int chunks) {
  for (int c = next_.fetch_add(1, std::memory_order_acq_rel); c < chunks;
       c = next_.fetch_add(1, std::memory_order_acq_rel)) {
    fn(c);
    if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks) {
      // The last chunk: wake the caller if it sleeps.
      std::lock_guard<std::mutex> lock(mu_);
      finished_.notify_all();
    }
  }
}

void WorkerPool::WaitDone(int chunks) {
  const auto spin_until = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0; done_.load(std::memory_order_acquire) != chunks; ++i) {
    CpuRelax();
    if ((i & 63) == 63 && std::chrono::steady_clock::now() > spin_until) {
      std::unique_lock<std::mutex> lock(mu_);
      finished_.wait(lock, [&] { return done_.load(std::memory_order_acquire) == chunks; });
    }
  }
}

void WorkerPool::Run(int chunks, const std::function<void(int)>& fn) {
  if (chunks <= 1 || workers_.empty()) {
    for (int i = 0; i < chunks; ++i) fn(i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    task_ = &fn;
    chunks_ = chunks;
    next_.store(0, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    open_ = true;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  RunChunks(fn, chunks);
  WaitDone(chunks);
  // No worker may join any more; wait for those inside to leave (they find
  // no chunk left), so that `fn` outlives every use.
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
  }
  while (active_.load(std::memory_order_acquire) != 0) {
    std::this_thread::yield();
  }
}

void WorkerPool::WorkerLoop() {
  uint64_t seen = 0;
  while (true) {
    // Spin for a new generation, then sleep until one arrives.
    const auto spin_until = std::chrono::steady_clock::now() + kSpin;
    for (int i = 0; generation_.load(std::memory_order_acquire) == seen &&
                    !stop_.load(std::memory_order_acquire);
         ++i) {
      CpuRelax();
      if ((i & 255) == 255 && std::chrono::steady_clock::now() > spin_until) {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] {
          return generation_.load(std::memory_order_acquire) != seen ||
                 stop_.load(std::memory_order_acquire);
        });
      }
    }
    if (stop_.load(std::memory_order_acquire)) return;
    const std::function<void(int)>* task;
    int chunks;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen = generation_.load(std::memory_order_relaxed);
      if (!open_) continue;  // that task is already finished
      active_.fetch_add(1, std::memory_order_acq_rel);
      task = task_;
      chunks = chunks_;
    }
    RunChunks(*task, chunks);
    active_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace ncc::sim
