// Several NeuronCores through the nrt_* C API: the simulated core count
// (NEURON_RT_SIM_CORES) with NEURON_RT_VISIBLE_CORES / NEURON_RT_NUM_CORES,
// placement (exclusive cores for models that keep state on them,
// NRT_LOAD_NOT_ENOUGH_NC), pipelined models (the outputs of running their
// stages by hand, their timing), nrt_get_core_info, unload and reload.
// Threads executing pipelined models are in nrt_concurrency_test.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "runtime/nrt.h"
#include "runtime/scoped_env.h"
#include "runtime/test_pipelines.h"
#include "target/neuroncore.h"

namespace {

namespace tp = ncc::runtime::test_pipelines;

using ncc::runtime::ScopedEnv;

using Tensors = std::map<std::string, std::vector<float>>;

class NrtPipelineTest : public ::testing::Test {
 protected:
  // The stages come from neff::test_builder, which does not seal them.
  void SetUp() override {
    setenv("NEURON_RT_ALLOW_UNSEALED", "1", 1);
    unsetenv("NEURON_RT_SIM_CORES");
    unsetenv("NEURON_RT_VISIBLE_CORES");
    unsetenv("NEURON_RT_NUM_CORES");
  }
  void TearDown() override {
    nrt_close();
    unsetenv("NEURON_RT_ALLOW_UNSEALED");
  }

  // nrt_close, then nrt_init with NEURON_RT_SIM_CORES=`cores` (nullptr:
  // unset) and the other variables as given.
  static void Init(const char* cores, const char* visible = nullptr, const char* num = nullptr) {
    nrt_close();
    ScopedEnv sim("NEURON_RT_SIM_CORES", cores);
    ScopedEnv vis("NEURON_RT_VISIBLE_CORES", visible);
    ScopedEnv n("NEURON_RT_NUM_CORES", num);
    ASSERT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_SUCCESS) << nrt_get_last_error();
  }

  static NRT_STATUS Load(const std::string& bytes, int32_t start_nc, int32_t nc_count,
                         nrt_model_t** model) {
    *model = nullptr;
    return nrt_load(bytes.data(), bytes.size(), start_nc, nc_count, model);
  }

  // Runs `model` on f32 inputs; fills `outputs` (names given, values
  // resized to the model's sizes).
  static NRT_STATUS Run(nrt_model_t* model, const Tensors& inputs, Tensors* outputs,
                        nrt_execution_stats_t* stats = nullptr) {
    nrt_tensor_set_t *in = nullptr, *out = nullptr;
    nrt_allocate_tensor_set(&in);
    nrt_allocate_tensor_set(&out);
    std::vector<nrt_tensor_t*> tensors;
    NRT_STATUS s = NRT_SUCCESS;
    for (const auto& [name, values] : inputs) {
      nrt_tensor_t* t = nullptr;
      s = nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, values.size() * 4, name.c_str(), &t);
      if (s != NRT_SUCCESS) break;
      tensors.push_back(t);
      nrt_tensor_write(t, values.data(), 0, values.size() * 4);
      nrt_add_tensor_to_tensor_set(in, name.c_str(), t);
    }
    for (auto& [name, values] : *outputs) {
      nrt_tensor_t* t = nullptr;
      if (s == NRT_SUCCESS) {
        s = nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, values.size() * 4, name.c_str(),
                                &t);
      }
      if (s != NRT_SUCCESS) break;
      tensors.push_back(t);
      nrt_add_tensor_to_tensor_set(out, name.c_str(), t);
    }
    if (s == NRT_SUCCESS) s = nrt_execute_with_stats(model, in, out, stats);
    for (auto& [name, values] : *outputs) {
      nrt_tensor_t* t = nullptr;
      if (s == NRT_SUCCESS &&
          nrt_get_tensor_from_tensor_set(out, name.c_str(), &t) == NRT_SUCCESS) {
        nrt_tensor_read(t, values.data(), 0, values.size() * 4);
      }
    }
    nrt_destroy_tensor_set(&in);
    nrt_destroy_tensor_set(&out);
    for (nrt_tensor_t*& t : tensors) nrt_tensor_free(&t);
    return s;
  }

  // Runs the stages of a pipeline one after another, each loaded as a
  // single-core model, wiring their inputs and outputs by hand.
  static Tensors RunByHand(const std::vector<tp::Stage>& stages,
                           const std::vector<std::vector<std::string>>& stage_inputs,
                           const std::vector<std::string>& stage_outputs, const Tensors& inputs,
                           const std::vector<std::string>& input_names) {
    std::vector<std::vector<float>> produced;
    for (size_t k = 0; k < stages.size(); ++k) {
      nrt_model_t* model = nullptr;
      EXPECT_EQ(Load(stages[k].neff, 0, 1, &model), NRT_SUCCESS) << nrt_get_last_error();
      Tensors in, out = {{stage_outputs[k], std::vector<float>(8)}};
      for (size_t i = 0; i < stages[k].inputs.size(); ++i) {
        const neff::TensorSourceSpec& src = stages[k].inputs[i];
        in[stage_inputs[k][i]] =
            src.stage < 0 ? inputs.at(input_names[src.index]) : produced[src.stage];
      }
      EXPECT_EQ(Run(model, in, &out), NRT_SUCCESS) << nrt_get_last_error();
      produced.push_back(out.begin()->second);
      nrt_unload(model);
    }
    Tensors all;
    for (size_t k = 0; k < stages.size(); ++k) all[stage_outputs[k]] = produced[k];
    return all;
  }

  static std::string Error() { return nrt_get_last_error(); }
};

const std::vector<float> kX = {-2, -1, 0, 1, 2, 3, -0.5f, 0.25f};

TEST_F(NrtPipelineTest, StatusName) {
  EXPECT_STREQ(nrt_get_status_as_str(NRT_LOAD_NOT_ENOUGH_NC), "NRT_LOAD_NOT_ENOUGH_NC");
  EXPECT_EQ(NRT_LOAD_NOT_ENOUGH_NC, 9);
}

TEST_F(NrtPipelineTest, TwoStagesGiveTheStagesResults) {
  Init(nullptr);
  // By hand first: the pipeline will hold both cores.
  const Tensors by_hand =
      RunByHand(tp::TwoStages(), {{"x"}, {"h"}}, {"h", "y"}, {{"x", kX}}, {"x"});
  nrt_model_t* model = nullptr;
  ASSERT_EQ(Load(tp::TwoStagePipeline(), 0, -1, &model), NRT_SUCCESS) << Error();
  Tensors out = {{"y", std::vector<float>(8)}};
  nrt_execution_stats_t stats{};
  ASSERT_EQ(Run(model, {{"x", kX}}, &out, &stats), NRT_SUCCESS) << Error();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(out["y"][i], 6 * kX[i] + 2) << i;
  EXPECT_EQ(out["y"], by_hand.at("y"));

  // Timing: the stages' estimates plus one same-chip hand-off of 32 bytes.
  EXPECT_EQ(stats.num_stages, 2u);
  EXPECT_EQ(stats.stage_neuron_core[0], 0);
  EXPECT_EQ(stats.stage_neuron_core[1], 1);
  EXPECT_EQ(stats.neuron_core, 0);
  const double transfer = ncc::target::InterCoreTransferNs(ncc::target::Inferentia2(), 32, 0, 1);
  EXPECT_EQ(stats.stage_transfer_ns[0], 0);
  EXPECT_DOUBLE_EQ(stats.stage_transfer_ns[1], transfer);
  EXPECT_DOUBLE_EQ(stats.transfer_ns, transfer);
  EXPECT_GT(stats.stage_latency_ns[0], 0);
  EXPECT_GT(stats.stage_latency_ns[1], 0);
  EXPECT_DOUBLE_EQ(stats.estimated_latency_ns,
                   stats.stage_latency_ns[0] + stats.stage_latency_ns[1] + transfer);
  EXPECT_DOUBLE_EQ(stats.estimated_interval_ns,
                   std::max(stats.stage_latency_ns[0], stats.stage_latency_ns[1] + transfer));
  EXPECT_EQ(stats.dma_instructions, 4u);  // two per stage
  EXPECT_EQ(stats.vector_instructions, 2u);
  EXPECT_EQ(nrt_unload(model), NRT_SUCCESS);
}

TEST_F(NrtPipelineTest, FourStagesGiveTheStagesResults) {
  Init("4");
  const Tensors by_hand = RunByHand(tp::FourStages(), {{"x"}, {"h0"}, {"h1", "h0"}, {"h2", "x"}},
                                    {"h0", "h1", "h2", "y"}, {{"x", kX}}, {"x"});
  nrt_model_t* model = nullptr;
  ASSERT_EQ(Load(tp::FourStagePipeline(), 0, -1, &model), NRT_SUCCESS) << Error();
  Tensors out = {{"y", std::vector<float>(8)}, {"h0", std::vector<float>(8)}};
  nrt_execution_stats_t stats{};
  ASSERT_EQ(Run(model, {{"x", kX}}, &out, &stats), NRT_SUCCESS) << Error();
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(out["y"][i], 3 * kX[i] + 2) << i;
    EXPECT_EQ(out["h0"][i], 2 * kX[i] + 1) << i;
  }
  EXPECT_EQ(out["y"], by_hand.at("y"));
  EXPECT_EQ(out["h0"], by_hand.at("h0"));

  // Stage 2 reads stages 1 and 0 (one hand-off each; 0 -> 2 crosses chips),
  // stage 3 reads stage 2 (0 -> 3 is the model input: no transfer).
  const auto& chip = ncc::target::Inferentia2();
  EXPECT_EQ(stats.num_stages, 4u);
  for (int k = 0; k < 4; ++k) EXPECT_EQ(stats.stage_neuron_core[k], k);
  EXPECT_DOUBLE_EQ(stats.stage_transfer_ns[1], ncc::target::InterCoreTransferNs(chip, 32, 0, 1));
  EXPECT_DOUBLE_EQ(stats.stage_transfer_ns[2],
                   ncc::target::InterCoreTransferNs(chip, 32, 1, 2) +
                       ncc::target::InterCoreTransferNs(chip, 32, 0, 2));
  EXPECT_DOUBLE_EQ(stats.stage_transfer_ns[3], ncc::target::InterCoreTransferNs(chip, 32, 2, 3));
  double sum = 0;
  for (int k = 0; k < 4; ++k) sum += stats.stage_latency_ns[k] + stats.stage_transfer_ns[k];
  EXPECT_DOUBLE_EQ(stats.estimated_latency_ns, sum);
  EXPECT_EQ(nrt_unload(model), NRT_SUCCESS);
}

TEST_F(NrtPipelineTest, NotEnoughCores) {
  Init(nullptr);  // 2 cores
  nrt_model_t* model = nullptr;
  EXPECT_EQ(Load(tp::FourStagePipeline(), 0, -1, &model), NRT_LOAD_NOT_ENOUGH_NC);
  EXPECT_EQ(model, nullptr);
  EXPECT_NE(Error().find("the model is pipelined over 4 stages and needs 4 NeuronCores, "
                         "consecutive from start_nc 0, but there are 2 NeuronCore(s) visible"),
            std::string::npos)
      << Error();
  EXPECT_EQ(Load(tp::TwoStagePipeline(), 1, -1, &model), NRT_LOAD_NOT_ENOUGH_NC);
  EXPECT_NE(Error().find("from start_nc 1"), std::string::npos) << Error();
  EXPECT_EQ(Load(tp::TwoStagePipeline(), 0, 1, &model), NRT_LOAD_NOT_ENOUGH_NC);
  EXPECT_NE(Error().find("nc_count 1 is too few: the model is pipelined over 2 stages and needs 2 "
                         "NeuronCores"),
            std::string::npos)
      << Error();
  // Still invalid arguments, as for any model.
  EXPECT_EQ(Load(tp::TwoStagePipeline(), 0, 3, &model), NRT_INVALID);
  EXPECT_EQ(Load(tp::TwoStagePipeline(), 2, -1, &model), NRT_INVALID);
  EXPECT_EQ(Load(tp::TwoStagePipeline(), 1, INT32_MAX, &model), NRT_INVALID);
}

TEST_F(NrtPipelineTest, ExtraCoresAreLeftFree) {
  Init("4");
  nrt_model_t* model = nullptr;
  ASSERT_EQ(Load(tp::TwoStagePipeline(), 1, 3, &model), NRT_SUCCESS) << Error();
  nrt_core_info_array_t* info = nullptr;
  ASSERT_EQ(nrt_get_core_info(&info), NRT_SUCCESS);
  ASSERT_EQ(info->core_count, 4u);
  EXPECT_EQ(info->cores[0].model_count, 0u);
  EXPECT_EQ(info->cores[1].model_count, 1u);
  EXPECT_EQ(info->cores[2].model_count, 1u);
  EXPECT_EQ(info->cores[3].model_count, 0u);
  nrt_free_core_info(info);
  nrt_model_t* other = nullptr;
  EXPECT_EQ(Load(tp::ScaleBiasNeff(1, 0), 3, 1, &other), NRT_SUCCESS) << Error();
  nrt_unload(other);
  nrt_unload(model);
}

TEST_F(NrtPipelineTest, TakenCoresAreRefusedNamingTheModel) {
  Init("4");
  const std::string dir = std::getenv("TEST_TMPDIR");
  const std::string path = dir + "/pipe.neff";
  std::ofstream(path, std::ios::binary) << tp::TwoStagePipeline();
  nrt_model_t *streaming = nullptr, *pipe = nullptr, *other = nullptr;
  // A streaming model on core 1; a pipeline over cores 0-1 cannot load.
  ASSERT_EQ(Load(tp::ScaleBiasNeff(1, 0), 1, 1, &streaming), NRT_SUCCESS) << Error();
  EXPECT_EQ(nrt_load_from_file(path.c_str(), 0, -1, &pipe), NRT_LOAD_NOT_ENOUGH_NC);
  EXPECT_NE(Error().find("nrt_load_from_file: NeuronCore 1 is taken by model 1 (loaded from "
                         "memory, shared); this pipelined model (2 stages) needs NeuronCores 0-1 "
                         "to itself: nrt_unload that model or choose other NeuronCores with "
                         "start_nc"),
            std::string::npos)
      << Error();
  // Over cores 2-3 it can.
  ASSERT_EQ(nrt_load_from_file(path.c_str(), 2, -1, &pipe), NRT_SUCCESS) << Error();
  // Nothing else may use cores 2-3 now, streaming or not.
  EXPECT_EQ(Load(tp::ScaleBiasNeff(1, 0), 1, 2, &other), NRT_LOAD_NOT_ENOUGH_NC);
  EXPECT_NE(Error().find("NeuronCore 2 is taken by model 2 ('" + path +
                         "', stage 0 of 2, exclusive); a model there holds it exclusively"),
            std::string::npos)
      << Error();
  EXPECT_EQ(Load(tp::TwoStagePipeline(), 1, -1, &other), NRT_LOAD_NOT_ENOUGH_NC);
  EXPECT_NE(Error().find("NeuronCore 1 is taken by model 1"), std::string::npos) << Error();
  EXPECT_NE(Error().find("NeuronCore 2 is taken by model 2"), std::string::npos) << Error();
  // Streaming models share cores 0-1 as before.
  ASSERT_EQ(Load(tp::ScaleBiasNeff(2, 0), 0, 2, &other), NRT_SUCCESS) << Error();
  Tensors out = {{"y", std::vector<float>(8)}};
  ASSERT_EQ(Run(pipe, {{"x", kX}}, &out), NRT_SUCCESS) << Error();
  EXPECT_EQ(out["y"][0], 6 * kX[0] + 2);

  // Unloading the pipeline frees its cores; it loads again elsewhere or there.
  EXPECT_EQ(nrt_unload(pipe), NRT_SUCCESS);
  nrt_model_t* on_freed = nullptr;
  ASSERT_EQ(Load(tp::ScaleBiasNeff(1, 0), 2, 2, &on_freed), NRT_SUCCESS) << Error();
  EXPECT_EQ(nrt_load_from_file(path.c_str(), 2, -1, &pipe), NRT_LOAD_NOT_ENOUGH_NC);
  EXPECT_EQ(nrt_unload(on_freed), NRT_SUCCESS);
  ASSERT_EQ(nrt_load_from_file(path.c_str(), 2, -1, &pipe), NRT_SUCCESS) << Error();
  ASSERT_EQ(Run(pipe, {{"x", kX}}, &out), NRT_SUCCESS) << Error();
  EXPECT_EQ(out["y"][7], 6 * kX[7] + 2);
  EXPECT_EQ(nrt_unload(pipe), NRT_SUCCESS);
  EXPECT_EQ(nrt_unload(other), NRT_SUCCESS);
  EXPECT_EQ(nrt_unload(streaming), NRT_SUCCESS);
}

TEST_F(NrtPipelineTest, LoadQueuesMakeAModelExclusive) {
  Init(nullptr);
  const std::vector<float> w = {10, 20, 30, 40, 50, 60, 70, 80};
  nrt_model_t *resident = nullptr, *streaming = nullptr;
  ASSERT_EQ(Load(tp::ResidentWeightsNeff(w), 0, -1, &resident), NRT_SUCCESS) << Error();
  EXPECT_EQ(Load(tp::ScaleBiasNeff(1, 0), 1, 1, &streaming), NRT_LOAD_NOT_ENOUGH_NC);
  EXPECT_NE(Error().find("NeuronCore 1 is taken by model 1 (loaded from memory, exclusive)"),
            std::string::npos)
      << Error();
  // Each of its cores holds its own resident weights: every execution, on
  // either core, adds them.
  for (int run = 0; run < 4; ++run) {
    Tensors out = {{"y", std::vector<float>(8)}};
    nrt_execution_stats_t stats{};
    ASSERT_EQ(Run(resident, {{"x", kX}}, &out, &stats), NRT_SUCCESS) << Error();
    for (int i = 0; i < 8; ++i) EXPECT_EQ(out["y"][i], kX[i] + w[i]) << "run " << run;
    EXPECT_EQ(stats.num_stages, 1u);
    EXPECT_EQ(stats.estimated_interval_ns, stats.estimated_latency_ns);
  }
  EXPECT_EQ(nrt_unload(resident), NRT_SUCCESS);
  ASSERT_EQ(Load(tp::ScaleBiasNeff(1, 0), 1, 1, &streaming), NRT_SUCCESS) << Error();
  EXPECT_EQ(Load(tp::ResidentWeightsNeff(w), 0, -1, &resident), NRT_LOAD_NOT_ENOUGH_NC);
  EXPECT_NE(Error().find("NeuronCore 1 is taken by model 2 (loaded from memory, shared); this "
                         "model keeps its weights resident (load queues) and needs NeuronCores "
                         "0-1 to itself"),
            std::string::npos)
      << Error();
  ASSERT_EQ(Load(tp::ResidentWeightsNeff(w), 0, 1, &resident), NRT_SUCCESS) << Error();
  nrt_unload(resident);
  nrt_unload(streaming);
}

TEST_F(NrtPipelineTest, SimCoresAndVisibleCores) {
  // Four simulated cores, this process sees physical 2 and 3 (logical 0, 1).
  Init("4", "2-3");
  uint32_t visible = 0, total = 0;
  ASSERT_EQ(nrt_get_visible_nc_count(&visible), NRT_SUCCESS);
  ASSERT_EQ(nrt_get_total_nc_count(&total), NRT_SUCCESS);
  EXPECT_EQ(visible, 2u);
  EXPECT_EQ(total, 4u);
  nrt_model_t* model = nullptr;
  ASSERT_EQ(Load(tp::TwoStagePipeline(), 0, -1, &model), NRT_SUCCESS) << Error();
  Tensors out = {{"y", std::vector<float>(8)}};
  nrt_execution_stats_t stats{};
  ASSERT_EQ(Run(model, {{"x", kX}}, &out, &stats), NRT_SUCCESS) << Error();
  EXPECT_EQ(stats.stage_neuron_core[0], 2);
  EXPECT_EQ(stats.stage_neuron_core[1], 3);
  nrt_model_t* other = nullptr;
  EXPECT_EQ(Load(tp::ScaleBiasNeff(1, 0), 1, 1, &other), NRT_LOAD_NOT_ENOUGH_NC);
  EXPECT_NE(Error().find("NeuronCore 1 (physical 3) is taken by model"), std::string::npos)
      << Error();
  nrt_unload(model);

  // NEURON_RT_NUM_CORES=1 leaves one core: too few for two stages.
  Init("4", "2-3", "1");
  EXPECT_EQ(Load(tp::TwoStagePipeline(), 0, -1, &model), NRT_LOAD_NOT_ENOUGH_NC);
  EXPECT_NE(Error().find("1 NeuronCore(s) visible"), std::string::npos) << Error();

  // 64 cores (32 chips): a 4-stage pipeline anywhere, e.g. from logical 60.
  Init("64");
  ASSERT_EQ(Load(tp::FourStagePipeline(), 60, -1, &model), NRT_SUCCESS) << Error();
  Tensors out4 = {{"y", std::vector<float>(8)}, {"h0", std::vector<float>(8)}};
  ASSERT_EQ(Run(model, {{"x", kX}}, &out4, &stats), NRT_SUCCESS) << Error();
  EXPECT_EQ(stats.stage_neuron_core[3], 63);
  EXPECT_EQ(out4["y"][1], 3 * kX[1] + 2);
  nrt_unload(model);

  // One core.
  Init("1");
  ASSERT_EQ(nrt_get_total_nc_count(&total), NRT_SUCCESS);
  EXPECT_EQ(total, 1u);
  EXPECT_EQ(Load(tp::TwoStagePipeline(), 0, -1, &model), NRT_LOAD_NOT_ENOUGH_NC);
}

TEST_F(NrtPipelineTest, InvalidSimCoresFailInit) {
  nrt_close();
  struct Case {
    const char* sim;
    const char* visible;
    const char* message;
  };
  for (const Case& c : {
           Case{"0", nullptr, "NEURON_RT_SIM_CORES='0': must be 1-64"},
           Case{"65", nullptr, "NEURON_RT_SIM_CORES='65': must be 1-64"},
           Case{"two", nullptr, "NEURON_RT_SIM_CORES='two': must be 1-64 (simulated NeuronCores"},
           Case{"4", "4",
                "NeuronCore 4 does not exist (the simulator has NeuronCores 0-3 on 2 "
                "Inferentia2 chips; NEURON_RT_SIM_CORES sets how many)"},
           Case{"1", "1",
                "NeuronCore 1 does not exist (the simulator has NeuronCore 0 on 1 "
                "Inferentia2 chip"},
       }) {
    ScopedEnv sim("NEURON_RT_SIM_CORES", c.sim);
    ScopedEnv visible("NEURON_RT_VISIBLE_CORES", c.visible);
    EXPECT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_INVALID) << c.sim;
    EXPECT_NE(Error().find(c.message), std::string::npos) << Error();
  }
}

TEST_F(NrtPipelineTest, ReinitWhileModelsAreLoadedKeepsTheirCores) {
  Init("4");
  nrt_model_t* model = nullptr;
  ASSERT_EQ(Load(tp::TwoStagePipeline(), 0, -1, &model), NRT_SUCCESS) << Error();
  {
    ScopedEnv sim("NEURON_RT_SIM_CORES", "8");
    EXPECT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_INVALID);
    EXPECT_NE(Error().find("loaded models use the 4 NeuronCores simulated now; nrt_close() first"),
              std::string::npos)
        << Error();
  }
  {
    ScopedEnv sim("NEURON_RT_SIM_CORES", "4");
    ASSERT_EQ(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), NRT_SUCCESS) << Error();
  }
  // Still placed: its cores stay taken.
  nrt_model_t* other = nullptr;
  EXPECT_EQ(Load(tp::ScaleBiasNeff(1, 0), 0, 1, &other), NRT_LOAD_NOT_ENOUGH_NC);
  Tensors out = {{"y", std::vector<float>(8)}};
  EXPECT_EQ(Run(model, {{"x", kX}}, &out), NRT_SUCCESS) << Error();
  EXPECT_EQ(nrt_unload(model), NRT_SUCCESS);
  // After nrt_close, every core is free again (and a load sees a fresh table).
  Init("4");
  ASSERT_EQ(Load(tp::TwoStagePipeline(), 0, -1, &model), NRT_SUCCESS) << Error();
  nrt_close();
  Init("4");
  ASSERT_EQ(Load(tp::TwoStagePipeline(), 0, -1, &model), NRT_SUCCESS) << Error();
  nrt_unload(model);
}

TEST_F(NrtPipelineTest, CoreInfoListsWhatIsLoaded) {
  Init("4");
  nrt_core_info_array_t* info = nullptr;
  ASSERT_EQ(nrt_get_core_info(&info), NRT_SUCCESS);
  ASSERT_EQ(info->core_count, 4u);
  EXPECT_EQ(info->total_core_count, 4u);
  for (uint32_t c = 0; c < 4; ++c) {
    EXPECT_EQ(info->cores[c].logical_nc, static_cast<int32_t>(c));
    EXPECT_EQ(info->cores[c].physical_nc, static_cast<int32_t>(c));
    EXPECT_EQ(info->cores[c].chip, static_cast<int32_t>(c / 2));
    EXPECT_EQ(info->cores[c].model_count, 0u);
  }
  nrt_free_core_info(info);

  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/two.neff";
  std::ofstream(path, std::ios::binary) << tp::TwoStagePipeline();
  nrt_model_t *pipe = nullptr, *a = nullptr, *b = nullptr;
  ASSERT_EQ(nrt_load_from_file(path.c_str(), 1, -1, &pipe), NRT_SUCCESS) << Error();
  ASSERT_EQ(Load(tp::ScaleBiasNeff(1, 0), 3, 1, &a), NRT_SUCCESS) << Error();
  ASSERT_EQ(Load(tp::ScaleBiasNeff(2, 0), 3, 1, &b), NRT_SUCCESS) << Error();
  ASSERT_EQ(nrt_get_core_info(&info), NRT_SUCCESS);
  EXPECT_EQ(info->cores[0].model_count, 0u);
  for (int c = 1; c <= 2; ++c) {
    ASSERT_EQ(info->cores[c].model_count, 1u);
    const nrt_core_model_info_t& m = info->cores[c].models[0];
    EXPECT_EQ(m.model_id, 1u);
    EXPECT_EQ(m.name, path);
    EXPECT_EQ(m.stage, static_cast<uint32_t>(c - 1));
    EXPECT_EQ(m.num_stages, 2u);
    EXPECT_EQ(m.exclusive, 1u);
  }
  ASSERT_EQ(info->cores[3].model_count, 2u);
  EXPECT_EQ(info->cores[3].models[0].model_id, 2u);
  EXPECT_EQ(info->cores[3].models[1].model_id, 3u);
  EXPECT_STREQ(info->cores[3].models[1].name, "");
  EXPECT_EQ(info->cores[3].models[1].num_stages, 1u);
  EXPECT_EQ(info->cores[3].models[1].exclusive, 0u);
  nrt_free_core_info(info);
  nrt_unload(pipe);
  ASSERT_EQ(nrt_get_core_info(&info), NRT_SUCCESS);
  EXPECT_EQ(info->cores[1].model_count, 0u);
  nrt_free_core_info(info);
  nrt_unload(a);
  nrt_unload(b);
  EXPECT_EQ(nrt_get_core_info(nullptr), NRT_INVALID);
  nrt_close();
  EXPECT_EQ(nrt_get_core_info(&info), NRT_CLOSED);
  EXPECT_EQ(info, nullptr);
}

}  // namespace
