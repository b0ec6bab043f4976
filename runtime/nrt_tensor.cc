// The nrt_* tensors, tensor sets and model tensor info (runtime/nrt.h): host
// memory of their own or the caller's (nrt_tensor_attach_buffer), and the
// lifetime rules they share with models through the registry
// (nrt_internal.h).
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "neff/format.h"
#include "runtime/nrt.h"
#include "runtime/nrt_internal.h"
#include "text/printable.h"

using ncc::runtime::nrt_internal::CheckInit;
using ncc::runtime::nrt_internal::Fail;
using ncc::runtime::nrt_internal::InUse;
using ncc::runtime::nrt_internal::Live;
using ncc::runtime::nrt_internal::registry;
using ncc::runtime::nrt_internal::TensorDesc;
using ncc::runtime::nrt_internal::ToNrt;
using ncc::runtime::nrt_internal::WaitUnused;

namespace {

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

namespace ncc::runtime::nrt_internal {

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

}  // namespace ncc::runtime::nrt_internal

extern "C" {

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

}  // extern "C"
