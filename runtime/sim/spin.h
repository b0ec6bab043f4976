// Waiting on another host thread of the simulator without a lock: a pause
// instruction per try (kinder to a sibling hyperthread than a bare loop),
// and, after a few hundred tries, yielding the core (on a loaded machine a
// spinning waiter would take the core from the thread it waits for).
#ifndef NCC_RUNTIME_SIM_SPIN_H_
#define NCC_RUNTIME_SIM_SPIN_H_

#include <thread>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ncc::sim {

inline void CpuRelax() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

// One step of a waiter's back-off; `spins` counts the steps so far.
inline void SpinWait(int& spins) {
  constexpr int kSpinsBeforeYield = 256;
  if (++spins < kSpinsBeforeYield) {
    CpuRelax();
  } else {
    std::this_thread::yield();
  }
}

}  // namespace ncc::sim

#endif  // NCC_RUNTIME_SIM_SPIN_H_
