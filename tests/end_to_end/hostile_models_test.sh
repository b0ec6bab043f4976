#!/usr/bin/env bash
# Invalid and oversized ONNX models (issue 14, classes 1, 2, 5 and 6), written
# at test time by hostile_models.py: neuron-cc must refuse each with a
# one-line error naming what is wrong, the documented exit code (2 invalid
# model, 4 too large for the target), within seconds and 4 GiB of address
# space, never a crash, a hang or a silently wrong NEFF.
set -uo pipefail

NEURON_CC="$1"
GENERATOR="$2"
MODELS="testdata/models"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
DIR="$TMP/hostile"
MAX_SECONDS=20
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

/usr/bin/python3 "$GENERATOR" "$DIR" || { echo "FAIL: cannot generate the models"; exit 1; }

# expect NAME WANT_CODE FRAGMENT [EXTRA FLAGS...]: compiles $DIR/NAME.onnx
# (or the bundled model NAME when it has no hostile file).
expect() {
  local name="$1" want="$2" fragment="$3"
  shift 3
  local model="$DIR/$name.onnx"
  [[ -f $model ]] || model="$MODELS/${name%%@*}.onnx"
  local err="$TMP/$name.err"
  local start=$SECONDS
  (
    ulimit -v $((4 * 1024 * 1024))
    exec timeout "$MAX_SECONDS" "$NEURON_CC" compile "$model" --framework ONNX \
      --output "$TMP/$name.neff" "$@"
  ) >"$TMP/$name.out" 2>"$err"
  local code=$?
  local took=$((SECONDS - start))
  if [[ $code -eq 124 ]]; then
    fail "$name: still running after ${MAX_SECONDS}s"
    return
  fi
  if [[ $code -ne $want ]]; then
    fail "$name: exit code $code, want $want; stderr: $(head -c 2000 "$err")"
    return
  fi
  if [[ $(wc -l <"$err") -ne 1 ]]; then
    fail "$name: want a one-line error, got: $(head -c 2000 "$err")"
    return
  fi
  if ! grep -qF -- "$fragment" "$err"; then
    fail "$name: error does not mention '$fragment': $(cat "$err")"
    return
  fi
  echo "ok: $name -> exit $code in ${took}s: $(cat "$err")"
}

# Class 1: crashes (SIGFPE in libonnx's inference and in the Conv lowering).
expect conv_group0 2 "Conv 'C': group 0 must be at least 1"
expect conv_stride0 2 "Conv 'C': strides [0, 1] has a value below 1"
# Class 5: invalid models that compiled with wrong results.
expect conv_dilation0 2 "Conv 'C': dilations [0, 1] has a value below 1"
expect conv_group3 2 "Conv 'C': group 3 does not divide the 4 input channels"
expect conv_neg_pad 2 "Conv 'C': pads [-1, 0, 0, 0] has a value below 0"
expect maxpool_kernel0 2 "MaxPool 'P': kernel_shape [0, 2] has a value below 1"
expect avgpool_neg_pads 2 "AveragePool 'P': pads [-1, 0, 0, 0] has a value below 0"
expect gemm_k_mismatch 2 "Gemm 'G': A [2, 3] and B [4, 5] (transA 0, transB 0) have different contraction sizes 3 and 4"
expect matmul_k_mismatch 2 "MatMul 'M': A [2, 3] and B [4, 5] have different contraction sizes 3 and 4"
expect no_outputs 2 "the graph has no outputs"
expect dup_output 2 "graph output 'y' is listed twice"
expect empty_name 2 "a graph output has an empty name"
expect nul_name 2 "has a NUL byte"
# Class 6: invalid attributes reported as what they are.
expect conv_kernel_too_big 2 "is larger than the padded input (2) in spatial dimension 0"
expect transpose_perm 2 "Transpose 'U': perm [0, 5] is not a permutation of 2 axes"
expect transpose_perm_dup 2 "Transpose 'U': perm [1, 1] is not a permutation of 2 axes"
expect softmax_axis 2 "Softmax 'U': axis 5 is out of range for input [2, 3]"
expect concat_axis 2 "Concat 'K': axis -3 is out of range for input [2, 3]"
expect reshape_two_minus1 2 "Reshape 'Rs': shape [-1, -1] has more than one -1"
expect slice_step0 2 "Slice 'S': steps [0] contain a zero"
expect range_step0 2 "Range 'Rg': delta is zero"
# Classes 1 and 2: too large for the device, refused before lowering.
expect range_1e12 4 "tensor 'r' (i64 [1000000000000], output of Range 'Big') needs 7.276 TiB"
expect relu_2p20 4 "tensor 'x' (f32 [1048576,1048576]) needs 4 TiB, more than the 16 GiB"
expect relu_2p31 4 "tensor 'x' (f32 [2147483648,2147483648]) needs over 8 EiB"
expect relu_2p63 4 "tensor 'x' (f32 [9223372036854775807]) needs over 8 EiB"
expect relu_2p63_x2 4 "needs over 8 EiB"
expect dynamic_batch 4 "tensor 'x' (f32 [1099511627776,64]) needs 256 TiB" --input-shape x=1099511627776,64

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all hostile models refused cleanly"
