#!/usr/bin/env bash
# Regenerates runtime/fuzz/corpus: small NEFFs that neuron-cc produces from
# the test models (run from the repository root after a compiler change).
set -euo pipefail
cd "$(dirname "$0")/../.."
bazel build //tools/neuron_cc:neuron-cc
out=runtime/fuzz/corpus
rm -f "$out"/*.neff
for m in mlp cnn; do
  bazel-bin/tools/neuron_cc/neuron-cc compile "testdata/models/$m.onnx" \
    --framework ONNX --output "$out/$m.neff" >/dev/null
done
ls -l "$out"
