#!/usr/bin/env bash
# NeuronCore Pipeline figures: for ResNet-50, BERT-base and MobileNetV2
# (batch 1), FP32 and bf16 auto-cast (--auto-cast matmult), compiled with
# --neuroncore-pipeline-cores N for N in 1 2 4 8 16: the estimated latency of
# one request and the steady-state interval between results with requests
# streamed (compiler cost-model estimates of NeuronCore-v2, not
# measurements), the throughput they give, and TensorE utilisation as
# achieved FLOPs (the model's Conv/Gemm/MatMul FLOPs times the throughput)
# over the peak FLOPs of the N cores used at that precision (128x128 PE at
# 2.8 GHz: 91.75 TFLOPS bf16, a quarter in FP32), beside AWS's published
# Inf2 figures. With --run, neuron-run also streams --requests K through
# the simulated cores and its timeline estimate and host wall time are
# recorded. One command from a fresh clone:
#
#   benchmarks/pipeline/run.sh [--models resnet50,bert_base,mobilenetv2]
#                              [--cores 1,2,4,8,16] [--run] [--requests 16] [--reuse]
#
# --reuse keeps NEFFs and reports already in out/pipeline/ (e.g. to add
# --run figures without compiling again). The generated inputs are used
# (BERT's token ids must be valid rows of its embeddings).
#
# Models are generated once into out/compare/ (shared with
# benchmarks/compare). Writes benchmarks/pipeline/RESULTS.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "${ROOT}"
MODELS="resnet50,bert_base,mobilenetv2"
CORES="1,2,4,8,16"
RUN=0
REUSE=0
REQUESTS=16
while [[ $# -gt 0 ]]; do
  case "$1" in
    --models) MODELS="$2"; shift 2 ;;
    --cores) CORES="$2"; shift 2 ;;
    --run) RUN=1; shift ;;
    --reuse) REUSE=1; shift ;;
    --requests) REQUESTS="$2"; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "pipeline/run.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done

source benchmarks/setup_tools.sh  # PY, and tools/setup.sh on a fresh machine
bazel build //tools/neuron_cc:neuron-cc //tools/neuron_run:neuron-run //tests/roofline:roofline_tool
BIN="$(bazel info bazel-bin 2> /dev/null)"
CACHE="${ROOT}/out/compare"
OUT="${ROOT}/out/pipeline"
mkdir -p "${CACHE}" "${OUT}"
export NEURON_RT_SIM_CORES=16

ROWS="${OUT}/rows.jsonl"
: > "${ROWS}"
IFS=',' read -r -a model_list <<< "${MODELS}"
IFS=',' read -r -a core_list <<< "${CORES}"
for model in "${model_list[@]}"; do
  onnx="${CACHE}/${model}_opset13.onnx"
  if [[ ! -f "${onnx}" ]]; then
    "${PY}" testdata/generate_real_models.py "${CACHE}" --models "${model}" --opsets 13 > /dev/null
  fi
  flops="$("${BIN}/tests/roofline/roofline_tool" --flops "${onnx}")"
  for type in fp32 bf16; do
    cast=()
    [[ "${type}" == bf16 ]] && cast=(--auto-cast matmult)
    for n in "${core_list[@]}"; do
      tag="${model}_${type}_${n}"
      start=$(date +%s.%N)
      secs=""
      if [[ "${REUSE}" == 1 && -f "${OUT}/${tag}.neff" && -f "${OUT}/${tag}.json" ]]; then
        secs=$(sed -n 's/.*"compile_s": \([0-9.]*\).*/\1/p' "${OUT}/${tag}.row" 2> /dev/null || true)
      elif ! "${BIN}/tools/neuron_cc/neuron-cc" compile "${onnx}" --framework ONNX "${cast[@]}" \
          --neuroncore-pipeline-cores "${n}" --output "${OUT}/${tag}.neff" \
          --report "${OUT}/${tag}.json" --quiet > "${OUT}/${tag}.log" 2>&1; then
        echo "${tag}: $(tail -1 "${OUT}/${tag}.log")"
        echo "{\"model\": \"${model}\", \"type\": \"${type}\", \"cores\": ${n}, \"error\": $(tail -1 "${OUT}/${tag}.log" | "${PY}" -c 'import json,sys; print(json.dumps(sys.stdin.read().strip()))')}" >> "${ROWS}"
        continue
      fi
      [[ -n "${secs}" ]] || secs=$("${PY}" -c "import time; print('%.1f' % (time.time() - ${start}))")
      run_json="null"
      if [[ "${RUN}" == 1 ]]; then
        inputs=()
        for f in "${CACHE}/${model}_inputs"/*.npy; do
          [[ -f "${f}" ]] && inputs+=(--input "$(basename "${f}" .npy)=${f}")
        done
        if "${BIN}/tools/neuron_run/neuron-run" "${OUT}/${tag}.neff" --requests "${REQUESTS}" \
            "${inputs[@]}" > "${OUT}/${tag}.run.log" 2>&1; then
          run_json=$("${PY}" - "${OUT}/${tag}.run.log" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
def grab(pattern):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else None
print(json.dumps({
    "throughput": grab(r"steady-state throughput \(simulator estimate[^)]*\): ([0-9.]+) inferences/s"),
    "host_throughput": grab(r"host throughput \(host measurement\): ([0-9.]+) inferences/s")}))
PY
)
        fi
      fi
      echo "{\"model\": \"${model}\", \"type\": \"${type}\", \"cores\": ${n}, \"flops\": ${flops}, \"compile_s\": ${secs}, \"report\": \"${OUT}/${tag}.json\", \"run\": ${run_json}}" | tee "${OUT}/${tag}.row" >> "${ROWS}"
      echo "${tag}: compiled in ${secs} s"
    done
  done
done

"${PY}" - "${ROWS}" "${ROOT}/benchmarks/pipeline/RESULTS.md" <<'PY'
import json, platform, subprocess, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
PEAK = {"bf16": 2 * 128 * 128 * 2.8e9, "fp32": 2 * 128 * 128 * 2.8e9 / 4}
# AWS's published Inf2 figures, batch 1, inf2.xlarge (2 NeuronCores, data
# parallel), FP32 models compiled with Matmult-BF16 auto-cast.
AWS = {"resnet50": (1041.09, "0.96 ms P50, Neuron 2.16"),
       "bert_base": (1998.21, "1.00 ms P50, seq 128, Neuron 2.26")}
cpu = "unknown CPU"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass
out = ["# NeuronCore Pipeline: estimated throughput and utilisation", "",
       "Generated by `benchmarks/pipeline/run.sh` on %s (host figures only: compile time). "
       "Latency, interval and throughput are **compiler cost-model estimates** of "
       "NeuronCore-v2 cores (simulator timing model), not measurements. Utilisation = "
       "FLOPs x throughput / (N x peak FLOPs at the precision: 91.75 TFLOPS bf16, 22.9 "
       "TFLOPS FP32 per core)." % cpu, "",
       "The runtime columns come from `neuron-run --requests K` (with `--run`): the simulator's "
       "timeline estimate for K requests streamed through the placed cores, and the host's "
       "measured throughput of the simulation itself (a software NeuronCore on a 2-core host, "
       "not a device figure).", "",
       "| model | type | cores | compile s | est. latency us | est. interval us | est. inferences/s | runtime est. inferences/s | host inferences/s (measured) | utilisation of the N cores | weights streamed per inference | AWS Inf2 per core (b1) |",
       "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
best = {}
for r in rows:
    if "error" in r:
        out.append("| %s | %s | %d | | refused: %s | | | | | | | |" % (r["model"], r["type"], r["cores"], r["error"]))
        continue
    rep = json.load(open(r["report"]))
    p = rep.get("pipeline")
    if p:
        lat, interval = p["latency_us"], p["interval_us"]
        streamed = sum(s["weights_streamed_bytes"] for s in p["stages"])
    else:
        lat = interval = rep["estimate"]["latency_us"]
        streamed = rep["memory"]["weights_bytes"]
    tput = 1e6 / interval
    util = r["flops"] * tput / (r["cores"] * PEAK[r["type"]])
    aws = ""
    if r["type"] == "bf16" and r["model"] in AWS:
        t, what = AWS[r["model"]]
        aws = "%.0f inf/s per core, %.1f%% (%s)" % (t / 2, 100 * r["flops"] * t / 2 / PEAK["bf16"], what)
    run = r.get("run") or {}
    fmt = lambda v: "%.0f" % v if v else "-"
    out.append("| %s | %s | %d | %.1f | %.1f | %.1f | %.0f | %s | %s | %.1f%% | %.1f MiB | %s |" % (
        r["model"], r["type"], r["cores"], r["compile_s"], lat, interval, tput,
        fmt(run.get("throughput")), fmt(run.get("host_throughput")), 100 * util,
        streamed / 1048576, aws))
    key = (r["model"], r["type"])
    if key not in best or util > best[key][1]:
        best[key] = (r["cores"], util)
out += ["", "Best N by utilisation: " + "; ".join(
    "%s %s: N=%d (%.1f%%)" % (m, t, n, 100 * u) for (m, t), (n, u) in sorted(best.items())), ""]
open(sys.argv[2], "w").write("\n".join(out) + "\n")
print("\n".join(out))
PY
