#!/usr/bin/env bash
# Smoke test of the side-by-side driver (our side only, no ONNX Runtime):
# compiles the MLP test model, runs the driver for 1 and 2 simulator threads
# and checks that it reports medians, the load time, the peak RSS and a
# labelled device-latency estimate in its RESULT line. Timings are not
# asserted (a benchmark measures them, a test does not).
set -euo pipefail
NEURON_CC="$1"
COMPARE="$2"
MODEL="$3"
INPUT="$4"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
fail() { echo "FAIL: $*"; exit 1; }

"$NEURON_CC" compile "$MODEL" --framework ONNX --output "$TMP/mlp.neff"
mkdir -p "$TMP/inputs"
cp "$INPUT" "$TMP/inputs/x.npy"

for threads in 1 2; do
  "$COMPARE" --neff "$TMP/mlp.neff" --inputs "$TMP/inputs" --threads "$threads" \
    --warmup 1 --iterations 3 --loads 1 --label mlp | tee "$TMP/out.txt"
  grep -q "^mlp threads=$threads: ours median [0-9.]* ms" "$TMP/out.txt" ||
    fail "no median line"
  grep -q 'estimated device latency [0-9.]* ms (simulator estimate)' \
    "$TMP/out.txt" || fail "no labelled estimate"
  line="$(grep '^RESULT' "$TMP/out.txt")" || fail "no RESULT line"
  IFS=$'\t' read -r -a f <<< "$line"
  [[ "${#f[@]}" -eq 12 ]] || fail "RESULT has ${#f[@]} fields: $line"
  [[ "${f[1]}" == mlp && "${f[2]}" == "$threads" ]] || fail "label/threads: $line"
  awk -v a="${f[3]}" -v lo="${f[4]}" -v hi="${f[5]}" -v rss="${f[10]}" \
      -v est="${f[11]}" 'BEGIN { exit !(a > 0 && lo <= a && a <= hi && rss > 0 && est > 0) }' ||
    fail "implausible numbers: $line"
done

# Asking for ONNX Runtime in a build without it is a clear error, exit 2.
if "$COMPARE" --neff "$TMP/mlp.neff" --inputs "$TMP/inputs" --onnx "$MODEL" \
    --ort_lib /nonexistent.so 2> "$TMP/err.txt"; then
  fail "ran ORT without it"
fi
grep -q "built without ONNX Runtime" "$TMP/err.txt" || fail "$(cat "$TMP/err.txt")"
# Usage errors exit 1.
set +e
"$COMPARE" --threads 2 2> /dev/null
[[ $? -eq 1 ]] || fail "missing --neff is not a usage error"
echo PASS
