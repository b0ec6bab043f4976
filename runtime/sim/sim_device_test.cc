// The runtime's device interface with the simulator behind it.
#include "runtime/sim/sim_device.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "neff/format.h"
#include "neff/test_builder.h"
#include "runtime/device.h"
#include "target/cost.h"
#include "target/neuroncore.h"

namespace ncc::sim {
namespace {

using namespace neff::test_builder;  // NOLINT: the builder's small vocabulary
using neff::DType;
using neff::EngineType;
using target::Engine;

class SimDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = ReluPlusOneNeff();
    auto model = neff::OpenModel(bytes_);
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = *model;
    auto device = runtime::CreateDevice(kSimulatorDeviceKind, 1);
    ASSERT_TRUE(device.ok()) << device.status();
    device_ = *std::move(device);
  }

  std::string bytes_;
  const neff::Model* model_ = nullptr;
  std::unique_ptr<runtime::Device> device_;
};

TEST_F(SimDeviceTest, RegisteredUnderItsKind) {
  EXPECT_EQ(static_cast<SimDevice&>(*device_).core(), 1);
  auto missing = runtime::CreateDevice("fpga", 0);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "no NeuronCore device of kind 'fpga' (linked in: simulator)");
}

TEST_F(SimDeviceTest, LoadsExecutesAndReportsTiming) {
  auto program = device_->Load(*model_, {});
  ASSERT_TRUE(program.ok()) << program.status();
  const std::vector<float> x = {-1, 2, -3, 4, 5, -6, 7, 0};
  std::vector<float> y(8, -100);
  const absl::Span<const uint8_t> inputs[] = {
      {reinterpret_cast<const uint8_t*>(x.data()), x.size() * 4}};
  const absl::Span<uint8_t> outputs[] = {{reinterpret_cast<uint8_t*>(y.data()), y.size() * 4}};
  runtime::ExecutionTiming timing;
  absl::Status s = device_->Execute(**program, inputs, outputs, &timing);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(y, (std::vector<float>{1, 3, 1, 5, 6, 1, 8, 1}));

  // The three engines run one after the other: DMA, activation, add, DMA.
  const target::CoreSpec& spec = target::NeuronCoreV2();
  const double dma = target::DmaNs(spec, 32, 16);
  EXPECT_DOUBLE_EQ(timing.BusyNs(Engine::kDma), 2 * dma);
  EXPECT_DOUBLE_EQ(timing.BusyNs(Engine::kScalar), target::ActivationNs(spec, 4));
  EXPECT_DOUBLE_EQ(timing.BusyNs(Engine::kVector), target::VectorNs(spec, 4, 1));
  EXPECT_DOUBLE_EQ(timing.estimated_latency_ns,
                   2 * dma + target::ActivationNs(spec, 4) + target::VectorNs(spec, 4, 1));
  EXPECT_EQ(timing.Instructions(Engine::kDma), 2);
  EXPECT_EQ(timing.Instructions(Engine::kScalar), 1);
  EXPECT_EQ(timing.Instructions(Engine::kVector), 1);
  EXPECT_EQ(timing.Instructions(Engine::kTensor), 0);
  EXPECT_EQ(timing.dma_bytes, 64);
  EXPECT_EQ(timing.tensor_utilization, 0);
  EXPECT_GT(timing.host_wall_ns, 0);
}

TEST_F(SimDeviceTest, ProgramRunsOnAnotherDeviceOfTheKindWithHostThreads) {
  runtime::ProgramOptions options;
  options.host_threads = 2;
  auto program = device_->Load(*model_, options);
  ASSERT_TRUE(program.ok()) << program.status();
  auto other = runtime::CreateDevice(kSimulatorDeviceKind, 0);
  ASSERT_TRUE(other.ok()) << other.status();
  const std::vector<float> x(8, 2.5f);
  std::vector<float> y(8);
  const absl::Span<const uint8_t> inputs[] = {
      {reinterpret_cast<const uint8_t*>(x.data()), x.size() * 4}};
  const absl::Span<uint8_t> outputs[] = {{reinterpret_cast<uint8_t*>(y.data()), y.size() * 4}};
  ASSERT_TRUE((*other)->Execute(**program, inputs, outputs, nullptr).ok());
  EXPECT_EQ(y, std::vector<float>(8, 3.5f));
}

TEST_F(SimDeviceTest, BuffersMustMatchTheModel) {
  auto program = device_->Load(*model_, {});
  ASSERT_TRUE(program.ok()) << program.status();
  std::vector<uint8_t> x(32), y(16);
  const absl::Span<const uint8_t> inputs[] = {x};
  const absl::Span<uint8_t> outputs[] = {absl::MakeSpan(y)};
  absl::Status s = device_->Execute(**program, inputs, outputs, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "output buffers do not match the model's outputs in count or size");
  s = device_->Execute(**program, {}, outputs, nullptr);
  EXPECT_EQ(s.message(), "input buffers do not match the model's inputs in count or size");
}

TEST_F(SimDeviceTest, LoadQueuesRunOnceAtLoad) {
  // y = x + W, W [2 x 4] loaded into SBUF once (partitions 0-1, bytes
  // [1024, 1040)).
  NeffBuilder b;
  b.set_dram_size(64);
  b.set_weights_f32({1, 2, 3, 4, 5, 6, 7, 8});
  b.AddInput("x", DType::F32, {2, 4}, 0);
  b.AddOutput("y", DType::F32, {2, 4}, 32);
  b.AddLoad(b.AddLoadQueue(), DmaCopy(Sbuf(0, 2, 1024, {{1, 4}}), Weights(0, 2, 4, {{1, 4}})));
  int dma = b.AddQueue(EngineType::DMA);
  int vec = b.AddQueue(EngineType::VECTOR);
  b.Add(dma, DmaCopy(Sbuf(0, 2, 0, {{1, 4}}), Dram(0, 2, 4, {{1, 4}})).Signal(0));
  b.Add(vec, TensorTensor(Sbuf(0, 2, 16, {{1, 4}}), Sbuf(0, 2, 0, {{1, 4}}),
                          Sbuf(0, 2, 1024, {{1, 4}}), neff::AluOp::ADD)
                 .Wait(0, 1)
                 .Signal(1));
  b.Add(dma, DmaCopy(Dram(32, 2, 4, {{1, 4}}), Sbuf(0, 2, 16, {{1, 4}})).Wait(1, 1));
  const std::string bytes = b.Build();
  auto model = neff::OpenModel(bytes);
  ASSERT_TRUE(model.ok()) << model.status();
  auto program = device_->Load(**model, {});
  ASSERT_TRUE(program.ok()) << program.status();

  const DecodedProgram* decoded = DecodedProgramOf(**program);
  ASSERT_NE(decoded, nullptr);
  const target::CoreSpec& spec = target::NeuronCoreV2();
  EXPECT_DOUBLE_EQ(LoadStatsOf(*decoded).estimated_ns, target::DmaNs(spec, 32, 16));
  EXPECT_EQ(LoadStatsOf(*decoded).resident_bytes, 32);

  auto other = runtime::CreateDevice(kSimulatorDeviceKind, 0);
  ASSERT_TRUE(other.ok()) << other.status();
  for (runtime::Device* device : {device_.get(), device_.get(), other->get()}) {
    const std::vector<float> x = {10, 20, 30, 40, 50, 60, 70, 80};
    std::vector<float> y(8);
    const absl::Span<const uint8_t> inputs[] = {
        {reinterpret_cast<const uint8_t*>(x.data()), x.size() * 4}};
    const absl::Span<uint8_t> outputs[] = {{reinterpret_cast<uint8_t*>(y.data()), y.size() * 4}};
    runtime::ExecutionTiming timing;
    ASSERT_TRUE(device->Execute(**program, inputs, outputs, &timing).ok());
    EXPECT_EQ(y, (std::vector<float>{11, 22, 33, 44, 55, 66, 77, 88}));
    // The load is not part of an execution.
    EXPECT_EQ(timing.Instructions(Engine::kDma), 2);
    EXPECT_EQ(timing.dma_bytes, 64);
  }

  class OtherProgram : public runtime::Program {};
  EXPECT_EQ(DecodedProgramOf(OtherProgram()), nullptr);
}

}  // namespace
}  // namespace ncc::sim
