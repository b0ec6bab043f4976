// A service-style consumer of a NEFF compiled at build time: the classifier
// from examples/models is embedded in this binary by cc_neff_library, loaded
// from memory with nrt_load, and served to a batch of requests from several
// threads, as an inference server's worker pool would.
//
//   bazel run //examples/service:classifier_service -- --requests 256 --threads 4
//
// Prints the host latency percentiles of nrt_execute (measured on this
// machine: the simulated NeuronCore runs on the host) and the device latency
// the simulator estimates for a NeuronCore-v2 (an estimate, not a
// measurement), then the predicted class of the first requests.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "examples/models/classifier_neff.h"
#include "runtime/nrt.h"

namespace {

constexpr char kUsage[] =
    "usage: classifier_service [--requests N] [--threads T]\n"
    "  --requests N  requests to serve (default 256)\n"
    "  --threads T   worker threads calling nrt_execute (default 4)\n";

struct Options {
  int requests = 256;
  int threads = 4;
};

bool ParseInt(const char* text, int low, int high, int* out) {
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < low || value > high) return false;
  *out = static_cast<int>(value);
  return true;
}

bool ParseOptions(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "classifier_service: %s needs a value\n%s", flag.c_str(), kUsage);
      return false;
    }
    const char* value = argv[++i];
    bool ok = false;
    if (flag == "--requests") {
      ok = ParseInt(value, 1, 1000000, &options->requests);
    } else if (flag == "--threads") {
      ok = ParseInt(value, 1, 256, &options->threads);
    } else {
      std::fprintf(stderr, "classifier_service: unknown flag %s\n%s", flag.c_str(), kUsage);
      return false;
    }
    if (!ok) {
      std::fprintf(stderr, "classifier_service: %s: '%s' is out of range\n", flag.c_str(), value);
      return false;
    }
  }
  return true;
}

// Fails the process with the runtime's one-line reason.
void Check(NRT_STATUS status, const char* what) {
  if (status == NRT_SUCCESS) return;
  std::fprintf(stderr, "classifier_service: %s failed: %s: %s\n", what,
               nrt_get_status_as_str(status), nrt_get_last_error());
  std::exit(1);
}

// One worker's tensors: its own input and output buffers, attached to the
// runtime's tensors so that nrt_execute reads and writes them in place.
class Worker {
 public:
  Worker() {
    const ncc_embedded_tensor_t& in = classifier_neff.inputs[0];
    const ncc_embedded_tensor_t& out = classifier_neff.outputs[0];
    image_.resize(in.size_bytes / sizeof(float));
    logits_.resize(out.size_bytes / sizeof(float));
    Check(nrt_allocate_tensor_set(&inputs_), "nrt_allocate_tensor_set");
    Check(nrt_allocate_tensor_set(&outputs_), "nrt_allocate_tensor_set");
    Attach(in.name, image_.data(), in.size_bytes, inputs_, &in_);
    Attach(out.name, logits_.data(), out.size_bytes, outputs_, &out_);
  }
  ~Worker() {
    nrt_tensor_free(&in_);
    nrt_tensor_free(&out_);
    nrt_destroy_tensor_set(&inputs_);
    nrt_destroy_tensor_set(&outputs_);
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Serves request `id` (its image is random, seeded by the id); returns the
  // predicted class and fills the measured and estimated times.
  int Serve(nrt_model_t* model, int id, double* host_ms, double* estimated_us) {
    std::mt19937 rng(static_cast<uint32_t>(id));
    std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
    for (float& v : image_) v = pixel(rng);
    nrt_execution_stats_t stats{};
    auto start = std::chrono::steady_clock::now();
    Check(nrt_execute_with_stats(model, inputs_, outputs_, &stats), "nrt_execute");
    *host_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    *estimated_us = stats.estimated_latency_ns / 1000.0;
    return static_cast<int>(std::max_element(logits_.begin(), logits_.end()) - logits_.begin());
  }

 private:
  static void Attach(const char* name, float* data, size_t bytes, nrt_tensor_set_t* set,
                     nrt_tensor_t** tensor) {
    Check(nrt_tensor_allocate_empty(NRT_TENSOR_PLACEMENT_DEVICE, 0, name, tensor),
          "nrt_tensor_allocate_empty");
    Check(nrt_tensor_attach_buffer(*tensor, data, bytes), "nrt_tensor_attach_buffer");
    Check(nrt_add_tensor_to_tensor_set(set, name, *tensor), "nrt_add_tensor_to_tensor_set");
  }

  std::vector<float> image_, logits_;
  nrt_tensor_set_t* inputs_ = nullptr;
  nrt_tensor_set_t* outputs_ = nullptr;
  nrt_tensor_t* in_ = nullptr;
  nrt_tensor_t* out_ = nullptr;
};

double Percentile(std::vector<double> values, double p) {
  size_t k = static_cast<size_t>(std::ceil(p / 100.0 * values.size()));
  k = std::min(values.size() - 1, k == 0 ? 0 : k - 1);
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k];
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, &options)) return 1;
  if (classifier_neff.num_inputs != 1 || classifier_neff.num_outputs != 1) {
    std::fprintf(stderr, "classifier_service: %s has %zu inputs and %zu outputs; expected 1 and 1\n",
                 classifier_neff.label, classifier_neff.num_inputs, classifier_neff.num_outputs);
    return 1;
  }

  Check(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), "nrt_init");
  nrt_model_t* model = nullptr;
  // All visible NeuronCores: executions on different cores run concurrently.
  Check(nrt_load(classifier_neff.data, classifier_neff.size, 0, -1, &model), "nrt_load");

  std::vector<double> host_ms(options.requests), estimated_us(options.requests);
  std::vector<int> predicted(options.requests);
  std::atomic<int> next{0};
  auto wall_start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < options.threads; ++t) {
    threads.emplace_back([&] {
      Worker worker;
      for (int id = next++; id < options.requests; id = next++) {
        predicted[id] = worker.Serve(model, id, &host_ms[id], &estimated_us[id]);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  Check(nrt_unload(model), "nrt_unload");
  nrt_close();

  std::printf("model: %s (%zu bytes embedded; input '%s', output '%s')\n", classifier_neff.label,
              classifier_neff.size, classifier_neff.inputs[0].name,
              classifier_neff.outputs[0].name);
  std::printf("served %d requests from %d threads in %.2f s (%.1f requests/s on this host)\n",
              options.requests, options.threads, wall_s, options.requests / wall_s);
  std::printf("host latency of nrt_execute (measured): p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, "
              "max %.3f ms\n",
              Percentile(host_ms, 50), Percentile(host_ms, 90), Percentile(host_ms, 99),
              *std::max_element(host_ms.begin(), host_ms.end()));
  std::printf("device latency (simulator estimate, NeuronCore-v2): p50 %.1f us, p99 %.1f us; "
              "compiler estimate %.1f us\n",
              Percentile(estimated_us, 50), Percentile(estimated_us, 99),
              classifier_neff.estimated_latency_us);
  std::printf("predicted classes of the first requests:");
  for (int i = 0; i < std::min(options.requests, 8); ++i) std::printf(" %d", predicted[i]);
  std::printf("\n");
  return 0;
}
