#!/usr/bin/env bash
# ONNX opsets 18-21 end to end: tests/end_to_end/onnx_opset18_test.py builds
# one small model per operator version that changed in opsets 18-21, compiles
# and runs each, and compares with ONNX Runtime 1.30 (installed from npm, so
# this needs the network); it also checks what is refused (IR version 11 /
# opset 22, float8, ops without an opset-17 form). With --refusals-only it
# checks only the refusals and needs no network.
#
#   onnx_opset18_test.sh NEURON_CC NEURON_RUN [--refusals-only]
set -uo pipefail

NEURON_CC="$1"
NEURON_RUN="$2"
MODE="${3:-}"
T="${TEST_TMPDIR:-$(mktemp -d)}"

if [[ "$MODE" != --refusals-only ]]; then
  export npm_config_cache="$T/npm-cache"
  export HOME="${HOME:-$T}"
  export NCC_ORT_DIR="${NCC_ORT_DIR:-$T/ort}"
  if ! testdata/install_ort.sh "$NCC_ORT_DIR" >"$T/ort_install.log" 2>&1; then
    cat "$T/ort_install.log"
    echo "FAIL: could not install onnxruntime-node (needs the npm registry)"
    exit 1
  fi
fi
exec /usr/bin/python3 tests/end_to_end/onnx_opset18_test.py "$NEURON_CC" "$NEURON_RUN" $MODE
