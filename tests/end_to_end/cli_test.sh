#!/usr/bin/env bash
# The tools as a user meets them: neuron-cc compiles each test model, then
# neuron-run executes the NEFF on the simulated NeuronCore with the reference
# input; the output must match ONNX Runtime's (max |a-b| / max |b| <= 1e-4).
# Bad input must give a one-line error and a documented non-zero exit code,
# never a crash.
set -uo pipefail

NEURON_CC="$1"
NEURON_RUN="$2"
MODELS="testdata/models"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# expect_error NAME WANT_CODE PATTERN -- COMMAND...
expect_error() {
  local name="$1" want="$2" pattern="$3"
  shift 4
  local err="$TMP/$name.err"
  "$@" >"$TMP/$name.out" 2>"$err"
  local code=$?
  if [[ $code -ne $want ]]; then
    fail "$name: exit code $code, want $want; stderr: $(cat "$err")"
    return
  fi
  if [[ $(wc -l <"$err") -ne 1 ]]; then
    fail "$name: want a one-line error, got: $(cat "$err")"
    return
  fi
  if ! grep -q -- "$pattern" "$err"; then
    fail "$name: error does not mention '$pattern': $(cat "$err")"
    return
  fi
  echo "ok: $name -> exit $code: $(cat "$err")"
}

for model in mlp mlp_matmul cnn cnn_wide; do
  neff="$TMP/$model.neff"
  if ! "$NEURON_CC" compile "$MODELS/$model.onnx" --framework ONNX --output "$neff" >"$TMP/$model.cc.log" 2>&1; then
    fail "$model: neuron-cc failed: $(cat "$TMP/$model.cc.log")"
    continue
  fi
  grep -q "estimated device latency" "$TMP/$model.cc.log" || fail "$model: no latency estimate printed"
  out="$TMP/$model.out"
  mkdir -p "$out"
  if ! "$NEURON_RUN" "$neff" --input "x=$MODELS/$model/input_0.npy" --output-dir "$out" >"$TMP/$model.run.log" 2>&1; then
    fail "$model: neuron-run failed: $(cat "$TMP/$model.run.log")"
    continue
  fi
  grep -q "estimated device latency" "$TMP/$model.run.log" || fail "$model: neuron-run printed no latency estimate"
  grep -q "host wall time" "$TMP/$model.run.log" || fail "$model: neuron-run printed no host wall time"
  if ! /usr/bin/python3 - "$out/y.npy" "$MODELS/$model/expected_0.npy" <<'PY'
import sys
import numpy as np
got, want = np.load(sys.argv[1]), np.load(sys.argv[2])
assert got.shape == want.shape, f"shape {got.shape} != {want.shape}"
err = float(np.max(np.abs(got - want)) / max(float(np.max(np.abs(want))), 1e-30))
print(f"max relative error {err:.3e}")
sys.exit(0 if err <= 1e-4 else 1)
PY
  then
    fail "$model: output differs from ONNX Runtime"
  else
    echo "ok: $model matches ONNX Runtime"
  fi
done

# Bad input: each a one-line error and a non-zero, documented exit code.
head -c 1000 "$MODELS/mlp.onnx" >"$TMP/truncated.onnx"
echo "this is not an onnx model" >"$TMP/text.onnx"
expect_error truncated_onnx 2 "not a valid ONNX model" -- \
  "$NEURON_CC" compile "$TMP/truncated.onnx" --framework ONNX --output "$TMP/t.neff"
expect_error non_onnx 2 "not a valid ONNX model" -- \
  "$NEURON_CC" compile "$TMP/text.onnx" --framework ONNX --output "$TMP/t.neff"
expect_error dynamic_dim 2 "--input-shape x=1,64" -- \
  "$NEURON_CC" compile "$MODELS/dynamic_batch.onnx" --framework ONNX --output "$TMP/d.neff"
expect_error missing_model 2 "cannot open" -- \
  "$NEURON_CC" compile "$TMP/does_not_exist.onnx" --framework ONNX --output "$TMP/m.neff"
expect_error bad_flag 1 "unknown option" -- "$NEURON_CC" compile "$MODELS/mlp.onnx" --bogus
[[ -e "$TMP/t.neff" || -e "$TMP/d.neff" ]] && fail "a failed compile left an output file"

# Pinning the dynamic dimension makes the same model compile (both forms).
"$NEURON_CC" compile "$MODELS/dynamic_batch.onnx" --framework ONNX --input-shape x=2,64 \
  --output "$TMP/pinned.neff" >/dev/null 2>&1 || fail "--input-shape pin did not compile"
"$NEURON_CC" compile "$MODELS/dynamic_batch.onnx" --framework ONNX \
  --io-config '{"inputs": {"x": [[3,64], "float32"]}, "outputs": ["y"]}' \
  --output "$TMP/pinned_io.neff" >/dev/null 2>&1 || fail "--io-config pin did not compile"

# A truncated NEFF is rejected by the runtime before execution.
if [[ -f "$TMP/mlp.neff" ]]; then
  size=$(stat -c %s "$TMP/mlp.neff")
  head -c $((size / 2)) "$TMP/mlp.neff" >"$TMP/truncated.neff"
  expect_error truncated_neff 2 "NEFF" -- "$NEURON_RUN" "$TMP/truncated.neff"
  expect_error wrong_input_name 3 "nope" -- \
    "$NEURON_RUN" "$TMP/mlp.neff" --input "nope=$MODELS/mlp/input_0.npy"
  expect_error wrong_input_shape 3 "x" -- \
    "$NEURON_RUN" "$TMP/mlp.neff" --input "x=$MODELS/cnn/input_0.npy"
fi

# The same model and flags give a byte-identical NEFF.
"$NEURON_CC" compile "$MODELS/cnn.onnx" --framework ONNX --output "$TMP/again.neff" >/dev/null 2>&1
cmp -s "$TMP/cnn.neff" "$TMP/again.neff" || fail "two compiles of cnn.onnx differ"

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all CLI checks passed"
