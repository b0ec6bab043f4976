#!/usr/bin/env bash
# Regenerates runtime/fuzz/corpus: small NEFFs that neuron-cc produces from
# the MLP test model and from ONNX node tests (Debian's libonnx-testdata)
# covering every engine and the gather path. Each seed is a few KB: the
# fuzzer copies and hashes its input on every run, so seed size sets its
# speed (the 392 KB CNN held it near 200 runs/s). Run from the repository
# root after a compiler or format change.
set -euo pipefail
cd "$(dirname "$0")/../.."
bazel build //tools/neuron_cc:neuron-cc
cc=bazel-bin/tools/neuron_cc/neuron-cc
out=runtime/fuzz/corpus
node=/usr/share/libonnx-testdata/data/node
rm -f "$out"/*.neff
"$cc" compile testdata/models/mlp.onnx --framework ONNX --output "$out/mlp.neff" >/dev/null
# NEFF 1.0: two stages, each with load queues (SBUF-resident weights).
"$cc" compile testdata/models/mlp.onnx --framework ONNX --neuroncore-pipeline-cores 2 \
  --output "$out/mlp_2_cores.neff" >/dev/null
tests=(
  test_add test_relu test_sigmoid test_softmax_axis_1 test_matmul_2d test_gemm_default_no_bias
  test_conv_with_strides_padding test_maxpool_2d_default test_averagepool_2d_default
  test_transpose_default test_concat_2d_axis_0 test_gather_0 test_gather_elements_0
  test_reduce_sum_default_axes_keepdims_example test_where_example test_batchnorm_example
  test_layer_normalization_2d_axis0 test_cast_FLOAT_to_FLOAT16 test_argmax_default_axis_example
  test_scatter_elements_without_axis test_expand_dim_changed test_unsqueeze_axis_0
)
for t in "${tests[@]}"; do
  if "$cc" compile "$node/$t/model.onnx" --framework ONNX --output "$out/${t#test_}.neff" \
      >/dev/null 2>"$out/.err"; then
    :
  else
    echo "make_seed_corpus: skipped $t: $(head -c 200 "$out/.err")"
  fi
done
rm -f "$out/.err"
ls -l "$out"
