#include "tools/neuron_run/requests.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "text/printable.h"

namespace ncc::neuron_run {
namespace {

// The per-stage figures of one execution, for the --requests timeline.
std::vector<StageTime> StageTimes(const nrt_execution_stats_t& stats) {
  std::vector<StageTime> stages;
  for (uint32_t k = 0; k < stats.num_stages && k < NRT_MAX_STAGES; ++k) {
    stages.push_back({stats.stage_latency_ns[k], stats.stage_transfer_ns[k]});
  }
  return stages;
}

}  // namespace

Requests RunRequests(nrt_model_t* model, const nrt_tensor_info_array_t& info,
                     const nrt_tensor_set_t* inputs, nrt_tensor_set_t* outputs, int requests,
                     int threads) {
  Requests result;
  nrt_execution_stats_t* first = &result.first;
  std::vector<std::vector<StageTime>>* times = &result.times;
  double* wall_ms = &result.wall_ms;
  auto fail = [&](NRT_STATUS status, std::string error) {
    result.status = status;
    result.error = std::move(error);
    return result;
  };
  times->assign(requests, {});
  struct Worker {
    nrt_tensor_set_t* outputs = nullptr;
    std::vector<nrt_tensor_t*> tensors;
    std::vector<const char*> names;  // of `tensors`
    int ran = 0;                     // requests it executed
    NRT_STATUS status = NRT_SUCCESS;
    std::string error;
  };
  std::vector<Worker> workers(threads);
  workers[0].outputs = outputs;
  auto cleanup = [&] {
    for (size_t t = 1; t < workers.size(); ++t) {
      nrt_destroy_tensor_set(&workers[t].outputs);
      for (nrt_tensor_t*& tensor : workers[t].tensors) nrt_tensor_free(&tensor);
    }
  };
  for (int t = 1; t < threads; ++t) {
    if (NRT_STATUS st = nrt_allocate_tensor_set(&workers[t].outputs); st != NRT_SUCCESS) {
      cleanup();
      return fail(st, nrt_get_last_error());
    }
    for (uint64_t i = 0; i < info.tensor_count; ++i) {
      const nrt_tensor_info_t& output = info.tensor_array[i];
      if (output.usage != NRT_TENSOR_USAGE_OUTPUT) continue;
      nrt_tensor_t* tensor = nullptr;
      if (NRT_STATUS st = nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, output.size,
                                              output.name, &tensor);
          st != NRT_SUCCESS) {
        cleanup();
        return fail(st, nrt_get_last_error());
      }
      workers[t].tensors.push_back(tensor);
      workers[t].names.push_back(output.name);
      nrt_add_tensor_to_tensor_set(workers[t].outputs, output.name, tensor);
    }
  }
  std::atomic<int> next{0};
  auto work = [&](Worker* w) {
    for (int r = next++; r < requests; r = next++) {
      nrt_execution_stats_t stats{};
      w->status = nrt_execute_with_stats(model, inputs, w->outputs, &stats);
      if (w->status != NRT_SUCCESS) {
        w->error = nrt_get_last_error();
        next = requests;  // the others stop too
        return;
      }
      (*times)[r] = StageTimes(stats);
      if (r == 0) *first = stats;
      ++w->ran;
    }
  };
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, &workers[t]);
  work(&workers[0]);
  for (std::thread& t : pool) t.join();
  const auto end = std::chrono::steady_clock::now();
  *wall_ms = std::chrono::duration<double, std::milli>(end - start).count();
  for (const Worker& w : workers) {
    if (w.status != NRT_SUCCESS) {
      cleanup();
      return fail(w.status, w.error);
    }
  }
  // Same inputs, same outputs: a difference would be a runtime bug. A
  // thread that came too late for any request has nothing to compare; if
  // that was thread 0, the first thread that ran gives `outputs` its values.
  bool have_reference = workers[0].ran > 0;
  for (int t = 1; t < threads; ++t) {
    if (workers[t].ran == 0) continue;
    for (size_t o = 0; o < workers[t].tensors.size(); ++o) {
      nrt_tensor_t* mine = workers[t].tensors[o];
      nrt_tensor_t* reference = nullptr;
      nrt_get_tensor_from_tensor_set(outputs, workers[t].names[o], &reference);
      const size_t size = nrt_tensor_get_size(mine);
      std::vector<uint8_t> a(size), b(size);
      bool ok = reference != nullptr && nrt_tensor_read(mine, a.data(), 0, size) == NRT_SUCCESS;
      if (ok && have_reference) {
        ok = nrt_tensor_read(reference, b.data(), 0, size) == NRT_SUCCESS && a == b;
      } else if (ok) {
        ok = nrt_tensor_write(reference, a.data(), 0, size) == NRT_SUCCESS;
      }
      if (!ok) {
        cleanup();
        return fail(NRT_FAILURE,
                    absl::StrCat("--requests: output '", text::PrintableName(workers[t].names[o]),
                                 "' differs between host threads for the same "
                                 "inputs"));
      }
    }
    have_reference = true;
  }
  cleanup();
  return result;
}

void PrintStages(const nrt_execution_stats_t& stats) {
  for (uint32_t k = 0; k < stats.num_stages && k < NRT_MAX_STAGES; ++k) {
    std::printf("  stage %u of %u on physical NeuronCore %d: %.3f us", k, stats.num_stages,
                stats.stage_neuron_core[k], stats.stage_latency_ns[k] / 1000.0);
    if (k > 0) {
      std::printf(" after %.3f us of transfer from earlier stages",
                  stats.stage_transfer_ns[k] / 1000.0);
    }
    std::printf(" (estimate)\n");
  }
  std::printf(
      "  estimated steady-state interval (simulator estimate): %.3f us, %.1f inferences/s\n",
      stats.estimated_interval_ns / 1000.0,
      stats.estimated_interval_ns > 0 ? 1e9 / stats.estimated_interval_ns : 0.0);
}

void PrintStream(const StreamTimeline& t, uint32_t stages, int threads, double wall_ms) {
  std::printf("requests: %d through %u stage%s from %d host thread%s\n", t.requests, stages,
              stages == 1 ? "" : "s", threads, threads == 1 ? "" : "s");
  std::printf("  estimated latency of one request (simulator estimate): %.3f us\n",
              t.first_latency_ns / 1000.0);
  std::printf(
      "  estimated steady-state throughput (simulator estimate, timeline of %d requests): "
      "%.1f inferences/s (a result every %.3f us; all done at %.3f us)\n",
      t.requests, t.throughput_per_s, t.interval_ns / 1000.0, t.makespan_ns / 1000.0);
  std::printf("  host wall time for %d requests (host measurement): %.3f ms\n", t.requests,
              wall_ms);
  std::printf("  host throughput (host measurement): %.1f inferences/s\n",
              wall_ms > 0 ? t.requests * 1000.0 / wall_ms : 0.0);
}

double IterationTimes::Min() const { return *std::min_element(ms.begin(), ms.end()); }
double IterationTimes::Max() const { return *std::max_element(ms.begin(), ms.end()); }
double IterationTimes::Median() const {
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

IterationTimes TimeIterations(nrt_model_t* model, const nrt_tensor_set_t* inputs,
                              nrt_tensor_set_t* outputs, int warmup, int iterations) {
  IterationTimes times;
  times.ms.reserve(iterations);
  for (int i = 0; i < warmup + iterations; ++i) {
    const auto start = std::chrono::steady_clock::now();
    if (NRT_STATUS s = nrt_execute(model, inputs, outputs); s != NRT_SUCCESS) {
      times.status = s;
      times.error = nrt_get_last_error();
      return times;
    }
    const auto end = std::chrono::steady_clock::now();
    if (i >= warmup) times.ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  return times;
}

void PrintIterations(const IterationTimes& times, int warmup) {
  std::printf(
      "host time per execution (host measurement, %zu iterations after %d warm-up): "
      "min %.3f ms, median %.3f ms, max %.3f ms\n",
      times.ms.size(), warmup, times.Min(), times.Median(), times.Max());
}

}  // namespace ncc::neuron_run
