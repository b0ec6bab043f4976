#!/usr/bin/env bash
# Small ONNX models for the classes of real-world files that used to fail
# (static control flow, folding, pin suggestions), checked against ONNX
# Runtime: see onnx_classes_test.py. Installs onnxruntime-node from npm.
set -uo pipefail
T="${TEST_TMPDIR:-$(mktemp -d)}"
export npm_config_cache="$T/npm-cache"
export HOME="${HOME:-$T}"
export NCC_ORT_DIR="${NCC_ORT_DIR:-$T/ort}"
if ! testdata/install_ort.sh "$NCC_ORT_DIR" >"$T/ort_install.log" 2>&1; then
  cat "$T/ort_install.log"
  echo "FAIL: could not install onnxruntime-node (needs the npm registry)"
  exit 1
fi
exec /usr/bin/python3 tests/end_to_end/onnx_classes_test.py "$@"
