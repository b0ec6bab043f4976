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

# SBUF residency as a user sees it: --verbose reports loads served on chip
# and spills; --no-sbuf-residency gives the same outputs bit for bit, with
# more DMA traffic.
cnn_res="$TMP/cnn_res.log"
cnn_plain="$TMP/cnn_plain.log"
if "$NEURON_CC" compile "$MODELS/cnn.onnx" --framework ONNX --output "$TMP/cnn_res.neff" \
      --verbose >"$cnn_res" 2>&1 &&
    "$NEURON_CC" compile "$MODELS/cnn.onnx" --framework ONNX --output "$TMP/cnn_plain.neff" \
      --verbose --no-sbuf-residency >"$cnn_plain" 2>&1; then
  grep -Eq "^SBUF residency: [1-9][0-9]* loads of intermediates served on chip.*spills: 0 tiles" \
    "$cnn_res" || fail "residency: --verbose does not report loads served on chip and spills"
  grep -q "^SBUF residency: 0 loads" "$cnn_plain" ||
    fail "residency: --no-sbuf-residency still served loads on chip"
  traffic() { sed -n 's/.*DMA traffic: \([0-9]*\) bytes.*/\1/p' "$1"; }
  [[ $(traffic "$cnn_res") -lt $(traffic "$cnn_plain") ]] ||
    fail "residency: DMA traffic $(traffic "$cnn_res") not below $(traffic "$cnn_plain") without it"
  mkdir -p "$TMP/cnn_res" "$TMP/cnn_plain"
  "$NEURON_RUN" "$TMP/cnn_res.neff" --input "x=$MODELS/cnn/input_0.npy" \
    --output-dir "$TMP/cnn_res" --quiet &&
    "$NEURON_RUN" "$TMP/cnn_plain.neff" --input "x=$MODELS/cnn/input_0.npy" \
      --output-dir "$TMP/cnn_plain" --quiet || fail "residency: neuron-run failed"
  if cmp -s "$TMP/cnn_res/y.npy" "$TMP/cnn_plain/y.npy"; then
    echo "ok: residency on and off give identical outputs"
  else
    fail "residency: outputs differ with --no-sbuf-residency"
  fi
else
  fail "residency: neuron-cc failed: $(tail -2 "$cnn_res" "$cnn_plain")"
fi

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

# A float64 model: computed in float32 on the NeuronCore, float64 in and out.
if /usr/bin/python3 - "$TMP/f64.onnx" "$TMP/f64_x.npy" <<'PY'
import sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
x = helper.make_tensor_value_info("x", TensorProto.DOUBLE, [2, 3])
y = helper.make_tensor_value_info("y", TensorProto.DOUBLE, [2, 3])
c = numpy_helper.from_array(np.array([0.5, -1.25, 3.0], dtype=np.float64), "c")
graph = helper.make_graph([helper.make_node("Mul", ["x", "c"], ["m"]),
                           helper.make_node("Exp", ["m"], ["y"])], "f64", [x], [y], [c])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), sys.argv[1])
np.save(sys.argv[2], np.linspace(-1, 1, 6, dtype=np.float64).reshape(2, 3))
PY
then
  if "$NEURON_CC" compile "$TMP/f64.onnx" --framework ONNX --output "$TMP/f64.neff" \
      >"$TMP/f64.cc.log" 2>&1; then
    grep -q "note: float64 is computed in float32" "$TMP/f64.cc.log" ||
      fail "f64: no float64 note: $(cat "$TMP/f64.cc.log")"
    mkdir -p "$TMP/f64_out"
    if "$NEURON_RUN" "$TMP/f64.neff" --input "x=$TMP/f64_x.npy" --output-dir "$TMP/f64_out" \
        >"$TMP/f64.run.log" 2>&1; then
      /usr/bin/python3 - "$TMP/f64_out/y.npy" "$TMP/f64_x.npy" <<'PY' || fail "f64: wrong output"
import sys
import numpy as np
got, x = np.load(sys.argv[1]), np.load(sys.argv[2])
want = np.exp(x * np.array([0.5, -1.25, 3.0]))
assert got.dtype == np.float64, got.dtype
err = np.max(np.abs(got - want) / np.abs(want))
assert err < 1e-6, err
print(f"ok: f64 model: float64 output, max rel err {err:.2e}")
PY
    else
      fail "f64: neuron-run failed: $(cat "$TMP/f64.run.log")"
    fi
  else
    fail "f64: neuron-cc failed: $(cat "$TMP/f64.cc.log")"
  fi
else
  fail "f64: could not write the float64 model"
fi

# Unsigned integers through the tools: uint16/uint32 .npy in and out, Max and
# BitShift (LEFT wraps to the type's width).
if /usr/bin/python3 - "$TMP/uint.onnx" "$TMP/uint_a.npy" "$TMP/uint_b.npy" <<'PY'
import sys
import numpy as np
import onnx
from onnx import TensorProto, helper
a = helper.make_tensor_value_info("a", TensorProto.UINT16, [4])
b = helper.make_tensor_value_info("b", TensorProto.UINT16, [4])
y = helper.make_tensor_value_info("y", TensorProto.UINT16, [4])
w = helper.make_tensor_value_info("w", TensorProto.UINT32, [4])
graph = helper.make_graph(
    [helper.make_node("Max", ["a", "b"], ["m"]),
     helper.make_node("BitShift", ["m", "b"], ["y"], direction="LEFT"),
     helper.make_node("Cast", ["y"], ["w"], to=TensorProto.UINT32)],
    "uint", [a, b], [y, w])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), sys.argv[1])
np.save(sys.argv[2], np.array([1, 300, 65535, 7], dtype=np.uint16))
np.save(sys.argv[3], np.array([2, 8, 1, 3], dtype=np.uint16))
PY
then
  if "$NEURON_CC" compile "$TMP/uint.onnx" --framework ONNX --output "$TMP/uint.neff" \
      >"$TMP/uint.cc.log" 2>&1; then
    mkdir -p "$TMP/uint_out"
    if "$NEURON_RUN" "$TMP/uint.neff" --input "a=$TMP/uint_a.npy" --input "b=$TMP/uint_b.npy" \
        --output-dir "$TMP/uint_out" >"$TMP/uint.run.log" 2>&1; then
      /usr/bin/python3 - "$TMP/uint_out" "$TMP/uint_a.npy" "$TMP/uint_b.npy" <<'PY' || fail "uint: wrong output"
import sys
import numpy as np
a, b = np.load(sys.argv[2]), np.load(sys.argv[3])
y, w = np.load(sys.argv[1] + "/y.npy"), np.load(sys.argv[1] + "/w.npy")
want = np.left_shift(np.maximum(a, b), b)
assert y.dtype == np.uint16 and w.dtype == np.uint32, (y.dtype, w.dtype)
assert (y == want).all() and (w == want.astype(np.uint32)).all(), (y, w, want)
print("ok: uint16/uint32 model:", y)
PY
    else
      fail "uint: neuron-run failed: $(cat "$TMP/uint.run.log")"
    fi
  else
    fail "uint: neuron-cc failed: $(cat "$TMP/uint.cc.log")"
  fi
else
  fail "uint: could not write the uint16 model"
fi

# --freeze-input: a Slice whose starts/ends are graph inputs compiles once
# they are frozen; the NEFF then takes only x.
if /usr/bin/python3 - "$TMP/slice.onnx" "$TMP/slice" <<'PY'
import sys
import numpy as np
import onnx
from onnx import TensorProto, helper
x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 6])
starts = helper.make_tensor_value_info("starts", TensorProto.INT64, [2])
ends = helper.make_tensor_value_info("ends", TensorProto.INT64, [2])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["rows", "cols"])
graph = helper.make_graph([helper.make_node("Slice", ["x", "starts", "ends"], ["y"])],
                          "slice", [x, starts, ends], [y])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), sys.argv[1])
np.save(sys.argv[2] + "_x.npy", np.arange(24, dtype=np.float32).reshape(4, 6))
np.save(sys.argv[2] + "_starts.npy", np.array([1, 2], dtype=np.int64))
np.save(sys.argv[2] + "_ends.npy", np.array([3, -1], dtype=np.int64))
np.save(sys.argv[2] + "_bad.npy", np.array([1, 2, 3], dtype=np.int64))
PY
then
  if "$NEURON_CC" compile "$TMP/slice.onnx" --framework ONNX --output "$TMP/slice.neff" \
      --freeze-input "starts=$TMP/slice_starts.npy" --freeze-input "ends=$TMP/slice_ends.npy" \
      >"$TMP/slice.cc.log" 2>&1; then
    mkdir -p "$TMP/slice_out"
    if "$NEURON_RUN" "$TMP/slice.neff" --input "x=$TMP/slice_x.npy" \
        --output-dir "$TMP/slice_out" >"$TMP/slice.run.log" 2>&1; then
      /usr/bin/python3 - "$TMP/slice_out/y.npy" "$TMP/slice_x.npy" <<'PY' || fail "freeze-input: wrong output"
import sys
import numpy as np
got, x = np.load(sys.argv[1]), np.load(sys.argv[2])
want = x[1:3, 2:-1]
assert got.shape == want.shape and (got == want).all(), (got, want)
print("ok: --freeze-input Slice:", got.shape)
PY
    else
      fail "freeze-input: neuron-run failed: $(cat "$TMP/slice.run.log")"
    fi
  else
    fail "freeze-input: neuron-cc failed: $(cat "$TMP/slice.cc.log")"
  fi
  expect_error freeze_unknown_input 2 "cannot freeze input 'nope': not a graph input" -- \
    "$NEURON_CC" compile "$TMP/slice.onnx" --framework ONNX --output "$TMP/f.neff" \
    --freeze-input "nope=$TMP/slice_starts.npy"
  expect_error freeze_wrong_shape 2 "'starts': the model declares shape \[2\] but the value has shape \[3\]" -- \
    "$NEURON_CC" compile "$TMP/slice.onnx" --framework ONNX --output "$TMP/f.neff" \
    --freeze-input "starts=$TMP/slice_bad.npy" --freeze-input "ends=$TMP/slice_ends.npy"
  expect_error freeze_no_file 1 "--freeze-input starts" -- \
    "$NEURON_CC" compile "$TMP/slice.onnx" --framework ONNX --output "$TMP/f.neff" \
    --freeze-input "starts=$TMP/missing.npy"
  expect_error freeze_bad_flag 1 "needs NAME=FILE.npy" -- \
    "$NEURON_CC" compile "$TMP/slice.onnx" --framework ONNX --output "$TMP/f.neff" \
    --freeze-input starts
  [[ -e "$TMP/f.neff" ]] && fail "a failed --freeze-input compile left an output file"
else
  fail "freeze-input: could not write the Slice model"
fi

# The same model and flags give a byte-identical NEFF.
"$NEURON_CC" compile "$MODELS/cnn.onnx" --framework ONNX --output "$TMP/again.neff" >/dev/null 2>&1
cmp -s "$TMP/cnn.neff" "$TMP/again.neff" || fail "two compiles of cnn.onnx differ"

# PyTorch: a scripted module with int64 token ids (dtype from --io-config),
# static control flow and two outputs, compiled, run and compared with torch
# eager; and the operator table. (torch.jit.script reads the module's source,
# so the generator is a file, not stdin.)
cat >"$TMP/make_tagger.py" <<'PY'
import sys
import numpy as np
import torch

class Tagger(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(50, 16)
        self.proj = torch.nn.Linear(16, 5)

    def forward(self, ids, mask):
        h = self.embed(ids)
        if h.size(1) > 4:
            h = torch.nn.functional.layer_norm(h, [16])
        for _ in range(2):
            h = h + torch.tanh(h)
        logits = self.proj(h) * mask.unsqueeze(-1)
        return logits.softmax(-1), logits.amax(1)

torch.manual_seed(0)
m = torch.jit.script(Tagger().eval())
ids = torch.randint(0, 50, (2, 8))
mask = (torch.rand(2, 8) > 0.3).float()
torch.jit.save(m, sys.argv[1] + "/tagger.pt")
np.save(sys.argv[1] + "/ids.npy", ids.numpy())
np.save(sys.argv[1] + "/mask.npy", mask.numpy())
with torch.no_grad():
    for k, t in enumerate(m(ids, mask)):
        np.save(sys.argv[1] + f"/tagger_ref{k}.npy", t.numpy())
PY
if /usr/bin/python3 "$TMP/make_tagger.py" "$TMP"; then
  if "$NEURON_CC" compile "$TMP/tagger.pt" --framework PYTORCH --output "$TMP/tagger.neff" \
      --io-config '{"inputs": {"ids": [[2,8], "int64"], "input1": [[2,8], "float32"]}}' \
      >"$TMP/tagger.cc.log" 2>&1; then
    mkdir -p "$TMP/tagger_out"
    if "$NEURON_RUN" "$TMP/tagger.neff" --input "ids=$TMP/ids.npy" --input "mask=$TMP/mask.npy" \
        --output-dir "$TMP/tagger_out" >"$TMP/tagger.run.log" 2>&1; then
      /usr/bin/python3 - "$TMP" <<'PY' || fail "pytorch tagger: outputs differ from torch eager"
import sys
import numpy as np
ok = True
for k in range(2):
    got = np.load(f"{sys.argv[1]}/tagger_out/output{k}.npy")
    want = np.load(f"{sys.argv[1]}/tagger_ref{k}.npy")
    err = np.abs(got - want).max() / max(np.abs(want).max(), 1e-6)
    print(f"pytorch tagger output{k}: max rel err {err:.2e}")
    ok = ok and got.shape == want.shape and err <= 1e-4
sys.exit(0 if ok else 1)
PY
    else
      fail "pytorch tagger: neuron-run failed: $(cat "$TMP/tagger.run.log")"
    fi
  else
    fail "pytorch tagger: neuron-cc failed: $(cat "$TMP/tagger.cc.log")"
  fi
else
  fail "pytorch: could not write the TorchScript model"
fi
"$NEURON_CC" list-operators --framework PYTORCH >"$TMP/pt_ops.txt" 2>&1 || fail "list-operators PYTORCH failed"
grep -q "aten::conv2d" "$TMP/pt_ops.txt" || fail "list-operators PYTORCH lists no aten::conv2d"
grep -Eq "^[0-9]+ operators$" "$TMP/pt_ops.txt" || fail "list-operators PYTORCH prints no count"
"$NEURON_CC" list-operators --framework PYTORCH --json | /usr/bin/python3 -c \
  'import json,sys; d=json.load(sys.stdin); assert d["framework"]=="PYTORCH" and d["operators"]' ||
  fail "list-operators PYTORCH --json is not the documented JSON"

# A big kernel (issue 19): an STFT written as a Conv (257 output channels,
# kernel 512, stride 160, one input channel) compiles in FP32 and with
# auto-cast, and matches numpy (FP32 within 1e-4, bf16 within 1e-2).
if /usr/bin/python3 - "$TMP" <<'PY'
import sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
d = sys.argv[1]
rng = np.random.default_rng(19)
w = (rng.standard_normal((257, 1, 512)) / 16).astype(np.float32)
x = rng.standard_normal((1, 1, 16000)).astype(np.float32)
node = helper.make_node("Conv", ["x", "w"], ["y"], name="Conv_2", kernel_shape=[512], strides=[160])
graph = helper.make_graph(
    [node], "stft_conv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 16000])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 257, 97])],
    [numpy_helper.from_array(w, "w")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), f"{d}/stft_conv.onnx")
frames = np.stack([x[0, 0, j * 160:j * 160 + 512] for j in range(97)]).astype(np.float64)
np.save(f"{d}/stft_x.npy", x)
np.save(f"{d}/stft_ref.npy", (w[:, 0, :].astype(np.float64) @ frames.T)[None])
PY
then
  for mode in none matmult; do
    if "$NEURON_CC" compile "$TMP/stft_conv.onnx" --framework ONNX --auto-cast "$mode" \
        --output "$TMP/stft_$mode.neff" >"$TMP/stft_$mode.cc.log" 2>&1 &&
        "$NEURON_RUN" "$TMP/stft_$mode.neff" --input "x=$TMP/stft_x.npy" \
          --output-dir "$TMP/stft_$mode" >"$TMP/stft_$mode.run.log" 2>&1; then
      tol=1e-4
      [[ $mode == matmult ]] && tol=1e-2
      /usr/bin/python3 - "$TMP/stft_$mode/y.npy" "$TMP/stft_ref.npy" "$tol" <<'PY' ||
import sys
import numpy as np
got, want = np.load(sys.argv[1]), np.load(sys.argv[2])
err = float(np.abs(got - want).max() / np.abs(want).max())
print(f"stft conv: max relative error {err:.2e}")
sys.exit(0 if got.shape == want.shape and err <= float(sys.argv[3]) else 1)
PY
        fail "stft conv ($mode): output differs from numpy"
      echo "ok: stft conv ($mode) $(grep -o 'estimated device latency: [0-9.]* us' "$TMP/stft_$mode.cc.log")"
    else
      fail "stft conv ($mode): $(cat "$TMP/stft_$mode.cc.log" "$TMP/stft_$mode.run.log" 2>/dev/null)"
    fi
  done
else
  fail "stft conv: could not write the ONNX model"
fi

# --report FILE: the compile report as JSON, with nothing that depends on
# where or when the compile ran: two directories, two TMPDIRs, relative and
# absolute model paths give identical NEFFs and reports. --quiet prints
# nothing on success.
neuron_cc_abs=$(realpath "$NEURON_CC")
for d in a b; do
  mkdir -p "$TMP/report_$d/tmp"
  cp "$MODELS/cnn.onnx" "$TMP/report_$d/"
done
(cd "$TMP/report_a" && TMPDIR="$TMP/report_a/tmp" "$neuron_cc_abs" compile cnn.onnx --framework ONNX \
  --output cnn.neff --report cnn.report.json --quiet >quiet.out 2>&1)
(cd "$TMP/report_b" && TMPDIR="$TMP/report_b/tmp" "$neuron_cc_abs" compile "$TMP/report_b/cnn.onnx" \
  --framework ONNX --report "$TMP/report_b/cnn.report.json" -o "$TMP/report_b/cnn.neff" -q \
  >quiet.out 2>&1)
if [[ -s "$TMP/report_a/quiet.out" ]]; then
  fail "--quiet printed: $(cat "$TMP/report_a/quiet.out")"
elif ! cmp -s "$TMP/report_a/cnn.neff" "$TMP/report_b/cnn.neff"; then
  fail "--report: the same model and flags gave different NEFFs in two directories"
elif ! cmp -s "$TMP/report_a/cnn.report.json" "$TMP/report_b/cnn.report.json"; then
  fail "--report: different reports in two directories: $(diff "$TMP/report_a/cnn.report.json" "$TMP/report_b/cnn.report.json")"
elif ! /usr/bin/python3 - "$TMP/report_a/cnn.report.json" "$TMP/report_a/cnn.neff" <<'PY'
import hashlib, json, sys
r = json.load(open(sys.argv[1]))
neff = open(sys.argv[2], "rb").read()
assert r["report"] == "neuron-cc compile report", r
assert r["neff_bytes"] == len(neff) and r["neff_sha256"] == hashlib.sha256(neff).hexdigest()
assert r["framework"] == "ONNX" and r["flags"] == ["--framework", "ONNX"], r["flags"]
assert [t["name"] for t in r["inputs"]] == ["x"] and [t["name"] for t in r["outputs"]] == ["y"]
assert r["inputs"][0]["shape"] == [1, 3, 32, 32] and r["inputs"][0]["dtype"] == "float32", r["inputs"]
assert r["estimate"]["latency_us"] > 0 and "estimate" in r["estimate"]["what"]
assert r["instructions"]["total"] == sum(r["instructions"][e] for e in
                                         ("tensor", "vector", "scalar", "gpsimd", "dma"))
assert r["memory"]["sbuf_peak_bytes_per_partition"] > 0 and r["memory"]["weights_bytes"] > 0
assert "ms" not in json.dumps(r).replace("dma", ""), "a wall time leaked into the report"
PY
then
  fail "--report: the JSON is not what it should be"
else
  echo "ok: --report (identical in two directories and TMPDIRs) and --quiet"
fi
expect_error report_is_output 1 "is also the --output NEFF" -- \
  "$NEURON_CC" compile "$MODELS/mlp.onnx" --framework ONNX -o "$TMP/same.neff" --report "$TMP/same.neff"
expect_error report_is_model 5 "--report" -- \
  "$NEURON_CC" compile "$MODELS/mlp.onnx" --framework ONNX -o "$TMP/m.neff" --report "$MODELS/mlp.onnx"
# Pipelined over 4 cores with the accuracy report: the reference runs on a
# fifth simulated core, sized by the compiler itself.
if "$NEURON_CC" compile "$MODELS/cnn.onnx" --framework ONNX -o "$TMP/cnn4.neff" \
    --neuroncore-pipeline-cores 4 --auto-cast matmult --verify-accuracy=2 >"$TMP/cnn4.log" 2>&1 &&
    grep -q "pipelined over 4 NeuronCores" "$TMP/cnn4.log" && grep -q "cosine" "$TMP/cnn4.log"; then
  echo "ok: --neuroncore-pipeline-cores 4 with --verify-accuracy"
else
  fail "--neuroncore-pipeline-cores 4 --verify-accuracy: $(tail -3 "$TMP/cnn4.log")"
fi
expect_error pipeline_cores_too_many 2 "fewer than the 16 pipeline stages asked for" -- \
  "$NEURON_CC" compile "$MODELS/mlp.onnx" --framework ONNX -o "$TMP/p.neff" --neuroncore-pipeline-cores 16
expect_error pipeline_cores_bad 1 "is not a core count (1..16)" -- \
  "$NEURON_CC" compile "$MODELS/mlp.onnx" --framework ONNX -o "$TMP/p.neff" --neuroncore-pipeline-cores 17

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all CLI checks passed"
