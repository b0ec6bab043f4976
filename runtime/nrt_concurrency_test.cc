// The nrt_* C API under concurrency, through the public API only: many
// threads executing one model; models loaded, run and unloaded while other
// threads execute a shared one; and the defined behaviour of nrt_unload and
// nrt_close while executions are in flight (nrt.h, "Lifetimes under
// concurrency"). CI runs this under --config=tsan and --config=asan
// (tools/sanitize.sh), where a race or a use-after-free is a failure even
// when the outputs happen to be right.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "neff/test_builder.h"
#include "runtime/device.h"
#include "runtime/nrt.h"
#include "runtime/sim/sim_device.h"
#include "runtime/test_pipelines.h"

namespace {

using namespace neff::test_builder;  // NOLINT: the builder's small vocabulary
using neff::AluOp;
using neff::DType;
using neff::EngineType;
using Clock = std::chrono::steady_clock;

// y = x * scale + bias for x, y: f32 [2, 4] (DRAM 0 and 32), one Vector
// instruction between two DMAs.
std::string ScaleBiasNeff(float scale, float bias) {
  NeffBuilder b;
  b.set_dram_size(64);
  b.AddInput("x", DType::F32, {2, 4}, 0);
  b.AddOutput("y", DType::F32, {2, 4}, 32);
  int dma = b.AddQueue(EngineType::DMA);
  int vec = b.AddQueue(EngineType::VECTOR);
  b.Add(dma, DmaCopy(Sbuf(0, 2, 0, {{1, 4}}), Dram(0, 2, 4, {{1, 4}})).Signal(0));
  b.Add(vec, TensorScalar(Sbuf(0, 2, 16, {{1, 4}}), Sbuf(0, 2, 0, {{1, 4}}), AluOp::MULTIPLY, scale)
                 .Second(AluOp::ADD, bias)
                 .Wait(0, 1)
                 .Signal(1));
  b.Add(dma, DmaCopy(Dram(32, 2, 4, {{1, 4}}), Sbuf(0, 2, 16, {{1, 4}})).Wait(1, 1));
  return b.Build();
}

// A slow model, so that calls can meet an execution in flight: y = x + adds
// for x, y: f32 [128, 512], as `adds` Vector instructions of 64 Ki elements
// (exact in f32 for the integers the tests use).
constexpr int kLongRows = 128, kLongCols = 512;
constexpr size_t kLongBytes = kLongRows * kLongCols * sizeof(float);
std::string LongNeff(int adds) {
  NeffBuilder b;
  b.set_dram_size(2 * kLongBytes);
  b.AddInput("x", DType::F32, {kLongRows, kLongCols}, 0);
  b.AddOutput("y", DType::F32, {kLongRows, kLongCols}, kLongBytes);
  int dma = b.AddQueue(EngineType::DMA);
  int vec = b.AddQueue(EngineType::VECTOR);
  const Ap tile = Sbuf(0, kLongRows, 0, {{1, kLongCols}});
  b.Add(dma, DmaCopy(tile, Dram(0, kLongRows, kLongCols, {{1, kLongCols}})).Signal(0));
  for (int i = 0; i < adds; ++i) {
    Inst add = TensorScalar(tile, tile, AluOp::ADD, 1.0f);
    if (i == 0) add.Wait(0, 1);
    if (i == adds - 1) add.Signal(1);
    b.Add(vec, add);
  }
  b.Add(dma, DmaCopy(Dram(kLongBytes, kLongRows, kLongCols, {{1, kLongCols}}), tile).Wait(1, 1));
  return b.Build();
}

// One caller's tensors and tensor sets for a model with one input and one
// output, freed at the end of its scope.
class Io {
 public:
  Io(const char* input, size_t input_bytes, const char* output, size_t output_bytes) {
    ok_ = nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, input_bytes, input, &in_) ==
              NRT_SUCCESS &&
          nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, output_bytes, output, &out_) ==
              NRT_SUCCESS &&
          nrt_allocate_tensor_set(&inputs_) == NRT_SUCCESS &&
          nrt_allocate_tensor_set(&outputs_) == NRT_SUCCESS &&
          nrt_add_tensor_to_tensor_set(inputs_, input, in_) == NRT_SUCCESS &&
          nrt_add_tensor_to_tensor_set(outputs_, output, out_) == NRT_SUCCESS;
  }
  ~Io() {
    nrt_destroy_tensor_set(&inputs_);
    nrt_destroy_tensor_set(&outputs_);
    nrt_tensor_free(&in_);
    nrt_tensor_free(&out_);
  }
  Io(const Io&) = delete;
  Io& operator=(const Io&) = delete;

  bool ok() const { return ok_; }
  NRT_STATUS Run(nrt_model_t* model, const std::vector<float>& x, std::vector<float>* y,
                 nrt_execution_stats_t* stats = nullptr) {
    const size_t in_bytes = x.size() * sizeof(float);
    if (NRT_STATUS s = nrt_tensor_write(in_, x.data(), 0, in_bytes); s != NRT_SUCCESS) return s;
    if (NRT_STATUS s = nrt_execute_with_stats(model, inputs_, outputs_, stats); s != NRT_SUCCESS) {
      return s;
    }
    y->assign(nrt_tensor_get_size(out_) / sizeof(float), 0.0f);
    return nrt_tensor_read(out_, y->data(), 0, y->size() * sizeof(float));
  }
  nrt_tensor_t* output() { return out_; }

 private:
  nrt_tensor_t *in_ = nullptr, *out_ = nullptr;
  nrt_tensor_set_t *inputs_ = nullptr, *outputs_ = nullptr;
  bool ok_ = false;
};

class NrtConcurrencyTest : public ::testing::Test {
 protected:
  // The test_builder NEFFs are not sealed (nrt_test checks that path).
  void SetUp() override {
    setenv("NEURON_RT_ALLOW_UNSEALED", "1", 1);
    ASSERT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_SUCCESS);
  }
  void TearDown() override {
    nrt_close();
    unsetenv("NEURON_RT_ALLOW_UNSEALED");
  }

  static nrt_model_t* Load(const std::string& bytes, int32_t nc_count = -1) {
    nrt_model_t* model = nullptr;
    NRT_STATUS s = nrt_load(bytes.data(), bytes.size(), 0, nc_count, &model);
    EXPECT_EQ(s, NRT_SUCCESS) << nrt_get_last_error();
    return model;
  }

  // A LongNeff whose execution takes at least 20 ms on this build (plain,
  // or 10-20x slower under a sanitizer): its bytes, adds and the shortest
  // of three executions (a busy machine slows some), to pace the tests.
  struct Long {
    std::string bytes;
    int adds = 0;
    Clock::duration one_run{};
  };
  static Long CalibratedLongNeff() {
    Long l;
    for (l.adds = 250;; l.adds *= 2) {
      l.bytes = LongNeff(l.adds);
      nrt_model_t* model = Load(l.bytes);
      if (model == nullptr) return l;
      Io io("x", kLongBytes, "y", kLongBytes);
      std::vector<float> x(kLongRows * kLongCols, 0.0f), y;
      l.one_run = Clock::duration::max();
      for (int run = 0; run < 3; ++run) {
        const auto start = Clock::now();
        EXPECT_EQ(io.Run(model, x, &y), NRT_SUCCESS) << nrt_get_last_error();
        l.one_run = std::min(l.one_run, Clock::now() - start);
      }
      EXPECT_EQ(nrt_unload(model), NRT_SUCCESS);
      if (l.one_run >= std::chrono::milliseconds(20) || l.adds >= 64000) return l;
    }
  }
};

// True when every y[i] == x[i] + adds.
bool AllAdded(const std::vector<float>& x, const std::vector<float>& y, int adds) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (y[i] != x[i] + static_cast<float>(adds)) return false;
  }
  return true;
}

// 16 threads execute one model loaded on both NeuronCores at once; every
// result is checked, and both cores do work.
TEST_F(NrtConcurrencyTest, SixteenThreadsExecuteOneModel) {
  nrt_model_t* model = Load(ReluPlusOneNeff());
  ASSERT_NE(model, nullptr);
  constexpr int kThreads = 16, kIters = 25;
  std::atomic<int> bad{0}, on_core[2] = {{0}, {0}};
  auto worker = [&](int id) {
    Io io("x", 32, "y", 32);
    if (!io.ok()) {
      ++bad;
      return;
    }
    for (int iter = 0; iter < kIters; ++iter) {
      std::vector<float> xs(8), ys;
      for (int i = 0; i < 8; ++i) xs[i] = 1000.0f * id + 10.0f * iter + i - 4;
      nrt_execution_stats_t stats;
      if (io.Run(model, xs, &ys, &stats) != NRT_SUCCESS) {
        ++bad;
        continue;
      }
      if (stats.neuron_core == 0 || stats.neuron_core == 1) ++on_core[stats.neuron_core];
      for (int i = 0; i < 8; ++i) {
        if (ys[i] != std::max(xs[i], 0.0f) + 1) ++bad;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(on_core[0] + on_core[1], kThreads * kIters);
  EXPECT_GT(on_core[0].load(), 0);
  EXPECT_GT(on_core[1].load(), 0);
  EXPECT_EQ(nrt_unload(model), NRT_SUCCESS);
}

// Loader threads load models (from memory, from a file by mmap, with and
// without simulator host threads), query them, run them and unload them,
// over and over, while executor threads run a shared model. Every output is
// checked against what it must be.
TEST_F(NrtConcurrencyTest, LoadRunUnloadWhileOthersExecuteASharedModel) {
  nrt_model_t* shared = Load(ReluPlusOneNeff());
  ASSERT_NE(shared, nullptr);

  // The compiled MLP (a sealed neuron-cc NEFF): its output for a fixed
  // input, from one execution before any thread starts.
  const char* kMlp = "runtime/fuzz/corpus/mlp.neff";
  nrt_model_t* mlp = nullptr;
  ASSERT_EQ(nrt_load_from_file(kMlp, 0, -1, &mlp), NRT_SUCCESS) << nrt_get_last_error();
  nrt_tensor_info_array_t* info = nullptr;
  ASSERT_EQ(nrt_get_model_tensor_info(mlp, &info), NRT_SUCCESS);
  ASSERT_EQ(info->tensor_count, 2u);
  const std::string mlp_in = info->tensor_array[0].name, mlp_out = info->tensor_array[1].name;
  const size_t mlp_in_bytes = info->tensor_array[0].size;
  const size_t mlp_out_bytes = info->tensor_array[1].size;
  nrt_free_model_tensor_info(info);
  std::vector<float> mlp_x(mlp_in_bytes / sizeof(float)), mlp_y;
  for (size_t i = 0; i < mlp_x.size(); ++i) mlp_x[i] = 0.01f * static_cast<float>(i % 97) - 0.4f;
  {
    Io io(mlp_in.c_str(), mlp_in_bytes, mlp_out.c_str(), mlp_out_bytes);
    ASSERT_TRUE(io.ok());
    ASSERT_EQ(io.Run(mlp, mlp_x, &mlp_y), NRT_SUCCESS) << nrt_get_last_error();
  }
  ASSERT_EQ(nrt_unload(mlp), NRT_SUCCESS);

  constexpr int kExecutors = 3, kLoaders = 3, kLoads = 12;
  std::atomic<int> loaders_left{kLoaders}, bad{0}, loads{0}, shared_runs{0};
  std::mutex errors_mu;
  std::vector<std::string> errors;
  auto error = [&](const std::string& what) {
    ++bad;
    std::lock_guard<std::mutex> lock(errors_mu);
    if (errors.size() < 10) errors.push_back(what + ": " + nrt_get_last_error());
  };

  auto executor = [&](int id) {
    Io io("x", 32, "y", 32);
    if (!io.ok()) return error("executor tensors");
    // Runs until every loader is done (and at least a few times).
    for (int iter = 0; loaders_left.load() > 0 || iter < 5; ++iter) {
      std::vector<float> xs(8), ys;
      for (int i = 0; i < 8; ++i) xs[i] = 100.0f * id - 3.0f * iter + i;
      if (io.Run(shared, xs, &ys) != NRT_SUCCESS) return error("shared model execution");
      for (int i = 0; i < 8; ++i) {
        if (ys[i] != std::max(xs[i], 0.0f) + 1) return error("shared model output");
      }
      ++shared_runs;
    }
  };

  auto loader = [&](int id) {
    for (int iter = 0; iter < kLoads; ++iter) {
      const int kind = (id + iter) % 3;
      nrt_model_t* model = nullptr;
      const float scale = 1.0f + id, bias = static_cast<float>(iter);
      NRT_STATUS s;
      if (kind == 1) {
        s = nrt_load_from_file(kMlp, id % 2, 1, &model);
      } else {
        const std::string bytes = ScaleBiasNeff(scale, bias);
        nrt_load_options_t options{};
        options.sim_threads = kind == 2 ? 2 : 1;
        s = nrt_load_with_options(bytes.data(), bytes.size(), 0, -1, &options, &model);
      }
      if (s != NRT_SUCCESS) return error("load");
      ++loads;
      nrt_tensor_info_array_t* tensors = nullptr;
      if (nrt_get_model_tensor_info(model, &tensors) != NRT_SUCCESS || tensors->tensor_count != 2) {
        error("tensor info");
      }
      nrt_free_model_tensor_info(tensors);
      {
        Io io = kind == 1 ? Io(mlp_in.c_str(), mlp_in_bytes, mlp_out.c_str(), mlp_out_bytes)
                          : Io("x", 32, "y", 32);
        if (!io.ok()) error("loader tensors");
        for (int run = 0; io.ok() && run < 2; ++run) {
          std::vector<float> y;
          if (kind == 1) {
            if (io.Run(model, mlp_x, &y) != NRT_SUCCESS) {
              error("mlp execution");
            } else if (y != mlp_y) {
              error("mlp output differs from the single-threaded run");
            }
            continue;
          }
          std::vector<float> x(8);
          for (int i = 0; i < 8; ++i) x[i] = static_cast<float>(i - run);
          if (io.Run(model, x, &y) != NRT_SUCCESS) {
            error("scale model execution");
            continue;
          }
          for (int i = 0; i < 8; ++i) {
            if (y[i] != x[i] * scale + bias) {
              error("scale model output");
              break;
            }
          }
        }
      }
      if (nrt_unload(model) != NRT_SUCCESS) error("unload");
      if (nrt_unload(model) != NRT_INVALID_HANDLE) error("second unload");
    }
    --loaders_left;
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < kExecutors; ++t) threads.emplace_back(executor, t);
  for (int t = 0; t < kLoaders; ++t) threads.emplace_back(loader, t);
  for (std::thread& t : threads) t.join();
  for (const std::string& e : errors) ADD_FAILURE() << e;
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(loads.load(), kLoaders * kLoads);
  EXPECT_GE(shared_runs.load(), kExecutors * 5);
  EXPECT_EQ(nrt_unload(shared), NRT_SUCCESS);
}

// nrt_unload while another thread executes the model: the running execution
// completes with the right outputs, nrt_unload returns only after it, and
// the handle is dead at once.
TEST_F(NrtConcurrencyTest, UnloadWaitsForTheExecutionInFlight) {
  const Long long_neff = CalibratedLongNeff();
  const std::string& bytes = long_neff.bytes;
  const int kAdds = long_neff.adds;
  const Clock::duration one_run = long_neff.one_run;

  bool met_in_flight = false;
  for (int attempt = 0; attempt < 10 && !met_in_flight; ++attempt) {
    nrt_model_t* model = Load(bytes);
    ASSERT_NE(model, nullptr);
    Io io("x", kLongBytes, "y", kLongBytes);
    ASSERT_TRUE(io.ok());
    std::vector<float> x(kLongRows * kLongCols), y;
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 1000);
    std::atomic<bool> calling{false};
    NRT_STATUS status = NRT_FAILURE;
    nrt_execution_stats_t stats{};
    Clock::time_point called;
    std::thread executor([&] {
      called = Clock::now();
      calling = true;
      status = io.Run(model, x, &y, &stats);
    });
    while (!calling.load()) std::this_thread::yield();
    std::this_thread::sleep_for(one_run / 8);
    const Clock::time_point unload_start = Clock::now();
    ASSERT_EQ(nrt_unload(model), NRT_SUCCESS) << nrt_get_last_error();
    const Clock::time_point unloaded = Clock::now();
    // The handle is dead even while the last execution runs.
    EXPECT_EQ(nrt_unload(model), NRT_INVALID_HANDLE);
    executor.join();
    if (status == NRT_INVALID_HANDLE) continue;  // unloaded before it started: try again
    ASSERT_EQ(status, NRT_SUCCESS) << nrt_get_last_error();
    EXPECT_TRUE(AllAdded(x, y, kAdds));
    // The simulator's run began after `called` and ended before nrt_unload
    // returned.
    const auto run = std::chrono::nanoseconds(static_cast<int64_t>(stats.host_wall_ns));
    EXPECT_GE(unloaded, called + run) << "nrt_unload returned while the execution ran";
    met_in_flight = unload_start < called + run;
    Io later("x", kLongBytes, "y", kLongBytes);
    EXPECT_EQ(later.Run(model, x, &y), NRT_INVALID_HANDLE);
  }
  EXPECT_TRUE(met_in_flight) << "nrt_unload never met an execution in flight in 10 attempts";
}

// nrt_tensor_free of an input while an execution reads it: the execution
// completes with the right outputs and the tensor is freed after it.
TEST_F(NrtConcurrencyTest, FreeingATensorInUseWaitsForTheExecution) {
  const Long long_neff = CalibratedLongNeff();
  nrt_model_t* model = Load(long_neff.bytes);
  ASSERT_NE(model, nullptr);
  bool met_in_flight = false;
  for (int attempt = 0; attempt < 10 && !met_in_flight; ++attempt) {
    nrt_tensor_t *in = nullptr, *out = nullptr;
    nrt_tensor_set_t *inputs = nullptr, *outputs = nullptr;
    ASSERT_EQ(nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, kLongBytes, "x", &in),
              NRT_SUCCESS);
    ASSERT_EQ(nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, kLongBytes, "y", &out),
              NRT_SUCCESS);
    ASSERT_EQ(nrt_allocate_tensor_set(&inputs), NRT_SUCCESS);
    ASSERT_EQ(nrt_allocate_tensor_set(&outputs), NRT_SUCCESS);
    ASSERT_EQ(nrt_add_tensor_to_tensor_set(inputs, "x", in), NRT_SUCCESS);
    ASSERT_EQ(nrt_add_tensor_to_tensor_set(outputs, "y", out), NRT_SUCCESS);
    std::vector<float> x(kLongRows * kLongCols), y(x.size());
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 777);
    ASSERT_EQ(nrt_tensor_write(in, x.data(), 0, kLongBytes), NRT_SUCCESS);
    std::atomic<bool> calling{false};
    NRT_STATUS status = NRT_FAILURE;
    nrt_execution_stats_t stats{};
    Clock::time_point called;
    std::thread executor([&] {
      called = Clock::now();
      calling = true;
      status = nrt_execute_with_stats(model, inputs, outputs, &stats);
    });
    while (!calling.load()) std::this_thread::yield();
    std::this_thread::sleep_for(long_neff.one_run / 8);
    const Clock::time_point free_start = Clock::now();
    nrt_tensor_free(&in);
    const Clock::time_point freed = Clock::now();
    EXPECT_EQ(in, nullptr);
    executor.join();
    if (status == NRT_INVALID_HANDLE) {  // freed before the call resolved it: try again
      nrt_destroy_tensor_set(&inputs);
      nrt_destroy_tensor_set(&outputs);
      nrt_tensor_free(&out);
      continue;
    }
    ASSERT_EQ(status, NRT_SUCCESS);
    ASSERT_EQ(nrt_tensor_read(out, y.data(), 0, kLongBytes), NRT_SUCCESS);
    EXPECT_TRUE(AllAdded(x, y, long_neff.adds));
    const auto run = std::chrono::nanoseconds(static_cast<int64_t>(stats.host_wall_ns));
    EXPECT_GE(freed, called + run) << "nrt_tensor_free returned while the execution read it";
    met_in_flight = free_start < called + run;
    // The set still names the freed tensor: a bad handle, not a crash.
    EXPECT_EQ(nrt_execute(model, inputs, outputs), NRT_INVALID_HANDLE);
    nrt_destroy_tensor_set(&inputs);
    nrt_destroy_tensor_set(&outputs);
    nrt_tensor_free(&out);
  }
  EXPECT_TRUE(met_in_flight) << "nrt_tensor_free never met an execution in flight in 10 attempts";
  EXPECT_EQ(nrt_unload(model), NRT_SUCCESS);
}

// nrt_tensor_attach_buffer on tensors an execution is using (attached to
// the caller's memory): refused with NRT_INVALID and the tensor unchanged,
// so the execution reads and writes the buffers it started with.
TEST_F(NrtConcurrencyTest, AttachingATensorInUseIsRefused) {
  const Long long_neff = CalibratedLongNeff();
  nrt_model_t* model = Load(long_neff.bytes);
  ASSERT_NE(model, nullptr);
  nrt_tensor_t *in = nullptr, *out = nullptr;
  nrt_tensor_set_t *inputs = nullptr, *outputs = nullptr;
  ASSERT_EQ(nrt_tensor_allocate_empty(NRT_TENSOR_PLACEMENT_DEVICE, 0, "x", &in), NRT_SUCCESS);
  ASSERT_EQ(nrt_tensor_allocate_empty(NRT_TENSOR_PLACEMENT_DEVICE, 0, "y", &out), NRT_SUCCESS);
  ASSERT_EQ(nrt_allocate_tensor_set(&inputs), NRT_SUCCESS);
  ASSERT_EQ(nrt_allocate_tensor_set(&outputs), NRT_SUCCESS);
  ASSERT_EQ(nrt_add_tensor_to_tensor_set(inputs, "x", in), NRT_SUCCESS);
  ASSERT_EQ(nrt_add_tensor_to_tensor_set(outputs, "y", out), NRT_SUCCESS);
  std::vector<float> x(kLongRows * kLongCols), y(x.size()), other(x.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 555);
  ASSERT_EQ(nrt_tensor_attach_buffer(in, x.data(), kLongBytes), NRT_SUCCESS);
  bool refused = false;
  for (int attempt = 0; attempt < 10 && !refused; ++attempt) {
    ASSERT_EQ(nrt_tensor_attach_buffer(out, y.data(), kLongBytes), NRT_SUCCESS);
    std::fill(y.begin(), y.end(), -1.0f);
    std::atomic<bool> calling{false}, done{false};
    NRT_STATUS status = NRT_FAILURE;
    std::thread executor([&] {
      calling = true;
      status = nrt_execute(model, inputs, outputs);
      done = true;
    });
    while (!calling.load()) std::this_thread::yield();
    // Try to move the output elsewhere until the execution returns. Before
    // the execution has resolved its tensors an attach may succeed (then
    // this attempt proves nothing); after, every attach must be refused.
    bool moved = false, refused_now = false;
    while (!done.load() && !moved) {
      const NRT_STATUS s = nrt_tensor_attach_buffer(out, other.data(), kLongBytes);
      if (s == NRT_SUCCESS) {
        moved = true;
        break;
      }
      if (s != NRT_INVALID) {  // not ASSERT: the executor thread must be joined
        ADD_FAILURE() << nrt_get_status_as_str(s) << ": " << nrt_get_last_error();
        break;
      }
      EXPECT_NE(std::string(nrt_get_last_error()).find("'y' is in use by an execution"),
                std::string::npos)
          << nrt_get_last_error();
      refused_now = true;
      std::this_thread::sleep_for(long_neff.one_run / 16);
    }
    executor.join();
    ASSERT_EQ(status, NRT_SUCCESS) << nrt_get_last_error();
    if (refused_now && !moved) {
      refused = true;
      EXPECT_EQ(nrt_tensor_get_va(out), y.data());
      EXPECT_TRUE(AllAdded(x, y, long_neff.adds)) << "the output did not land in its buffer";
    }
  }
  EXPECT_TRUE(refused) << "nrt_tensor_attach_buffer never met an execution in flight";
  // Accepted once nothing uses the tensor.
  EXPECT_EQ(nrt_tensor_attach_buffer(out, other.data(), kLongBytes), NRT_SUCCESS);
  nrt_destroy_tensor_set(&inputs);
  nrt_destroy_tensor_set(&outputs);
  nrt_tensor_free(&in);
  nrt_tensor_free(&out);
  EXPECT_EQ(nrt_unload(model), NRT_SUCCESS);
}

// nrt_close while executions are in flight, on a model bound to one
// NeuronCore so that the other callers queue for it: the running execution
// completes with the right outputs and nrt_close returns only after it; the
// queued ones return NRT_CLOSED without running; every later call is
// NRT_CLOSED; tensors stay readable and freeable; after nrt_init the old
// handle is dead.
TEST_F(NrtConcurrencyTest, CloseWaitsForExecutionsInFlight) {
  constexpr int kCallers = 3;
  const Long long_neff = CalibratedLongNeff();
  const std::string& bytes = long_neff.bytes;
  const int kAdds = long_neff.adds;
  const Clock::duration one_run = long_neff.one_run;

  bool met_running = false, met_queued = false;
  for (int attempt = 0; attempt < 10 && !(met_running && met_queued); ++attempt) {
    if (attempt > 0) {
      ASSERT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_SUCCESS);
    }
    nrt_model_t* model = Load(bytes, /*nc_count=*/1);
    ASSERT_NE(model, nullptr);
    struct Caller {
      std::unique_ptr<Io> io;
      std::vector<float> x, y;
      NRT_STATUS status = NRT_FAILURE;
      std::string error;
      nrt_execution_stats_t stats{};
      Clock::time_point called;
    };
    std::vector<Caller> callers(kCallers);
    std::atomic<int> calling{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < kCallers; ++c) {
      Caller& caller = callers[c];
      caller.io = std::make_unique<Io>("x", kLongBytes, "y", kLongBytes);
      ASSERT_TRUE(caller.io->ok());
      caller.x.assign(kLongRows * kLongCols, static_cast<float>(c));
      threads.emplace_back([&caller, &calling, model] {
        caller.called = Clock::now();
        ++calling;
        caller.status = caller.io->Run(model, caller.x, &caller.y, &caller.stats);
        caller.error = nrt_get_last_error();
      });
    }
    while (calling.load() < kCallers) std::this_thread::yield();
    std::this_thread::sleep_for(one_run / 8);
    const Clock::time_point close_start = Clock::now();
    nrt_close();
    const Clock::time_point closed = Clock::now();

    // Every call from here on is NRT_CLOSED, even while callers finish.
    std::vector<float> y;
    Io after("x", kLongBytes, "y", kLongBytes);  // allocation fails: closed
    EXPECT_FALSE(after.ok());
    EXPECT_EQ(after.Run(model, callers[0].x, &y), NRT_INVALID_HANDLE);  // no tensors
    nrt_tensor_info_array_t* info = nullptr;
    EXPECT_EQ(nrt_get_model_tensor_info(model, &info), NRT_CLOSED);
    EXPECT_EQ(nrt_unload(model), NRT_CLOSED);
    nrt_model_t* again = nullptr;
    EXPECT_EQ(nrt_load(bytes.data(), bytes.size(), 0, 1, &again), NRT_CLOSED);
    for (std::thread& t : threads) t.join();

    for (Caller& caller : callers) {
      if (caller.status == NRT_CLOSED) {
        // Closed before it reached the NeuronCore (queued, or not yet in).
        if (caller.error.find("waiting for a NeuronCore") != std::string::npos) met_queued = true;
        // Its output tensor is still the caller's to read.
        std::vector<float> out(4);
        EXPECT_EQ(nrt_tensor_read(caller.io->output(), out.data(), 0, 16), NRT_SUCCESS);
        continue;
      }
      ASSERT_EQ(caller.status, NRT_SUCCESS) << caller.error;
      EXPECT_TRUE(AllAdded(caller.x, caller.y, kAdds));
      const auto run = std::chrono::nanoseconds(static_cast<int64_t>(caller.stats.host_wall_ns));
      EXPECT_GE(closed, caller.called + run) << "nrt_close returned while an execution ran";
      if (close_start < caller.called + run) met_running = true;
    }
    // Tensors and sets outlive the runtime; Io frees them here.
    callers.clear();
  }
  EXPECT_TRUE(met_running) << "nrt_close never met a running execution in 10 attempts";
  EXPECT_TRUE(met_queued) << "nrt_close never met a queued execution in 10 attempts";

  // After nrt_init, a handle from before nrt_close is dead.
  ASSERT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_SUCCESS);
  nrt_model_t* model = Load(ReluPlusOneNeff());
  ASSERT_NE(model, nullptr);
  nrt_close();
  ASSERT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_SUCCESS);
  EXPECT_EQ(nrt_unload(model), NRT_INVALID_HANDLE);
  Io io("x", 32, "y", 32);
  std::vector<float> y;
  EXPECT_EQ(io.Run(model, std::vector<float>(8, 1.0f), &y), NRT_INVALID_HANDLE);
}

// nrt_close while other threads keep loading, executing and unloading:
// every call returns NRT_SUCCESS or NRT_CLOSED (never a crash, a hang or
// another error), and no model outlives the runtime.
TEST_F(NrtConcurrencyTest, CloseWhileThreadsLoadExecuteAndUnload) {
  const std::string bytes = ReluPlusOneNeff();
  constexpr int kThreads = 4;
  std::atomic<int> unexpected{0}, closed_seen{0}, started{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Io io("x", 32, "y", 32);
      if (!io.ok()) {
        ++unexpected;
        return;
      }
      ++started;
      for (int iter = 0; iter < 100000; ++iter) {
        nrt_model_t* model = nullptr;
        NRT_STATUS s = nrt_load(bytes.data(), bytes.size(), t % 2, 1, &model);
        if (s == NRT_CLOSED) break;
        if (s != NRT_SUCCESS) {
          ++unexpected;
          break;
        }
        std::vector<float> x(8, static_cast<float>(iter)), y;
        s = io.Run(model, x, &y);
        if (s == NRT_SUCCESS && y[0] != x[0] + 1) ++unexpected;
        if (s != NRT_SUCCESS && s != NRT_CLOSED) ++unexpected;
        s = nrt_unload(model);
        if (s == NRT_CLOSED) break;
        if (s != NRT_SUCCESS) ++unexpected;
      }
      ++closed_seen;
    });
  }
  while (started.load() < kThreads) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  nrt_close();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(closed_seen.load(), kThreads);
}

// ---- Several NeuronCores: pipelined and exclusive models ----

namespace tp = ncc::runtime::test_pipelines;

// nrt_close, then nrt_init with NEURON_RT_SIM_CORES=`cores`.
void InitWithSimCores(const char* cores) {
  nrt_close();
  setenv("NEURON_RT_SIM_CORES", cores, 1);
  ASSERT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_SUCCESS) << nrt_get_last_error();
  unsetenv("NEURON_RT_SIM_CORES");
}

nrt_model_t* LoadAt(const std::string& bytes, int32_t start_nc, int32_t nc_count) {
  nrt_model_t* model = nullptr;
  EXPECT_EQ(nrt_load(bytes.data(), bytes.size(), start_nc, nc_count, &model), NRT_SUCCESS)
      << nrt_get_last_error();
  return model;
}

// 8 threads executing at once, each 20 times, alternating between models
// `a` and `b` (f32 [2, 4] "x" -> "y"), on the inputs x_of(thread, iteration);
// right(first, x, y, stats) says whether one execution (`first`: of `a`)
// gave the right outputs and ran where it should.
template <typename XOf, typename Right>
void AlternateFromEightThreads(nrt_model_t* a, nrt_model_t* b, XOf x_of, Right right) {
  constexpr int kThreads = 8, kIters = 20;
  std::atomic<int> bad{0}, runs{0};
  auto worker = [&](int id) {
    Io io("x", 32, "y", 32);
    if (!io.ok()) {
      ++bad;
      return;
    }
    for (int iter = 0; iter < kIters; ++iter) {
      const bool first = (id + iter) % 2 == 0;
      const std::vector<float> x = x_of(id, iter);
      std::vector<float> y;
      nrt_execution_stats_t stats{};
      if (io.Run(first ? a : b, x, &y, &stats) != NRT_SUCCESS) {
        ++bad;
        continue;
      }
      if (!right(first, x, y, stats)) ++bad;
      ++runs;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(runs.load(), kThreads * kIters);
}

// A model holding NeuronCore 0 exclusively (a one-stage pipeline) and a
// streaming model on NeuronCore 1, executed by 8 threads at once, each
// alternating between them: every output is right, each model runs on its
// own core.
TEST_F(NrtConcurrencyTest, TwoModelsOnTwoCoresFromEightThreads) {
  const std::string one_stage =
      tp::PipelineNeff({"x"}, {"y"}, {{tp::ScaleBiasNeff(2, 1), {{-1, 0}}}}, {{0, 0}});
  nrt_model_t* exclusive = LoadAt(one_stage, 0, -1);
  nrt_model_t* streaming = LoadAt(ScaleBiasNeff(3, -1), 1, 1);
  ASSERT_NE(exclusive, nullptr);
  ASSERT_NE(streaming, nullptr);
  AlternateFromEightThreads(
      exclusive, streaming,
      [](int id, int iter) {
        std::vector<float> x(8);
        for (int i = 0; i < 8; ++i) x[i] = 100.0f * id + iter + 0.5f * i;
        return x;
      },
      [](bool first, const std::vector<float>& x, const std::vector<float>& y,
         const nrt_execution_stats_t& stats) {
        if (stats.neuron_core != (first ? 0 : 1)) return false;
        for (int i = 0; i < 8; ++i) {
          if (y[i] != (first ? 2 * x[i] + 1 : 3 * x[i] - 1)) return false;
        }
        return true;
      });
  EXPECT_EQ(nrt_unload(exclusive), NRT_SUCCESS);
  EXPECT_EQ(nrt_unload(streaming), NRT_SUCCESS);
}

// Two pipelined models over four NeuronCores (0-1 and 2-3), executed by 8
// threads at once: every output is that of the stages.
TEST_F(NrtConcurrencyTest, TwoPipelinesFromEightThreads) {
  InitWithSimCores("4");
  nrt_model_t* a = LoadAt(tp::TwoStagePipeline(), 0, -1);  // y = 6x + 2
  const std::string b_bytes =
      tp::PipelineNeff({"x"}, {"y"},
                       {{tp::ScaleBiasNeff(0.5f, 0, 2, 4, "x", "h"), {{-1, 0}}},
                        {tp::ScaleBiasNeff(4, 3, 2, 4, "h", "y"), {{0, 0}}}},
                       {{1, 0}});  // y = 2x + 3
  nrt_model_t* b = LoadAt(b_bytes, 2, -1);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  AlternateFromEightThreads(
      a, b,
      [](int id, int iter) {
        std::vector<float> x(8);
        for (int i = 0; i < 8; ++i) x[i] = 10.0f * id - iter + i;
        return x;
      },
      [](bool first, const std::vector<float>& x, const std::vector<float>& y,
         const nrt_execution_stats_t& stats) {
        if (stats.num_stages != 2 || stats.stage_neuron_core[1] != (first ? 1 : 3)) return false;
        for (int i = 0; i < 8; ++i) {
          if (y[i] != (first ? 6 * x[i] + 2 : 2 * x[i] + 3)) return false;
        }
        return true;
      });
  EXPECT_EQ(nrt_unload(a), NRT_SUCCESS);
  EXPECT_EQ(nrt_unload(b), NRT_SUCCESS);
}

// The simulator behind a probe: in a two-stage pipeline, the first stage-1
// execution (on NeuronCore 1) waits, inside its execution, until a second
// stage-0 execution (the other request's) has begun on NeuronCore 0. That
// happens only if nrt_execute holds just the current stage's core: were
// executions serialised (or core 0 held through stage 1), the wait would
// time out. Registered over the "simulator" kind for one test.
struct OverlapProbe {
  std::mutex mu;
  std::condition_variable cv;
  int stage0_started = 0;  // executions begun on core 0
  bool waited = false;     // the first core-1 execution has waited
  int overlaps = 0, timeouts = 0;
};
OverlapProbe* probe = nullptr;

class ProbedDevice : public ncc::runtime::Device {
 public:
  explicit ProbedDevice(int core) : core_(core), sim_(core) {}
  absl::StatusOr<std::shared_ptr<const ncc::runtime::Program>> Load(
      const neff::Model& model, const ncc::runtime::ProgramOptions& options) override {
    return sim_.Load(model, options);
  }
  absl::Status Execute(const ncc::runtime::Program& program,
                       absl::Span<const absl::Span<const uint8_t>> inputs,
                       absl::Span<const absl::Span<uint8_t>> outputs,
                       ncc::runtime::ExecutionTiming* timing) override {
    if (probe != nullptr && core_ == 0) {
      std::lock_guard<std::mutex> lock(probe->mu);
      ++probe->stage0_started;
      probe->cv.notify_all();
    }
    if (probe != nullptr && core_ == 1) {
      std::unique_lock<std::mutex> lock(probe->mu);
      if (!probe->waited) {
        probe->waited = true;
        const bool met = probe->cv.wait_for(lock, std::chrono::seconds(30),
                                            [] { return probe->stage0_started >= 2; });
        ++(met ? probe->overlaps : probe->timeouts);
      }
    }
    return sim_.Execute(program, inputs, outputs, timing);
  }

 private:
  int core_;
  ncc::sim::SimDevice sim_;
};

void UseSimulatorDevices(bool probed) {
  ncc::runtime::RegisterDeviceKind(ncc::sim::kSimulatorDeviceKind,
                                   [probed](int core) -> std::unique_ptr<ncc::runtime::Device> {
                                     if (probed) return std::make_unique<ProbedDevice>(core);
                                     return std::make_unique<ncc::sim::SimDevice>(core);
                                   });
}

TEST_F(NrtConcurrencyTest, AnotherRequestsStageZeroRunsDuringStageOne) {
  OverlapProbe overlap;
  nrt_close();
  UseSimulatorDevices(true);
  ASSERT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_SUCCESS);  // cores made now
  probe = &overlap;
  nrt_model_t* model = LoadAt(tp::TwoStagePipeline(), 0, -1);
  ASSERT_NE(model, nullptr);
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      Io io("x", 32, "y", 32);
      std::vector<float> x(8, static_cast<float>(t + 1)), y;
      if (io.Run(model, x, &y) != NRT_SUCCESS || y[0] != 6 * x[0] + 2) ++bad;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(nrt_unload(model), NRT_SUCCESS);
  nrt_close();
  probe = nullptr;
  UseSimulatorDevices(false);
  ASSERT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_SUCCESS);
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(overlap.overlaps, 1);
  EXPECT_EQ(overlap.timeouts, 0) << "the second request's stage 0 waited for the first's stage 1";
}

// Unloading a pipelined model while threads execute it: each execution
// either returns its right outputs or NRT_INVALID_HANDLE; the cores are
// free again afterwards, and the model loads there again.
TEST_F(NrtConcurrencyTest, UnloadAndReloadAPipelineWhileThreadsExecuteIt) {
  const std::string bytes = tp::TwoStagePipeline();
  for (int round = 0; round < 5; ++round) {
    nrt_model_t* model = LoadAt(bytes, 0, -1);
    ASSERT_NE(model, nullptr);
    std::atomic<int> bad{0}, started{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        Io io("x", 32, "y", 32);
        ++started;
        for (int iter = 0; iter < 200; ++iter) {
          std::vector<float> x(8, static_cast<float>(t * 1000 + iter)), y;
          const NRT_STATUS s = io.Run(model, x, &y);
          if (s == NRT_INVALID_HANDLE) break;
          if (s != NRT_SUCCESS || y[3] != 6 * x[3] + 2) ++bad;
        }
      });
    }
    while (started.load() < 4) std::this_thread::yield();
    EXPECT_EQ(nrt_unload(model), NRT_SUCCESS);
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(bad.load(), 0);
    // Both cores are free: a streaming model may use them.
    nrt_model_t* streaming = LoadAt(ScaleBiasNeff(1, 0), 0, 2);
    ASSERT_NE(streaming, nullptr);
    EXPECT_EQ(nrt_unload(streaming), NRT_SUCCESS);
  }
}

// nrt_close while threads load, execute and unload pipelined models on
// their own cores: every call returns NRT_SUCCESS or NRT_CLOSED, and the
// next nrt_init starts with every core free.
TEST_F(NrtConcurrencyTest, CloseWhileThreadsLoadAndRunPipelines) {
  InitWithSimCores("8");
  const std::string bytes = tp::TwoStagePipeline();
  constexpr int kThreads = 4;
  std::atomic<int> unexpected{0}, started{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Io io("x", 32, "y", 32);
      ++started;
      for (int iter = 0; iter < 100000; ++iter) {
        nrt_model_t* model = nullptr;
        NRT_STATUS s = nrt_load(bytes.data(), bytes.size(), 2 * t, -1, &model);
        if (s == NRT_CLOSED) break;
        if (s != NRT_SUCCESS) {
          ++unexpected;
          break;
        }
        std::vector<float> x(8, static_cast<float>(iter)), y;
        s = io.Run(model, x, &y);
        if (s == NRT_SUCCESS && y[0] != 6 * x[0] + 2) ++unexpected;
        if (s != NRT_SUCCESS && s != NRT_CLOSED) ++unexpected;
        s = nrt_unload(model);
        if (s == NRT_CLOSED) break;
        if (s != NRT_SUCCESS) ++unexpected;
      }
    });
  }
  while (started.load() < kThreads) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  nrt_close();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  InitWithSimCores("8");
  nrt_core_info_array_t* info = nullptr;
  ASSERT_EQ(nrt_get_core_info(&info), NRT_SUCCESS);
  for (uint32_t c = 0; c < info->core_count; ++c) EXPECT_EQ(info->cores[c].model_count, 0u) << c;
  nrt_free_core_info(info);
}

}  // namespace
