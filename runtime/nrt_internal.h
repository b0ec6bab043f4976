// Internal to //runtime:nrt: the handle types behind the nrt_* C API and the
// registry of live handles, shared by nrt.cc (the runtime, models and
// execution) and nrt_tensor.cc (tensors, tensor sets and tensor info). Not
// part of the API; include runtime/nrt.h instead.
#ifndef NCC_RUNTIME_NRT_INTERNAL_H_
#define NCC_RUNTIME_NRT_INTERNAL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "neff/format.h"
#include "runtime/device.h"
#include "runtime/neff_loader.h"
#include "runtime/nrt.h"

namespace ncc::runtime::nrt_internal {

// One model input or output, as the NEFF describes it.
struct TensorDesc {
  std::string name;
  neff::DType dtype;
  std::vector<int64_t> shape;
  size_t size;
  uint64_t dram_offset;
  nrt_tensor_usage_t usage;
};

// One simulated NeuronCore. The core table (Registry::cores) is made at
// nrt_init; models hold their cores, so a core outlives a newer table.
struct Core {
  int physical_id = 0;
  // Held by the execution running on the core: one at a time.
  std::mutex mu;
  // Null when no device of the runtime's kind is linked in (device_error
  // says so).
  std::unique_ptr<Device> device;
  std::string device_error;
  // The models placed on the core (a model being loaded included), in load
  // order. Guarded by the registry's mutex.
  std::vector<nrt_model*> models;
};

// Where a stage input or a model output of a pipelined model comes from
// (neff::TensorSource): stage -1 is model input `index`, else output `index`
// of an earlier stage.
struct Source {
  int stage = -1;
  uint32_t index = 0;
};

// One stage of a pipelined model; it runs on the model's cores[k].
struct StageDesc {
  const neff::Model* model = nullptr;  // the stage's nested NEFF
  std::vector<Source> inputs;          // one per input of the stage
  std::vector<size_t> output_sizes;    // bytes, per output of the stage
  // Estimated time to bring its inputs from earlier stages' cores (ns;
  // target::InterCoreTransferNs per source stage).
  double transfer_ns = 0;
};

}  // namespace ncc::runtime::nrt_internal

struct nrt_model {
  // The checked NEFF: a read-only file mapping or a 64-byte aligned copy;
  // the simulator reads WEIGHTS in place from it (a pipelined model's
  // stages' NEFFs live inside it too).
  ncc::runtime::LoadedNeff neff;
  const neff::Model* model = nullptr;
  std::vector<ncc::runtime::nrt_internal::TensorDesc> tensors;  // inputs, then outputs
  // Load order (1: the first model placed since nrt_init) and the file it
  // came from ("" from memory): how placement errors and nrt_get_core_info
  // name the model.
  uint64_t id = 0;
  std::string path;
  // The model keeps state on its cores (a pipelined model, or one with load
  // queues): they run no other model while it is loaded.
  bool exclusive = false;
  // Physical NeuronCores this model may execute on (nrt_load's start_nc /
  // nc_count over the visible cores; a pipelined model's stage k runs on
  // cores[k]), the same cores' objects, and the next one to try first.
  std::vector<int> cores;
  std::vector<std::shared_ptr<ncc::runtime::nrt_internal::Core>> core_refs;
  std::atomic<size_t> next_core{0};
  // A streaming single-core model: one program for all of its cores
  // (devices of one kind share programs). An exclusive single-core model:
  // one per core (each core holds its own resident state). A pipelined
  // model: one per stage, loaded on the stage's core.
  std::vector<std::shared_ptr<const ncc::runtime::Program>> programs;
  // A pipelined model's stages and where each model output comes from;
  // empty for a single-core model.
  std::vector<ncc::runtime::nrt_internal::StageDesc> stages;
  std::vector<ncc::runtime::nrt_internal::Source> output_sources;
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

namespace ncc::runtime::nrt_internal {

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
  // The simulated NeuronCores, indexed by physical id (NEURON_RT_SIM_CORES
  // at nrt_init).
  std::vector<std::shared_ptr<Core>> cores;
  // The next model's load-order id (1 again with each new core table).
  uint64_t next_model_id = 1;
  // Incremented by nrt_close: a load that began before it must not register
  // its model, even if nrt_init ran again meanwhile.
  uint64_t generation = 0;
};

inline Registry& registry() {
  static Registry* r = new Registry;
  return *r;
}

// Sets the calling thread's last error (nrt_get_last_error) and returns
// `status`.
NRT_STATUS Fail(NRT_STATUS status, std::string message);

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

// NRT_SUCCESS between nrt_init and nrt_close, else NRT_UNINITIALIZED /
// NRT_CLOSED with the error set. CheckInitLocked: with the registry's mutex
// held.
NRT_STATUS CheckInitLocked(const char* fn);
NRT_STATUS CheckInit(const char* fn);

// The C API's dtype for a NEFF dtype.
nrt_dtype_t ToNrt(neff::DType d);

// nrt_init's part in nrt_cores.cc: reads NEURON_RT_SIM_CORES,
// NEURON_RT_VISIBLE_CORES and NEURON_RT_NUM_CORES and, when no model holds a
// core, makes a new core table. With the registry's mutex held; on failure
// nothing changes and the error is set.
NRT_STATUS InitCoresLocked();

// With the registry's mutex held: places `m` (its cores, exclusive and path
// set) on its cores and gives it its id, or NRT_LOAD_NOT_ENOUGH_NC naming
// the cores already taken and by which models. `fn` starts the message.
NRT_STATUS PlaceLocked(nrt_model* m, const char* fn);
// With the registry's mutex held: takes `m` off its cores.
void ReleaseLocked(nrt_model* m);

// "NeuronCore 1", or "NeuronCore 0 (physical 2)" when the logical id differs
// from the physical one. With the registry's mutex held.
std::string CoreName(int physical_id);

}  // namespace ncc::runtime::nrt_internal

#endif  // NCC_RUNTIME_NRT_INTERNAL_H_
