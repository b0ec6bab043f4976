/*
 * The Neuron runtime C API (modelled on AWS libnrt): load a NEFF, allocate
 * tensors, execute on a NeuronCore. Here the NeuronCore is the simulator in
 * runtime/sim, so device times are simulator estimates.
 *
 * Lifecycle (every call returns an NRT_STATUS that must be checked; on
 * failure nrt_get_last_error() says why, in one line):
 *
 *   1. nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", "");
 *   2. nrt_load_from_file("model.neff", 0, 1, &model);   // verified here
 *   3. nrt_get_model_tensor_info(model, &info);          // names, shapes
 *   4. for each input/output: nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE,
 *        0, info->tensor_array[i].size, name, &t); nrt_tensor_write(...);
 *        nrt_add_tensor_to_tensor_set(set, name, t);
 *   5. nrt_execute(model, inputs, outputs);  (or nrt_execute_with_stats)
 *   6. nrt_tensor_read(...) the outputs;
 *   7. free tensors and sets, nrt_free_model_tensor_info, nrt_unload,
 *      nrt_close.
 *
 * Thread safety: concurrent nrt_execute calls on one model are safe (each
 * gets its own device memory); a tensor must not be written while an
 * execution reads it.
 */
#ifndef NCC_RUNTIME_NRT_H_
#define NCC_RUNTIME_NRT_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum NRT_STATUS {
  NRT_SUCCESS = 0,
  NRT_FAILURE = 1,         /* non-specific failure */
  NRT_INVALID = 2,         /* invalid argument (null pointer, bad size...) */
  NRT_INVALID_HANDLE = 3,  /* invalid model/tensor/set handle */
  NRT_RESOURCE = 4,        /* out of host or device memory */
  NRT_TIMEOUT = 5,
  NRT_HW_ERROR = 6,
  NRT_UNINITIALIZED = 13,  /* nrt_init has not been called */
  NRT_CLOSED = 14,         /* called after nrt_close */
  NRT_LOAD_NEFF_FAIL = 20, /* NEFF is corrupt, truncated or fails verify */
  NRT_UNSUPPORTED_NEFF_VERSION = 21,
  NRT_EXEC_BAD_INPUT = 1002,          /* missing input or wrong size */
  NRT_EXEC_COMPLETED_WITH_ERR = 1004, /* the program failed (e.g. deadlock) */
} NRT_STATUS;

typedef enum nrt_framework_type {
  NRT_FRAMEWORK_TYPE_INVALID = 0,
  NRT_FRAMEWORK_TYPE_NO_FW = 1,
  NRT_FRAMEWORK_TYPE_TENSORFLOW = 2,
  NRT_FRAMEWORK_TYPE_PYTORCH = 3,
  NRT_FRAMEWORK_TYPE_MXNET = 4,
} nrt_framework_type_t;

typedef enum nrt_tensor_placement {
  NRT_TENSOR_PLACEMENT_DEVICE = 0,
  NRT_TENSOR_PLACEMENT_HOST = 1,
  NRT_TENSOR_PLACEMENT_VIRTUAL = 2,
} nrt_tensor_placement_t;

typedef enum nrt_tensor_usage {
  NRT_TENSOR_USAGE_INPUT = 0,
  NRT_TENSOR_USAGE_OUTPUT = 1,
} nrt_tensor_usage_t;

typedef enum nrt_dtype {
  NRT_DTYPE_UNKNOWN = 0,
  NRT_DTYPE_FLOAT32 = 1,
  NRT_DTYPE_FLOAT16 = 2,
  NRT_DTYPE_BFLOAT16 = 3,
  NRT_DTYPE_INT8 = 4,
  NRT_DTYPE_UINT8 = 5,
  NRT_DTYPE_INT32 = 8,
  NRT_DTYPE_INT64 = 10,
  NRT_DTYPE_BOOL = 12,
} nrt_dtype_t;

#define NRT_TENSOR_NAME_MAX 256

typedef struct nrt_model nrt_model_t;
typedef struct nrt_tensor nrt_tensor_t;
typedef struct nrt_tensor_set nrt_tensor_set_t;

typedef struct nrt_tensor_info {
  char name[NRT_TENSOR_NAME_MAX]; /* NUL-terminated (truncated if longer) */
  nrt_tensor_usage_t usage;
  size_t size;                    /* bytes */
  nrt_dtype_t dtype;
  int64_t* shape;                 /* ndim entries */
  uint32_t ndim;
} nrt_tensor_info_t;

typedef struct nrt_tensor_info_array {
  uint64_t tensor_count;
  nrt_tensor_info_t* tensor_array; /* inputs first, then outputs */
} nrt_tensor_info_array_t;

/* Simulator estimates of one execution (NeuronCore-v2 timing model), plus
 * the measured host time of the execute call. */
typedef struct nrt_execution_stats {
  double estimated_latency_ns;
  double tensor_busy_ns;
  double vector_busy_ns;
  double scalar_busy_ns;
  double gpsimd_busy_ns;
  double dma_busy_ns; /* summed over DMA queues */
  uint64_t tensor_instructions;
  uint64_t vector_instructions;
  uint64_t scalar_instructions;
  uint64_t gpsimd_instructions;
  uint64_t dma_instructions;
  uint64_t dma_bytes;
  double semaphore_wait_ns;
  double tensor_utilization; /* Tensor busy / estimated latency, [0, 1] */
  double host_wall_ns;       /* measured: the simulator's run on the host */
} nrt_execution_stats_t;

/* Status name, e.g. "NRT_LOAD_NEFF_FAIL". Never NULL. */
const char* nrt_get_status_as_str(NRT_STATUS status);
/* The calling thread's last error message (one line), "" if none. */
const char* nrt_get_last_error(void);
/* e.g. "float32"; "unknown" for an unknown value. */
const char* nrt_dtype_as_str(nrt_dtype_t dtype);

NRT_STATUS nrt_init(nrt_framework_type_t framework, const char* fw_version,
                    const char* fal_version);
void nrt_close(void);

/* Copies and verifies the NEFF; rejects corrupt files with
 * NRT_LOAD_NEFF_FAIL. start_nc >= 0; nc_count is -1 (all) or 1. */
NRT_STATUS nrt_load(const void* neff_bytes, size_t size, int32_t start_nc,
                    int32_t nc_count, nrt_model_t** model);
NRT_STATUS nrt_load_from_file(const char* neff_path, int32_t start_nc,
                              int32_t nc_count, nrt_model_t** model);
NRT_STATUS nrt_unload(nrt_model_t* model);

NRT_STATUS nrt_get_model_tensor_info(nrt_model_t* model,
                                     nrt_tensor_info_array_t** tensor_info);
NRT_STATUS nrt_free_model_tensor_info(nrt_tensor_info_array_t* tensor_info);

/* A zero-filled tensor of `size` bytes. */
NRT_STATUS nrt_tensor_allocate(nrt_tensor_placement_t tensor_placement,
                               int logical_nc_id, size_t size,
                               const char* name, nrt_tensor_t** tensor);
/* Frees *tensor and sets it to NULL. */
void nrt_tensor_free(nrt_tensor_t** tensor);
NRT_STATUS nrt_tensor_read(const nrt_tensor_t* tensor, void* buf,
                           size_t offset, size_t size);
NRT_STATUS nrt_tensor_write(nrt_tensor_t* tensor, const void* buf,
                            size_t offset, size_t size);
size_t nrt_tensor_get_size(const nrt_tensor_t* tensor);

/* A set maps names to tensors it does not own. */
NRT_STATUS nrt_allocate_tensor_set(nrt_tensor_set_t** result);
void nrt_destroy_tensor_set(nrt_tensor_set_t** tensor_set);
NRT_STATUS nrt_add_tensor_to_tensor_set(nrt_tensor_set_t* tensor_set,
                                        const char* tensor_name,
                                        nrt_tensor_t* tensor);
NRT_STATUS nrt_get_tensor_from_tensor_set(nrt_tensor_set_t* tensor_set,
                                          const char* tensor_name,
                                          nrt_tensor_t** tensor);

/* Runs the model: every model input must be in input_set with its exact
 * byte size (NRT_EXEC_BAD_INPUT otherwise); every model output must be in
 * output_set with its exact size; extra tensors are ignored. */
NRT_STATUS nrt_execute(nrt_model_t* model, const nrt_tensor_set_t* input_set,
                       nrt_tensor_set_t* output_set);
/* As nrt_execute, and fills *stats (may be NULL). */
NRT_STATUS nrt_execute_with_stats(nrt_model_t* model,
                                  const nrt_tensor_set_t* input_set,
                                  nrt_tensor_set_t* output_set,
                                  nrt_execution_stats_t* stats);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* NCC_RUNTIME_NRT_H_ */
