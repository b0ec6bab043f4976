#!/usr/bin/env bash
# `neff info|dump|verify|embed` on a freshly compiled MLP, and what a damaged
# weight byte does to the tool and to the runtime (hello_nrt).
set -uo pipefail
NEFF="$1"
NEURON_CC="$2"
HELLO="$3"
NEURON_RUN="$4"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_in() {  # expect_in FILE PATTERN
  grep -q -- "$2" "$1" || fail "$(basename "$1") lacks '$2': $(head -c 2000 "$1")"
}

"$NEURON_CC" compile testdata/models/mlp.onnx --framework ONNX \
  --output "$TMP/mlp.neff" >/dev/null || { echo "FAIL: neuron-cc"; exit 1; }

# info
"$NEFF" info "$TMP/mlp.neff" >"$TMP/info.txt" || fail "info exit $?"
for want in "NEFF format 0.3" "source framework: ONNX" "target:" \
  "inputs:" "x: F32\[1, 64\]" "outputs:" "y: F32\[1, 10\]" \
  "weights .* bytes at offset [0-9]*  xxh64 0x[0-9a-f]*  ok" \
  "program .* bytes  xxh64 0x[0-9a-f]*  ok" "instructions: [0-9]* in" \
  "TENSOR " "DMA "; do
  expect_in "$TMP/info.txt" "$want"
done

# dump
"$NEFF" dump "$TMP/mlp.neff" >"$TMP/dump.txt" || fail "dump exit $?"
for want in "queue 0: " "MATMUL" "DMA_COPY" "dst   SBUF f32 p\[" \
  "src0  WEIGHTS f32" "wait s[0-9]*>=[0-9]*" "signal s[0-9]" "node [0-9]* '"; do
  expect_in "$TMP/dump.txt" "$want"
done

# verify: valid
"$NEFF" verify "$TMP/mlp.neff" >"$TMP/verify.txt" 2>&1 || fail "verify of a good file: exit $?"
expect_in "$TMP/verify.txt" "valid NEFF 0.3, checksums verified"

# usage and unreadable files
"$NEFF" frobnicate "$TMP/mlp.neff" 2>"$TMP/cmd.err"; [[ $? -eq 2 ]] || fail "unknown command not exit 2"
[[ $(wc -l <"$TMP/cmd.err") -eq 1 ]] || fail "unknown command: not one line"
expect_in "$TMP/cmd.err" "neff: error: unknown command 'frobnicate' (expected info, dump, verify or embed)"
"$NEFF" info 2>"$TMP/nofile.err"; [[ $? -eq 2 ]] || fail "no FILE not exit 2"
expect_in "$TMP/nofile.err" "neff: error: info needs one FILE; usage: neff info FILE"
"$NEFF" 2>"$TMP/noargs.err"; [[ $? -eq 2 ]] || fail "no arguments not exit 2"
expect_in "$TMP/noargs.err" "^usage: neff info FILE"
"$NEFF" --help >"$TMP/help.out" || fail "--help exit $?"
expect_in "$TMP/help.out" "^usage: neff info FILE"
expect_in "$TMP/help.out" "neff embed MODEL.neff --symbol SYMBOL --incbin PATH --header OUT.h --asm OUT.S"
"$NEFF" verify "$TMP/missing.neff" 2>/dev/null; [[ $? -eq 2 ]] || fail "missing file not exit 2"
head -c 200 "$TMP/mlp.neff" >"$TMP/short.neff"
"$NEFF" verify "$TMP/short.neff" 2>"$TMP/short.err"; code=$?
[[ $code -eq 1 ]] || fail "truncated file: exit $code"
[[ $(wc -l <"$TMP/short.err") -eq 1 ]] || fail "truncated file: not one line"
expect_in "$TMP/short.err" "truncated"

# One damaged weight byte.
offset=$(sed -n 's/.*weights .* bytes at offset \([0-9]*\) .*/\1/p' "$TMP/info.txt")
[[ -n "$offset" ]] || { echo "FAIL: no weights offset in info"; exit 1; }
cp "$TMP/mlp.neff" "$TMP/bad.neff"
at=$((offset + 100))
old=$(od -An -tu1 -j "$at" -N1 "$TMP/bad.neff" | tr -d ' ')
printf "\\$(printf %03o $(((old + 1) % 256)))" |
  dd of="$TMP/bad.neff" bs=1 seek="$at" conv=notrunc status=none
cmp -s "$TMP/mlp.neff" "$TMP/bad.neff" && fail "corruption did not change the file"

"$NEFF" verify "$TMP/bad.neff" 2>"$TMP/bad.err"; code=$?
[[ $code -eq 1 ]] || fail "damaged weights: verify exit $code"
expect_in "$TMP/bad.err" "checksum mismatch in section 'weights'"
"$NEFF" info "$TMP/bad.neff" >"$TMP/bad_info.txt" || fail "info of damaged file"
expect_in "$TMP/bad_info.txt" "weights .* MISMATCH"
expect_in "$TMP/bad_info.txt" "program .*  ok"

"$HELLO" "$TMP/bad.neff" >/dev/null 2>"$TMP/hello.err" && fail "runtime loaded damaged weights"
expect_in "$TMP/hello.err" "NRT_LOAD_NEFF_FAIL"
expect_in "$TMP/hello.err" "section 'weights'"
NEURON_RT_SKIP_CHECKSUM=1 "$HELLO" "$TMP/bad.neff" >"$TMP/trusted.txt" 2>&1 ||
  fail "NEURON_RT_SKIP_CHECKSUM=1 did not skip the check: $(cat "$TMP/trusted.txt")"

# The seal has no one-byte bypass. 1: renaming a section (here "program",
# the section that holds the instructions) breaks the seal.
at=$(grep -abo program "$TMP/mlp.neff" | head -1 | cut -d: -f1)
[[ -n "$at" ]] || { echo "FAIL: no 'program' section name in the file"; exit 1; }
cp "$TMP/mlp.neff" "$TMP/renamed.neff"
printf 'q' | dd of="$TMP/renamed.neff" bs=1 seek="$at" conv=notrunc status=none
"$NEFF" verify "$TMP/renamed.neff" 2>"$TMP/renamed.err"; code=$?
[[ $code -eq 1 ]] || fail "renamed section: verify exit $code"
[[ $(wc -l <"$TMP/renamed.err") -eq 1 ]] || fail "renamed section: not one line"
expect_in "$TMP/renamed.err" "broken seal: unknown section 'qrogram'"
"$NEURON_RUN" "$TMP/renamed.neff" --quiet 2>"$TMP/renamed_run.err"; code=$?
[[ $code -eq 2 ]] || fail "renamed section: neuron-run exit $code"
expect_in "$TMP/renamed_run.err" "unknown section 'qrogram'"
"$NEURON_RUN" "$TMP/renamed.neff" --quiet --allow-unsealed 2>/dev/null &&
  fail "renamed section: --allow-unsealed accepted a sealed file with a broken seal"
"$NEFF" info "$TMP/renamed.neff" >"$TMP/renamed_info.txt" || fail "info of renamed file"
expect_in "$TMP/renamed_info.txt" "program .* MISSING from the section table"
expect_in "$TMP/renamed_info.txt" "unknown section 'qrogram' in the section table"

# 2: zeroing the Model's vtable slot of `checksums` (field 10: byte 4 + 2 *
# 10 of the vtable) drops the table: an unsealed file, refused unless asked.
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
table=$((4 + $(u32 "$TMP/mlp.neff" 4)))
soffset=$(u32 "$TMP/mlp.neff" "$table")
((soffset >= 2 ** 31)) && soffset=$((soffset - 2 ** 32))
slot=$((table - soffset + 24))
cp "$TMP/mlp.neff" "$TMP/stripped.neff"
printf '\0\0' | dd of="$TMP/stripped.neff" bs=1 seek="$slot" conv=notrunc status=none
cmp -s "$TMP/mlp.neff" "$TMP/stripped.neff" && fail "stripping the seal did not change the file"
"$NEFF" verify "$TMP/stripped.neff" 2>"$TMP/stripped.err"; code=$?
[[ $code -eq 1 ]] || fail "stripped seal: verify exit $code"
[[ $(wc -l <"$TMP/stripped.err") -eq 1 ]] || fail "stripped seal: not one line"
expect_in "$TMP/stripped.err" "is not sealed.*(neff verify --allow-unsealed)"
"$NEFF" verify --allow-unsealed "$TMP/stripped.neff" >"$TMP/stripped.txt" ||
  fail "verify --allow-unsealed: exit $?"
expect_in "$TMP/stripped.txt" "valid NEFF 0.3, NOT SEALED (accepted: --allow-unsealed)"
"$NEURON_RUN" "$TMP/stripped.neff" --quiet 2>"$TMP/stripped_run.err"; code=$?
[[ $code -eq 2 ]] || fail "stripped seal: neuron-run exit $code"
[[ $(wc -l <"$TMP/stripped_run.err") -eq 1 ]] || fail "stripped seal: neuron-run not one line"
expect_in "$TMP/stripped_run.err" "is not sealed.*(--allow-unsealed)"
"$NEURON_RUN" "$TMP/stripped.neff" --quiet --allow-unsealed 2>"$TMP/allowed.err" ||
  fail "neuron-run --allow-unsealed: exit $?: $(cat "$TMP/allowed.err")"
"$HELLO" "$TMP/stripped.neff" >/dev/null 2>"$TMP/hello_stripped.err" &&
  fail "the runtime loaded an unsealed file without being asked"
expect_in "$TMP/hello_stripped.err" "NRT_LOAD_NEFF_FAIL"
NEURON_RT_ALLOW_UNSEALED=1 "$HELLO" "$TMP/stripped.neff" >"$TMP/hello_allowed.txt" 2>&1 ||
  fail "NEURON_RT_ALLOW_UNSEALED=1 did not allow the file: $(cat "$TMP/hello_allowed.txt")"

# A model pipelined over two cores: a NEFF 1.0 of two stage NEFFs, whose
# weights are loaded once into SBUF by load queues.
"$NEURON_CC" compile testdata/models/mlp.onnx --framework ONNX --neuroncore-pipeline-cores 2 \
  --output "$TMP/pipe.neff" >/dev/null || fail "neuron-cc --neuroncore-pipeline-cores 2"
"$NEFF" info "$TMP/pipe.neff" >"$TMP/pipe_info.txt" || fail "info of a pipelined file: exit $?"
for want in "NEFF format 1.0" "estimated interval: [0-9.]* us" \
  "device: pipelined over 2 NeuronCores" "stages: 2 (one NeuronCore each)" \
  "  stage 0: [0-9]* bytes, inputs from model input 0 'x'" \
  "  stage 1: [0-9]* bytes, inputs from stage 0 output 0" "    | NEFF format 1.0" \
  "    |   weights .* bytes at offset [0-9]*  xxh64 0x[0-9a-f]*  ok" \
  "    | load queues: [0-9]* instructions in [0-9]* queue(s), run once at load: [0-9]* bytes" \
  "output sources:" "  output 0 'y' from stage 1 output 0"; do
  expect_in "$TMP/pipe_info.txt" "$want"
done
"$NEFF" dump "$TMP/pipe.neff" >"$TMP/pipe_dump.txt" || fail "dump of a pipelined file: exit $?"
for want in "^stage 0: [0-9]* bytes" "^  load queue 0: DMA\[[0-9]*\]" "^  queue 0: " \
  "src0  WEIGHTS f32" "^stage 1: "; do
  expect_in "$TMP/pipe_dump.txt" "$want"
done
"$NEFF" verify "$TMP/pipe.neff" >"$TMP/pipe_verify.txt" 2>&1 || fail "verify pipelined: exit $?"
expect_in "$TMP/pipe_verify.txt" "valid NEFF 1.0, checksums verified, 2 stages"
expect_in "$TMP/pipe_verify.txt" "  stage 1: valid NEFF 1.0, [0-9]* bytes, checksums verified"

# embed: the sources of a library that carries the NEFF (compiled and linked
# by :embed_link_test); errors are one line, and nothing is written.
embed() {  # embed NEFF SYMBOL [more flags]: into $TMP/e.{h,S,cc}
  local neff="$1" symbol="$2"
  shift 2
  "$NEFF" embed "$neff" --symbol "$symbol" --incbin "bazel-out/bin/m.neff.inc" \
    --header "$TMP/e.h" --asm "$TMP/e.S" --source "$TMP/e.cc" "$@"
}
rm -f "$TMP"/e.*
embed "$TMP/mlp.neff" mlp_neff --label //models:mlp.neff 2>"$TMP/embed.err" ||
  fail "embed exit $?: $(cat "$TMP/embed.err")"
[[ -s "$TMP/embed.err" ]] && fail "embed printed: $(cat "$TMP/embed.err")"
for want in "Generated by cc_neff_library (neff embed) from //models:mlp.neff. Do not edit." \
  '#include "bazel/embedded_neff.h"' "extern const ncc_embedded_neff_t mlp_neff;" \
  "#define MLP_NEFF_NUM_INPUTS 1" "#define MLP_NEFF_NUM_OUTPUTS 1" \
  '"x" float32 \[1, 64\], 256 bytes' '"y" float32 \[1, 10\], 40 bytes' \
  "estimated latency: [0-9.]* us (the compiler's cost-model estimate"; do
  expect_in "$TMP/e.h" "$want"
done
size=$(wc -c <"$TMP/mlp.neff")
for want in '.section ".rodata.mlp_neff","a"' ".balign 64" ".globl mlp_neff_data" \
  ".type mlp_neff_data, @object" '.incbin "bazel-out/bin/m.neff.inc"' \
  ".size mlp_neff_data, $size" '.section .note.GNU-stack,"",@progbits'; do
  expect_in "$TMP/e.S" "$want"
done
for want in 'extern "C" const unsigned char mlp_neff_data\[\];' \
  'extern "C" const ncc_embedded_neff_t mlp_neff = {' "    ${size}u,  // size" \
  '{"x", "float32", 2, mlp_neff_input0_shape, 256u},' '"//models\\072mlp.neff",  // label'; do
  expect_in "$TMP/e.cc" "$want"
done
cp "$TMP/e.cc" "$TMP/first.cc"
embed "$TMP/mlp.neff" mlp_neff --label //models:mlp.neff || fail "second embed exit $?"
cmp -s "$TMP/e.cc" "$TMP/first.cc" || fail "embed is not deterministic"

embed_fails() {  # embed_fails CODE PATTERN NEFF SYMBOL [more flags]
  local code="$1" pattern="$2"
  shift 2
  rm -f "$TMP"/e.*
  embed "$@" 2>"$TMP/embed.err"
  local got=$?
  [[ $got -eq $code ]] || fail "embed $*: exit $got, expected $code"
  [[ $(wc -l <"$TMP/embed.err") -eq 1 ]] || fail "embed $*: not one line: $(cat "$TMP/embed.err")"
  expect_in "$TMP/embed.err" "$pattern"
  [[ -e "$TMP/e.h" || -e "$TMP/e.S" || -e "$TMP/e.cc" ]] && fail "embed $*: wrote an output"
}
embed_fails 2 "neff: error: --symbol '1mlp' is not a C identifier" "$TMP/mlp.neff" 1mlp
embed_fails 2 "reserved identifier" "$TMP/mlp.neff" __mlp
embed_fails 2 "keyword" "$TMP/mlp.neff" class
embed_fails 2 "neff: error: embed needs --symbol" "$TMP/mlp.neff" ""
embed_fails 2 "control character" "$TMP/mlp.neff" mlp --label "$(printf 'a\nb')"
embed_fails 2 "neff embed: .*missing.neff" "$TMP/missing.neff" mlp
embed_fails 1 "neff embed: $TMP/short.neff: .*truncated" "$TMP/short.neff" mlp
embed_fails 1 "neff embed: $TMP/bad.neff: .*checksum mismatch in section 'weights'" \
  "$TMP/bad.neff" mlp
embed_fails 1 "neff embed: $TMP/stripped.neff: .*is not sealed.*(neff embed --allow-unsealed)" \
  "$TMP/stripped.neff" mlp
embed "$TMP/stripped.neff" mlp --allow-unsealed || fail "embed --allow-unsealed: exit $?"
rm -f "$TMP"/e.*
"$NEFF" embed "$TMP/mlp.neff" --symbol mlp --incbin m.inc --header "$TMP/no/such/dir/e.h" \
  --asm "$TMP/e.S" --source "$TMP/e.cc" 2>"$TMP/embed.err"; code=$?
[[ $code -eq 3 ]] || fail "unwritable --header: exit $code"
[[ $(wc -l <"$TMP/embed.err") -eq 1 ]] || fail "unwritable --header: not one line"
expect_in "$TMP/embed.err" "neff embed: .*no/such/dir/e.h"
cp "$TMP/mlp.neff" "$TMP/keep.neff"
"$NEFF" embed "$TMP/keep.neff" --symbol mlp --incbin m.inc --header "$TMP/e.h" \
  --asm "$TMP/e.S" --source "$TMP/keep.neff" 2>"$TMP/embed.err"; code=$?
[[ $code -eq 3 ]] || fail "--source over the input: exit $code"
cmp -s "$TMP/mlp.neff" "$TMP/keep.neff" || fail "--source over the input replaced the NEFF"

if [[ $failures -ne 0 ]]; then echo "$failures failure(s)"; exit 1; fi
echo PASS
