#!/usr/bin/env bash
# NeuronCore Pipeline end to end: ResNet-50 and BERT-base (12 layers, hidden
# 768, seq 128), generated at test time (testdata/generate_real_models.py:
# torch and torchvision from Debian, random weights, no downloads), are
# compiled with --neuroncore-pipeline-cores 1, 2, 4 and 8; every pipelined
# NEFF passes `neff verify` and, run on 8 simulated NeuronCores by
# neuron-run, gives the single-core NEFF's outputs (bit-identical where the
# arithmetic order is the same, else within 1e-5 relative). ResNet-50 is
# also checked with bf16 auto-cast at 4 cores against its single-core bf16
# NEFF. The single-core NEFFs are checked against ONNX Runtime by
# real_models_test; this test needs no network.
set -uo pipefail

NEURON_CC="$1"
NEURON_RUN="$2"
NEFF_TOOL="$3"
T="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
# The simulated instance: 8 NeuronCores (four Inferentia2 chips).
export NEURON_RT_SIM_CORES=8

start=$(date +%s)
if ! /usr/bin/python3 testdata/generate_real_models.py "$T/models" --models resnet50,bert_base \
    --opsets 17 >"$T/gen.log" 2>&1; then
  cat "$T/gen.log"
  echo "FAIL: model generation failed"
  exit 1
fi
echo "generated models in $(( $(date +%s) - start )) s"

# compare WANT_DIR GOT_DIR: prints "identical" or the max relative error;
# fails above 1e-5.
compare() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import os, sys
import numpy as np
want_dir, got_dir = sys.argv[1], sys.argv[2]
names = sorted(os.listdir(want_dir))
assert names and names == sorted(os.listdir(got_dir)), (names, os.listdir(got_dir))
worst, identical = 0.0, True
for name in names:
    want = np.load(os.path.join(want_dir, name))
    got = np.load(os.path.join(got_dir, name))
    assert want.shape == got.shape and want.dtype == got.dtype, (name, want.shape, got.shape)
    identical &= want.tobytes() == got.tobytes()
    w, g = want.astype(np.float64), got.astype(np.float64)
    worst = max(worst, float(np.max(np.abs(g - w)) / max(np.max(np.abs(w)), 1e-30)))
print("identical" if identical else "max rel error %.3e" % worst)
sys.exit(0 if worst <= 1e-5 else 1)
PY
}

printf '%-10s %-5s %5s %10s %12s %12s  %s\n' model type cores "compile s" "latency us" "interval us" "outputs vs 1 core"
check() {  # model type cores [neuron-cc flags...]
  local model="$1" type="$2" cores="$3"
  shift 3
  local onnx="$T/models/${model}_opset17.onnx" tag="${model}_${type}_${cores}"
  local inputs=()
  for f in "$T/models/${model}_inputs"/*.npy; do inputs+=(--input "$(basename "$f" .npy)=$f"); done
  local t0=$(date +%s.%N)
  if ! "$NEURON_CC" compile "$onnx" --framework ONNX --output "$T/$tag.neff" --report "$T/$tag.json" \
      --neuroncore-pipeline-cores "$cores" "$@" >"$T/$tag.cc.log" 2>&1; then
    fail "$tag: neuron-cc failed: $(tail -3 "$T/$tag.cc.log")"
    return
  fi
  local secs=$(/usr/bin/python3 -c "import time; print('%.1f' % (time.time() - $t0))")
  if ! "$NEFF_TOOL" verify "$T/$tag.neff" >"$T/$tag.verify.log" 2>&1; then
    fail "$tag: neff verify: $(cat "$T/$tag.verify.log")"
    return
  fi
  read -r latency interval stages < <(/usr/bin/python3 - "$T/$tag.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p = r.get("pipeline")
if p:
    print("%.1f %.1f %d" % (p["latency_us"], p["interval_us"], len(p["stages"])))
else:
    print("%.1f %.1f 1" % (r["estimate"]["latency_us"], r["estimate"]["latency_us"]))
PY
)
  [[ "$stages" == "$cores" ]] || fail "$tag: the report lists $stages stages, want $cores"
  rm -rf "$T/$tag.out"
  if ! "$NEURON_RUN" "$T/$tag.neff" "${inputs[@]}" --output-dir "$T/$tag.out" --quiet \
      >"$T/$tag.run.log" 2>&1; then
    fail "$tag: neuron-run failed: $(tail -3 "$T/$tag.run.log")"
    return
  fi
  local verdict="(reference)"
  if [[ "$cores" != 1 ]]; then
    verdict=$(compare "$T/${model}_${type}_1.out" "$T/$tag.out") ||
      fail "$tag: outputs differ from the single-core NEFF's: $verdict"
  fi
  printf '%-10s %-5s %5s %10s %12s %12s  %s\n' "$model" "$type" "$cores" "$secs" "$latency" "$interval" "$verdict"
}

for model in resnet50 bert_base; do
  for cores in 1 2 4 8; do check "$model" fp32 "$cores"; done
done
for cores in 1 4; do check resnet50 bf16 "$cores" --auto-cast matmult; done
echo "(latency and interval: compiler cost-model estimates; compile s: host wall time)"

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "pipelined NEFFs match their single-core NEFFs"
