/* An application in another workspace: the classifier NEFF, compiled at
 * build time by @neuron_compiler's neff_model and embedded by
 * cc_neff_library, loaded from memory and run once on a constant image.
 * Plain C: the generated header and the runtime API are C. */
#include <stdio.h>
#include <stdlib.h>

#include "models/classifier_neff.h"
#include "runtime/nrt.h"

static void check(NRT_STATUS status, const char* what) {
  if (status == NRT_SUCCESS) return;
  fprintf(stderr, "classify: %s failed: %s: %s\n", what, nrt_get_status_as_str(status),
          nrt_get_last_error());
  exit(1);
}

int main(void) {
  const ncc_embedded_tensor_t* in = &classifier_neff.inputs[0];
  const ncc_embedded_tensor_t* out = &classifier_neff.outputs[0];
  float* image = malloc(in->size_bytes);
  float* logits = malloc(out->size_bytes);
  size_t n_in = in->size_bytes / sizeof(float), n_out = out->size_bytes / sizeof(float);
  if (image == NULL || logits == NULL) return 1;
  for (size_t i = 0; i < n_in; ++i) image[i] = 0.5f;

  nrt_model_t* model = NULL;
  nrt_tensor_set_t *inputs = NULL, *outputs = NULL;
  nrt_tensor_t *x = NULL, *y = NULL;
  nrt_execution_stats_t stats;
  check(nrt_init(NRT_FRAMEWORK_TYPE_NO_FW, "", ""), "nrt_init");
  check(nrt_load(classifier_neff.data, classifier_neff.size, 0, 1, &model), "nrt_load");
  check(nrt_allocate_tensor_set(&inputs), "nrt_allocate_tensor_set");
  check(nrt_allocate_tensor_set(&outputs), "nrt_allocate_tensor_set");
  check(nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, in->size_bytes, in->name, &x),
        "nrt_tensor_allocate");
  check(nrt_tensor_allocate(NRT_TENSOR_PLACEMENT_DEVICE, 0, out->size_bytes, out->name, &y),
        "nrt_tensor_allocate");
  check(nrt_tensor_write(x, image, 0, in->size_bytes), "nrt_tensor_write");
  check(nrt_add_tensor_to_tensor_set(inputs, in->name, x), "nrt_add_tensor_to_tensor_set");
  check(nrt_add_tensor_to_tensor_set(outputs, out->name, y), "nrt_add_tensor_to_tensor_set");
  check(nrt_execute_with_stats(model, inputs, outputs, &stats), "nrt_execute");
  check(nrt_tensor_read(y, logits, 0, out->size_bytes), "nrt_tensor_read");

  size_t best = 0;
  for (size_t i = 1; i < n_out; ++i) {
    if (logits[i] > logits[best]) best = i;
  }
  printf("%s: class %zu of %zu (logit %.4f)\n", classifier_neff.label, best, n_out, logits[best]);
  printf("estimated device latency: %.1f us (simulator estimate, NeuronCore-v2)\n",
         stats.estimated_latency_ns / 1000.0);

  nrt_tensor_free(&x);
  nrt_tensor_free(&y);
  nrt_destroy_tensor_set(&inputs);
  nrt_destroy_tensor_set(&outputs);
  check(nrt_unload(model), "nrt_unload");
  nrt_close();
  free(image);
  free(logits);
  return 0;
}
