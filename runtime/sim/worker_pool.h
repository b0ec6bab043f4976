// A small fork-join pool for splitting one simulator instruction's work
// (a large matmul or copy) across host threads. Work is cut into chunks
// that every thread, the caller included, claims from a shared counter, so
// a worker that the OS has not scheduled (a busy 2-core machine) costs
// nothing: the caller runs the chunks itself. Idle workers spin briefly
// between tasks (an execution hands them thousands of short tasks back to
// back), then sleep; they exit when the pool is destroyed.
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

  // Runs fn(0) .. fn(chunks - 1), each exactly once on some thread of the
  // pool (the caller's included), and returns when all are done. Not
  // reentrant.
  void Run(int chunks, const std::function<void(int)>& fn);

 private:
  void WorkerLoop();
  void RunChunks(const std::function<void(int)>& fn, int chunks);
  // Waits until `chunks` chunks are done: spins briefly, then sleeps.
  void WaitDone(int chunks);

  std::vector<std::thread> workers_;
  // Guarded by mu_: the current task, whether workers may still join it.
  const std::function<void(int)>* task_ = nullptr;
  int chunks_ = 0;
  bool open_ = false;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> next_{0};    // next chunk to claim
  std::atomic<int> done_{0};    // chunks finished
  std::atomic<int> active_{0};  // workers inside the current task
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable wake_;      // a new task, or stop
  std::condition_variable finished_;  // the current task's last chunk is done
};

}  // namespace ncc::sim

#endif  // NCC_RUNTIME_SIM_WORKER_POOL_H_
