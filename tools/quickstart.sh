#!/usr/bin/env bash
# Quickstart: installs whatever is missing (tools/setup.sh), builds the tools,
# compiles the bundled default model (testdata/models/cnn.onnx, a small CNN)
# to a NEFF and runs it on the simulated NeuronCore, printing its outputs, the
# host wall time and the simulator's estimated device latency.
#
#   tools/quickstart.sh [MODEL.onnx [neuron-run flags...]]
set -euo pipefail
cd "$(dirname "$0")/.."

./tools/setup.sh
bazel build //tools/neuron_cc:neuron-cc //tools/neuron_run:neuron-run

model="${1:-testdata/models/cnn.onnx}"
shift || true
name=$(basename "$model" .onnx)
mkdir -p out
echo
./bazel-bin/tools/neuron_cc/neuron-cc compile "$model" --framework ONNX --output "out/$name.neff" --verbose
echo
input_args=()
if [[ $# -eq 0 && -f "testdata/models/$name/input_0.npy" ]]; then
  input_args=(--input "x=testdata/models/$name/input_0.npy")
fi
./bazel-bin/tools/neuron_run/neuron-run "out/$name.neff" "${input_args[@]}" --output-dir "out/$name" "$@"
