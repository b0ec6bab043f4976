// The nrt_* C API over the NeuronCore device interface (runtime/device.h;
// the simulator is the device kind linked in): the runtime, core placement,
// models and execution. Tensors, tensor sets and tensor info are in
// nrt_tensor.cc; the handle types and registry they share in nrt_internal.h.
#include "runtime/nrt.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "neff/format.h"
#include "runtime/device.h"
#include "runtime/neff_loader.h"
#include "runtime/nrt_internal.h"
#include "target/neuroncore.h"
#include "text/printable.h"

using ncc::runtime::ExecutionTiming;
using ncc::runtime::nrt_internal::CheckInit;
using ncc::runtime::nrt_internal::CheckInitLocked;
using ncc::runtime::nrt_internal::Fail;
using ncc::runtime::nrt_internal::InitCoresLocked;
using ncc::runtime::nrt_internal::InUse;
using ncc::runtime::nrt_internal::Live;
using ncc::runtime::nrt_internal::PlaceLocked;
using ncc::runtime::nrt_internal::registry;
using ncc::runtime::nrt_internal::ReleaseLocked;
using ncc::runtime::nrt_internal::Source;
using ncc::runtime::nrt_internal::StageDesc;
using ncc::runtime::nrt_internal::TensorDesc;
using ncc::runtime::nrt_internal::ToNrt;
using ncc::runtime::nrt_internal::WaitUnused;

namespace {

thread_local std::string last_error;

std::string Describe(const TensorDesc& t) {
  return absl::StrCat(nrt_dtype_as_str(ToNrt(t.dtype)), "[", absl::StrJoin(t.shape, ", "), "]");
}

// Bytes of a tensor the loader checked (it fits an arena, or 1 TiB).
size_t TensorBytes(const neff::TensorInfo& t) {
  size_t size = neff::DTypeSize(t.dtype());
  if (t.shape() != nullptr) {
    for (int64_t dim : *t.shape()) size *= static_cast<size_t>(dim);
  }
  return size;
}

void AddTensors(nrt_model* m, bool inputs) {
  const auto* list = inputs ? m->model->inputs() : m->model->outputs();
  if (list == nullptr) return;
  for (const neff::TensorInfo* t : *list) {
    TensorDesc d;
    d.name = t->name()->str();
    d.dtype = t->dtype();
    if (t->shape()) d.shape.assign(t->shape()->begin(), t->shape()->end());
    d.size = TensorBytes(*t);
    d.dram_offset = t->dram_offset();
    d.usage = inputs ? NRT_TENSOR_USAGE_INPUT : NRT_TENSOR_USAGE_OUTPUT;
    m->tensors.push_back(std::move(d));
  }
}

// A pipelined model's stages: where their inputs come from, their output
// sizes, and where the model's outputs come from (all checked by the loader).
void AddStages(nrt_model* m) {
  for (size_t k = 0; k < m->neff.stages.size(); ++k) {
    StageDesc stage;
    stage.model = m->neff.stages[k];
    if (const auto* sources = m->model->stages()->Get(k)->inputs()) {
      for (const neff::TensorSource* t : *sources) stage.inputs.push_back({t->stage(), t->index()});
    }
    if (const auto* outputs = stage.model->outputs()) {
      for (const neff::TensorInfo* t : *outputs) stage.output_sizes.push_back(TensorBytes(*t));
    }
    m->stages.push_back(std::move(stage));
  }
  if (const auto* sources = m->model->output_sources()) {
    for (const neff::TensorSource* t : *sources) {
      m->output_sources.push_back({t->stage(), t->index()});
    }
  }
}

// Once the stages have their cores: the estimated transfer into each stage
// of the outputs of earlier stages it reads, one hand-off per source stage
// (each output counted once however many inputs read it).
void AddTransfers(nrt_model* m) {
  for (size_t k = 0; k < m->stages.size(); ++k) {
    StageDesc& stage = m->stages[k];
    std::map<int, std::set<uint32_t>> read;  // source stage -> its outputs read
    for (const Source& src : stage.inputs) {
      if (src.stage >= 0) read[src.stage].insert(src.index);
    }
    for (const auto& [from, outputs] : read) {
      int64_t bytes = 0;
      for (uint32_t i : outputs) bytes += static_cast<int64_t>(m->stages[from].output_sizes[i]);
      stage.transfer_ns += ncc::target::InterCoreTransferNs(ncc::target::Inferentia2(), bytes,
                                                            m->cores[from], m->cores[k]);
    }
  }
}

// Locks one of the model's cores: a free one if any (starting from a
// rotating position so work spreads), else waits for the next in turn.
// Returns the core's position in m->cores in *index.
std::unique_lock<std::mutex> AcquireCore(nrt_model* m, size_t* index) {
  const size_t n = m->cores.size();
  const size_t first = m->next_core.fetch_add(1) % n;
  for (size_t i = 0; i < n; ++i) {
    const size_t at = (first + i) % n;
    std::unique_lock<std::mutex> lock(m->core_refs[at]->mu, std::try_to_lock);
    if (lock.owns_lock()) {
      *index = at;
      return lock;
    }
  }
  *index = first;
  return std::unique_lock<std::mutex>(m->core_refs[first]->mu);
}

// NRT_SUCCESS while `m` is loaded. Called holding a core, before an
// execution starts: a model unloaded (nrt_unload, nrt_close) while the call
// waited for the core gives up rather than start work nobody may wait for.
NRT_STATUS CheckStillLoaded(const nrt_model* m) {
  std::lock_guard<std::mutex> lock(registry().mu);
  if (registry().models.count(const_cast<nrt_model*>(m)) > 0) return NRT_SUCCESS;
  return registry().closed
             ? Fail(NRT_CLOSED,
                    "nrt_execute: nrt_close() was called while waiting for a NeuronCore")
             : Fail(NRT_INVALID_HANDLE,
                    "nrt_execute: the model was unloaded while waiting for a NeuronCore");
}

// The status of a device's Execute as nrt_execute reports it.
NRT_STATUS ExecutionStatus(const absl::Status& s, const std::string& where) {
  if (s.ok()) return NRT_SUCCESS;
  const bool memory = s.code() == absl::StatusCode::kResourceExhausted;
  return Fail(memory ? NRT_RESOURCE : NRT_EXEC_COMPLETED_WITH_ERR,
              absl::StrCat("nrt_execute: ", where, s.message()));
}

using Inputs = std::vector<absl::Span<const uint8_t>>;
using Outputs = std::vector<absl::Span<uint8_t>>;

// One execution of a single-core model on whichever of its cores is free.
NRT_STATUS RunOnOneCore(nrt_model* m, const Inputs& inputs, const Outputs& outputs,
                        std::vector<ExecutionTiming>* timings, std::vector<int>* cores) {
  timings->assign(1, ExecutionTiming());
  size_t at = 0;
  absl::Status s;
  {
    std::unique_lock<std::mutex> busy = AcquireCore(m, &at);
    if (NRT_STATUS st = CheckStillLoaded(m); st != NRT_SUCCESS) return st;
    const ncc::runtime::Program& program = *m->programs[m->programs.size() == 1 ? 0 : at];
    s = m->core_refs[at]->device->Execute(program, inputs, outputs, &(*timings)[0]);
  }
  cores->assign(1, m->cores[at]);
  return ExecutionStatus(s, "");
}

// One execution of a pipelined model: stage k on cores[k], holding only that
// core, so that executions of other threads run the other stages meanwhile.
// A stage's outputs go straight into the first model output that comes from
// them, else into a host buffer of this execution.
NRT_STATUS RunPipeline(nrt_model* m, const Inputs& inputs, const Outputs& outputs,
                       std::vector<ExecutionTiming>* timings, std::vector<int>* cores) {
  const size_t n = m->stages.size();
  std::vector<Outputs> produced(n);
  std::vector<std::vector<bool>> placed(n);
  for (size_t k = 0; k < n; ++k) {
    produced[k].resize(m->stages[k].output_sizes.size());
    placed[k].assign(produced[k].size(), false);
  }
  std::vector<bool> written(outputs.size(), false);  // model outputs written in place
  for (size_t o = 0; o < m->output_sources.size(); ++o) {
    const Source& src = m->output_sources[o];
    if (src.stage < 0 || placed[src.stage][src.index]) continue;
    produced[src.stage][src.index] = outputs[o];
    placed[src.stage][src.index] = true;
    written[o] = true;
  }
  std::vector<std::vector<uint8_t>> buffers;
  size_t num_buffers = 0;
  for (size_t k = 0; k < n; ++k) num_buffers += produced[k].size();
  buffers.reserve(num_buffers);
  for (size_t k = 0; k < n; ++k) {
    for (size_t j = 0; j < produced[k].size(); ++j) {
      if (placed[k][j]) continue;
      buffers.emplace_back(m->stages[k].output_sizes[j]);
      produced[k][j] = absl::MakeSpan(buffers.back());
    }
  }
  auto source = [&](const Source& src) -> absl::Span<const uint8_t> {
    if (src.stage < 0) return inputs[src.index];
    return produced[src.stage][src.index];
  };

  timings->assign(n, ExecutionTiming());
  cores->assign(m->cores.begin(), m->cores.end());
  for (size_t k = 0; k < n; ++k) {
    Inputs stage_inputs;
    for (const Source& src : m->stages[k].inputs) stage_inputs.push_back(source(src));
    absl::Status s;
    {
      std::lock_guard<std::mutex> busy(m->core_refs[k]->mu);
      // Once its first stage runs, an execution runs to its end.
      if (k == 0) {
        if (NRT_STATUS st = CheckStillLoaded(m); st != NRT_SUCCESS) return st;
      }
      s = m->core_refs[k]->device->Execute(*m->programs[k], stage_inputs, produced[k],
                                           &(*timings)[k]);
    }
    if (NRT_STATUS st = ExecutionStatus(s, absl::StrCat("stage ", k, " of ", n, ": "));
        st != NRT_SUCCESS) {
      return st;
    }
  }
  for (size_t o = 0; o < outputs.size(); ++o) {
    if (written[o] || outputs[o].empty()) continue;
    const absl::Span<const uint8_t> from = source(m->output_sources[o]);
    std::memcpy(outputs[o].data(), from.data(), outputs[o].size());
  }
  return NRT_SUCCESS;
}

// Fills *stats from the timing of each stage (one for a single-core model)
// and the physical core each ran on.
void FillStats(const nrt_model& m, const std::vector<ExecutionTiming>& timings,
               const std::vector<int>& cores, nrt_execution_stats_t* stats) {
  using ncc::target::Engine;
  *stats = nrt_execution_stats_t{};
  double device_ns = 0;
  for (size_t k = 0; k < timings.size(); ++k) {
    const ExecutionTiming& t = timings[k];
    const double transfer = m.stages.empty() ? 0 : m.stages[k].transfer_ns;
    device_ns += t.estimated_latency_ns;
    stats->estimated_latency_ns += t.estimated_latency_ns + transfer;
    stats->transfer_ns += transfer;
    stats->estimated_interval_ns =
        std::max(stats->estimated_interval_ns, t.estimated_latency_ns + transfer);
    stats->tensor_busy_ns += t.BusyNs(Engine::kTensor);
    stats->vector_busy_ns += t.BusyNs(Engine::kVector);
    stats->scalar_busy_ns += t.BusyNs(Engine::kScalar);
    stats->gpsimd_busy_ns += t.BusyNs(Engine::kGpSimd);
    stats->dma_busy_ns += t.BusyNs(Engine::kDma);
    stats->tensor_instructions += t.Instructions(Engine::kTensor);
    stats->vector_instructions += t.Instructions(Engine::kVector);
    stats->scalar_instructions += t.Instructions(Engine::kScalar);
    stats->gpsimd_instructions += t.Instructions(Engine::kGpSimd);
    stats->dma_instructions += t.Instructions(Engine::kDma);
    stats->dma_bytes += t.dma_bytes;
    stats->semaphore_wait_ns += t.semaphore_wait_ns;
    stats->host_wall_ns += t.host_wall_ns;
    if (k < NRT_MAX_STAGES) {
      stats->stage_latency_ns[k] = t.estimated_latency_ns;
      stats->stage_transfer_ns[k] = transfer;
      stats->stage_neuron_core[k] = cores[k];
    }
  }
  // One stage: the device's own figure; several: the Tensor engines' share
  // of the stages' device time.
  stats->tensor_utilization = timings.size() == 1 ? timings[0].tensor_utilization
                              : device_ns > 0     ? stats->tensor_busy_ns / device_ns
                                                  : 0;
  stats->num_stages = static_cast<uint32_t>(timings.size());
  stats->neuron_core = cores.empty() ? 0 : cores[0];
}

// Simulator host threads: nrt_load_options_t.sim_threads, else
// NEURON_SIM_THREADS, else 1.
absl::StatusOr<int> SimThreads(const nrt_load_options_t* options) {
  constexpr int kMaxThreads = 256;
  if (options != nullptr && options->sim_threads != 0) {
    if (options->sim_threads > kMaxThreads) {
      return absl::InvalidArgumentError(
          absl::StrCat("sim_threads ", options->sim_threads, " exceeds ", kMaxThreads));
    }
    return static_cast<int>(options->sim_threads);
  }
  const char* env = std::getenv("NEURON_SIM_THREADS");
  if (env == nullptr || *env == '\0') return 1;
  int threads = 0;
  if (!absl::SimpleAtoi(env, &threads) || threads < 1 || threads > kMaxThreads) {
    return absl::InvalidArgumentError(
        absl::StrCat("NEURON_SIM_THREADS='", env, "': must be 1-", kMaxThreads));
  }
  return threads;
}

// With the registry's mutex held: the physical cores of `m` from start_nc /
// nc_count over the visible cores (a pipelined model: the first as many as
// it has stages), or the error.
NRT_STATUS ChooseCoresLocked(nrt_model* m, const char* fn, int32_t start_nc, int32_t nc_count) {
  const std::vector<int>& visible = registry().visible_cores;
  const int32_t num_visible = static_cast<int32_t>(visible.size());
  const std::string range =
      absl::StrCat(num_visible, " NeuronCore(s) visible (logical ids 0-", num_visible - 1,
                   "; see NEURON_RT_VISIBLE_CORES and NEURON_RT_SIM_CORES)");
  if (start_nc < 0 || start_nc >= num_visible) {
    return Fail(NRT_INVALID,
                absl::StrCat(fn, ": start_nc ", start_nc, " is out of range: ", range));
  }
  if (nc_count != -1 && (nc_count < 1 || int64_t{start_nc} + nc_count > num_visible)) {
    return Fail(NRT_INVALID, absl::StrCat(fn, ": nc_count ", nc_count, " from start_nc ", start_nc,
                                          " needs NeuronCores beyond the ", num_visible,
                                          " visible (use -1 for all from start_nc)"));
  }
  int32_t count = nc_count == -1 ? num_visible - start_nc : nc_count;
  if (!m->stages.empty()) {
    const int32_t stages = static_cast<int32_t>(m->stages.size());
    const std::string what = absl::StrCat("the model is pipelined over ", stages,
                                          " stages and needs ", stages, " NeuronCores");
    if (nc_count != -1 && nc_count < stages) {
      return Fail(NRT_LOAD_NOT_ENOUGH_NC, absl::StrCat(fn, ": nc_count ", nc_count, " is too few: ",
                                                       what, " (nc_count -1 gives it as many)"));
    }
    if (start_nc + stages > num_visible) {
      return Fail(NRT_LOAD_NOT_ENOUGH_NC,
                  absl::StrCat(fn, ": ", what, ", consecutive from start_nc ", start_nc,
                               ", but there are ", range));
    }
    count = stages;
  }
  m->cores.assign(visible.begin() + start_nc, visible.begin() + start_nc + count);
  return NRT_SUCCESS;
}

// Prepares the model's programs on its cores' devices: one for all cores
// (streaming), one per core (exclusive single-core), one per stage
// (pipelined). Fails without side effects on the registry.
NRT_STATUS LoadPrograms(nrt_model* m, const char* fn, int sim_threads) {
  for (const auto& core : m->core_refs) {
    if (core->device == nullptr)
      return Fail(NRT_FAILURE, absl::StrCat(fn, ": ", core->device_error));
  }
  ncc::runtime::ProgramOptions options;
  options.host_threads = sim_threads;
  const size_t count = !m->stages.empty() ? m->stages.size() : m->exclusive ? m->cores.size() : 1;
  for (size_t i = 0; i < count; ++i) {
    const neff::Model& model = m->stages.empty() ? *m->model : *m->stages[i].model;
    auto program = m->core_refs[i]->device->Load(model, options);
    if (!program.ok()) {
      const std::string stage =
          m->stages.empty() ? "" : absl::StrCat("stage ", i, " of ", m->stages.size(), ": ");
      return Fail(NRT_LOAD_NEFF_FAIL, absl::StrCat(fn, ": ", stage, program.status().message()));
    }
    m->programs.push_back(*std::move(program));
  }
  return NRT_SUCCESS;
}

// Places a checked NEFF on its NeuronCores, prepares its programs there and
// registers it. `path` names it ("" from memory).
NRT_STATUS LoadChecked(absl::StatusOr<ncc::runtime::LoadedNeff> loaded, const char* fn,
                       const std::string& path, int32_t start_nc, int32_t nc_count,
                       const nrt_load_options_t* options, nrt_model_t** model) {
  absl::StatusOr<int> sim_threads = SimThreads(options);
  if (!sim_threads.ok()) {
    return Fail(NRT_INVALID, absl::StrCat(fn, ": ", sim_threads.status().message()));
  }
  if (!loaded.ok()) {
    const bool version = loaded.status().code() == absl::StatusCode::kUnimplemented;
    return Fail(version ? NRT_UNSUPPORTED_NEFF_VERSION : NRT_LOAD_NEFF_FAIL,
                absl::StrCat(fn, ": ", loaded.status().message()));
  }
  auto m = std::make_unique<nrt_model>();
  m->neff = *std::move(loaded);
  m->model = m->neff.model;
  m->path = path;
  const auto* load_queues = m->model->load_queues();
  m->exclusive = !m->neff.stages.empty() || (load_queues != nullptr && load_queues->size() > 0);
  AddStages(m.get());
  AddTensors(m.get(), true);
  AddTensors(m.get(), false);
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(registry().mu);
    // nrt_close ran while this load was checking the file.
    if (registry().closed || !registry().initialized) {
      return Fail(NRT_CLOSED, absl::StrCat(fn, ": nrt_close() was called during the load"));
    }
    generation = registry().generation;
    if (NRT_STATUS s = ChooseCoresLocked(m.get(), fn, start_nc, nc_count); s != NRT_SUCCESS) {
      return s;
    }
    if (NRT_STATUS s = PlaceLocked(m.get(), fn); s != NRT_SUCCESS) return s;
  }
  AddTransfers(m.get());
  NRT_STATUS s = LoadPrograms(m.get(), fn, *sim_threads);
  std::lock_guard<std::mutex> lock(registry().mu);
  // nrt_close ran while this load prepared the programs: the model would
  // outlive the runtime it belongs to.
  if (s == NRT_SUCCESS &&
      (registry().closed || !registry().initialized || registry().generation != generation)) {
    s = Fail(NRT_CLOSED, absl::StrCat(fn, ": nrt_close() was called during the load"));
  }
  if (s != NRT_SUCCESS) {
    ReleaseLocked(m.get());
    return s;
  }
  registry().models.insert(m.get());
  *model = m.release();
  return NRT_SUCCESS;
}

ncc::runtime::LoadOptions Options(const nrt_load_options_t* options) {
  ncc::runtime::LoadOptions o = ncc::runtime::LoadOptionsFromEnvironment();
  if (options != nullptr && options->skip_checksum != 0) {
    o.skip_checksums = true;
  }
  if (options != nullptr && options->allow_unsealed != 0) {
    o.allow_unsealed = true;
  }
  return o;
}

}  // namespace

namespace ncc::runtime::nrt_internal {

NRT_STATUS Fail(NRT_STATUS status, std::string message) {
  last_error = std::move(message);
  return status;
}

// With the registry's mutex held.
NRT_STATUS CheckInitLocked(const char* fn) {
  if (registry().closed) {
    return Fail(NRT_CLOSED, absl::StrCat(fn, ": the runtime was closed"));
  }
  if (!registry().initialized) {
    return Fail(NRT_UNINITIALIZED, absl::StrCat(fn, ": call nrt_init() first"));
  }
  return NRT_SUCCESS;
}

NRT_STATUS CheckInit(const char* fn) {
  std::lock_guard<std::mutex> lock(registry().mu);
  return CheckInitLocked(fn);
}

}  // namespace ncc::runtime::nrt_internal

extern "C" {

const char* nrt_get_status_as_str(NRT_STATUS status) {
  switch (status) {
    case NRT_SUCCESS:
      return "NRT_SUCCESS";
    case NRT_FAILURE:
      return "NRT_FAILURE";
    case NRT_INVALID:
      return "NRT_INVALID";
    case NRT_INVALID_HANDLE:
      return "NRT_INVALID_HANDLE";
    case NRT_RESOURCE:
      return "NRT_RESOURCE";
    case NRT_TIMEOUT:
      return "NRT_TIMEOUT";
    case NRT_HW_ERROR:
      return "NRT_HW_ERROR";
    case NRT_LOAD_NOT_ENOUGH_NC:
      return "NRT_LOAD_NOT_ENOUGH_NC";
    case NRT_UNINITIALIZED:
      return "NRT_UNINITIALIZED";
    case NRT_CLOSED:
      return "NRT_CLOSED";
    case NRT_LOAD_NEFF_FAIL:
      return "NRT_LOAD_NEFF_FAIL";
    case NRT_UNSUPPORTED_NEFF_VERSION:
      return "NRT_UNSUPPORTED_NEFF_VERSION";
    case NRT_EXEC_BAD_INPUT:
      return "NRT_EXEC_BAD_INPUT";
    case NRT_EXEC_COMPLETED_WITH_ERR:
      return "NRT_EXEC_COMPLETED_WITH_ERR";
  }
  return "NRT_UNKNOWN_STATUS";
}

const char* nrt_get_last_error(void) { return last_error.c_str(); }

// The framework and FAL versions are informational in libnrt; the simulator
// has nothing to negotiate with them.
NRT_STATUS nrt_init(nrt_framework_type_t framework, const char* /*fw_version*/,
                    const char* /*fal_version*/) {
  if (framework < NRT_FRAMEWORK_TYPE_NO_FW || framework > NRT_FRAMEWORK_TYPE_MXNET) {
    return Fail(NRT_INVALID,
                absl::StrCat("nrt_init: unknown framework type ", static_cast<int>(framework)));
  }
  std::lock_guard<std::mutex> lock(registry().mu);
  if (NRT_STATUS s = InitCoresLocked(); s != NRT_SUCCESS) return s;
  registry().initialized = true;
  registry().closed = false;
  return NRT_SUCCESS;
}

// Unloads every model once the calls using them return (executions that
// have not reached a NeuronCore yet give up with NRT_CLOSED instead of
// running); tensors and tensor sets are the caller's and stay.
void nrt_close(void) {
  std::vector<nrt_model*> models;
  {
    std::unique_lock<std::mutex> lock(registry().mu);
    registry().initialized = false;
    registry().closed = true;
    ++registry().generation;
    models.assign(registry().models.begin(), registry().models.end());
    registry().models.clear();
    for (const nrt_model* m : models) WaitUnused(lock, m);
    for (nrt_model* m : models) ReleaseLocked(m);
  }
  for (nrt_model* m : models) delete m;
}

NRT_STATUS nrt_load(const void* neff_bytes, size_t size, int32_t start_nc, int32_t nc_count,
                    nrt_model_t** model) {
  return nrt_load_with_options(neff_bytes, size, start_nc, nc_count, nullptr, model);
}

NRT_STATUS nrt_load_with_options(const void* neff_bytes, size_t size, int32_t start_nc,
                                 int32_t nc_count, const nrt_load_options_t* options,
                                 nrt_model_t** model) {
  if (NRT_STATUS s = CheckInit("nrt_load"); s != NRT_SUCCESS) return s;
  if (model == nullptr || (neff_bytes == nullptr && size > 0)) {
    return Fail(NRT_INVALID, "nrt_load: null argument");
  }
  *model = nullptr;
  return LoadChecked(ncc::runtime::LoadNeffBytes(neff_bytes, size, Options(options)), "nrt_load",
                     "", start_nc, nc_count, options, model);
}

NRT_STATUS nrt_load_from_file(const char* neff_path, int32_t start_nc, int32_t nc_count,
                              nrt_model_t** model) {
  return nrt_load_from_file_with_options(neff_path, start_nc, nc_count, nullptr, model);
}

NRT_STATUS nrt_load_from_file_with_options(const char* neff_path, int32_t start_nc,
                                           int32_t nc_count, const nrt_load_options_t* options,
                                           nrt_model_t** model) {
  if (NRT_STATUS s = CheckInit("nrt_load_from_file"); s != NRT_SUCCESS) {
    return s;
  }
  if (neff_path == nullptr || model == nullptr) {
    return Fail(NRT_INVALID, "nrt_load_from_file: null argument");
  }
  *model = nullptr;
  return LoadChecked(ncc::runtime::LoadNeffFile(neff_path, Options(options)), "nrt_load_from_file",
                     neff_path, start_nc, nc_count, options, model);
}

// The handle leaves the registry at once (later calls with it fail with
// NRT_INVALID_HANDLE, executions waiting for a NeuronCore give up); the
// model is freed when the calls already using it return.
NRT_STATUS nrt_unload(nrt_model_t* model) {
  {
    std::unique_lock<std::mutex> lock(registry().mu);
    if (registry().closed) {
      return Fail(NRT_CLOSED,
                  "nrt_unload: the runtime was closed (nrt_close() unloaded every model)");
    }
    if (model == nullptr || registry().models.erase(model) == 0) {
      return Fail(NRT_INVALID_HANDLE, "nrt_unload: not a loaded model");
    }
    WaitUnused(lock, model);
    // Only now: an execution still running keeps its cores' state.
    ReleaseLocked(model);
  }
  delete model;
  return NRT_SUCCESS;
}

NRT_STATUS nrt_execute(nrt_model_t* model, const nrt_tensor_set_t* input_set,
                       nrt_tensor_set_t* output_set) {
  return nrt_execute_with_stats(model, input_set, output_set, nullptr);
}

NRT_STATUS nrt_execute_with_stats(nrt_model_t* model, const nrt_tensor_set_t* input_set,
                                  nrt_tensor_set_t* output_set, nrt_execution_stats_t* stats) {
  // Resolve and check every input and output before running anything, and
  // hold the model and the tensors for the execution (nrt_unload, nrt_close
  // and nrt_tensor_free wait for it). Released after the lock below.
  std::optional<InUse<nrt_model>> model_in_use;
  std::vector<InUse<nrt_tensor>> tensors_in_use;
  std::vector<std::pair<const TensorDesc*, nrt_tensor_t*>> bound;
  {
    std::lock_guard<std::mutex> lock(registry().mu);
    if (NRT_STATUS s = CheckInitLocked("nrt_execute"); s != NRT_SUCCESS) return s;
    if (!Live(registry().models, model)) {
      return Fail(NRT_INVALID_HANDLE, "nrt_execute: not a loaded model");
    }
    if (!Live(registry().sets, input_set) || !Live(registry().sets, output_set)) {
      return Fail(NRT_INVALID_HANDLE, "nrt_execute: input or output set is not a live tensor set");
    }
    for (const TensorDesc& t : model->tensors) {
      const bool input = t.usage == NRT_TENSOR_USAGE_INPUT;
      const nrt_tensor_set_t* set = input ? input_set : output_set;
      const char* kind = input ? "input" : "output";
      auto it = set->tensors.find(t.name);
      if (it == set->tensors.end()) {
        std::vector<std::string> given;
        for (const auto& [name, tensor] : set->tensors)
          given.push_back(ncc::text::PrintableName(name));
        return Fail(
            NRT_EXEC_BAD_INPUT,
            absl::StrCat("nrt_execute: model ", kind, " '", ncc::text::PrintableName(t.name), "' (",
                         Describe(t), ") is missing from the ", kind, " tensor set (it has: ",
                         given.empty() ? "nothing" : absl::StrJoin(given, ", "), ")"));
      }
      if (!Live(registry().tensors, it->second)) {
        return Fail(NRT_INVALID_HANDLE,
                    absl::StrCat("nrt_execute: ", kind, " '", ncc::text::PrintableName(t.name),
                                 "' refers to a freed tensor"));
      }
      if (it->second->size != t.size) {
        return Fail(
            NRT_EXEC_BAD_INPUT,
            absl::StrCat("nrt_execute: ", kind, " '", ncc::text::PrintableName(t.name), "' is ",
                         it->second->size,
                         " bytes but the model "
                         "expects ",
                         t.size, " (", Describe(t), ")",
                         it->second->size == 0 ? "; attach a buffer to an empty tensor with "
                                                 "nrt_tensor_attach_buffer"
                                               : ""));
      }
      bound.emplace_back(&t, it->second);
    }
    model_in_use.emplace(model);
    tensors_in_use.reserve(bound.size());
    for (const auto& [desc, tensor] : bound) tensors_in_use.emplace_back(tensor);
  }
  // The model's inputs and outputs in Model order (model->tensors' order),
  // in the tensors' own memory (attached buffers included): the device reads
  // and writes it directly.
  Inputs inputs;
  Outputs outputs;
  for (const auto& [desc, tensor] : bound) {
    if (desc->usage == NRT_TENSOR_USAGE_INPUT) {
      inputs.emplace_back(tensor->data, desc->size);
    } else {
      outputs.emplace_back(tensor->data, desc->size);
    }
  }
  std::vector<ExecutionTiming> timings;  // per stage
  std::vector<int> cores;                // the physical core of each
  const NRT_STATUS status = model->stages.empty()
                                ? RunOnOneCore(model, inputs, outputs, &timings, &cores)
                                : RunPipeline(model, inputs, outputs, &timings, &cores);
  if (status != NRT_SUCCESS) return status;
  if (stats != nullptr) FillStats(*model, timings, cores, stats);
  return NRT_SUCCESS;
}

}  // extern "C"
