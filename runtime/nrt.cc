// The nrt_* C API over the NeuronCore device interface (runtime/device.h;
// the simulator is the device kind linked in).
#include "runtime/nrt.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"
#include "neff/format.h"
#include "runtime/device.h"
#include "runtime/neff_loader.h"
#include "text/printable.h"

namespace {

struct TensorDesc {
  std::string name;
  neff::DType dtype;
  std::vector<int64_t> shape;
  size_t size;
  uint64_t dram_offset;
  nrt_tensor_usage_t usage;
};

}  // namespace

struct nrt_model {
  // The checked NEFF: a read-only file mapping or a 64-byte aligned copy;
  // the simulator reads WEIGHTS in place from it.
  ncc::runtime::LoadedNeff neff;
  const neff::Model* model = nullptr;
  std::vector<TensorDesc> tensors;  // inputs, then outputs
  // Physical NeuronCores this model may execute on (nrt_load's start_nc /
  // nc_count over the visible cores), and the next one to try first.
  std::vector<int> cores;
  std::atomic<size_t> next_core{0};
  // The program, loaded once for all of the model's cores (devices of one
  // kind share programs).
  std::shared_ptr<const ncc::runtime::Program> program;
  // Calls using the model right now (executions, tensor info). Guarded by
  // the registry's mutex; nrt_unload and nrt_close free the model only once
  // it is 0.
  int users = 0;
};

struct nrt_tensor {
  std::string name;
  nrt_tensor_placement_t placement;
  // The memory the tensor refers to: `owned` (nrt_tensor_allocate), a
  // caller's buffer (nrt_tensor_attach_buffer; never freed here) or none
  // (nrt_tensor_allocate_empty). Changed only under the registry's mutex
  // while `users` is 0, so a call holding the tensor may use them unlocked.
  std::vector<uint8_t> owned;
  uint8_t* data = nullptr;
  size_t size = 0;
  // Calls using the tensor right now (executions, reads, writes). Guarded by
  // the registry's mutex; nrt_tensor_free frees the tensor only once it is 0.
  int users = 0;
};

struct nrt_tensor_set {
  // Guarded by the registry's mutex (an execution resolves its tensors from
  // the sets while another thread may add to them).
  std::map<std::string, nrt_tensor_t*> tensors;
};

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

// Live handles, so a stale or bogus pointer is NRT_INVALID_HANDLE rather
// than a crash (as far as that can be detected), and the lifetime rules of
// nrt.h ("Threads"): a model or tensor leaves its set at once when it is
// unloaded or freed, and is deleted when no call uses it any more.
struct Registry {
  std::mutex mu;
  bool initialized = false;
  bool closed = false;
  std::unordered_set<nrt_model*> models;
  std::unordered_set<nrt_tensor*> tensors;
  std::unordered_set<nrt_tensor_set*> sets;
  // Notified whenever a model's or a tensor's `users` drops to 0.
  std::condition_variable released;
  // Physical ids of the cores this process may use, from
  // NEURON_RT_VISIBLE_CORES and NEURON_RT_NUM_CORES at nrt_init.
  std::vector<int> visible_cores;
};

Registry& registry() {
  static Registry* r = new Registry;
  return *r;
}

NRT_STATUS Fail(NRT_STATUS status, std::string message) {
  last_error = std::move(message);
  return status;
}

// Handles arrive const or not; the sets hold them mutable.
template <typename T>
bool Live(const std::unordered_set<T*>& set, const T* p) {
  return p != nullptr && set.count(const_cast<T*>(p)) > 0;
}

// One call's use of a model or tensor: taken with the registry's mutex
// held, on a live handle; while it is held, nrt_unload / nrt_close /
// nrt_tensor_free wait instead of deleting. Released (which takes the
// mutex) when it goes out of scope, so never destroy one with the mutex held.
template <typename T>
class InUse {
 public:
  InUse() = default;
  explicit InUse(T* p) : p_(p) { ++p_->users; }
  InUse(InUse&& other) noexcept : p_(other.p_) { other.p_ = nullptr; }
  InUse& operator=(InUse&&) = delete;
  InUse(const InUse&) = delete;
  ~InUse() {
    if (p_ == nullptr) return;
    std::lock_guard<std::mutex> lock(registry().mu);
    if (--p_->users == 0) registry().released.notify_all();
  }

 private:
  T* p_ = nullptr;
};

// With the registry's mutex held: waits until no call uses `p`.
template <typename T>
void WaitUnused(std::unique_lock<std::mutex>& lock, const T* p) {
  registry().released.wait(lock, [p] { return p->users == 0; });
}

// `tensor` in use by the calling nrt_tensor_read / nrt_tensor_write, or
// nullopt (and the error set) when it is not a live tensor.
std::optional<InUse<nrt_tensor>> UseTensor(const nrt_tensor_t* tensor, const char* fn) {
  std::lock_guard<std::mutex> lock(registry().mu);
  if (!Live(registry().tensors, tensor)) {
    Fail(NRT_INVALID_HANDLE, absl::StrCat(fn, ": not a live tensor"));
    return std::nullopt;
  }
  return std::optional<InUse<nrt_tensor>>(std::in_place, const_cast<nrt_tensor_t*>(tensor));
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

nrt_dtype_t ToNrt(neff::DType d) {
  switch (d) {
    case neff::DType::F32:
      return NRT_DTYPE_FLOAT32;
    case neff::DType::BF16:
      return NRT_DTYPE_BFLOAT16;
    case neff::DType::F16:
      return NRT_DTYPE_FLOAT16;
    case neff::DType::I32:
      return NRT_DTYPE_INT32;
    case neff::DType::I64:
      return NRT_DTYPE_INT64;
    case neff::DType::BOOL:
      return NRT_DTYPE_BOOL;
    case neff::DType::I8:
      return NRT_DTYPE_INT8;
    case neff::DType::U8:
      return NRT_DTYPE_UINT8;
    case neff::DType::F64:
      return NRT_DTYPE_FLOAT64;
    case neff::DType::I16:
      return NRT_DTYPE_INT16;
    case neff::DType::U16:
      return NRT_DTYPE_UINT16;
    case neff::DType::U32:
      return NRT_DTYPE_UINT32;
    case neff::DType::U64:
      return NRT_DTYPE_UINT64;
  }
  return NRT_DTYPE_UNKNOWN;
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

// The checks shared by nrt_tensor_allocate and nrt_tensor_allocate_empty,
// and a tensor with no memory yet in *t.
NRT_STATUS NewTensor(const char* fn, nrt_tensor_placement_t placement, int logical_nc_id,
                     const char* name, nrt_tensor_t** tensor, std::unique_ptr<nrt_tensor>* t) {
  if (NRT_STATUS s = CheckInit(fn); s != NRT_SUCCESS) return s;
  if (tensor == nullptr) return Fail(NRT_INVALID, absl::StrCat(fn, ": null argument"));
  *tensor = nullptr;
  if (placement < NRT_TENSOR_PLACEMENT_DEVICE || placement > NRT_TENSOR_PLACEMENT_VIRTUAL ||
      logical_nc_id < 0) {
    return Fail(NRT_INVALID, absl::StrCat(fn, ": bad placement or NC id"));
  }
  t->reset(new (std::nothrow) nrt_tensor);
  if (*t == nullptr) return Fail(NRT_RESOURCE, absl::StrCat(fn, ": out of memory"));
  (*t)->name = name ? name : "";
  (*t)->placement = placement;
  return NRT_SUCCESS;
}

NRT_STATUS RegisterTensor(std::unique_ptr<nrt_tensor> t, nrt_tensor_t** tensor) {
  std::lock_guard<std::mutex> lock(registry().mu);
  registry().tensors.insert(t.get());
  *tensor = t.release();
  return NRT_SUCCESS;
}

}  // namespace

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

const char* nrt_dtype_as_str(nrt_dtype_t dtype) {
  switch (dtype) {
    case NRT_DTYPE_FLOAT32:
      return "float32";
    case NRT_DTYPE_FLOAT16:
      return "float16";
    case NRT_DTYPE_BFLOAT16:
      return "bfloat16";
    case NRT_DTYPE_INT8:
      return "int8";
    case NRT_DTYPE_UINT8:
      return "uint8";
    case NRT_DTYPE_INT32:
      return "int32";
    case NRT_DTYPE_INT64:
      return "int64";
    case NRT_DTYPE_BOOL:
      return "bool";
    case NRT_DTYPE_FLOAT64:
      return "float64";
    case NRT_DTYPE_INT16:
      return "int16";
    case NRT_DTYPE_UINT16:
      return "uint16";
    case NRT_DTYPE_UINT32:
      return "uint32";
    case NRT_DTYPE_UINT64:
      return "uint64";
    case NRT_DTYPE_UNKNOWN:
      break;
  }
  return "unknown";
}

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

NRT_STATUS nrt_get_model_tensor_info(nrt_model_t* model, nrt_tensor_info_array_t** tensor_info) {
  std::optional<InUse<nrt_model>> in_use;
  {
    std::lock_guard<std::mutex> lock(registry().mu);
    if (registry().closed) {
      return Fail(NRT_CLOSED, "nrt_get_model_tensor_info: the runtime was closed");
    }
    if (!Live(registry().models, model)) {
      return Fail(NRT_INVALID_HANDLE, "nrt_get_model_tensor_info: not a loaded model");
    }
    if (tensor_info == nullptr) {
      return Fail(NRT_INVALID, "nrt_get_model_tensor_info: null argument");
    }
    in_use.emplace(model);
  }
  const size_t n = model->tensors.size();
  auto* info =
      static_cast<nrt_tensor_info_array_t*>(std::calloc(1, sizeof(nrt_tensor_info_array_t)));
  if (info == nullptr) return Fail(NRT_RESOURCE, "nrt_get_model_tensor_info: out of memory");
  info->tensor_array =
      static_cast<nrt_tensor_info_t*>(std::calloc(n == 0 ? 1 : n, sizeof(nrt_tensor_info_t)));
  if (info->tensor_array == nullptr) {
    std::free(info);
    return Fail(NRT_RESOURCE, "nrt_get_model_tensor_info: out of memory");
  }
  for (size_t i = 0; i < n; ++i) {
    const TensorDesc& t = model->tensors[i];
    nrt_tensor_info_t& out = info->tensor_array[i];
    // The verifier rejects names with a NUL byte, so the C string is whole.
    char* name = static_cast<char*>(std::malloc(t.name.size() + 1));
    auto* shape =
        static_cast<int64_t*>(std::calloc(t.shape.empty() ? 1 : t.shape.size(), sizeof(int64_t)));
    if (name == nullptr || shape == nullptr) {
      std::free(name);
      std::free(shape);
      info->tensor_count = i;
      nrt_free_model_tensor_info(info);
      return Fail(NRT_RESOURCE, "nrt_get_model_tensor_info: out of memory");
    }
    std::memcpy(name, t.name.c_str(), t.name.size() + 1);
    for (size_t d = 0; d < t.shape.size(); ++d) shape[d] = t.shape[d];
    out.name = name;
    out.usage = t.usage;
    out.size = t.size;
    out.dtype = ToNrt(t.dtype);
    out.ndim = static_cast<uint32_t>(t.shape.size());
    out.shape = shape;
  }
  info->tensor_count = n;
  *tensor_info = info;
  return NRT_SUCCESS;
}

NRT_STATUS nrt_free_model_tensor_info(nrt_tensor_info_array_t* tensor_info) {
  if (tensor_info == nullptr) return NRT_SUCCESS;
  for (uint64_t i = 0; i < tensor_info->tensor_count; ++i) {
    std::free(tensor_info->tensor_array[i].shape);
    std::free(const_cast<char*>(tensor_info->tensor_array[i].name));
  }
  std::free(tensor_info->tensor_array);
  std::free(tensor_info);
  return NRT_SUCCESS;
}

NRT_STATUS nrt_tensor_allocate(nrt_tensor_placement_t tensor_placement, int logical_nc_id,
                               size_t size, const char* name, nrt_tensor_t** tensor) {
  std::unique_ptr<nrt_tensor> t;
  if (NRT_STATUS s =
          NewTensor("nrt_tensor_allocate", tensor_placement, logical_nc_id, name, tensor, &t);
      s != NRT_SUCCESS) {
    return s;
  }
  // VIRTUAL tensors hold no memory of their own in libnrt; here every tensor
  // is host memory (the simulated device copies in and out per execute).
  try {
    t->owned.assign(size, 0);
  } catch (const std::bad_alloc&) {
    return Fail(NRT_RESOURCE, absl::StrCat("nrt_tensor_allocate: cannot "
                                           "allocate ",
                                           size, " bytes"));
  }
  t->data = t->owned.data();
  t->size = size;
  return RegisterTensor(std::move(t), tensor);
}

NRT_STATUS nrt_tensor_allocate_empty(nrt_tensor_placement_t tensor_placement, int logical_nc_id,
                                     const char* name, nrt_tensor_t** tensor) {
  std::unique_ptr<nrt_tensor> t;
  if (NRT_STATUS s =
          NewTensor("nrt_tensor_allocate_empty", tensor_placement, logical_nc_id, name, tensor, &t);
      s != NRT_SUCCESS) {
    return s;
  }
  return RegisterTensor(std::move(t), tensor);
}

// Refused while any call uses the tensor: an execution holds its pointer
// unlocked, and a read or write copies through it.
NRT_STATUS nrt_tensor_attach_buffer(nrt_tensor_t* tensor, void* buffer, size_t size) {
  std::vector<uint8_t> released;  // freed after the lock is released
  std::lock_guard<std::mutex> lock(registry().mu);
  if (!Live(registry().tensors, tensor)) {
    return Fail(NRT_INVALID_HANDLE, "nrt_tensor_attach_buffer: not a live tensor");
  }
  if (buffer == nullptr && size > 0) {
    return Fail(NRT_INVALID, absl::StrCat("nrt_tensor_attach_buffer: tensor '",
                                          ncc::text::PrintableName(tensor->name),
                                          "': null buffer of ", size, " bytes"));
  }
  if (tensor->users > 0) {
    return Fail(
        NRT_INVALID,
        absl::StrCat("nrt_tensor_attach_buffer: tensor '", ncc::text::PrintableName(tensor->name),
                     "' is in use by an execution, a read or a write; attach after it "
                     "returns"));
  }
  released.swap(tensor->owned);
  tensor->data = static_cast<uint8_t*>(buffer);
  tensor->size = size;
  return NRT_SUCCESS;
}

// As nrt_unload: the tensor leaves the registry at once and is freed when
// the executions, reads and writes using it return.
void nrt_tensor_free(nrt_tensor_t** tensor) {
  if (tensor == nullptr || *tensor == nullptr) return;
  {
    std::unique_lock<std::mutex> lock(registry().mu);
    if (registry().tensors.erase(*tensor) == 0) return;
    WaitUnused(lock, *tensor);
  }
  delete *tensor;
  *tensor = nullptr;
}

NRT_STATUS nrt_tensor_read(const nrt_tensor_t* tensor, void* buf, size_t offset, size_t size) {
  const std::optional<InUse<nrt_tensor>> in_use = UseTensor(tensor, "nrt_tensor_read");
  if (!in_use.has_value()) return NRT_INVALID_HANDLE;
  if (buf == nullptr && size > 0) return Fail(NRT_INVALID, "nrt_tensor_read: null buffer");
  if (offset > tensor->size || size > tensor->size - offset) {
    return Fail(
        NRT_INVALID,
        absl::StrCat("nrt_tensor_read: tensor '", ncc::text::PrintableName(tensor->name), "' has ",
                     tensor->size, " bytes; cannot read ", size, " at offset ", offset));
  }
  if (size > 0) std::memcpy(buf, tensor->data + offset, size);
  return NRT_SUCCESS;
}

NRT_STATUS nrt_tensor_write(nrt_tensor_t* tensor, const void* buf, size_t offset, size_t size) {
  const std::optional<InUse<nrt_tensor>> in_use = UseTensor(tensor, "nrt_tensor_write");
  if (!in_use.has_value()) return NRT_INVALID_HANDLE;
  if (buf == nullptr && size > 0) return Fail(NRT_INVALID, "nrt_tensor_write: null buffer");
  if (offset > tensor->size || size > tensor->size - offset) {
    return Fail(
        NRT_INVALID,
        absl::StrCat("nrt_tensor_write: tensor '", ncc::text::PrintableName(tensor->name), "' has ",
                     tensor->size, " bytes; cannot write ", size, " at offset ", offset));
  }
  if (size > 0) std::memcpy(tensor->data + offset, buf, size);
  return NRT_SUCCESS;
}

size_t nrt_tensor_get_size(const nrt_tensor_t* tensor) {
  std::lock_guard<std::mutex> lock(registry().mu);
  return Live(registry().tensors, tensor) ? tensor->size : 0;
}

void* nrt_tensor_get_va(const nrt_tensor_t* tensor) {
  std::lock_guard<std::mutex> lock(registry().mu);
  return Live(registry().tensors, tensor) ? tensor->data : nullptr;
}

NRT_STATUS nrt_allocate_tensor_set(nrt_tensor_set_t** result) {
  if (result == nullptr) return Fail(NRT_INVALID, "nrt_allocate_tensor_set: null argument");
  auto* set = new (std::nothrow) nrt_tensor_set;
  if (set == nullptr) return Fail(NRT_RESOURCE, "nrt_allocate_tensor_set: out of memory");
  std::lock_guard<std::mutex> lock(registry().mu);
  registry().sets.insert(set);
  *result = set;
  return NRT_SUCCESS;
}

void nrt_destroy_tensor_set(nrt_tensor_set_t** tensor_set) {
  if (tensor_set == nullptr || *tensor_set == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(registry().mu);
    if (registry().sets.erase(*tensor_set) == 0) return;
  }
  delete *tensor_set;
  *tensor_set = nullptr;
}

NRT_STATUS nrt_add_tensor_to_tensor_set(nrt_tensor_set_t* tensor_set, const char* tensor_name,
                                        nrt_tensor_t* tensor) {
  std::lock_guard<std::mutex> lock(registry().mu);
  if (!Live(registry().sets, tensor_set)) {
    return Fail(NRT_INVALID_HANDLE, "nrt_add_tensor_to_tensor_set: not a live tensor set");
  }
  if (!Live(registry().tensors, tensor)) {
    return Fail(NRT_INVALID_HANDLE, "nrt_add_tensor_to_tensor_set: not a live tensor");
  }
  if (tensor_name == nullptr) {
    return Fail(NRT_INVALID, "nrt_add_tensor_to_tensor_set: null name");
  }
  tensor_set->tensors[tensor_name] = tensor;
  return NRT_SUCCESS;
}

NRT_STATUS nrt_get_tensor_from_tensor_set(nrt_tensor_set_t* tensor_set, const char* tensor_name,
                                          nrt_tensor_t** tensor) {
  std::lock_guard<std::mutex> lock(registry().mu);
  if (!Live(registry().sets, tensor_set)) {
    return Fail(NRT_INVALID_HANDLE, "nrt_get_tensor_from_tensor_set: not a live tensor set");
  }
  if (tensor_name == nullptr || tensor == nullptr) {
    return Fail(NRT_INVALID, "nrt_get_tensor_from_tensor_set: null argument");
  }
  auto it = tensor_set->tensors.find(tensor_name);
  if (it == tensor_set->tensors.end()) {
    *tensor = nullptr;
    return Fail(NRT_INVALID, absl::StrCat("nrt_get_tensor_from_tensor_set: no "
                                          "tensor named '",
                                          ncc::text::PrintableName(tensor_name), "'"));
  }
  *tensor = it->second;
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
