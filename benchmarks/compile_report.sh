#!/usr/bin/env bash
# The compiler's figures for the real models: compile time (host wall time,
# median of N runs), the estimated device latency and TensorE utilisation in
# FP32 (simulator cost-model estimates, NeuronCore-v2), the estimate with
# bf16 auto-cast, the critical path's DMA share, and what SBUF residency did.
# One command from a fresh clone:
#
#   benchmarks/compile_report.sh [--models resnet50,mobilenetv2,bert_small,bert_base]
#                                [--runs 5]
#
# Models are generated once (testdata/generate_real_models.py, Debian's
# python3-torch, no downloads) into out/compare/, shared with
# benchmarks/compare/run.sh. Prints a Markdown table (benchmarks/README.md,
# "Compiler").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${ROOT}"
MODELS="resnet50,mobilenetv2,bert_small,bert_base"
RUNS=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --models) MODELS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "compile_report.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done
[[ "${RUNS}" =~ ^[1-9][0-9]*$ ]] || { echo "compile_report.sh: --runs must be a positive integer" >&2; exit 1; }

source benchmarks/setup_tools.sh  # PY, and tools/setup.sh on a fresh machine
bazel build //tools/neuron_cc:neuron-cc
NEURON_CC="$(bazel info bazel-bin 2> /dev/null)/tools/neuron_cc/neuron-cc"
CACHE="${ROOT}/out/compare"
mkdir -p "${CACHE}"
OUT="$(mktemp -d)"
trap 'rm -rf "${OUT}"' EXIT

# The number after `key` in the report's line that matches `pattern`.
field() { grep -E "$1" | grep -oE "$2 [0-9.]+" | head -1 | awk '{print $NF}'; }

echo "| model (opset 13, batch 1) | compile time (median of ${RUNS}) | est. latency FP32 | est. TensorE utilisation | critical path DMA | est. latency bf16 | loads served on chip / spilled |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
IFS=',' read -r -a model_list <<< "${MODELS}"
for model in "${model_list[@]}"; do
  onnx="${CACHE}/${model}_opset13.onnx"
  if [[ ! -f "${onnx}" ]]; then
    "${PY}" testdata/generate_real_models.py "${CACHE}" --models "${model}" --opsets 13 > /dev/null
  fi
  times=()
  for ((i = 0; i < RUNS; ++i)); do
    report="$("${NEURON_CC}" compile "${onnx}" --framework ONNX --output "${OUT}/m.neff" --verbose 2>&1)"
    times+=("$(echo "${report}" | grep -oE 'in [0-9.]+ ms' | awk '{print $2}')")
  done
  median="$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  latency="$(echo "${report}" | field 'estimated device latency' 'latency:')"
  util="$(echo "${report}" | field 'TensorE utilisation' 'utilisation:')"
  dma="$(echo "${report}" | grep 'critical path' | grep -oE 'DMA [0-9.]+' | awk '{print $2}')"
  served="$(echo "${report}" | grep -oE 'SBUF residency: [0-9]+' | awk '{print $3}')"
  spilled="$(echo "${report}" | grep -oE 'spills: [0-9]+' | awk '{print $2}')"
  bf16="$("${NEURON_CC}" compile "${onnx}" --framework ONNX --output "${OUT}/b.neff" \
    --auto-cast matmult --auto-cast-type bf16 2>&1 | field 'estimated device latency' 'latency:')"
  awk -v m="${model}" -v t="${median}" -v l="${latency}" -v u="${util}" -v d="${dma:-0}" \
      -v b="${bf16}" -v s="${served}" -v p="${spilled}" \
      'BEGIN { printf "| %s | %.2f s | %.3f ms | %s%% | %.3f ms | %.3f ms | %s / %s |\n", m, t / 1000, l / 1000, u, d / 1000, b / 1000, s, p }'
done
echo
echo "Device figures are simulator cost-model estimates (NeuronCore-v2), not measurements."
