#include "runtime/nrt.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "neff/test_builder.h"
#include "runtime/scoped_env.h"

namespace {

using namespace neff::test_builder;  // NOLINT: the builder's small vocabulary
using neff::DType;
using neff::EngineType;

class NrtTest : public ::testing::Test {
 protected:
  // The NEFFs here come from neff::test_builder, which does not seal them:
  // the tests ask for unsealed loading explicitly (UnsealedNeffsLoadOnlyWhenAllowed
  // checks what happens without it).
  void SetUp() override {
    setenv("NEURON_RT_ALLOW_UNSEALED", "1", 1);
    ASSERT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_SUCCESS);
  }
  void TearDown() override {
    nrt_close();
    unsetenv("NEURON_RT_ALLOW_UNSEALED");
  }

  nrt_model_t* Load(const std::string& bytes) {
    nrt_model_t* model = nullptr;
    NRT_STATUS s = nrt_load(bytes.data(), bytes.size(), 0, -1, &model);
    EXPECT_EQ(s, NRT_SUCCESS) << nrt_get_last_error();
    return model;
  }
};

TEST_F(NrtTest, StatusNames) {
  EXPECT_STREQ(nrt_get_status_as_str(NRT_SUCCESS), "NRT_SUCCESS");
  EXPECT_STREQ(nrt_get_status_as_str(NRT_LOAD_NEFF_FAIL), "NRT_LOAD_NEFF_FAIL");
  EXPECT_STREQ(nrt_get_status_as_str(static_cast<NRT_STATUS>(999)), "NRT_UNKNOWN_STATUS");
}

TEST_F(NrtTest, FullLifecycle) {
  nrt_model_t* model = Load(ReluPlusOneNeff());
  ASSERT_NE(model, nullptr);

  nrt_tensor_info_array_t* info = nullptr;
  ASSERT_EQ(nrt_get_model_tensor_info(model, &info), NRT_SUCCESS);
  ASSERT_EQ(info->tensor_count, 2u);
  const nrt_tensor_info_t& x = info->tensor_array[0];
  const nrt_tensor_info_t& y = info->tensor_array[1];
  EXPECT_STREQ(x.name, "x");
  EXPECT_EQ(x.usage, NRT_TENSOR_USAGE_INPUT);
  EXPECT_EQ(x.dtype, NRT_DTYPE_FLOAT32);
  EXPECT_EQ(x.size, 32u);
  ASSERT_EQ(x.ndim, 2u);
  EXPECT_EQ(x.shape[0], 2);
  EXPECT_EQ(x.shape[1], 4);
  EXPECT_STREQ(y.name, "y");
  EXPECT_EQ(y.usage, NRT_TENSOR_USAGE_OUTPUT);
  ASSERT_EQ(nrt_free_model_tensor_info(info), NRT_SUCCESS);

  nrt_tensor_t *in = nullptr, *out = nullptr;
  ASSERT_EQ(nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, 32, "x", &in), NRT_SUCCESS);
  ASSERT_EQ(nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, 32, "y", &out), NRT_SUCCESS);
  EXPECT_EQ(nrt_tensor_get_size(in), 32u);
  const float xs[8] = {-2, -1, 0, 1, 2, 3, -0.5f, 0.5f};
  ASSERT_EQ(nrt_tensor_write(in, xs, 0, sizeof xs), NRT_SUCCESS);
  nrt_tensor_set_t *inputs = nullptr, *outputs = nullptr;
  ASSERT_EQ(nrt_allocate_tensor_set(&inputs), NRT_SUCCESS);
  ASSERT_EQ(nrt_allocate_tensor_set(&outputs), NRT_SUCCESS);
  ASSERT_EQ(nrt_add_tensor_to_tensor_set(inputs, "x", in), NRT_SUCCESS);
  ASSERT_EQ(nrt_add_tensor_to_tensor_set(outputs, "y", out), NRT_SUCCESS);
  nrt_tensor_t* found = nullptr;
  ASSERT_EQ(nrt_get_tensor_from_tensor_set(inputs, "x", &found), NRT_SUCCESS);
  EXPECT_EQ(found, in);
  EXPECT_EQ(nrt_get_tensor_from_tensor_set(inputs, "nope", &found), NRT_INVALID);

  nrt_execution_stats_t stats;
  ASSERT_EQ(nrt_execute_with_stats(model, inputs, outputs, &stats), NRT_SUCCESS)
      << nrt_get_last_error();
  float ys[8];
  ASSERT_EQ(nrt_tensor_read(out, ys, 0, sizeof ys), NRT_SUCCESS);
  const float expected[8] = {1, 1, 1, 2, 3, 4, 1, 1.5f};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(ys[i], expected[i]) << i;
  EXPECT_GT(stats.estimated_latency_ns, 0);
  EXPECT_GT(stats.dma_busy_ns, 0);
  EXPECT_GT(stats.scalar_busy_ns, 0);
  EXPECT_EQ(stats.dma_instructions, 2u);
  EXPECT_EQ(stats.vector_instructions, 1u);
  EXPECT_EQ(stats.tensor_instructions, 0u);
  EXPECT_EQ(stats.dma_bytes, 64u);
  EXPECT_EQ(nrt_execute(model, inputs, outputs), NRT_SUCCESS);

  EXPECT_EQ(nrt_tensor_read(out, ys, 30, 4), NRT_INVALID);
  EXPECT_NE(std::string(nrt_get_last_error()).find("cannot read 4 at offset 30"),
            std::string::npos);

  nrt_destroy_tensor_set(&inputs);
  nrt_destroy_tensor_set(&outputs);
  EXPECT_EQ(inputs, nullptr);
  nrt_tensor_free(&in);
  nrt_tensor_free(&out);
  EXPECT_EQ(in, nullptr);
  EXPECT_EQ(nrt_unload(model), NRT_SUCCESS);
  EXPECT_EQ(nrt_unload(model), NRT_INVALID_HANDLE);
}

TEST_F(NrtTest, UnsealedNeffsLoadOnlyWhenAllowed) {
  unsetenv("NEURON_RT_ALLOW_UNSEALED");
  const std::string bytes = ReluPlusOneNeff();
  nrt_model_t* model = nullptr;
  EXPECT_EQ(nrt_load(bytes.data(), bytes.size(), 0, 1, &model), NRT_LOAD_NEFF_FAIL);
  EXPECT_EQ(model, nullptr);
  EXPECT_NE(std::string(nrt_get_last_error()).find("is not sealed"), std::string::npos)
      << nrt_get_last_error();
  nrt_load_options_t options{};
  options.allow_unsealed = 1;
  ASSERT_EQ(nrt_load_with_options(bytes.data(), bytes.size(), 0, 1, &options, &model), NRT_SUCCESS)
      << nrt_get_last_error();
  nrt_unload(model);
  setenv("NEURON_RT_ALLOW_UNSEALED", "1", 1);
  ASSERT_EQ(nrt_load(bytes.data(), bytes.size(), 0, 1, &model), NRT_SUCCESS);
  nrt_unload(model);
}

// Tensor names of any length round-trip through nrt_tensor_info_t (it used
// to truncate them to 255 bytes, so a model with a long name could not run).
TEST_F(NrtTest, TensorNamesOfAnyLength) {
  const std::string x(300, 'x'), y = std::string(5000, 'y') + "!";
  NeffBuilder b;
  b.set_dram_size(64);
  b.AddInput(x, DType::F32, {8}, 0);
  b.AddOutput(y, DType::F32, {8}, 32);
  int dma = b.AddQueue(EngineType::DMA);
  b.Add(dma, DmaCopy(Dram(32, 1, 0, {{1, 8}}), Dram(0, 1, 0, {{1, 8}})));
  nrt_model_t* model = Load(b.Build());
  ASSERT_NE(model, nullptr);
  nrt_tensor_info_array_t* info = nullptr;
  ASSERT_EQ(nrt_get_model_tensor_info(model, &info), NRT_SUCCESS);
  ASSERT_EQ(info->tensor_count, 2u);
  EXPECT_EQ(info->tensor_array[0].name, x);
  EXPECT_EQ(info->tensor_array[1].name, y);
  nrt_tensor_set_t *inputs = nullptr, *outputs = nullptr;
  nrt_tensor_t *in = nullptr, *out = nullptr;
  ASSERT_EQ(nrt_allocate_tensor_set(&inputs), NRT_SUCCESS);
  ASSERT_EQ(nrt_allocate_tensor_set(&outputs), NRT_SUCCESS);
  ASSERT_EQ(nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, 32, x.c_str(), &in), NRT_SUCCESS);
  ASSERT_EQ(nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, 32, y.c_str(), &out), NRT_SUCCESS);
  const float xs[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  ASSERT_EQ(nrt_tensor_write(in, xs, 0, sizeof xs), NRT_SUCCESS);
  // The names exactly as the info reported them.
  ASSERT_EQ(nrt_add_tensor_to_tensor_set(inputs, info->tensor_array[0].name, in), NRT_SUCCESS);
  ASSERT_EQ(nrt_add_tensor_to_tensor_set(outputs, info->tensor_array[1].name, out), NRT_SUCCESS);
  EXPECT_EQ(nrt_execute(model, inputs, outputs), NRT_SUCCESS) << nrt_get_last_error();
  float ys[8] = {};
  ASSERT_EQ(nrt_tensor_read(out, ys, 0, sizeof ys), NRT_SUCCESS);
  EXPECT_EQ(ys[7], 8);
  nrt_free_model_tensor_info(info);
  nrt_destroy_tensor_set(&inputs);
  nrt_destroy_tensor_set(&outputs);
  nrt_tensor_free(&in);
  nrt_tensor_free(&out);
  nrt_unload(model);
}

// Names come from the file: errors quote them escaped, on one line.
TEST_F(NrtTest, ErrorsEscapeModelNames) {
  NeffBuilder b;
  b.set_dram_size(64);
  b.AddInput("x\x1b[2J\nrm", DType::F32, {8}, 0);
  b.AddOutput("y", DType::F32, {8}, 32);
  int dma = b.AddQueue(EngineType::DMA);
  b.Add(dma, DmaCopy(Dram(32, 1, 0, {{1, 8}}), Dram(0, 1, 0, {{1, 8}})));
  nrt_model_t* model = Load(b.Build());
  ASSERT_NE(model, nullptr);
  nrt_tensor_set_t *inputs = nullptr, *outputs = nullptr;
  ASSERT_EQ(nrt_allocate_tensor_set(&inputs), NRT_SUCCESS);
  ASSERT_EQ(nrt_allocate_tensor_set(&outputs), NRT_SUCCESS);
  EXPECT_EQ(nrt_execute(model, inputs, outputs), NRT_EXEC_BAD_INPUT);
  const std::string error = nrt_get_last_error();
  EXPECT_NE(error.find("model input 'x\\x1b[2J\\x0arm'"), std::string::npos) << error;
  EXPECT_EQ(error.find_first_of("\x1b\n"), std::string::npos) << error;
  nrt_destroy_tensor_set(&inputs);
  nrt_destroy_tensor_set(&outputs);
  nrt_unload(model);
}

TEST_F(NrtTest, MissingAndMissizedInputs) {
  nrt_model_t* model = Load(ReluPlusOneNeff());
  nrt_tensor_t *small = nullptr, *out = nullptr;
  nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, 16, "x", &small);
  nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, 32, "y", &out);
  nrt_tensor_set_t *inputs = nullptr, *outputs = nullptr;
  nrt_allocate_tensor_set(&inputs);
  nrt_allocate_tensor_set(&outputs);
  nrt_add_tensor_to_tensor_set(outputs, "y", out);

  EXPECT_EQ(nrt_execute(model, inputs, outputs), NRT_EXEC_BAD_INPUT);
  std::string err = nrt_get_last_error();
  EXPECT_NE(err.find("model input 'x' (float32[2, 4]) is missing"), std::string::npos) << err;

  nrt_add_tensor_to_tensor_set(inputs, "x", small);
  EXPECT_EQ(nrt_execute(model, inputs, outputs), NRT_EXEC_BAD_INPUT);
  err = nrt_get_last_error();
  EXPECT_NE(err.find("input 'x' is 16 bytes but the model expects 32"), std::string::npos) << err;

  // A tensor freed while still in a set is a bad handle, not a crash.
  nrt_tensor_free(&small);
  EXPECT_EQ(nrt_execute(model, inputs, outputs), NRT_INVALID_HANDLE);

  nrt_destroy_tensor_set(&inputs);
  nrt_destroy_tensor_set(&outputs);
  nrt_tensor_free(&out);
  nrt_unload(model);
}

TEST_F(NrtTest, RejectsTruncatedAndCorruptNeffs) {
  const std::string good = ReluPlusOneNeff();
  for (size_t keep :
       {size_t{0}, size_t{3}, size_t{8}, good.size() / 3, good.size() / 2, good.size() - 1}) {
    nrt_model_t* model = reinterpret_cast<nrt_model_t*>(0x1);
    EXPECT_EQ(nrt_load(good.data(), keep, 0, 1, &model), NRT_LOAD_NEFF_FAIL) << "kept " << keep;
    EXPECT_EQ(model, nullptr);
    EXPECT_NE(std::string(nrt_get_last_error()), "");
  }
  // Flipped bytes anywhere: either rejected or a model that verifies; never a
  // crash (run under the sanitizers via --config=asan where available).
  for (size_t i = 0; i < good.size(); i += 7) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    nrt_model_t* model = nullptr;
    if (nrt_load(bad.data(), bad.size(), 0, 1, &model) == NRT_SUCCESS) {
      nrt_unload(model);
    }
  }
  const std::string junk = "definitely not a NEFF file";
  nrt_model_t* model = nullptr;
  EXPECT_EQ(nrt_load(junk.data(), junk.size(), 0, 1, &model), NRT_LOAD_NEFF_FAIL);
  EXPECT_NE(std::string(nrt_get_last_error()).find("identifier"), std::string::npos);
}

TEST_F(NrtTest, RejectsProgramsThatFailVerification) {
  NeffBuilder b;
  b.set_dram_size(16);
  int dma = b.AddQueue(EngineType::DMA);
  b.Add(dma, DmaCopy(Sbuf(0, 1, 0, {{1, 64}}), Dram(0, 1, 0, {{1, 64}})));
  const std::string bytes = b.Build();
  nrt_model_t* model = nullptr;
  EXPECT_EQ(nrt_load(bytes.data(), bytes.size(), 0, 1, &model), NRT_LOAD_NEFF_FAIL);
  EXPECT_NE(
      std::string(nrt_get_last_error()).find("NEFF verify: queue DMA[0] instruction 0 (DMA_COPY)"),
      std::string::npos)
      << nrt_get_last_error();

  NeffBuilder newer;
  newer.set_version_major(99);
  const std::string nb = newer.Build();
  EXPECT_EQ(nrt_load(nb.data(), nb.size(), 0, 1, &model), NRT_UNSUPPORTED_NEFF_VERSION);
}

TEST_F(NrtTest, LoadFromMissingFile) {
  nrt_model_t* model = nullptr;
  EXPECT_EQ(nrt_load_from_file("/nonexistent/model.neff", 0, 1, &model), NRT_LOAD_NEFF_FAIL);
  EXPECT_NE(std::string(nrt_get_last_error()).find("/nonexistent/model.neff"), std::string::npos);
}

TEST_F(NrtTest, DeadlockIsRejectedAtLoad) {
  NeffBuilder b;
  b.set_dram_size(16);
  int vec = b.AddQueue(EngineType::VECTOR);
  b.Add(vec, Memset(Sbuf(0, 1, 0, {{1, 4}}), 0.0f).Wait(0, 1));
  const std::string bytes = b.Build();
  nrt_model_t* model = nullptr;
  EXPECT_EQ(nrt_load(bytes.data(), bytes.size(), 0, 1, &model), NRT_LOAD_NEFF_FAIL);
  EXPECT_EQ(model, nullptr);
  EXPECT_NE(std::string(nrt_get_last_error())
                .find("queue VECTOR[0] instruction 0 (MEMSET): waits for "
                      "semaphore 0 >= 1 but it can only reach 0"),
            std::string::npos)
      << nrt_get_last_error();
}

TEST_F(NrtTest, ClosedAndBadArguments) {
  nrt_model_t* model = nullptr;
  const std::string bytes = ReluPlusOneNeff();
  EXPECT_EQ(nrt_load(bytes.data(), bytes.size(), 0, 3, &model), NRT_INVALID);
  EXPECT_NE(std::string(nrt_get_last_error()).find("nc_count 3 from start_nc 0"), std::string::npos)
      << nrt_get_last_error();
  EXPECT_EQ(nrt_load(bytes.data(), bytes.size(), 2, 1, &model), NRT_INVALID);
  EXPECT_NE(
      std::string(nrt_get_last_error()).find("start_nc 2 is out of range: 2 NeuronCore(s) visible"),
      std::string::npos)
      << nrt_get_last_error();
  EXPECT_EQ(nrt_load(bytes.data(), bytes.size(), 1, 0, &model), NRT_INVALID);
  EXPECT_EQ(nrt_load(nullptr, 10, 0, 1, &model), NRT_INVALID);
  EXPECT_EQ(nrt_unload(nullptr), NRT_INVALID_HANDLE);
  nrt_close();
  EXPECT_EQ(nrt_load(bytes.data(), bytes.size(), 0, 1, &model), NRT_CLOSED);
  ASSERT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_PYTORCH, "2.1", "1.0"), NRT_SUCCESS);
}

// Tensors over caller-owned memory (nrt_tensor_allocate_empty +
// nrt_tensor_attach_buffer).

// One execution of a one-input, one-output model; each side copied through
// an allocated tensor or attached to the caller's vector. Returns the
// output: read back from a copied one, and straight from the caller's
// vector, written in place by the execution, for an attached one.
std::vector<float> RunOnce(nrt_model_t* model, const char* x_name, std::vector<float> x,
                           bool attach_x, const char* y_name, size_t y_bytes, bool attach_y) {
  std::vector<float> y(y_bytes / sizeof(float), -12345.0f);
  nrt_tensor_t *in = nullptr, *out = nullptr;
  const size_t x_bytes = x.size() * sizeof(float);
  if (attach_x) {
    EXPECT_EQ(nrt_tensor_allocate_empty(NRT_TENSOR_PLACEMENT_DEVICE, 0, x_name, &in), NRT_SUCCESS);
    EXPECT_EQ(nrt_tensor_attach_buffer(in, x.data(), x_bytes), NRT_SUCCESS);
    EXPECT_EQ(nrt_tensor_get_va(in), x.data());
  } else {
    EXPECT_EQ(nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, x_bytes, x_name, &in),
              NRT_SUCCESS);
    EXPECT_EQ(nrt_tensor_write(in, x.data(), 0, x_bytes), NRT_SUCCESS);
  }
  if (attach_y) {
    EXPECT_EQ(nrt_tensor_allocate_empty(NRT_TENSOR_PLACEMENT_DEVICE, 0, y_name, &out), NRT_SUCCESS);
    EXPECT_EQ(nrt_tensor_attach_buffer(out, y.data(), y_bytes), NRT_SUCCESS);
  } else {
    EXPECT_EQ(nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, y_bytes, y_name, &out),
              NRT_SUCCESS);
  }
  const std::vector<float> original = x;
  nrt_tensor_set_t *inputs = nullptr, *outputs = nullptr;
  nrt_allocate_tensor_set(&inputs);
  nrt_allocate_tensor_set(&outputs);
  nrt_add_tensor_to_tensor_set(inputs, x_name, in);
  nrt_add_tensor_to_tensor_set(outputs, y_name, out);
  EXPECT_EQ(nrt_execute(model, inputs, outputs), NRT_SUCCESS) << nrt_get_last_error();
  if (!attach_y) {
    EXPECT_EQ(nrt_tensor_read(out, y.data(), 0, y_bytes), NRT_SUCCESS);
  }
  if (attach_x) {
    EXPECT_EQ(x, original) << "an attached input was written";
  }
  nrt_destroy_tensor_set(&inputs);
  nrt_destroy_tensor_set(&outputs);
  nrt_tensor_free(&in);
  nrt_tensor_free(&out);
  return y;
}

TEST_F(NrtTest, AttachedTensorsGiveTheResultsOfCopiedOnes) {
  nrt_model_t* model = Load(ReluPlusOneNeff());
  ASSERT_NE(model, nullptr);
  const std::vector<float> x = {-2, -1, 0, 1, 2, 3, -0.5f, 0.5f};
  const std::vector<float> expected = {1, 1, 1, 2, 3, 4, 1, 1.5f};
  for (bool attach_x : {false, true}) {
    for (bool attach_y : {false, true}) {
      EXPECT_EQ(RunOnce(model, "x", x, attach_x, "y", 32, attach_y), expected)
          << "attached input " << attach_x << ", attached output " << attach_y;
    }
  }
  nrt_unload(model);
}

// The compiled MLP (a sealed neuron-cc NEFF, as the fuzz corpus holds it).
TEST_F(NrtTest, AttachedTensorsOnACompiledNeff) {
  nrt_model_t* model = nullptr;
  ASSERT_EQ(nrt_load_from_file("runtime/fuzz/corpus/mlp.neff", 0, -1, &model), NRT_SUCCESS)
      << nrt_get_last_error();
  nrt_tensor_info_array_t* info = nullptr;
  ASSERT_EQ(nrt_get_model_tensor_info(model, &info), NRT_SUCCESS);
  ASSERT_EQ(info->tensor_count, 2u);
  const std::string x_name = info->tensor_array[0].name, y_name = info->tensor_array[1].name;
  const size_t x_bytes = info->tensor_array[0].size, y_bytes = info->tensor_array[1].size;
  nrt_free_model_tensor_info(info);
  std::vector<float> x(x_bytes / sizeof(float));
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.01f * static_cast<float>(i % 97) - 0.4f;
  const std::vector<float> copied =
      RunOnce(model, x_name.c_str(), x, false, y_name.c_str(), y_bytes, false);
  ASSERT_EQ(copied.size(), y_bytes / sizeof(float));
  bool nonzero = false;
  for (float v : copied) nonzero |= v != 0;
  EXPECT_TRUE(nonzero);
  EXPECT_EQ(RunOnce(model, x_name.c_str(), x, true, y_name.c_str(), y_bytes, false), copied);
  EXPECT_EQ(RunOnce(model, x_name.c_str(), x, false, y_name.c_str(), y_bytes, true), copied);
  EXPECT_EQ(RunOnce(model, x_name.c_str(), x, true, y_name.c_str(), y_bytes, true), copied);
  nrt_unload(model);
}

// One tensor re-attached to new buffers between executions, as a framework
// does per call; each output lands in the buffer attached at the time.
TEST_F(NrtTest, ReattachingBetweenExecutions) {
  nrt_model_t* model = Load(ReluPlusOneNeff());
  ASSERT_NE(model, nullptr);
  nrt_tensor_t *in = nullptr, *out = nullptr;
  ASSERT_EQ(nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, 32, "x", &in), NRT_SUCCESS);
  ASSERT_EQ(nrt_tensor_allocate_empty(NRT_TENSOR_PLACEMENT_DEVICE, 0, "y", &out), NRT_SUCCESS);
  nrt_tensor_set_t *inputs = nullptr, *outputs = nullptr;
  nrt_allocate_tensor_set(&inputs);
  nrt_allocate_tensor_set(&outputs);
  nrt_add_tensor_to_tensor_set(inputs, "x", in);
  nrt_add_tensor_to_tensor_set(outputs, "y", out);
  float x1[8] = {1, 2, 3, 4, 5, 6, 7, 8}, x2[8] = {-1, -2, -3, -4, 10, 20, 30, 40};
  float y1[8] = {}, y2[8] = {};
  // Replaces the allocated input's own memory (released, not leaked: LSan).
  ASSERT_EQ(nrt_tensor_attach_buffer(in, x1, sizeof x1), NRT_SUCCESS);
  ASSERT_EQ(nrt_tensor_attach_buffer(out, y1, sizeof y1), NRT_SUCCESS);
  ASSERT_EQ(nrt_execute(model, inputs, outputs), NRT_SUCCESS) << nrt_get_last_error();
  ASSERT_EQ(nrt_tensor_attach_buffer(in, x2, sizeof x2), NRT_SUCCESS);
  ASSERT_EQ(nrt_tensor_attach_buffer(out, y2, sizeof y2), NRT_SUCCESS);
  ASSERT_EQ(nrt_execute(model, inputs, outputs), NRT_SUCCESS) << nrt_get_last_error();
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(y1[i], std::max(x1[i], 0.0f) + 1) << i;
    EXPECT_EQ(y2[i], std::max(x2[i], 0.0f) + 1) << i;
  }
  nrt_destroy_tensor_set(&inputs);
  nrt_destroy_tensor_set(&outputs);
  nrt_tensor_free(&in);
  nrt_tensor_free(&out);
  nrt_unload(model);
}

TEST_F(NrtTest, ReadWriteAndSizeOfAttachedTensors) {
  nrt_tensor_t* t = nullptr;
  ASSERT_EQ(nrt_tensor_allocate_empty(NRT_TENSOR_PLACEMENT_HOST, 0, "t", &t), NRT_SUCCESS);
  EXPECT_EQ(nrt_tensor_get_size(t), 0u);
  EXPECT_EQ(nrt_tensor_get_va(t), nullptr);
  uint8_t byte = 0;
  EXPECT_EQ(nrt_tensor_read(t, &byte, 0, 0), NRT_SUCCESS);
  EXPECT_EQ(nrt_tensor_read(t, &byte, 0, 1), NRT_INVALID);

  uint8_t buffer[16];
  for (int i = 0; i < 16; ++i) buffer[i] = static_cast<uint8_t>(i);
  ASSERT_EQ(nrt_tensor_attach_buffer(t, buffer, sizeof buffer), NRT_SUCCESS);
  EXPECT_EQ(nrt_tensor_get_size(t), 16u);
  EXPECT_EQ(nrt_tensor_get_va(t), buffer);
  uint8_t got[4] = {};
  ASSERT_EQ(nrt_tensor_read(t, got, 12, 4), NRT_SUCCESS);
  EXPECT_EQ(got[0], 12);
  EXPECT_EQ(got[3], 15);
  const uint8_t put[2] = {200, 201};
  ASSERT_EQ(nrt_tensor_write(t, put, 3, 2), NRT_SUCCESS);
  EXPECT_EQ(buffer[3], 200);  // written into the caller's memory
  EXPECT_EQ(buffer[4], 201);
  buffer[0] = 99;  // and the caller's writes are the tensor's
  ASSERT_EQ(nrt_tensor_read(t, got, 0, 1), NRT_SUCCESS);
  EXPECT_EQ(got[0], 99);
  EXPECT_EQ(nrt_tensor_read(t, got, 14, 4), NRT_INVALID);
  EXPECT_NE(std::string(nrt_get_last_error()).find("has 16 bytes; cannot read 4 at offset 14"),
            std::string::npos)
      << nrt_get_last_error();
  EXPECT_EQ(nrt_tensor_write(t, put, 16, 1), NRT_INVALID);

  // NULL with size 0 detaches: no memory again.
  ASSERT_EQ(nrt_tensor_attach_buffer(t, nullptr, 0), NRT_SUCCESS);
  EXPECT_EQ(nrt_tensor_get_size(t), 0u);
  EXPECT_EQ(nrt_tensor_get_va(t), nullptr);

  // Freeing the tensor leaves the caller's buffer alone (a stack array: a
  // wrong free would crash here, and ASan names it).
  ASSERT_EQ(nrt_tensor_attach_buffer(t, buffer, sizeof buffer), NRT_SUCCESS);
  nrt_tensor_free(&t);
  EXPECT_EQ(t, nullptr);
  EXPECT_EQ(buffer[3], 200);
  buffer[5] = 7;

  // A heap buffer too: still the caller's to free after nrt_tensor_free.
  auto* heap = new uint8_t[64]();
  ASSERT_EQ(nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, 8, "h", &t), NRT_SUCCESS);
  EXPECT_NE(nrt_tensor_get_va(t), nullptr);  // its own memory
  ASSERT_EQ(nrt_tensor_attach_buffer(t, heap, 64), NRT_SUCCESS);
  EXPECT_EQ(nrt_tensor_get_va(t), heap);
  nrt_tensor_free(&t);
  heap[63] = 1;
  delete[] heap;
}

TEST_F(NrtTest, AttachAndAllocateEmptyErrors) {
  nrt_tensor_t* t = nullptr;
  EXPECT_EQ(nrt_tensor_allocate_empty(NRT_TENSOR_PLACEMENT_DEVICE, 0, "t", nullptr), NRT_INVALID);
  EXPECT_EQ(nrt_tensor_allocate_empty(static_cast<nrt_tensor_placement_t>(7), 0, "t", &t),
            NRT_INVALID);
  EXPECT_EQ(t, nullptr);
  EXPECT_EQ(nrt_tensor_allocate_empty(NRT_TENSOR_PLACEMENT_DEVICE, -1, "t", &t), NRT_INVALID);
  ASSERT_EQ(nrt_tensor_allocate_empty(NRT_TENSOR_PLACEMENT_DEVICE, 0, nullptr, &t), NRT_SUCCESS);

  EXPECT_EQ(nrt_tensor_attach_buffer(t, nullptr, 4), NRT_INVALID);
  EXPECT_NE(std::string(nrt_get_last_error()).find("null buffer of 4 bytes"), std::string::npos)
      << nrt_get_last_error();
  EXPECT_EQ(nrt_tensor_get_size(t), 0u);  // unchanged
  uint8_t buffer[4] = {};
  EXPECT_EQ(nrt_tensor_attach_buffer(nullptr, buffer, 4), NRT_INVALID_HANDLE);
  EXPECT_EQ(nrt_tensor_get_va(nullptr), nullptr);

  nrt_tensor_t* stale = t;
  nrt_tensor_free(&t);
  EXPECT_EQ(nrt_tensor_attach_buffer(stale, buffer, 4), NRT_INVALID_HANDLE);
  EXPECT_EQ(nrt_tensor_get_va(stale), nullptr);

  // An empty tensor in a set: the execution says what is missing.
  nrt_model_t* model = Load(ReluPlusOneNeff());
  ASSERT_NE(model, nullptr);
  nrt_tensor_t *in = nullptr, *out = nullptr;
  ASSERT_EQ(nrt_tensor_allocate_empty(NRT_TENSOR_PLACEMENT_DEVICE, 0, "x", &in), NRT_SUCCESS);
  ASSERT_EQ(nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, 32, "y", &out), NRT_SUCCESS);
  nrt_tensor_set_t *inputs = nullptr, *outputs = nullptr;
  nrt_allocate_tensor_set(&inputs);
  nrt_allocate_tensor_set(&outputs);
  nrt_add_tensor_to_tensor_set(inputs, "x", in);
  nrt_add_tensor_to_tensor_set(outputs, "y", out);
  EXPECT_EQ(nrt_execute(model, inputs, outputs), NRT_EXEC_BAD_INPUT);
  const std::string error = nrt_get_last_error();
  EXPECT_NE(error.find("input 'x' is 0 bytes but the model expects 32"), std::string::npos)
      << error;
  EXPECT_NE(error.find("nrt_tensor_attach_buffer"), std::string::npos) << error;
  // An attached buffer of the wrong size is refused like an allocated one.
  float small[4] = {};
  ASSERT_EQ(nrt_tensor_attach_buffer(in, small, sizeof small), NRT_SUCCESS);
  EXPECT_EQ(nrt_execute(model, inputs, outputs), NRT_EXEC_BAD_INPUT);
  EXPECT_NE(
      std::string(nrt_get_last_error()).find("input 'x' is 16 bytes but the model expects 32"),
      std::string::npos)
      << nrt_get_last_error();
  nrt_destroy_tensor_set(&inputs);
  nrt_destroy_tensor_set(&outputs);
  nrt_tensor_free(&out);
  nrt_unload(model);

  // After nrt_close: no new tensors; an existing one may still be attached.
  nrt_close();
  nrt_tensor_t* late = nullptr;
  EXPECT_EQ(nrt_tensor_allocate_empty(NRT_TENSOR_PLACEMENT_DEVICE, 0, "late", &late), NRT_CLOSED);
  EXPECT_EQ(nrt_tensor_attach_buffer(in, buffer, 4), NRT_SUCCESS);
  nrt_tensor_free(&in);
  ASSERT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_SUCCESS);
}

using ncc::runtime::ScopedEnv;

TEST_F(NrtTest, VisibleCoresPickThePhysicalCore) {
  nrt_close();
  {
    ScopedEnv visible("NEURON_RT_VISIBLE_CORES", "1");
    ASSERT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_SUCCESS);
  }
  const std::string bytes = ReluPlusOneNeff();
  nrt_model_t* model = nullptr;
  EXPECT_EQ(nrt_load(bytes.data(), bytes.size(), 1, 1, &model), NRT_INVALID);
  EXPECT_NE(std::string(nrt_get_last_error()).find("1 NeuronCore(s) visible"), std::string::npos)
      << nrt_get_last_error();
  ASSERT_EQ(nrt_load(bytes.data(), bytes.size(), 0, -1, &model), NRT_SUCCESS);
  nrt_tensor_t *in = nullptr, *out = nullptr;
  nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, 32, "x", &in);
  nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, 32, "y", &out);
  nrt_tensor_set_t *is = nullptr, *os = nullptr;
  nrt_allocate_tensor_set(&is);
  nrt_allocate_tensor_set(&os);
  nrt_add_tensor_to_tensor_set(is, "x", in);
  nrt_add_tensor_to_tensor_set(os, "y", out);
  nrt_execution_stats_t stats;
  ASSERT_EQ(nrt_execute_with_stats(model, is, os, &stats), NRT_SUCCESS);
  EXPECT_EQ(stats.neuron_core, 1);  // logical 0 is physical 1
  nrt_destroy_tensor_set(&is);
  nrt_destroy_tensor_set(&os);
  nrt_tensor_free(&in);
  nrt_tensor_free(&out);
  nrt_unload(model);
}

TEST_F(NrtTest, NumCoresLimitsTheVisibleCores) {
  nrt_close();
  {
    ScopedEnv visible("NEURON_RT_VISIBLE_CORES", "0-1");
    ScopedEnv num("NEURON_RT_NUM_CORES", "1");
    ASSERT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_SUCCESS);
  }
  const std::string bytes = ReluPlusOneNeff();
  nrt_model_t* model = nullptr;
  EXPECT_EQ(nrt_load(bytes.data(), bytes.size(), 0, 2, &model), NRT_INVALID);
  ASSERT_EQ(nrt_load(bytes.data(), bytes.size(), 0, 1, &model), NRT_SUCCESS);
  nrt_unload(model);
}

TEST_F(NrtTest, InvalidCoreEnvironmentFailsInit) {
  nrt_close();
  struct Case {
    const char* visible;
    const char* num;
    const char* message;
  };
  for (const Case& c : {
           Case{"2", nullptr,
                "NeuronCore 2 does not exist (the simulator has NeuronCores 0-1 on 1 "
                "Inferentia2 chip; NEURON_RT_SIM_CORES sets how many)"},
           Case{"0-3", nullptr, "NeuronCore 3 does not exist"},
           Case{"one", nullptr, "'one' is not a core id"},
           Case{"1-0", nullptr, "'1-0' is not a core id"},
           Case{"0,0", nullptr, "NeuronCore 0 is listed twice"},
           Case{"1", "2", "NEURON_RT_NUM_CORES='2': must be 1-1"},
           Case{nullptr, "0", "NEURON_RT_NUM_CORES='0': must be 1-2"},
       }) {
    ScopedEnv visible("NEURON_RT_VISIBLE_CORES", c.visible);
    ScopedEnv num("NEURON_RT_NUM_CORES", c.num);
    EXPECT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_INVALID);
    EXPECT_NE(std::string(nrt_get_last_error()).find(c.message), std::string::npos)
        << nrt_get_last_error();
  }
  ASSERT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_SUCCESS);
}

}  // namespace
