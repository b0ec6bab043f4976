// A host thread that runs a sequence of tasks in order beside the thread
// that hands them over: the simulator runs the Tensor engine's instructions
// on one while its scheduler's thread runs the other engines' (Core::Run).
// Tasks are numbered 0, 1, 2, ... over the lane's life; the caller keeps
// each task's data in a ring of kDepth slots indexed by number % kDepth and
// hands over a number with Reserve (wait for a free slot), filling the slot,
// then Publish. While an execution is on (Begin .. End) the worker spins
// for work, so a hand-over costs no wake-up; between executions it sleeps.
#ifndef NCC_RUNTIME_SIM_LANE_H_
#define NCC_RUNTIME_SIM_LANE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace ncc::sim {

// Work the lane shares with the thread waiting for it: the lane posts the
// second half of a large matmul, runs the first, then takes the second back
// if nobody has claimed it, or waits for its helper. The other side of the
// schedule calls TryHelp while it waits for the lane (it has nothing else
// to do), so both cores work on the Tensor engine's matmuls when the other
// engines are idle. Run's interface is WorkerPool's, for two threads.
class HelpSlot {
 public:
  int threads() const { return 2; }
  // fn(0) .. fn(chunks - 1), chunks <= 2, fn(1) offered to a helper.
  void Run(int chunks, const std::function<void(int)>& fn);
  // Runs the posted chunk, if any; whether it ran one.
  bool TryHelp();

 private:
  enum State : int { kEmpty, kPosted, kClaimed, kDone };
  std::atomic<int> state_{kEmpty};
  const std::function<void(int)>* fn_ = nullptr;  // set before kPosted
};

class Lane {
 public:
  static constexpr int kDepth = 64;

  Lane();
  ~Lane();
  Lane(const Lane&) = delete;
  Lane& operator=(const Lane&) = delete;

  // Starts an execution: the worker runs (*fn)(n) for every published task
  // number n, in order. `fn` must live until End returns.
  void Begin(const std::function<void(uint64_t)>* fn);
  // Waits until every published task is done; the worker then sleeps.
  void End();

  // The next task number, once its slot is free (fewer than kDepth tasks
  // published and not done).
  uint64_t Reserve();
  // Hands over the task Reserve returned (its slot filled).
  void Publish();

  // Tasks published / done so far (numbers below are).
  uint64_t published() const { return tail_.load(std::memory_order_relaxed); }
  uint64_t done() const { return done_.load(std::memory_order_acquire); }
  // Waits until the tasks below `n` are done.
  void WaitDone(uint64_t n) const;

 private:
  void WorkerLoop();

  std::atomic<uint64_t> tail_{0};  // published
  std::atomic<uint64_t> done_{0};
  std::atomic<bool> active_{false};
  std::atomic<bool> stop_{false};
  const std::function<void(uint64_t)>* fn_ = nullptr;  // set before active_
  std::mutex mu_;
  std::condition_variable wake_;
  std::thread worker_;
};

}  // namespace ncc::sim

#endif  // NCC_RUNTIME_SIM_LANE_H_
