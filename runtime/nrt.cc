// The nrt_* C API over the NeuronCore device interface (runtime/device.h;
// the simulator is the device kind linked in): the runtime, core placement,
// models and execution. Tensors, tensor sets and tensor info are in
// nrt_tensor.cc; the handle types and registry they share in nrt_internal.h.
#include "runtime/nrt.h"

#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"
#include "neff/format.h"
#include "runtime/device.h"
#include "runtime/neff_loader.h"
#include "runtime/nrt_internal.h"
#include "text/printable.h"

using ncc::runtime::nrt_internal::CheckInit;
using ncc::runtime::nrt_internal::CheckInitLocked;
using ncc::runtime::nrt_internal::Fail;
using ncc::runtime::nrt_internal::InUse;
using ncc::runtime::nrt_internal::Live;
using ncc::runtime::nrt_internal::registry;
using ncc::runtime::nrt_internal::TensorDesc;
using ncc::runtime::nrt_internal::ToNrt;
using ncc::runtime::nrt_internal::WaitUnused;

namespace {

thread_local std::string last_error;

// The simulated chip: an Inferentia2 with two NeuronCores. Each core runs
// one program at a time (its mutex); different cores run concurrently.
constexpr int kChipCores = 2;

// The device kind behind every core (registered by the library that
// implements it).
constexpr char kDeviceKind[] = "simulator";

struct Core {
  std::mutex mu;
  // Null when no device of kDeviceKind is linked in (device_error says so).
  std::unique_ptr<ncc::runtime::Device> device;
  std::string device_error;
};

Core& core(int id) {
  static Core* cores = [] {
    Core* c = new Core[kChipCores];
    for (int id = 0; id < kChipCores; ++id) {
      auto device = ncc::runtime::CreateDevice(kDeviceKind, id);
      if (device.ok()) {
        c[id].device = *std::move(device);
      } else {
        c[id].device_error = std::string(device.status().message());
      }
    }
    return c;
  }();
  return cores[id];
}

std::string Describe(const TensorDesc& t) {
  return absl::StrCat(nrt_dtype_as_str(ToNrt(t.dtype)), "[", absl::StrJoin(t.shape, ", "), "]");
}

void AddTensors(nrt_model* m, bool inputs) {
  const auto* list = inputs ? m->model->inputs() : m->model->outputs();
  if (list == nullptr) return;
  for (const neff::TensorInfo* t : *list) {
    TensorDesc d;
    d.name = t->name()->str();
    d.dtype = t->dtype();
    size_t size = neff::DTypeSize(t->dtype());
    if (t->shape()) {
      for (int64_t dim : *t->shape()) {
        d.shape.push_back(dim);
        size *= static_cast<size_t>(dim);  // verified to fit the arena
      }
    }
    d.size = size;
    d.dram_offset = t->dram_offset();
    d.usage = inputs ? NRT_TENSOR_USAGE_INPUT : NRT_TENSOR_USAGE_OUTPUT;
    m->tensors.push_back(std::move(d));
  }
}

// Parses NEURON_RT_VISIBLE_CORES ("1", "0-1", "0,1") and
// NEURON_RT_NUM_CORES into the visible physical core ids, or an error.
absl::StatusOr<std::vector<int>> VisibleCoresFromEnvironment() {
  std::vector<int> visible;
  const char* list = std::getenv("NEURON_RT_VISIBLE_CORES");
  const std::string chip = absl::StrCat("this Inferentia2 chip has NeuronCores 0-", kChipCores - 1);
  if (list == nullptr || *list == '\0') {
    for (int c = 0; c < kChipCores; ++c) visible.push_back(c);
  } else {
    for (absl::string_view part : absl::StrSplit(list, ',')) {
      std::vector<absl::string_view> range = absl::StrSplit(part, '-');
      int lo = -1, hi = -1;
      if (range.size() > 2 || !absl::SimpleAtoi(range[0], &lo) ||
          !absl::SimpleAtoi(range.back(), &hi) || lo < 0 || hi < lo) {
        return absl::InvalidArgumentError(absl::StrCat("NEURON_RT_VISIBLE_CORES='", list, "': '",
                                                       part,
                                                       "' is not a core id or a range like 0-1"));
      }
      if (hi >= kChipCores) {
        return absl::InvalidArgumentError(absl::StrCat("NEURON_RT_VISIBLE_CORES='", list,
                                                       "': NeuronCore ", hi, " does not exist (",
                                                       chip, ")"));
      }
      for (int c = lo; c <= hi; ++c) {
        for (int v : visible) {
          if (v == c) {
            return absl::InvalidArgumentError(absl::StrCat(
                "NEURON_RT_VISIBLE_CORES='", list, "': NeuronCore ", c, " is listed twice"));
          }
        }
        visible.push_back(c);
      }
    }
  }
  if (const char* num = std::getenv("NEURON_RT_NUM_CORES"); num != nullptr && *num != '\0') {
    int n = 0;
    if (!absl::SimpleAtoi(num, &n) || n < 1 || n > static_cast<int>(visible.size())) {
      return absl::InvalidArgumentError(
          absl::StrCat("NEURON_RT_NUM_CORES='", num, "': must be 1-", visible.size(),
                       " (the NeuronCores visible to this process; ", chip, ")"));
    }
    visible.resize(n);
  }
  return visible;
}

// Locks one of the model's cores: a free one if any (starting from a
// rotating position so work spreads), else waits for the next in turn.
std::unique_lock<std::mutex> AcquireCore(nrt_model* m, int* id) {
  const size_t n = m->cores.size();
  const size_t first = m->next_core.fetch_add(1) % n;
  for (size_t i = 0; i < n; ++i) {
    const int c = m->cores[(first + i) % n];
    std::unique_lock<std::mutex> lock(core(c).mu, std::try_to_lock);
    if (lock.owns_lock()) {
      *id = c;
      return lock;
    }
  }
  *id = m->cores[first];
  return std::unique_lock<std::mutex>(core(*id).mu);
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

NRT_STATUS LoadChecked(absl::StatusOr<ncc::runtime::LoadedNeff> loaded, const char* fn,
                       int32_t start_nc, int32_t nc_count, const nrt_load_options_t* options,
                       nrt_model_t** model) {
  absl::StatusOr<int> sim_threads = SimThreads(options);
  if (!sim_threads.ok()) {
    return Fail(NRT_INVALID, absl::StrCat(fn, ": ", sim_threads.status().message()));
  }
  if (!loaded.ok()) {
    const bool version = loaded.status().code() == absl::StatusCode::kUnimplemented;
    return Fail(version ? NRT_UNSUPPORTED_NEFF_VERSION : NRT_LOAD_NEFF_FAIL,
                absl::StrCat(fn, ": ", loaded.status().message()));
  }
  std::vector<int> visible;
  {
    std::lock_guard<std::mutex> lock(registry().mu);
    visible = registry().visible_cores;
  }
  const int32_t num_visible = static_cast<int32_t>(visible.size());
  if (start_nc < 0 || start_nc >= num_visible) {
    return Fail(NRT_INVALID,
                absl::StrCat(fn, ": start_nc ", start_nc, " is out of range: ", num_visible,
                             " NeuronCore(s) visible (logical "
                             "ids 0-",
                             num_visible - 1, "; see NEURON_RT_VISIBLE_CORES)"));
  }
  const int32_t count = nc_count == -1 ? num_visible - start_nc : nc_count;
  if (count < 1 || start_nc + count > num_visible) {
    return Fail(NRT_INVALID, absl::StrCat(fn, ": nc_count ", nc_count, " from start_nc ", start_nc,
                                          " needs NeuronCores beyond the ", num_visible,
                                          " visible (use -1 for all from "
                                          "start_nc)"));
  }
  auto m = std::make_unique<nrt_model>();
  m->neff = *std::move(loaded);
  m->model = m->neff.model;
  m->cores.assign(visible.begin() + start_nc, visible.begin() + start_nc + count);
  ncc::runtime::Device* device = core(m->cores[0]).device.get();
  if (device == nullptr) {
    return Fail(NRT_FAILURE, absl::StrCat(fn, ": ", core(m->cores[0]).device_error));
  }
  ncc::runtime::ProgramOptions program_options;
  program_options.host_threads = *sim_threads;
  auto program = device->Load(*m->model, program_options);
  if (!program.ok()) {
    return Fail(NRT_LOAD_NEFF_FAIL, absl::StrCat(fn, ": ", program.status().message()));
  }
  m->program = *std::move(program);
  AddTensors(m.get(), true);
  AddTensors(m.get(), false);
  std::lock_guard<std::mutex> lock(registry().mu);
  // nrt_close ran while this load was checking the file: the model would
  // outlive the runtime it belongs to.
  if (registry().closed || !registry().initialized) {
    return Fail(NRT_CLOSED, absl::StrCat(fn, ": nrt_close() was called during the load"));
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
  auto visible = VisibleCoresFromEnvironment();
  if (!visible.ok()) {
    return Fail(NRT_INVALID, absl::StrCat("nrt_init: ", visible.status().message()));
  }
  std::lock_guard<std::mutex> lock(registry().mu);
  registry().initialized = true;
  registry().closed = false;
  registry().visible_cores = *std::move(visible);
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
    models.assign(registry().models.begin(), registry().models.end());
    registry().models.clear();
    for (const nrt_model* m : models) WaitUnused(lock, m);
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
                     start_nc, nc_count, options, model);
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
                     start_nc, nc_count, options, model);
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
  std::vector<absl::Span<const uint8_t>> inputs;
  std::vector<absl::Span<uint8_t>> outputs;
  for (const auto& [desc, tensor] : bound) {
    if (desc->usage == NRT_TENSOR_USAGE_INPUT) {
      inputs.emplace_back(tensor->data, desc->size);
    } else {
      outputs.emplace_back(tensor->data, desc->size);
    }
  }
  ncc::runtime::ExecutionTiming timing;
  int core_id = 0;
  absl::Status s;
  {
    std::unique_lock<std::mutex> busy = AcquireCore(model, &core_id);
    // Unloaded (nrt_unload, nrt_close) while this call waited for the core:
    // give up rather than start work nobody may wait for.
    {
      std::lock_guard<std::mutex> lock(registry().mu);
      if (registry().models.count(model) == 0) {
        return registry().closed
                   ? Fail(NRT_CLOSED,
                          "nrt_execute: nrt_close() was called while waiting for a NeuronCore")
                   : Fail(NRT_INVALID_HANDLE,
                          "nrt_execute: the model was unloaded while waiting for a NeuronCore");
      }
    }
    s = core(core_id).device->Execute(*model->program, inputs, outputs, &timing);
  }
  if (!s.ok()) {
    const bool memory = s.code() == absl::StatusCode::kResourceExhausted;
    return Fail(memory ? NRT_RESOURCE : NRT_EXEC_COMPLETED_WITH_ERR,
                absl::StrCat("nrt_execute: ", s.message()));
  }
  if (stats != nullptr) {
    using ncc::target::Engine;
    stats->estimated_latency_ns = timing.estimated_latency_ns;
    stats->tensor_busy_ns = timing.BusyNs(Engine::kTensor);
    stats->vector_busy_ns = timing.BusyNs(Engine::kVector);
    stats->scalar_busy_ns = timing.BusyNs(Engine::kScalar);
    stats->gpsimd_busy_ns = timing.BusyNs(Engine::kGpSimd);
    stats->dma_busy_ns = timing.BusyNs(Engine::kDma);
    stats->tensor_instructions = timing.Instructions(Engine::kTensor);
    stats->vector_instructions = timing.Instructions(Engine::kVector);
    stats->scalar_instructions = timing.Instructions(Engine::kScalar);
    stats->gpsimd_instructions = timing.Instructions(Engine::kGpSimd);
    stats->dma_instructions = timing.Instructions(Engine::kDma);
    stats->dma_bytes = timing.dma_bytes;
    stats->semaphore_wait_ns = timing.semaphore_wait_ns;
    stats->tensor_utilization = timing.tensor_utilization;
    stats->host_wall_ns = timing.host_wall_ns;
    stats->neuron_core = core_id;
  }
  return NRT_SUCCESS;
}

}  // extern "C"
