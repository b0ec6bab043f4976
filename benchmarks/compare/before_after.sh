#!/usr/bin/env bash
# Before/after timing of our side only: two builds of the compare driver
# (e.g. one from before a simulator change, copied aside, and the current
# one) run alternately, A B A B, on the NEFFs and inputs that run.sh cached
# in out/compare/, for each thread count. Prints one line per run and a
# median summary per model, precision and thread count.
#
#   benchmarks/compare/before_after.sh BEFORE_COMPARE AFTER_COMPARE \
#       [--rounds N] [--iterations N] [--threads 1,2] [--models a,b]
#
# --models takes run.sh's names (benchmarks/compare/models.py; default: its
# default set, e.g. resnet50,...,ppocr_det,ppocr_rec,mlp,cnn). Each model
# needs its FP32 NEFF in the cache; its BF16 NEFF is used when run.sh made one.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[[ $# -ge 2 ]] || { sed -n '2,13p' "$0" >&2; exit 1; }
BEFORE="$1"
AFTER="$2"
shift 2
ROUNDS=3
ITERATIONS=3
THREADS="1,2"
MODELS=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --iterations) ITERATIONS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --models) MODELS="$2"; shift 2 ;;
    *) echo "before_after.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done
PY=/usr/bin/python3
[[ -n "${MODELS}" ]] || MODELS="$("${PY}" "${ROOT}/benchmarks/compare/models.py" default)"
"${PY}" "${ROOT}/benchmarks/compare/models.py" check "${MODELS}" || exit 1
CACHE="${ROOT}/out/compare"
IFS=',' read -r -a model_list <<< "${MODELS}"
IFS=',' read -r -a thread_list <<< "${THREADS}"
TMP="$(mktemp)"
trap 'rm -f "${TMP}"' EXIT
for model in "${model_list[@]}"; do
  for precision in fp32 bf16; do
    neff="${CACHE}/${model}_${precision}.neff"
    if [[ ! -f "${neff}" ]]; then
      [[ "${precision}" == bf16 ]] && continue
      echo "missing ${neff}: run run.sh --models ${model} first" >&2
      exit 1
    fi
    for threads in "${thread_list[@]}"; do
      for ((round = 0; round < ROUNDS; ++round)); do
        for side in before after; do
          bin="${BEFORE}"; [[ "${side}" == after ]] && bin="${AFTER}"
          "${bin}" --neff "${neff}" --inputs "${CACHE}/${model}_inputs" \
            --threads "${threads}" --warmup 1 --iterations "${ITERATIONS}" \
            --loads 1 --label "${model}_${precision}" |
            awk -v side="${side}" -F'\t' '$1 == "RESULT" {print side, $2, $3, $4}' \
            >> "${TMP}"
        done
      done
    done
  done
done
# Median over rounds of each round's median.
echo "| model_precision threads | before ms | after ms | speed-up |"
echo "| --- | ---: | ---: | ---: |"
sort -k2,2 -k3,3n -k1,1 "${TMP}" | awk '
  function median(s,   n, a, i, j, t) {
    n = split(s, a, " ")
    for (i = 1; i <= n; ++i) for (j = i + 1; j <= n; ++j)
      if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { key = $2 " threads=" $3; v[key, $1] = v[key, $1] " " $4; keys[key] = 1 }
  END {
    for (k in keys) {
      b = median(v[k, "before"]); a = median(v[k, "after"])
      # Tiny models run in well under a millisecond: three decimals there.
      fmt = (b < 1 || a < 1) ? "| %s | %.3f | %.3f | %.2fx |\n" : "| %s | %.1f | %.1f | %.2fx |\n"
      printf fmt, k, b, a, b / a
    }
  }' | sort
