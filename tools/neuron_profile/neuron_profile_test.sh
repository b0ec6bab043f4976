#!/usr/bin/env bash
# neuron-profile on the foundation's CNN: compile it with neuron-cc, profile
# it with its reference input, and check that the trace is valid Chrome
# trace-event JSON with one track per engine/DMA queue, instruction slices
# attributed to graph nodes, and a summary labelled as estimates. Bad
# arguments give a one-line error and the documented exit code.
set -uo pipefail

NEURON_CC="$1"
NEURON_PROFILE="$2"
MODELS="testdata/models"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

"$NEURON_CC" compile "$MODELS/cnn.onnx" --framework ONNX --output "$TMP/cnn.neff" \
  >"$TMP/cc.out" 2>&1 || { cat "$TMP/cc.out"; echo "FAIL: neuron-cc"; exit 1; }

input_name=$(awk '$1 == "input" {print $3; exit}' "$MODELS/cnn/io.txt")
input_args=()
if [[ -n "$input_name" ]]; then
  input_args=(--input "$input_name=$MODELS/cnn/input_0.npy")
fi

if ! "$NEURON_PROFILE" "$TMP/cnn.neff" "${input_args[@]}" --trace "$TMP/trace.json" \
    --top 5 >"$TMP/summary.txt" 2>"$TMP/err.txt"; then
  fail "neuron-profile exited non-zero: $(cat "$TMP/err.txt")"
fi
cat "$TMP/summary.txt"
grep -q "simulator estimate" "$TMP/summary.txt" || fail "summary not labelled as estimates"
grep -q "Top 5 nodes" "$TMP/summary.txt" || fail "summary has no top-nodes table"
grep -q "Tensor" "$TMP/summary.txt" || fail "summary has no engine table"

# The seal: neuron-profile loads what neuron-run would. A renamed section
# breaks the seal; a zeroed checksums vtable slot (Model field 10) leaves an
# unsealed file that runs only with --allow-unsealed.
/usr/bin/python3 - "$TMP/cnn.neff" "$TMP/renamed.neff" "$TMP/stripped.neff" <<'PY' ||
import struct, sys
data = open(sys.argv[1], "rb").read()
at = data.index(b"program")
open(sys.argv[2], "wb").write(data[:at] + b"q" + data[at + 1:])
table = 4 + struct.unpack_from("<I", data, 4)[0]
slot = table - struct.unpack_from("<i", data, table)[0] + 4 + 2 * 10
open(sys.argv[3], "wb").write(data[:slot] + b"\0\0" + data[slot + 2:])
PY
  fail "could not damage the NEFF"
"$NEURON_PROFILE" "$TMP/renamed.neff" >/dev/null 2>"$TMP/renamed.err"
code=$?
[[ $code -eq 2 ]] || fail "renamed section: exit $code, want 2"
grep -q "broken seal: unknown section 'qrogram'" "$TMP/renamed.err" ||
  fail "renamed section: $(cat "$TMP/renamed.err")"
"$NEURON_PROFILE" "$TMP/stripped.neff" >/dev/null 2>"$TMP/stripped.err"
code=$?
[[ $code -eq 2 ]] || fail "unsealed file: exit $code, want 2"
[[ $(wc -l <"$TMP/stripped.err") -eq 1 ]] || fail "unsealed file: not one line"
grep -q "is not sealed.*(--allow-unsealed)" "$TMP/stripped.err" ||
  fail "unsealed file: $(cat "$TMP/stripped.err")"
"$NEURON_PROFILE" "$TMP/stripped.neff" --allow-unsealed >/dev/null 2>"$TMP/allowed.err" ||
  fail "--allow-unsealed: $(cat "$TMP/allowed.err")"

/usr/bin/python3 - "$TMP/trace.json" <<'PY' || fail "trace JSON check"
import json, sys
with open(sys.argv[1]) as f:
    trace = json.load(f)
events = trace["traceEvents"]
assert "simulator estimates" in trace["otherData"]["note"]
names = {e["tid"]: e["args"]["name"] for e in events
         if e["ph"] == "M" and e["name"] == "thread_name"}
assert "Tensor engine" in names.values(), names
assert any(n.startswith("DMA queue ") for n in names.values()), names
slices = [e for e in events if e["ph"] == "X"]
insts = [e for e in slices if e.get("cat") != "semaphore_wait"]
assert insts, "no instruction slices"
for e in slices:
    for key in ("name", "ts", "dur", "pid", "tid"):
        assert key in e, (key, e)
    assert e["dur"] >= 0 and e["ts"] >= 0, e
    assert e["tid"] in names, ("slice on a track without a name", e)
opcodes = {e["name"] for e in insts}
assert "MATMUL" in opcodes and "DMA_COPY" in opcodes, opcodes
attributed = [e for e in insts if e["args"]["node_index"] >= 0]
assert len(attributed) > len(insts) // 2, "most instructions lack a graph node"
assert all(e["args"]["node"] != "(no node)" for e in attributed)
# Slices on one track never overlap (each engine runs in order).
by_tid = {}
for e in slices:
    by_tid.setdefault(e["tid"], []).append((e["ts"], e["ts"] + e["dur"]))
for tid, spans in by_tid.items():
    spans.sort()
    for (s0, e0), (s1, e1) in zip(spans, spans[1:]):
        assert s1 >= e0 - 1e-3, ("overlap on track", names[tid], e0, s1)
end = max(e["ts"] + e["dur"] for e in slices)
assert abs(end * 1000 - trace["otherData"]["estimated_latency_ns"]) < 1.0
print("trace OK:", len(insts), "instructions on", len(names), "tracks")
PY

# expect_error NAME WANT_CODE PATTERN -- COMMAND...
expect_error() {
  local name="$1" want="$2" pattern="$3"
  shift 4
  "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
  local code=$?
  [[ $code -eq $want ]] || fail "$name: exit code $code, want $want: $(cat "$TMP/$name.err")"
  grep -q -- "$pattern" "$TMP/$name.err" || fail "$name: stderr lacks '$pattern': $(cat "$TMP/$name.err")"
  [[ $(wc -l <"$TMP/$name.err") -eq 1 ]] || fail "$name: error is not one line"
}
expect_error no_model 1 "no model" -- "$NEURON_PROFILE" --top 3
expect_error bad_top 1 "--top needs" -- "$NEURON_PROFILE" "$TMP/cnn.neff" --top x
expect_error no_trace 1 "--trace needs a path" -- "$NEURON_PROFILE" "$TMP/cnn.neff" --trace
expect_error unknown_flag 1 "unknown option '--bogus'" -- "$NEURON_PROFILE" "$TMP/cnn.neff" --bogus
"$NEURON_PROFILE" --help >"$TMP/help.out" 2>"$TMP/help.err" || fail "--help exited non-zero"
grep -q "^usage: neuron-profile" "$TMP/help.out" || fail "--help printed no usage on stdout"
[[ -s "$TMP/help.err" ]] && fail "--help wrote to stderr"
echo "not a neff" >"$TMP/bad.neff"
expect_error bad_neff 2 "bad.neff" -- "$NEURON_PROFILE" "$TMP/bad.neff"
expect_error unknown_input 3 "has no input 'nope'" -- \
  "$NEURON_PROFILE" "$TMP/cnn.neff" --input "nope=$MODELS/cnn/input_0.npy"
expect_error bad_trace 5 "cannot write" -- \
  "$NEURON_PROFILE" "$TMP/cnn.neff" --trace "$TMP/no/such/dir/t.json"

# A model pipelined over two NeuronCores: profiled stage by stage.
if "$NEURON_CC" compile "$MODELS/cnn.onnx" --framework ONNX --output "$TMP/cnn2.neff" \
    --neuroncore-pipeline-cores 2 >"$TMP/cc2.out" 2>&1; then
  if "$NEURON_PROFILE" "$TMP/cnn2.neff" "${input_args[@]}" >"$TMP/pipe.txt" 2>"$TMP/pipe.err"; then
    grep -q "pipelined over 2 NeuronCores" "$TMP/pipe.txt" || fail "pipelined: no pipeline line"
    [[ $(grep -c "^Estimated device latency: .* (simulator estimate" "$TMP/pipe.txt") -eq 2 ]] ||
      fail "pipelined: want one profile per stage: $(cat "$TMP/pipe.txt")"
  else
    fail "pipelined profile failed: $(cat "$TMP/pipe.err")"
  fi
  "$NEURON_PROFILE" "$TMP/cnn2.neff" --stage 1 --trace "$TMP/stage1.json" >"$TMP/s1.txt" 2>&1 ||
    fail "--stage 1 --trace failed: $(cat "$TMP/s1.txt")"
  /usr/bin/python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$TMP/stage1.json" ||
    fail "stage trace is not JSON"
  expect_error pipelined_trace 1 "--trace needs --stage K" -- \
    "$NEURON_PROFILE" "$TMP/cnn2.neff" --trace "$TMP/t2.json"
  expect_error bad_stage 1 "is not a stage of" -- "$NEURON_PROFILE" "$TMP/cnn2.neff" --stage 2
else
  fail "neuron-cc --neuroncore-pipeline-cores 2: $(cat "$TMP/cc2.out")"
fi
expect_error stage_of_single_core 1 "is not pipelined" -- \
  "$NEURON_PROFILE" "$TMP/cnn.neff" --stage 0

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "PASS"
