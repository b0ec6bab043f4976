/*
 * nrt.h: the Neuron runtime C API (modelled on AWS libnrt).
 *
 * What it does: takes a NEFF (the compiled model that neuron-cc writes),
 * checks it, and runs it on a NeuronCore. In this project the NeuronCore is
 * the software simulator in runtime/sim, so every device time reported here
 * is a simulator ESTIMATE of a NeuronCore-v2, not a hardware measurement.
 * runtime/examples/hello_nrt.c walks through all of this in runnable form.
 *
 * Vocabulary:
 *   NeuronCore (NC)  one accelerator core. By default the simulator is one
 *                    Inferentia2 chip with 2 NCs (physical ids 0 and 1);
 *                    NEURON_RT_SIM_CORES gives it more (2 per chip).
 *   model            a loaded NEFF, bound to one or more NCs; a pipelined
 *                    model (NEFF 1.0) runs stage k on its k-th NC.
 *   tensor           a named byte buffer you fill (inputs) or read
 *                    (outputs); its size must match the model's I/O exactly.
 *                    nrt_tensor_allocate gives it memory of its own;
 *                    nrt_tensor_attach_buffer makes it refer to yours.
 *   tensor set       name -> tensor map passed to nrt_execute; it does not
 *                    own the tensors.
 *
 * Lifecycle (every call returns an NRT_STATUS; check it, and on failure
 * nrt_get_last_error() says why in one line naming what and where):
 *
 *   1. nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", "");     once per process
 *   2. nrt_load_from_file("model.neff", 0, -1, &model); verified here
 *   3. nrt_get_model_tensor_info(model, &info);         names, dtypes, shapes
 *   4. for each input/output:
 *        nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0,
 *                            info->tensor_array[i].size, name, &t);
 *        nrt_tensor_write(t, data, 0, size);            inputs only
 *        nrt_add_tensor_to_tensor_set(set, name, t);
 *   5. nrt_execute(model, inputs, outputs);             or _with_stats
 *   6. nrt_tensor_read(...) the outputs;
 *   7. nrt_tensor_free, nrt_destroy_tensor_set, nrt_free_model_tensor_info,
 *      nrt_unload, nrt_close.
 *
 * Tensors over your own memory (no copies in or out; what a framework
 * does with its tensors), instead of steps 4 and 6:
 *   4'. nrt_tensor_allocate_empty(NRT_TENSOR_PLACEMENT_DEVICE, 0, name, &t);
 *       nrt_tensor_attach_buffer(t, ptr, info->tensor_array[i].size);
 *       nrt_add_tensor_to_tensor_set(set, name, t);
 *   5.  nrt_execute reads the inputs from, and writes the outputs into, the
 *       attached memory itself;
 *   6'. the outputs are already in your buffers.
 * The buffer stays yours: it must outlive every use of the tensor (or a
 * later attach to another buffer), and nrt never frees it; nrt_tensor_free
 * frees only the tensor. Attach again (e.g. per call, to the framework's new
 * tensors) when no execution uses the tensor. nrt_tensor_read / _write /
 * _get_size / _get_va work on attached tensors as on allocated ones. Do not
 * attach overlapping memory to an input and an output of one execution.
 *
 * What loading checks (a NEFF may come from anywhere; a hostile one is
 * rejected with NRT_LOAD_NEFF_FAIL and never executed):
 *   - the file: size prefix, "NEFF" identifier, the FlatBuffers verifier;
 *     a newer major format version is NRT_UNSUPPORTED_NEFF_VERSION;
 *   - the seal: the section table (exactly the "weights" and "program"
 *     sections, with their offsets and sizes) and each section's XXH64; a
 *     mismatch, or an unknown, missing or repeated section, names the
 *     section. Trusted files may skip this: NEURON_RT_SKIP_CHECKSUM=1, or
 *     nrt_load_options_t.skip_checksum;
 *   - a file with no seal at all (built by a tool that does not seal, or
 *     older than NEFF 0.2) is refused with NRT_LOAD_NEFF_FAIL unless the
 *     caller allows it: NEURON_RT_ALLOW_UNSEALED=1, or
 *     nrt_load_options_t.allow_unsealed (a sealed file is checked in full
 *     either way);
 *   - every instruction (engines, dtypes, SBUF/PSUM/DRAM/weights ranges,
 *     semaphore ids), then a static deadlock check: every semaphore wait
 *     must be satisfiable. Errors name the queue (engine[index]), the
 *     instruction index and the rule.
 * nrt_load_from_file maps the file read-only (mmap, MAP_PRIVATE) and the
 * simulator reads the weights in place from the mapping (they are 64-byte
 * aligned in the file); nrt_load copies the bytes into a 64-byte aligned
 * buffer first, so the caller's buffer may be freed after it returns.
 *
 * NeuronCores: the environment, read by nrt_init, picks what this process
 * sees (as on AWS; docs/runtime.md, "Several NeuronCores"):
 *   NEURON_RT_SIM_CORES      "N" (1-64, default 2: one Inferentia2 chip):
 *                            how many NeuronCores the simulator provides
 *                            (physical ids 0..N-1, 2 per chip).
 *   NEURON_RT_VISIBLE_CORES  "1", "0-1" or "0,1": physical NCs visible;
 *                            default all. Visible NCs are renumbered
 *                            0..n-1 (logical ids).
 *   NEURON_RT_NUM_CORES      use only the first N visible NCs.
 * Invalid values make nrt_init fail with NRT_INVALID. nrt_load's start_nc
 * is a logical id and nc_count how many consecutive NCs (-1: all from
 * start_nc; for a pipelined model, as many as it has stages);
 * out-of-range requests are NRT_INVALID with the visible range.
 * Placement: a single-core streaming model may share its NCs with other
 * streaming models and runs on whichever of them is free (data parallel).
 * A model that keeps state on its NCs claims them exclusively: a pipelined
 * model (N stages, stage k on the k-th NC from start_nc; nc_count < N is
 * NRT_LOAD_NOT_ENOUGH_NC, nc_count > N uses the first N) and a single-core
 * model with load queues (weights resident in SBUF). A load that needs an
 * NC some model holds exclusively, or an exclusive load onto an NC that
 * has any model, fails with NRT_LOAD_NOT_ENOUGH_NC naming the NC and the
 * model (its load-order id and file). nrt_unload frees the NCs.
 * nrt_get_core_info lists the visible NCs and what is loaded on each.
 * Host threads of the simulated NeuronCore (read at each load):
 *   NEURON_SIM_THREADS       "N" (1-256, default 1): from 2, a model with
 *                            enough work runs its Tensor engine on a host
 *                            thread of its own beside the other engines, the
 *                            two sharing large matmuls, gathers and copies
 *                            (docs/runtime.md); outputs and estimates are
 *                            bit-identical for every N. Overridden
 *                            by nrt_load_options_t.sim_threads; an invalid
 *                            value makes the load fail with NRT_INVALID.
 *
 * Threads: every function may be called from any thread. Many threads may
 * call nrt_execute on the same model at once: each execution gets its own
 * device memory; an NC runs one execution at a time (a call waits for a
 * free NC among the model's), and executions on different NCs run at the
 * same time, each on its caller's host thread. Models may be loaded and
 * unloaded while other models execute. Do not write a tensor while an
 * execution reads it or read an output while an execution writes it (the
 * bytes would be mixed; nothing else goes wrong). An execution takes its
 * tensors from the sets when it starts: changing or destroying a set
 * afterwards does not affect it.
 *
 * Lifetimes under concurrency (never a use-after-free, never a hang):
 *   - nrt_unload(model) while other threads execute it: the handle is dead
 *     at once (later calls with it fail with NRT_INVALID_HANDLE); executions
 *     already running on a NeuronCore finish normally with their outputs,
 *     executions still waiting for a NeuronCore return NRT_INVALID_HANDLE
 *     without running, and nrt_unload returns when the last of them has,
 *     then frees the model.
 *   - nrt_close() while executions are in flight: from its start every call
 *     that needs the runtime fails with NRT_CLOSED (nrt_load, nrt_execute,
 *     nrt_unload, nrt_tensor_allocate, nrt_tensor_allocate_empty,
 *     nrt_get_model_tensor_info);
 *     executions already running finish normally, executions waiting for a
 *     NeuronCore return NRT_CLOSED without running, and loads in progress
 *     fail with NRT_CLOSED. nrt_close returns when no call uses a model any
 *     more, having unloaded every model (their handles are dead: do not
 *     nrt_unload them). Tensors and tensor sets are the caller's host memory
 *     and stay valid: read them, then nrt_tensor_free /
 *     nrt_destroy_tensor_set them, before or after nrt_close.
 *   - nrt_tensor_free(t) while an execution uses t: t is freed when that
 *     execution returns.
 *   - nrt_tensor_attach_buffer(t, ...) while an execution (or a read or a
 *     write) uses t: refused with NRT_INVALID, t unchanged (the execution
 *     keeps using the memory it started with); attach after it returns.
 *     Freeing or reusing an attached buffer while an execution uses it is
 *     the caller's error, as with any memory handed to a call.
 * How long nrt_close and nrt_unload wait is bounded by the executions
 * running at that moment (one per NeuronCore; an execution of a pipelined
 * model that has started its first stage runs to its last).
 *
 * Pipelined models (NEFF 1.0, Model.stages): nrt_execute runs stage k on
 * the model's k-th NC, under that NC's lock only, so executions from several
 * threads overlap (one thread's stage 1 runs while another's stage 0 does);
 * activations between stages live in host buffers of the execution. The
 * outputs are those of running the stages one after another.
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
  NRT_FAILURE = 1,        /* non-specific failure */
  NRT_INVALID = 2,        /* invalid argument (null pointer, bad size...) */
  NRT_INVALID_HANDLE = 3, /* invalid model/tensor/set handle */
  NRT_RESOURCE = 4,       /* out of host or device memory */
  NRT_TIMEOUT = 5,
  NRT_HW_ERROR = 6,
  /* the NeuronCores the load needs are taken (another model holds them or
   * the model needs them to itself), or nc_count is smaller than the
   * model's stages; libnrt's value */
  NRT_LOAD_NOT_ENOUGH_NC = 9,
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
  NRT_DTYPE_INT16 = 6,
  NRT_DTYPE_UINT16 = 7,
  NRT_DTYPE_INT32 = 8,
  NRT_DTYPE_UINT32 = 9,
  NRT_DTYPE_INT64 = 10,
  NRT_DTYPE_UINT64 = 11,
  NRT_DTYPE_BOOL = 12,
  NRT_DTYPE_FLOAT64 = 13,
} nrt_dtype_t;

typedef struct nrt_model nrt_model_t;
typedef struct nrt_tensor nrt_tensor_t;
typedef struct nrt_tensor_set nrt_tensor_set_t;

typedef struct nrt_tensor_info {
  /* The whole name as the NEFF holds it, NUL-terminated, of any length;
   * owned by the array (valid until nrt_free_model_tensor_info). Print it
   * escaped: it comes from the file. */
  const char* name;
  nrt_tensor_usage_t usage;
  size_t size; /* bytes */
  nrt_dtype_t dtype;
  int64_t* shape; /* ndim entries */
  uint32_t ndim;
} nrt_tensor_info_t;

typedef struct nrt_tensor_info_array {
  uint64_t tensor_count;
  nrt_tensor_info_t* tensor_array; /* inputs first, then outputs */
} nrt_tensor_info_array_t;

/* The most stages a pipelined model may have (the most simulated NCs). */
#define NRT_MAX_STAGES 64

/* Simulator estimates of one execution (NeuronCore-v2 timing model), plus
 * the measured host time of the execute call. A pipelined model's figures
 * cover all of its stages: latency = the stages' latencies + the estimated
 * inter-core transfers between them (target::InterCoreTransferNs); busy
 * times, instruction and byte counts and semaphore waits are sums over the
 * stages. */
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
  int32_t neuron_core;       /* physical NeuronCore that ran it (stage 0's) */
  /* Since several NeuronCores: per stage (a single-core model reports one
   * stage: its own figures). */
  uint32_t num_stages;
  /* Steady-state interval between results with requests streamed: max over
   * stages of (stage latency + its incoming transfer); 1e9 / it is the
   * estimated throughput (inferences/s). A single-core model: its latency. */
  double estimated_interval_ns;
  double transfer_ns;                        /* all inter-core transfers (estimate) */
  double stage_latency_ns[NRT_MAX_STAGES];   /* stage k on its core (estimate) */
  double stage_transfer_ns[NRT_MAX_STAGES];  /* into stage k from earlier stages */
  int32_t stage_neuron_core[NRT_MAX_STAGES]; /* physical NC of stage k */
} nrt_execution_stats_t;

/* One model placed on a NeuronCore (nrt_get_core_info). */
typedef struct nrt_core_model_info {
  uint64_t model_id; /* load order: 1 for the first model placed since nrt_init */
  /* The file nrt_load_from_file loaded, "" for nrt_load; owned by the
   * array. Print it escaped: it comes from the caller. */
  const char* name;
  uint32_t stage;      /* the NC runs stage `stage` of `num_stages` */
  uint32_t num_stages; /* 1 for a single-core model */
  uint32_t exclusive;  /* 1: the model keeps state on the NC, which runs nothing else */
} nrt_core_model_info_t;

/* One visible NeuronCore. */
typedef struct nrt_core_info {
  int32_t logical_nc;  /* what nrt_load's start_nc counts */
  int32_t physical_nc; /* 0..NEURON_RT_SIM_CORES-1 */
  int32_t chip;        /* physical_nc / 2: 2 NeuronCores per Inferentia2 chip */
  uint32_t model_count;
  nrt_core_model_info_t* models; /* in load order; a model being loaded included */
} nrt_core_info_t;

typedef struct nrt_core_info_array {
  uint32_t core_count;       /* visible NCs, in logical order */
  uint32_t total_core_count; /* simulated NCs (NEURON_RT_SIM_CORES) */
  nrt_core_info_t* cores;
} nrt_core_info_array_t;

/* Status name, e.g. "NRT_LOAD_NEFF_FAIL". Never NULL. */
const char* nrt_get_status_as_str(NRT_STATUS status);
/* The calling thread's last error message (one line), "" if none. */
const char* nrt_get_last_error(void);
/* e.g. "float32"; "unknown" for an unknown value. */
const char* nrt_dtype_as_str(nrt_dtype_t dtype);

/* Starts the runtime; reads NEURON_RT_SIM_CORES, NEURON_RT_VISIBLE_CORES and
 * NEURON_RT_NUM_CORES (the simulated NeuronCores start empty). Calling it
 * again while models are loaded keeps their NeuronCores, so
 * NEURON_RT_SIM_CORES must then be unchanged. The versions are
 * informational. Must come before any other call. */
NRT_STATUS nrt_init(nrt_framework_type_t framework, const char* fw_version,
                    const char* fal_version);
/* Stops the runtime: waits for the executions running on a NeuronCore to
 * finish (see "Lifetimes under concurrency" above), unloads every model,
 * and makes later calls fail with NRT_CLOSED until nrt_init. Tensors and
 * tensor sets stay valid until freed. */
void nrt_close(void);

/* Loads a NEFF from memory: copies it into a 64-byte aligned buffer (the
 * caller keeps ownership of neff_bytes), then checks it (see the top of
 * this file). start_nc: first logical NeuronCore; nc_count: how many (-1 =
 * all visible from start_nc; a pipelined model: as many as it has stages).
 * NRT_LOAD_NOT_ENOUGH_NC when those NeuronCores are taken or too few (see
 * "Placement" above). On failure *model is NULL. */
NRT_STATUS nrt_load(const void* neff_bytes, size_t size, int32_t start_nc, int32_t nc_count,
                    nrt_model_t** model);
/* As nrt_load, but maps the file read-only instead of copying it; the
 * weights are read in place. Errors name the path. */
NRT_STATUS nrt_load_from_file(const char* neff_path, int32_t start_nc, int32_t nc_count,
                              nrt_model_t** model);

/* Load options. Zero-initialise, then set what you need. */
typedef struct nrt_load_options {
  /* 1: the file is trusted; do not verify its section checksums (saves a
   * pass over the weights). NEURON_RT_SKIP_CHECKSUM=1 does the same for
   * every load. The program is still verified. */
  uint32_t skip_checksum;
  /* Host threads the simulated NeuronCore may use to execute this model
   * (the Tensor engine beside the others, sharing large matmuls and copies;
   * small models stay on one; results are bit-identical for any count).
   * 0 = the environment's NEURON_SIM_THREADS, else 1. */
  uint32_t sim_threads;
  /* 1: accept a NEFF that has no seal (no section checksums); its program
   * is still verified. NEURON_RT_ALLOW_UNSEALED=1 does the same for every
   * load. Without either, an unsealed file fails with NRT_LOAD_NEFF_FAIL:
   * removing a seal takes one byte, so it must not pass silently. */
  uint32_t allow_unsealed;
} nrt_load_options_t;

/* nrt_load / nrt_load_from_file with options (NULL = defaults). */
NRT_STATUS nrt_load_with_options(const void* neff_bytes, size_t size, int32_t start_nc,
                                 int32_t nc_count, const nrt_load_options_t* options,
                                 nrt_model_t** model);
NRT_STATUS nrt_load_from_file_with_options(const char* neff_path, int32_t start_nc,
                                           int32_t nc_count, const nrt_load_options_t* options,
                                           nrt_model_t** model);
/* Unloads a model. If other threads are executing it, waits until their
 * executions return (see "Lifetimes under concurrency" above). After
 * nrt_close: NRT_CLOSED (nrt_close unloaded it already). */
NRT_STATUS nrt_unload(nrt_model_t* model);

/* The visible NeuronCores and what is loaded on each, in logical order.
 * Free with nrt_free_core_info. */
NRT_STATUS nrt_get_core_info(nrt_core_info_array_t** info);
NRT_STATUS nrt_free_core_info(nrt_core_info_array_t* info);
/* How many NeuronCores this process sees (after NEURON_RT_VISIBLE_CORES
 * and NEURON_RT_NUM_CORES), and how many the simulator provides. */
NRT_STATUS nrt_get_visible_nc_count(uint32_t* nc_count);
NRT_STATUS nrt_get_total_nc_count(uint32_t* nc_count);

/* The model's inputs then outputs: names, dtypes, shapes and byte sizes.
 * Free with nrt_free_model_tensor_info. */
NRT_STATUS nrt_get_model_tensor_info(nrt_model_t* model, nrt_tensor_info_array_t** tensor_info);
NRT_STATUS nrt_free_model_tensor_info(nrt_tensor_info_array_t* tensor_info);

/* A zero-filled tensor of `size` bytes. */
NRT_STATUS nrt_tensor_allocate(nrt_tensor_placement_t tensor_placement, int logical_nc_id,
                               size_t size, const char* name, nrt_tensor_t** tensor);
/* A tensor with no memory (size 0) until nrt_tensor_attach_buffer. */
NRT_STATUS nrt_tensor_allocate_empty(nrt_tensor_placement_t tensor_placement, int logical_nc_id,
                                     const char* name, nrt_tensor_t** tensor);
/* Makes `tensor` refer to `size` bytes at `buffer`, which the caller owns
 * and keeps alive while the tensor uses it (nrt never frees it); memory the
 * tensor held before is released (if it owned it). Executions read and
 * write `buffer` directly. NULL buffer with size 0: no memory again. Errors:
 * NRT_INVALID_HANDLE (not a live tensor), NRT_INVALID (NULL buffer with
 * size > 0, or the tensor is in use by an execution, a read or a write). */
NRT_STATUS nrt_tensor_attach_buffer(nrt_tensor_t* tensor, void* buffer, size_t size);
/* Frees *tensor and sets it to NULL; if an execution is using it, when that
 * execution returns. Valid after nrt_close. */
void nrt_tensor_free(nrt_tensor_t** tensor);
NRT_STATUS nrt_tensor_read(const nrt_tensor_t* tensor, void* buf, size_t offset, size_t size);
NRT_STATUS nrt_tensor_write(nrt_tensor_t* tensor, const void* buf, size_t offset, size_t size);
size_t nrt_tensor_get_size(const nrt_tensor_t* tensor);
/* The host address of the tensor's memory (the attached buffer, if any);
 * NULL for a tensor without memory or a dead handle. */
void* nrt_tensor_get_va(const nrt_tensor_t* tensor);

/* A set maps names to tensors it does not own. */
NRT_STATUS nrt_allocate_tensor_set(nrt_tensor_set_t** result);
void nrt_destroy_tensor_set(nrt_tensor_set_t** tensor_set);
NRT_STATUS nrt_add_tensor_to_tensor_set(nrt_tensor_set_t* tensor_set, const char* tensor_name,
                                        nrt_tensor_t* tensor);
NRT_STATUS nrt_get_tensor_from_tensor_set(nrt_tensor_set_t* tensor_set, const char* tensor_name,
                                          nrt_tensor_t** tensor);

/* Runs the model: every model input must be in input_set with its exact
 * byte size (NRT_EXEC_BAD_INPUT otherwise); every model output must be in
 * output_set with its exact size; extra tensors are ignored. */
NRT_STATUS nrt_execute(nrt_model_t* model, const nrt_tensor_set_t* input_set,
                       nrt_tensor_set_t* output_set);
/* As nrt_execute, and fills *stats (may be NULL). */
NRT_STATUS nrt_execute_with_stats(nrt_model_t* model, const nrt_tensor_set_t* input_set,
                                  nrt_tensor_set_t* output_set, nrt_execution_stats_t* stats);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* NCC_RUNTIME_NRT_H_ */
