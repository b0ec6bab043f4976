// A small fork-join pool for splitting one simulator instruction's work
// (a large matmul or copy) across host threads. The workers spin briefly
// between tasks, because an execution hands them thousands of short tasks
// back to back, then sleep; they exit when the pool is destroyed.
#ifndef NCC_RUNTIME_SIM_WORKER_POOL_H_
#define NCC_RUNTIME_SIM_WORKER_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ncc::sim {

class WorkerPool {
 public:
  // `threads` host threads in all, the caller's included (>= 1).
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs fn(0) .. fn(n - 1), n <= threads(), and returns when all are done.
  // fn(0) runs on the calling thread. Not reentrant.
  void Run(int n, const std::function<void(int)>& fn);

 private:
  void WorkerLoop(int index);

  std::vector<std::thread> workers_;
  const std::function<void(int)>* task_ = nullptr;
  int task_count_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable wake_;
};

}  // namespace ncc::sim

#endif  // NCC_RUNTIME_SIM_WORKER_POOL_H_
