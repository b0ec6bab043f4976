#!/usr/bin/env bash
# The TensorFlow frontend as a user meets it: neuron-cc compiles a small NHWC
# CNN given as a text GraphDef (pinned through neuron-cc's TF --io-config),
# neuron-run executes it on the simulated NeuronCore, and both outputs match
# the numpy reference written by testdata/tensorflow/make_models.py (max
# |a-b| / max |b| <= 1e-4); so do the outputs of ops_mix, one per op the CNN
# does not use. The CNN as a binary .pb, and the errors:
# truncated file, unpinned placeholder, unsupported ops (exit 3, all at once),
# and list-operators.
set -uo pipefail

NEURON_CC="$1"
NEURON_RUN="$2"
MODELS="testdata/tensorflow"
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

# compare GOT WANT
compare() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
import numpy as np
got, want = np.load(sys.argv[1]), np.load(sys.argv[2])
err = float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30)) if got.shape == want.shape else float("inf")
print(f"{sys.argv[1]}: shape {got.shape}, relative error {err:.3g}")
sys.exit(0 if err <= 1e-4 else 1)
PY
}

IO_CONFIG='{"inputs": {"input:0": [[1,16,16,3], "float32"]}, "outputs": ["output:0", "logits:0"]}'
neff="$TMP/small_cnn.neff"
if "$NEURON_CC" compile "$MODELS/small_cnn.pbtxt" --framework TENSORFLOW --io-config "$IO_CONFIG" \
    --output "$neff" --verbose >"$TMP/cc.log" 2>&1; then
  grep "transposes:" "$TMP/cc.log"
  out="$TMP/out"
  mkdir -p "$out"
  if "$NEURON_RUN" "$neff" --input "input:0=$MODELS/small_cnn/input.npy" --output-dir "$out" \
      >"$TMP/run.log" 2>&1; then
    compare "$out/output_0.npy" "$MODELS/small_cnn/expected.npy" || fail "small_cnn: output:0 differs"
    compare "$out/logits_0.npy" "$MODELS/small_cnn/expected_logits.npy" || fail "small_cnn: logits:0 differs"
  else
    fail "small_cnn: neuron-run failed: $(cat "$TMP/run.log")"
  fi
else
  fail "small_cnn: neuron-cc failed: $(cat "$TMP/cc.log")"
fi

# One output per op the CNN does not use (resizes in every coordinate mode,
# NCHW conv with explicit padding and dilations, strided slices with masks,
# reductions, batch matmul, split/pack/tile/gather, select, argmax, pads...).
MIX="$MODELS/ops_mix"
outputs=$(ls "$MIX" | grep -v '^input_' | sed 's/_0\.npy$/:0/' |
  /usr/bin/python3 -c 'import json,sys; print(json.dumps([l.strip() for l in sys.stdin]))')
if "$NEURON_CC" compile "$MODELS/ops_mix.pbtxt" --framework TENSORFLOW \
    --io-config "{\"inputs\": {}, \"outputs\": $outputs}" --output "$TMP/mix.neff" >"$TMP/mix.log" 2>&1; then
  mkdir -p "$TMP/mix"
  if "$NEURON_RUN" "$TMP/mix.neff" --input "a:0=$MIX/input_a.npy" --input "b:0=$MIX/input_b.npy" \
      --output-dir "$TMP/mix" >"$TMP/mix_run.log" 2>&1; then
    for want in "$MIX"/*_0.npy; do
      compare "$TMP/mix/$(basename "$want")" "$want" || fail "ops_mix: $(basename "$want") differs"
    done
  else
    fail "ops_mix: neuron-run failed: $(cat "$TMP/mix_run.log")"
  fi
else
  fail "ops_mix: neuron-cc failed: $(cat "$TMP/mix.log")"
fi

# The same graph in the binary format, pinned with --input-shape instead.
/usr/bin/python3 - "$MODELS/small_cnn.pbtxt" "$TMP/small_cnn.pb" <<'PY' || fail "could not write a .pb"
# Text -> binary without TensorFlow: protoc --encode with the repo's protos.
import subprocess, sys
with open(sys.argv[1], "rb") as f, open(sys.argv[2], "wb") as out:
    subprocess.run(["/usr/bin/protoc", "--proto_path=.", "--encode=ncc.tfproto.GraphDef",
                    "frontends/tensorflow/proto/graph.proto"], stdin=f, stdout=out, check=True)
PY
if "$NEURON_CC" compile "$TMP/small_cnn.pb" --framework TENSORFLOW --input-shape input:0=1,16,16,3 \
    --output "$TMP/pb.neff" >"$TMP/pb.log" 2>&1; then
  mkdir -p "$TMP/pb_out"
  "$NEURON_RUN" "$TMP/pb.neff" --input "input:0=$MODELS/small_cnn/input.npy" \
    --output-dir "$TMP/pb_out" >"$TMP/pb_run.log" 2>&1 || fail "pb: neuron-run failed"
  compare "$TMP/pb_out/output_0.npy" "$MODELS/small_cnn/expected.npy" || fail "pb: output differs"
else
  fail "pb: neuron-cc failed: $(cat "$TMP/pb.log")"
fi

# Errors.
head -c 2000 "$TMP/small_cnn.pb" >"$TMP/truncated.pb"
expect_error truncated_pb 2 "not a binary GraphDef, or truncated" -- \
  "$NEURON_CC" compile "$TMP/truncated.pb" --framework TENSORFLOW --output "$TMP/t.neff"
expect_error unpinned 2 "placeholder 'input:0' has an unknown dimension 0" -- \
  "$NEURON_CC" compile "$MODELS/small_cnn.pbtxt" --framework TENSORFLOW --output "$TMP/u.neff"
sed -e 's/op: "Relu6"/op: "Erfinv"/' -e 's/op: "LeakyRelu"/op: "Cumprod"/' \
  "$MODELS/small_cnn.pbtxt" >"$TMP/unsupported.pbtxt"
expect_error unsupported 3 "2 unsupported TENSORFLOW nodes: Erfinv x1 ('relu6'): op type is not supported; Cumprod x1 ('leaky')" -- \
  "$NEURON_CC" compile "$TMP/unsupported.pbtxt" --framework TENSORFLOW --input-shape input:0=1,16,16,3 \
  --output "$TMP/x.neff"

"$NEURON_CC" list-operators --framework TENSORFLOW >"$TMP/tf_ops.txt" 2>&1 || fail "list-operators TENSORFLOW failed"
grep -q "^  _FusedConv2D " "$TMP/tf_ops.txt" || fail "list-operators TENSORFLOW lists no _FusedConv2D"
grep -Eq "^[0-9]+ operators$" "$TMP/tf_ops.txt" || fail "list-operators TENSORFLOW prints no count"
"$NEURON_CC" list-operators --framework TENSORFLOW --json | /usr/bin/python3 -c \
  'import json,sys; d=json.load(sys.stdin); assert d["framework"]=="TENSORFLOW" and any(o["op_type"]=="Conv2D" for o in d["operators"])' ||
  fail "list-operators TENSORFLOW --json is not the documented JSON"

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all TensorFlow CLI checks passed"
