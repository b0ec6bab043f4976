#!/usr/bin/env bash
# Side-by-side benchmark: our runtime (NEFF on the simulated NeuronCore,
# nrt_* C API) against ONNX Runtime 1.30 (C API) on ResNet-50, MobileNetV2
# and BERT (4 layers, hidden 256, seq 128), FP32 and BF16 auto-cast
# (--auto-cast matmult --auto-cast-type bf16), 1 and 2 threads, batch 1.
# One command from a fresh clone:
#
#   benchmarks/compare/run.sh [--models resnet50,mobilenetv2,bert_small]
#                             [--threads 1,2] [--iterations N] [--warmup N]
#
# It installs what it needs (tools/setup.sh's Debian packages; ONNX Runtime
# and its C API header from npm, pinned, into git-ignored folders), caches
# the generated models and NEFFs in out/compare/ (git-ignored), builds with
# the project's default flags (-O2 -march=x86-64-v3; the shared Bazel cache),
# prints a table and writes benchmarks/RESULTS.md (the generated part
# between the markers; the hand-written analysis around it is kept).
# Add bert_base to --models for BERT-base (slow to generate and run).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "${ROOT}"
MODELS="resnet50,mobilenetv2,bert_small"
THREADS="1,2"
ITERATIONS=""
WARMUP=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --models) MODELS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --iterations) ITERATIONS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done

source benchmarks/setup_tools.sh  # PY, and tools/setup.sh on a fresh machine
bash testdata/install_ort.sh > /dev/null
benchmarks/compare/install_ort_capi.sh > /dev/null
ORT_LIB="${ROOT}/third_party/ort/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1"
[[ -f "${ORT_LIB}" ]] || { echo "run.sh: ${ORT_LIB} missing" >&2; exit 1; }

bazel build //tools/neuron_cc:neuron-cc //benchmarks/compare:compare
BIN="$(bazel info bazel-bin 2> /dev/null)"
NEURON_CC="${BIN}/tools/neuron_cc/neuron-cc"
COMPARE="${BIN}/benchmarks/compare/compare"

CACHE="${ROOT}/out/compare"
mkdir -p "${CACHE}"
TSV="${CACHE}/results.tsv"
: > "${TSV}"

now_ms() { date +%s%3N; }

IFS=',' read -r -a model_list <<< "${MODELS}"
IFS=',' read -r -a thread_list <<< "${THREADS}"
for model in "${model_list[@]}"; do
  onnx="${CACHE}/${model}_opset13.onnx"
  if [[ ! -f "${onnx}" || ! -d "${CACHE}/${model}_inputs" ]]; then
    echo "== generating ${model}"
    "${PY}" testdata/generate_real_models.py "${CACHE}" --models "${model}" \
      --opsets 13
  fi
  for precision in fp32 bf16; do
    neff="${CACHE}/${model}_${precision}.neff"
    flags=()
    [[ "${precision}" == bf16 ]] && flags=(--auto-cast matmult --auto-cast-type bf16)
    # Compile time: median of 3 (the last one writes the NEFF we run).
    times=()
    for _ in 1 2 3; do
      start="$(now_ms)"
      "${NEURON_CC}" compile "${onnx}" --framework ONNX --output "${neff}" \
        "${flags[@]}" > /dev/null
      times+=("$(( $(now_ms) - start ))")
    done
    compile_ms="$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)"
    printf 'COMPILE\t%s\t%s\n' "${model}_${precision}" "${compile_ms}" >> "${TSV}"
    iterations="${ITERATIONS}"
    if [[ -z "${iterations}" ]]; then
      case "${model}" in
        resnet50|bert_base) iterations=11 ;;
        *) iterations=21 ;;
      esac
    fi
    for threads in "${thread_list[@]}"; do
      echo "== ${model} ${precision} threads=${threads}"
      "${COMPARE}" --neff "${neff}" --onnx "${onnx}" \
        --inputs "${CACHE}/${model}_inputs" --ort_lib "${ORT_LIB}" \
        --threads "${threads}" --warmup "${WARMUP}" \
        --iterations "${iterations}" --label "${model}_${precision}" |
        tee "${CACHE}/last.txt"
      grep '^RESULT' "${CACHE}/last.txt" >> "${TSV}"
    done
  done
done

"${PY}" benchmarks/compare/make_results.py "${TSV}" benchmarks/RESULTS.md
echo "wrote benchmarks/RESULTS.md"
