#!/usr/bin/env bash
# Bounded libFuzzer runs of every parser of untrusted files, as CI runs them
# from tools/test.sh: //runtime/fuzz:neff_load_fuzzer (the NEFF loader and
# verifiers, then a bounded execution of every program that verifies) and
# //tests/fuzz's ONNX, TorchScript, TensorFlow (GraphDef, TF.js, bundle) and
# MXNet (params, symbol import) targets, --io-config JSON and .npy, SECONDS
# each:
#   tools/fuzz.sh [SECONDS]     (default 60; CI's tools/test.sh runs 30)
# Builds with clang (--config=fuzz) in its own output base, so the default
# gcc cache is untouched. Each starts from its committed seeds and every
# past crash (runtime/fuzz/corpus, runtime/fuzz/regressions, tests/fuzz/corpus,
# tests/fuzz/regressions), inputs capped at a few times the largest seed (an
# input's size sets the cost of every run: libFuzzer copies it, the targets
# copy or hash it); new corpus
# entries go to a scratch directory. The targets run side by side, one per
# core (FUZZ_JOBS to change it). Exit 0: no finding. Non-zero: a crash
# (its input is kept and printed: add it to runtime/fuzz/regressions with
# the fix), or the toolchain is missing -- never a silent skip.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
# One output base per checkout (an output base belongs to one workspace).
base=${FUZZ_OUTPUT_BASE:-/tmp/neuron-fuzz-$(pwd | md5sum | cut -c1-12)}

if ! command -v clang >/dev/null; then
  echo "fuzz: FAILED: clang is not installed (tools/setup.sh installs clang and libclang-rt-14-dev)"
  exit 1
fi
if ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz: FAILED: libFuzzer runtime missing (install libclang-rt-14-dev)"
  exit 1
fi

# Every parser of untrusted files: target, the largest input in bytes, then
# its seed directories.
targets=(
  "runtime/fuzz:neff_load_fuzzer 65536 runtime/fuzz/corpus runtime/fuzz/regressions"
  "tests/fuzz:onnx_import_fuzzer 16384 tests/fuzz/corpus/onnx tests/fuzz/regressions/onnx_import"
  "tests/fuzz:io_config_fuzzer 4096 tests/fuzz/corpus/io_config"
  "tests/fuzz:npy_fuzzer 16384 testdata/models/cnn testdata/models/mlp"
  "tests/fuzz:torchscript_import_fuzzer 16384 tests/fuzz/corpus/torchscript tests/fuzz/regressions/torchscript"
  "tests/fuzz:tensorflow_import_fuzzer 16384 tests/fuzz/corpus/tensorflow tests/fuzz/regressions/tensorflow"
  "tests/fuzz:tensorflow_tfjs_fuzzer 16384 tests/fuzz/corpus/tensorflow_tfjs tests/fuzz/regressions/tensorflow_tfjs"
  "tests/fuzz:tensorflow_bundle_fuzzer 4096 tests/fuzz/corpus/tensorflow_bundle"
  "tests/fuzz:mxnet_params_fuzzer 4096 tests/fuzz/corpus/mxnet_params tests/fuzz/regressions/mxnet_params"
  "tests/fuzz:mxnet_import_fuzzer 16384 tests/fuzz/corpus/mxnet_import tests/fuzz/regressions/mxnet_import"
)
labels=()
for t in "${targets[@]}"; do labels+=("//${t%% *}"); done
if ! bazel --output_base="$base" --max_idle_secs=60 build --config=fuzz --config=ci "${labels[@]}"; then
  echo "fuzz: FAILED: the fuzz targets did not build with --config=fuzz"
  exit 1
fi
bin_dir="$(bazel --output_base="$base" --max_idle_secs=60 info --config=fuzz bazel-bin 2>/dev/null)"

# One target's run; its report goes to $2 (printed in target order below).
run_target() {
  local label max_len seeds name bin scratch rc execs
  read -r label max_len seeds <<<"$1"
  name=${label##*:}
  bin="$bin_dir/${label%%:*}/$name"
  if [[ ! -x "$bin" ]]; then
    echo "fuzz: FAILED: $name: binary not found at $bin" >"$2"
    return 1
  fi
  scratch=$(mktemp -d)
  mkdir -p "$scratch/corpus" "$scratch/artifacts"
  {
    echo "fuzz: running $name for ${seconds}s"
    # shellcheck disable=SC2086  # seed directories are space-separated
    LSAN_OPTIONS="suppressions=$(pwd)/tests/fuzz/lsan_suppressions.txt${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
    "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
      -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$scratch/artifacts/" \
      "$scratch/corpus" $seeds >"$scratch/fuzz.log" 2>&1
    rc=$?
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "$scratch/fuzz.log"
    if [[ $rc -ne 0 ]]; then
      tail -n 60 "$scratch/fuzz.log"
      echo "fuzz: FAILED: $name (exit $rc): crashing input(s) kept in $scratch/artifacts:"
      ls -l "$scratch/artifacts"
      exit 1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/fuzz.log")
    echo "fuzz: $name: ${execs:-?} executions in ${seconds}s ($(( ${execs:-0} / (seconds > 0 ? seconds : 1) ))/s), no finding"
    rm -rf "$scratch"
  } >"$2"
}

# The targets run FUZZ_JOBS at a time (default: one per core). libFuzzer is
# single-threaded, so one after another would leave all cores but one idle
# for the whole step; each target still gets its full SECONDS.
parallel=${FUZZ_JOBS:-$(nproc)}
reports=$(mktemp -d)
pids=()
for i in "${!targets[@]}"; do
  while (($(jobs -rp | wc -l) >= parallel)); do wait -n; done
  run_target "${targets[$i]}" "$reports/$i" &
  pids[$i]=$!
done
failed=0
for i in "${!targets[@]}"; do
  wait "${pids[$i]}" || failed=1
  cat "$reports/$i"
done
rm -rf "$reports"
if [[ $failed -ne 0 ]]; then
  echo "fuzz: FAILED"
  exit 1
fi
echo "fuzz: PASSED: ${#targets[@]} targets, ${seconds}s each, no finding"
