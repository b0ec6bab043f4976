#include "runtime/sim/lane.h"

#include <chrono>

#include "runtime/sim/spin.h"

namespace ncc::sim {

void HelpSlot::Run(int chunks, const std::function<void(int)>& fn) {
  if (chunks < 2) {
    for (int i = 0; i < chunks; ++i) fn(i);
    return;
  }
  fn_ = &fn;
  state_.store(kPosted, std::memory_order_release);
  fn(0);
  int expected = kPosted;
  if (state_.compare_exchange_strong(expected, kEmpty, std::memory_order_acq_rel)) {
    fn(1);  // nobody took it
  } else {
    for (int spins = 0; state_.load(std::memory_order_acquire) != kDone;) SpinWait(spins);
    state_.store(kEmpty, std::memory_order_relaxed);
  }
  fn_ = nullptr;
}

bool HelpSlot::TryHelp() {
  int expected = kPosted;
  if (state_.load(std::memory_order_relaxed) != kPosted ||
      !state_.compare_exchange_strong(expected, kClaimed, std::memory_order_acq_rel)) {
    return false;
  }
  (*fn_)(1);
  state_.store(kDone, std::memory_order_release);
  return true;
}

Lane::Lane() : worker_([this] { WorkerLoop(); }) {}

Lane::~Lane() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  worker_.join();
}

void Lane::Begin(const std::function<void(uint64_t)>* fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = fn;
    active_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
}

void Lane::End() {
  WaitDone(published());
  std::lock_guard<std::mutex> lock(mu_);
  active_.store(false, std::memory_order_release);
  fn_ = nullptr;
}

uint64_t Lane::Reserve() {
  const uint64_t n = published();
  WaitDone(n + 1 > kDepth ? n + 1 - kDepth : 0);
  return n;
}

void Lane::Publish() { tail_.fetch_add(1, std::memory_order_release); }

void Lane::WaitDone(uint64_t n) const {
  for (int spins = 0; done() < n;) SpinWait(spins);
}

void Lane::WorkerLoop() {
  uint64_t next = 0;
  int spins = 0;
  while (true) {
    if (next < tail_.load(std::memory_order_acquire)) {
      (*fn_)(next);
      ++next;
      done_.store(next, std::memory_order_release);
      spins = 0;
      continue;
    }
    if (active_.load(std::memory_order_acquire)) {
      SpinWait(spins);
      continue;
    }
    // Between executions: stay awake a millisecond (back-to-back
    // executions then find the lane running), then sleep.
    const auto awake_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
    spins = 0;
    for (uint64_t tries = 1; !active_.load(std::memory_order_acquire) &&
                             !stop_.load(std::memory_order_acquire) &&
                             ((tries & 63) != 0 || std::chrono::steady_clock::now() < awake_until);
         ++tries) {
      SpinWait(spins);
    }
    spins = 0;
    if (active_.load(std::memory_order_acquire)) continue;
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait(lock, [&] {
      return stop_.load(std::memory_order_acquire) || active_.load(std::memory_order_acquire) ||
             next < tail_.load(std::memory_order_acquire);
    });
    if (stop_.load(std::memory_order_acquire)) return;
  }
}

}  // namespace ncc::sim
