#!/usr/bin/env bash
# The MXNet frontend as a user meets it: a LeNet-style checkpoint
# (lenet-symbol.json + lenet-0001.params, written here from the format's
# specification) compiled with neuron-cc (pinned with --input-shape, then
# with --io-config and the files in the other order), run with neuron-run
# and compared with torch computing the same network (max |a-b| / max |b| <=
# 1e-4). Then the errors, each one line with its documented exit code:
# truncated params, params of another symbol, a parameter of the wrong
# shape, a sparse parameter, an absurd array count, a JSON that is not a
# symbol, an unpinned input, unsupported operators (exit 3, all at once),
# one file only; and list-operators.
set -uo pipefail

NEURON_CC="$(realpath "$1")"
NEURON_RUN="$(realpath "$2")"
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

cd "$TMP" || exit 1
/usr/bin/python3 - <<'PY' || { echo "FAIL: could not write the test checkpoints"; exit 1; }
import json, struct
import numpy as np
import torch
import torch.nn.functional as F

def ndarray(a, stype=0):
    out = struct.pack("<Ii", 0xF993FACA, stype)
    if stype:
        out += struct.pack("<iq", 1, 0)
    out += struct.pack("<i", a.ndim) + struct.pack(f"<{a.ndim}q", *a.shape)
    out += struct.pack("<iii", 1, 0, 0)
    if stype:
        return out + struct.pack("<iiq", 6, 1, 0)
    return out + a.astype(np.float32).tobytes()

def write_params(path, arrays, stype=None, count=None):
    out = struct.pack("<QQQ", 0x112, 0, len(arrays) if count is None else count)
    for name, a in arrays:
        out += ndarray(a, 1 if name == stype else 0)
    out += struct.pack("<Q", len(arrays))
    for name, _ in arrays:
        out += struct.pack("<Q", len(name)) + name.encode()
    open(path, "wb").write(out)

def node(op, name, inputs=(), **attrs):
    n = {"op": op, "name": name, "inputs": [[i, 0, 0] for i in inputs]}
    if attrs:
        n["attrs"] = {k: str(v) for k, v in attrs.items()}
    return n

nodes = [
    node("null", "data"),
    node("null", "conv1_weight"), node("null", "conv1_bias"),
    node("Convolution", "conv1", [0, 1, 2], kernel=(5, 5), num_filter=6, pad=(2, 2)),
    node("Activation", "tanh1", [3], act_type="tanh"),
    node("Pooling", "pool1", [4], kernel=(2, 2), stride=(2, 2), pool_type="max"),
    node("null", "conv2_weight"), node("null", "conv2_bias"),
    node("Convolution", "conv2", [5, 6, 7], kernel=(5, 5), num_filter=16),
    node("Activation", "tanh2", [8], act_type="tanh"),
    node("Pooling", "pool2", [9], kernel=(2, 2), stride=(2, 2), pool_type="avg"),
    node("Flatten", "flatten", [10]),
    node("null", "fc1_weight"), node("null", "fc1_bias"),
    node("FullyConnected", "fc1", [11, 12, 13], num_hidden=32),
    node("Activation", "relu3", [14], act_type="relu"),
    node("null", "fc2_weight"), node("null", "fc2_bias"),
    node("FullyConnected", "fc2", [15, 16, 17], num_hidden=10),
    node("null", "softmax_label"),
    node("SoftmaxOutput", "softmax", [18, 19]),
]
symbol = {"nodes": nodes, "arg_nodes": [i for i, n in enumerate(nodes) if n["op"] == "null"],
          "node_row_ptr": list(range(len(nodes) + 1)), "heads": [[20, 0, 0]],
          "attrs": {"mxnet_version": ["int", 10901]}}
json.dump(symbol, open("lenet-symbol.json", "w"), indent=1)

g = torch.Generator().manual_seed(0)
def rand(*shape, scale=0.3):
    return (torch.randn(*shape, generator=g) * scale)
w = {"conv1_weight": rand(6, 1, 5, 5), "conv1_bias": rand(6), "conv2_weight": rand(16, 6, 5, 5),
     "conv2_bias": rand(16), "fc1_weight": rand(32, 400, scale=0.05), "fc1_bias": rand(32),
     "fc2_weight": rand(10, 32), "fc2_bias": rand(10)}
arrays = [("arg:" + k, v.numpy()) for k, v in w.items()]
write_params("lenet-0001.params", arrays)
x = torch.randn(2, 1, 28, 28, generator=g)
np.save("data.npy", x.numpy())
y = F.conv2d(x, w["conv1_weight"], w["conv1_bias"], padding=2).tanh()
y = F.max_pool2d(y, 2, 2)
y = F.conv2d(y, w["conv2_weight"], w["conv2_bias"]).tanh()
y = F.avg_pool2d(y, 2, 2).flatten(1)
y = F.linear(y, w["fc1_weight"], w["fc1_bias"]).relu()
y = F.linear(y, w["fc2_weight"], w["fc2_bias"]).softmax(1)
np.save("expected.npy", y.numpy())

# The broken variants.
data = open("lenet-0001.params", "rb").read()
open("truncated-0001.params", "wb").write(data[: len(data) // 2])
write_params("other-0001.params", [("arg:dense0_weight", np.zeros((4, 4))),
                                   ("arg:dense0_bias", np.zeros(4))])
bad = [(k, v if k != "arg:fc1_weight" else np.zeros((32, 401))) for k, v in arrays]
write_params("badshape-0001.params", bad)
write_params("sparse-0001.params", arrays, stype="arg:fc2_weight")
write_params("count-0001.params", arrays, count=1 << 40)
json.dump({"format": "graph-model", "modelTopology": {}}, open("notsymbol-symbol.json", "w"))
unsupported = json.loads(json.dumps(symbol))
unsupported["nodes"][4]["op"] = "Custom"
unsupported["nodes"][11]["op"] = "_contrib_MultiBoxPrior"
json.dump(unsupported, open("unsupported-symbol.json", "w"))
PY

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

# compile_and_run NAME -- neuron-cc compile ARGS...
compile_and_run() {
  local name="$1"
  shift 2
  if ! "$NEURON_CC" compile "$@" --framework MXNET --output "$name.neff" >"$name.cc.log" 2>&1; then
    fail "$name: neuron-cc failed: $(cat "$name.cc.log")"
    return
  fi
  cat "$name.cc.log"
  mkdir -p "$name.out"
  if ! "$NEURON_RUN" "$name.neff" --input data=data.npy --output-dir "$name.out" \
      >"$name.run.log" 2>&1; then
    fail "$name: neuron-run failed: $(cat "$name.run.log")"
    return
  fi
  compare "$name.out/softmax_output.npy" expected.npy || fail "$name: softmax_output differs"
}

compile_and_run pinned -- lenet-symbol.json lenet-0001.params --input-shape data=2,1,28,28
compile_and_run io_config -- lenet-0001.params lenet-symbol.json \
  --io-config '{"inputs": {"data": [[2,1,28,28], "float32"]}, "outputs": ["softmax_output"]}'

PIN=(--input-shape data=2,1,28,28)
expect_error truncated 2 "truncated-0001.params: .*truncated" -- \
  "$NEURON_CC" compile lenet-symbol.json truncated-0001.params --framework MXNET "${PIN[@]}"
expect_error other_symbol 2 "no array for 8 of the symbol's parameters: 'conv1_weight'.*params file of another symbol" -- \
  "$NEURON_CC" compile lenet-symbol.json other-0001.params --framework MXNET "${PIN[@]}"
expect_error wrong_shape 2 "parameter 'fc1_weight' (weight) is \[32,401\] in the params file but the symbol needs \[32,400\]" -- \
  "$NEURON_CC" compile lenet-symbol.json badshape-0001.params --framework MXNET "${PIN[@]}"
expect_error sparse 2 "parameter 'fc2_weight' is a row_sparse array" -- \
  "$NEURON_CC" compile lenet-symbol.json sparse-0001.params --framework MXNET "${PIN[@]}"
expect_error absurd_count 2 "holds 1099511627776 arrays" -- \
  "$NEURON_CC" compile lenet-symbol.json count-0001.params --framework MXNET "${PIN[@]}"
expect_error not_a_symbol 2 "not an MXNet symbol file" -- \
  "$NEURON_CC" compile notsymbol-symbol.json lenet-0001.params --framework MXNET "${PIN[@]}"
expect_error unpinned 2 "pin it with --input-shape data=D0,D1" -- \
  "$NEURON_CC" compile lenet-symbol.json lenet-0001.params --framework MXNET
expect_error unsupported 3 "2 unsupported MXNET nodes.*Custom.*_contrib_MultiBoxPrior" -- \
  "$NEURON_CC" compile unsupported-symbol.json lenet-0001.params --framework MXNET "${PIN[@]}"
expect_error symbol_only 2 "(no params file): no array for 8" -- \
  "$NEURON_CC" compile lenet-symbol.json --framework MXNET "${PIN[@]}"
expect_error three_files 2 "got 3 files" -- \
  "$NEURON_CC" compile lenet-symbol.json lenet-0001.params lenet-0001.params --framework MXNET "${PIN[@]}"

if "$NEURON_CC" list-operators --framework MXNET >ops.txt && grep -q "^  Convolution " ops.txt &&
    grep -q "operators$" ops.txt; then
  echo "ok: list-operators --framework MXNET: $(tail -1 ops.txt)"
else
  fail "list-operators --framework MXNET: $(cat ops.txt)"
fi
if ! "$NEURON_CC" list-operators --framework mxnet --json | /usr/bin/python3 -c \
    'import json,sys; d=json.load(sys.stdin); assert d["framework"] == "MXNET" and d["operators"]'; then
  fail "list-operators --framework mxnet --json"
fi

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "PASS"
