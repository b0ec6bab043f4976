/*
 * hello_nrt.c: load a NEFF, run it once on a (simulated) NeuronCore and
 * print its outputs, using only the nrt_* C API in runtime/nrt.h.
 *
 *   neuron-cc compile model.onnx --framework ONNX --output model.neff
 *   hello_nrt model.neff
 *
 * Read it top to bottom: each numbered section is one step of the runtime
 * lifecycle, and every call returns an NRT_STATUS that we check. When a call
 * fails, nrt_get_last_error() holds a one-line reason naming what went wrong
 * and where; a real program should always print it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/nrt.h"

/* Prints the failed call, its status name and the runtime's reason, and
 * jumps to the cleanup code. Checking every status is the whole discipline
 * of this API: nothing fails silently. */
#define CHECK(call)                                                       \
  do {                                                                    \
    NRT_STATUS status_ = (call);                                          \
    if (status_ != NRT_SUCCESS) {                                         \
      fprintf(stderr, "hello_nrt: %s failed: %s: %s\n", #call,            \
              nrt_get_status_as_str(status_), nrt_get_last_error());      \
      exit_code = 1;                                                      \
      goto cleanup;                                                       \
    }                                                                     \
  } while (0)

int main(int argc, char** argv) {
  int exit_code = 0;
  nrt_model_t* model = NULL;
  nrt_tensor_info_array_t* info = NULL;
  nrt_tensor_set_t* inputs = NULL;
  nrt_tensor_set_t* outputs = NULL;
  nrt_tensor_t** tensors = NULL; /* one per model input/output */
  uint64_t n = 0;
  uint64_t i;

  if (argc != 2) {
    fprintf(stderr, "usage: hello_nrt MODEL.neff\n");
    return 2;
  }

  /* 1. Start the runtime.
   *
   * nrt_init comes before any other call. It reads NEURON_RT_VISIBLE_CORES
   * and NEURON_RT_NUM_CORES to decide which NeuronCores this process may
   * use (here: the two cores of a simulated Inferentia2 chip). */
  CHECK(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""));

  /* 2. Load the model.
   *
   * The runtime maps the file (no copy of the weights), then checks it
   * completely before it will run anything: the file structure, the
   * section checksums, every instruction's memory ranges, and that no
   * engine can wait forever on a semaphore. A damaged or hostile NEFF stops
   * here with NRT_LOAD_NEFF_FAIL. start_nc 0, nc_count -1: start at the
   * first visible core and use all of them; executions spread over them. */
  CHECK(nrt_load_from_file(argv[1], 0, -1, &model));

  /* 3. Ask the model what it takes and gives.
   *
   * The compiler pinned every shape, so each input and output has a fixed
   * name, dtype, shape and byte size. Inputs come first, then outputs. */
  CHECK(nrt_get_model_tensor_info(model, &info));
  n = info->tensor_count;

  /* 4. Make one tensor per input and output, and put them in two sets.
   *
   * A tensor is a named buffer of exactly the model's byte size. A tensor
   * set maps names to tensors; nrt_execute finds its inputs and outputs by
   * name. Sets do not own their tensors: we free both ourselves. */
  tensors = calloc(n == 0 ? 1 : n, sizeof(nrt_tensor_t*));
  if (tensors == NULL) {
    fprintf(stderr, "hello_nrt: out of memory\n");
    exit_code = 1;
    goto cleanup;
  }
  CHECK(nrt_allocate_tensor_set(&inputs));
  CHECK(nrt_allocate_tensor_set(&outputs));
  for (i = 0; i < n; ++i) {
    const nrt_tensor_info_t* t = &info->tensor_array[i];
    const int is_input = t->usage == NRT_TENSOR_USAGE_INPUT;
    uint32_t d;
    printf("%s %s: %s[", is_input ? "input " : "output", t->name,
           nrt_dtype_as_str(t->dtype));
    for (d = 0; d < t->ndim; ++d) {
      printf("%s%lld", d ? ", " : "", (long long)t->shape[d]);
    }
    printf("] (%zu bytes)\n", t->size);

    CHECK(nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, t->size,
                              t->name, &tensors[i]));
    if (is_input) {
      /* 5. Fill the inputs.
       *
       * Real code copies its data in; we write a small ramp so the run is
       * reproducible. nrt_tensor_write copies host bytes into the tensor. */
      if (t->dtype == NRT_DTYPE_FLOAT32) {
        size_t count = t->size / sizeof(float);
        size_t k;
        float* data = malloc(t->size == 0 ? 1 : t->size);
        if (data == NULL) {
          fprintf(stderr, "hello_nrt: out of memory\n");
          exit_code = 1;
          goto cleanup;
        }
        for (k = 0; k < count; ++k) data[k] = (float)(k % 17) / 16.0f - 0.5f;
        NRT_STATUS s = nrt_tensor_write(tensors[i], data, 0, t->size);
        free(data);
        CHECK(s);
      }
      CHECK(nrt_add_tensor_to_tensor_set(inputs, t->name, tensors[i]));
    } else {
      CHECK(nrt_add_tensor_to_tensor_set(outputs, t->name, tensors[i]));
    }
  }

  /* 6. Execute.
   *
   * The runtime gives this execution its own device memory, copies the
   * inputs in, runs every engine's instruction queue on a free NeuronCore
   * and copies the outputs back. The stats are the simulator's ESTIMATES
   * of a NeuronCore-v2, not measurements. nrt_execute may be called from
   * many threads at once on the same model. */
  {
    nrt_execution_stats_t stats;
    CHECK(nrt_execute_with_stats(model, inputs, outputs, &stats));
    printf("ran on NeuronCore %d: estimated device latency %.1f us "
           "(simulator estimate), host time %.1f us\n",
           stats.neuron_core, stats.estimated_latency_ns / 1000.0,
           stats.host_wall_ns / 1000.0);
  }

  /* 7. Read the outputs.
   *
   * nrt_tensor_read copies bytes out of a tensor; here we print at most the
   * first eight values of each float output. */
  for (i = 0; i < n; ++i) {
    const nrt_tensor_info_t* t = &info->tensor_array[i];
    float values[8];
    size_t count = t->size / sizeof(float);
    size_t k;
    if (t->usage != NRT_TENSOR_USAGE_OUTPUT || t->dtype != NRT_DTYPE_FLOAT32) {
      continue;
    }
    if (count > 8) count = 8;
    CHECK(nrt_tensor_read(tensors[i], values, 0, count * sizeof(float)));
    printf("%s =", t->name);
    for (k = 0; k < count; ++k) printf(" %.6g", values[k]);
    printf("%s\n", t->size / sizeof(float) > count ? " ..." : "");
  }

cleanup:
  /* 8. Clean up, in reverse order.
   *
   * Every allocation has its free: tensors, sets, the tensor info, the
   * model, and finally the runtime. The free functions accept NULL, so the
   * same code serves the error path. */
  if (tensors != NULL) {
    for (i = 0; i < n; ++i) nrt_tensor_free(&tensors[i]);
    free(tensors);
  }
  nrt_destroy_tensor_set(&inputs);
  nrt_destroy_tensor_set(&outputs);
  nrt_free_model_tensor_info(info);
  if (model != NULL) nrt_unload(model);
  nrt_close();
  if (exit_code == 0) printf("done\n");
  return exit_code;
}
