#include "runtime/sim/sim_device.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neff/format.h"
#include "runtime/sim/host_memory.h"
#include "runtime/sim/simulator.h"

namespace ncc::sim {
namespace {

// Where each tensor of `tensors` lives in the DRAM arena: offset and bytes.
std::vector<std::pair<uint64_t, size_t>> TensorRanges(
    const flatbuffers::Vector<flatbuffers::Offset<neff::TensorInfo>>* tensors) {
  std::vector<std::pair<uint64_t, size_t>> ranges;
  if (tensors == nullptr) return ranges;
  for (const neff::TensorInfo* t : *tensors) {
    size_t size = neff::DTypeSize(t->dtype());
    if (t->shape() != nullptr) {
      for (int64_t dim : *t->shape()) size *= static_cast<size_t>(dim);  // verified to fit
    }
    ranges.emplace_back(t->dram_offset(), size);
  }
  return ranges;
}

// The decoded program, shared by every simulated core (decoding does not
// depend on the core).
class SimProgram : public runtime::Program {
 public:
  SimProgram(const neff::Model& model, std::shared_ptr<const DecodedProgram> decoded,
             int host_threads)
      : model_(model),
        decoded_(std::move(decoded)),
        host_threads_(host_threads),
        inputs_(TensorRanges(model.inputs())),
        outputs_(TensorRanges(model.outputs())) {}

  const neff::Model& model() const { return model_; }
  const DecodedProgram& decoded() const { return *decoded_; }
  int host_threads() const { return host_threads_; }
  const std::vector<std::pair<uint64_t, size_t>>& inputs() const { return inputs_; }
  const std::vector<std::pair<uint64_t, size_t>>& outputs() const { return outputs_; }

 private:
  const neff::Model& model_;
  std::shared_ptr<const DecodedProgram> decoded_;
  int host_threads_;
  std::vector<std::pair<uint64_t, size_t>> inputs_, outputs_;  // DRAM offset, bytes
};

// The executing thread's DRAM arena, kept across executions (a fresh
// calloc per execution faulted in every page of it again). Each execution
// must start from zeros but the inputs: Prepare zeroes only what the
// previous one on this thread changed (its inputs and its program's DRAM
// write set).
class ThreadArena {
 public:
  // The arena for `program`, zeroed; null when it cannot be allocated.
  uint8_t* Prepare(const SimProgram& program) {
    const size_t bytes = std::max<size_t>(program.model().dram_size(), 1);
    if (bytes > capacity_) {
      arena_.reset();
      arena_ = AllocateHostMemory(bytes);
      capacity_ = arena_ == nullptr ? 0 : bytes;
      dirty_writes_ = nullptr;
      dirty_inputs_.clear();
      if (arena_ == nullptr) return nullptr;
    } else {
      if (dirty_writes_ != nullptr) dirty_writes_->Zero(arena_.get());
      for (const auto& [offset, size] : dirty_inputs_) std::memset(arena_.get() + offset, 0, size);
    }
    dirty_writes_ = DramWritesOf(program.decoded());
    dirty_inputs_.assign(program.inputs().begin(), program.inputs().end());
    return arena_.get();
  }

 private:
  HostMemory arena_;
  size_t capacity_ = 0;
  std::shared_ptr<const WriteSet> dirty_writes_;
  std::vector<std::pair<uint64_t, size_t>> dirty_inputs_;
};

template <typename Buffer>
absl::Status CheckBuffers(const std::vector<std::pair<uint64_t, size_t>>& ranges,
                          absl::Span<const Buffer> buffers, const char* kind) {
  bool match = buffers.size() == ranges.size();
  for (size_t i = 0; match && i < ranges.size(); ++i) match = buffers[i].size() == ranges[i].second;
  if (match) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(kind, " buffers do not match the model's ", kind, "s in count or size"));
}

const bool kRegistered = runtime::RegisterDeviceKind(
    kSimulatorDeviceKind, [](int core) { return std::make_unique<SimDevice>(core); });

}  // namespace

absl::StatusOr<std::shared_ptr<const runtime::Program>> SimDevice::Load(
    const neff::Model& model, const runtime::ProgramOptions& options) {
  ExecuteOptions load_options;
  load_options.threads = options.host_threads;
  auto decoded = Decode(model, load_options);
  if (!decoded.ok()) return decoded.status();
  return std::make_shared<SimProgram>(model, *std::move(decoded), options.host_threads);
}

const DecodedProgram* DecodedProgramOf(const runtime::Program& program) {
  const auto* p = dynamic_cast<const SimProgram*>(&program);
  return p == nullptr ? nullptr : &p->decoded();
}

absl::Status SimDevice::Execute(const runtime::Program& program,
                                absl::Span<const absl::Span<const uint8_t>> inputs,
                                absl::Span<const absl::Span<uint8_t>> outputs,
                                runtime::ExecutionTiming* timing) {
  const auto& p = static_cast<const SimProgram&>(program);
  const auto& in_ranges = p.inputs();
  const auto& out_ranges = p.outputs();
  if (absl::Status s = CheckBuffers(in_ranges, inputs, "input"); !s.ok()) return s;
  if (absl::Status s = CheckBuffers(out_ranges, outputs, "output"); !s.ok()) return s;
  static thread_local ThreadArena arena;
  uint8_t* dram = arena.Prepare(p);
  if (dram == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot allocate the ", p.model().dram_size(), "-byte device arena"));
  }
  for (size_t i = 0; i < in_ranges.size(); ++i) {
    if (in_ranges[i].second > 0) {
      std::memcpy(dram + in_ranges[i].first, inputs[i].data(), in_ranges[i].second);
    }
  }
  ExecutionStats stats;
  ExecuteOptions options;
  options.threads = p.host_threads();
  const auto start = std::chrono::steady_clock::now();
  absl::Status s = ExecuteDecoded(p.decoded(), dram, &stats, nullptr, options);
  const auto end = std::chrono::steady_clock::now();
  if (!s.ok()) return s;
  for (size_t i = 0; i < out_ranges.size(); ++i) {
    if (out_ranges[i].second > 0) {
      std::memcpy(outputs[i].data(), dram + out_ranges[i].first, out_ranges[i].second);
    }
  }
  static_assert(kNumEngines == runtime::kNumDeviceEngines);
  if (timing != nullptr) {
    timing->estimated_latency_ns = stats.estimated_latency_ns;
    timing->busy_ns = stats.busy_ns;
    timing->instructions = stats.instructions;
    timing->dma_bytes = stats.dma_bytes;
    timing->semaphore_wait_ns = stats.semaphore_wait_ns;
    timing->tensor_utilization = stats.tensor_utilization;
    timing->host_wall_ns = std::chrono::duration<double, std::nano>(end - start).count();
  }
  return absl::OkStatus();
}

}  // namespace ncc::sim
