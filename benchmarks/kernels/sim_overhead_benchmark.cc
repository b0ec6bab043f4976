// The simulator's host cost per instruction (dispatch + semaphore sync), on
// programs of tiny instructions whose kernels take almost no time: host
// measurements of the simulator itself, not device-time estimates.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "neff/format.h"
#include "neff/test_builder.h"
#include "neff/verifier.h"
#include "runtime/sim/simulator.h"

namespace ncc::sim {
namespace {

using namespace neff::test_builder;  // NOLINT: the builder's small vocabulary
using neff::EngineType;

constexpr int kInstructions = 4096;

void RunProgram(benchmark::State& state, const std::string& bytes) {
  auto model = neff::OpenModel(bytes);
  if (!model.ok() || !Verify(**model).ok()) {
    state.SkipWithError("model rejected");
    return;
  }
  ExecutionStats stats;
  for (auto _ : state) {
    if (!ExecuteVerified(**model, nullptr, &stats).ok()) {
      state.SkipWithError("execution failed");
      return;
    }
  }
  // rate inverted: seconds per (instruction * 1e-9) = ns per instruction.
  state.counters["ns/instruction"] =
      benchmark::Counter(kInstructions * 1e-9 * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// One queue, no semaphores: pure dispatch (one-element MEMSETs).
void BM_DispatchOneQueue(benchmark::State& state) {
  NeffBuilder b;
  int q = b.AddQueue(EngineType::VECTOR);
  for (int i = 0; i < kInstructions; ++i) b.Add(q, Memset(Sbuf(0, 1, 0, {}), 1.0f));
  RunProgram(state, b.Build());
}
BENCHMARK(BM_DispatchOneQueue);

// Two engines in lock step: every instruction waits on the other queue's
// semaphore and signals its own (dispatch + sync).
void BM_DispatchPingPong(benchmark::State& state) {
  NeffBuilder b;
  b.set_num_semaphores(2);
  int vec = b.AddQueue(EngineType::VECTOR);
  int pool = b.AddQueue(EngineType::GPSIMD);
  for (int i = 0; i < kInstructions / 2; ++i) {
    b.Add(vec, Memset(Sbuf(0, 1, 0, {}), 1.0f).Wait(1, i).Signal(0));
    b.Add(pool, Memset(Sbuf(1, 1, 0, {}), 1.0f).Wait(0, i + 1).Signal(1));
  }
  RunProgram(state, b.Build());
}
BENCHMARK(BM_DispatchPingPong);

// Sixteen DMA queues plus four engines, each instruction waiting on the
// previous queue's semaphore: the scheduler's per-step scan over 20 queues.
void BM_DispatchTwentyQueues(benchmark::State& state) {
  NeffBuilder b;
  b.set_num_semaphores(20);
  std::vector<int> queues;
  for (EngineType e :
       {EngineType::TENSOR, EngineType::VECTOR, EngineType::SCALAR, EngineType::GPSIMD}) {
    queues.push_back(b.AddQueue(e));
  }
  for (uint32_t d = 0; d < 16; ++d) queues.push_back(b.AddQueue(EngineType::DMA, d));
  const int per_queue = kInstructions / 20;
  for (int i = 0; i < per_queue; ++i) {
    for (int q = 0; q < 20; ++q) {
      Inst inst = q == 0   ? Transpose(Psum(0, 1, 0, {}), Sbuf(0, 1, 4, {}))
                  : q == 2 ? TensorCopy(Sbuf(q, 1, 0, {}), Sbuf(q, 1, 4, {}))
                  : q >= 4 ? DmaCopy(Sbuf(q, 1, 0, {}), Sbuf(q, 1, 8, {}))
                           : Memset(Sbuf(q, 1, 0, {}), 1.0f);
      if (i > 0 || q > 0) inst.Wait(static_cast<uint16_t>((q + 19) % 20), q > 0 ? i + 1 : i);
      b.Add(queues[q], inst.Signal(q));
    }
  }
  RunProgram(state, b.Build());
}
BENCHMARK(BM_DispatchTwentyQueues);

}  // namespace
}  // namespace ncc::sim
