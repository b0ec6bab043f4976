#!/usr/bin/env bash
# Compiles the MLP test model and runs the hello_nrt example on it: it must
# exit 0, describe the model's I/O, print finite outputs and finish.
set -euo pipefail
NEURON_CC="$1"
HELLO="$2"
MODEL="$3"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"

"$NEURON_CC" compile "$MODEL" --framework ONNX --output "$TMP/mlp.neff"
"$HELLO" "$TMP/mlp.neff" | tee "$TMP/out.txt"

fail() { echo "FAIL: $*"; exit 1; }
grep -q '^input  x: float32\[' "$TMP/out.txt" || fail "no input line for x"
grep -q '^output y: float32\[' "$TMP/out.txt" || fail "no output line for y"
grep -q 'estimated device latency .* (simulator estimate)' "$TMP/out.txt" ||
  fail "no labelled latency estimate"
grep -Eq '^y = -?[0-9]' "$TMP/out.txt" || fail "no output values"
if grep -Eqi '^y = .*(nan|inf)' "$TMP/out.txt"; then fail "non-finite output"; fi
tail -n 1 "$TMP/out.txt" | grep -qx done || fail "did not finish"

# A damaged file is refused with a one-line reason, exit 1.
head -c 100 "$TMP/mlp.neff" > "$TMP/short.neff"
if "$HELLO" "$TMP/short.neff" 2> "$TMP/err.txt"; then fail "loaded a truncated NEFF"; fi
grep -q 'NRT_LOAD_NEFF_FAIL' "$TMP/err.txt" || fail "unexpected error: $(cat "$TMP/err.txt")"
echo "PASS"
