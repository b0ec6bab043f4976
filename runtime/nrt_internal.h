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

}  // namespace ncc::runtime::nrt_internal

struct nrt_model {
  // The checked NEFF: a read-only file mapping or a 64-byte aligned copy;
  // the simulator reads WEIGHTS in place from it.
  ncc::runtime::LoadedNeff neff;
  const neff::Model* model = nullptr;
  std::vector<ncc::runtime::nrt_internal::TensorDesc> tensors;  // inputs, then outputs
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

}  // namespace ncc::runtime::nrt_internal

#endif  // NCC_RUNTIME_NRT_INTERNAL_H_
