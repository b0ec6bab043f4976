#!/usr/bin/env bash
# Sets up whatever is missing, builds everything and runs every test, then
# prints one line: `tests: N passed, M failed` (test cases counted from the
# test.xml files this run produced; a target that fails to build counts as a
# failed test). Exits non-zero when anything failed.
#
# Extra arguments go to `bazel test` (e.g. tools/test.sh --config=opt).
#
# After the suite, one more test: bounded libFuzzer runs (FUZZ_SECONDS each,
# default 30) of every fuzz target (the NEFF loader, the ONNX, TorchScript,
# TensorFlow and MXNet importers, --io-config and .npy; one per core) built
# with clang in their own output base
# (tools/fuzz.sh, docs/fuzzing.md). It counts as one test in the `tests:` line;
# a finding, or clang/libFuzzer missing, fails it loudly. FUZZ_SECONDS=0
# skips it (and says so), for quick local runs only.
#
# Then the build-rule checks (tools/build_rules_test.sh, docs/bazel.md):
# reproducible NEFFs across output bases, checkout paths, TMPDIRs and --jobs,
# a shared HTTP cache (nginx on 127.0.0.1) serving a second clean build, and
# the external workspace in examples/. Each counts as one test;
# BUILD_RULES=0 skips them (and says so), for quick local runs only. They
# reuse the suite's C++ actions through Bazel's disk cache
# (NEURON_BAZEL_DISK_CACHE, default ~/.cache/neuron-compiler/bazel-disk-cache;
# emptied when it passes 40 GB).
#
# Then the sanitizer runs (tools/sanitize.sh, docs/sanitizers.md): the
# runtime, NEFF and frontend tests under --config=asan and --config=ubsan,
# the concurrency tests under --config=tsan, each in its own output base.
# Each run counts as one test in the `tests:` line; a sanitizer report fails
# it loudly. SANITIZE=0 skips them (and says so), for quick local runs only.
set -uo pipefail
cd "$(dirname "$0")/.."

export NEURON_BAZEL_DISK_CACHE=${NEURON_BAZEL_DISK_CACHE:-$HOME/.cache/neuron-compiler/bazel-disk-cache}
mkdir -p "$NEURON_BAZEL_DISK_CACHE"
# Bazel 4 never trims a disk cache.
if (($(du -sm "$NEURON_BAZEL_DISK_CACHE" | cut -f1) > 40000)); then
  echo "test: emptying the Bazel disk cache $NEURON_BAZEL_DISK_CACHE (over 40 GB)"
  rm -rf "$NEURON_BAZEL_DISK_CACHE" && mkdir -p "$NEURON_BAZEL_DISK_CACHE"
fi
./tools/setup.sh || { echo "tests: 0 passed, 1 failed"; exit 1; }
# The TensorFlow.js reference kit (npm) is fetched here, with the caller's
# environment, before Bazel runs the test that needs it: inside `bazel test`
# (strict environment) npm's install has failed with
# SELF_SIGNED_CERT_IN_CHAIN behind a TLS-inspecting proxy. Cached under
# ~/.cache/neuron-compiler/tfjs; when this fails the test tries again.
bash testdata/tfjs/fetch.sh > /dev/null || echo "test: prefetching the TensorFlow.js kit failed; its test will try again"

start=$(date +%s)
marker=$(mktemp)
bazel test --config=ci --disk_cache="$NEURON_BAZEL_DISK_CACHE" "$@" //... 2>&1 | tee /tmp/neuron-test.log
bazel_rc=${PIPESTATUS[0]}
# The ONNX conformance figure (tests/conformance), whether or not it changed.
grep -h '^conformance: ' bazel-testlogs/tests/conformance/conformance_test/test.log 2>/dev/null
counts=$(/usr/bin/python3 tools/count_tests.py --since "$marker" --bazel-log /tmp/neuron-test.log)
count_rc=$?
rm -f "$marker"
echo "$counts" | grep -v '^tests: '

# The fuzz step: one test, passed or failed.
fuzz_rc=0
fuzz_seconds=${FUZZ_SECONDS:-30}
fuzz_counted=1
if [[ "$fuzz_seconds" == 0 ]]; then
  echo "fuzz: skipped (FUZZ_SECONDS=0)"
  fuzz_counted=0
else
  tools/fuzz.sh "$fuzz_seconds" 2>&1 | tee /tmp/neuron-fuzz.log
  fuzz_rc=${PIPESTATUS[0]}
fi
# The build-rule step: one test per check.
rules_passed=0
rules_failed=0
rules_rc=0
if [[ "${BUILD_RULES:-1}" == 0 ]]; then
  echo "build-rules: skipped (BUILD_RULES=0)"
else
  tools/build_rules_test.sh 2>&1 | tee /tmp/neuron-build-rules.log
  rules_rc=${PIPESTATUS[0]}
  rules_passed=$(sed -n 's/^build-rules: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' /tmp/neuron-build-rules.log)
  rules_failed=$(sed -n 's/^build-rules: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' /tmp/neuron-build-rules.log)
  rules_passed=${rules_passed:-0}
  rules_failed=${rules_failed:-1}
  if [[ $rules_rc -ne 0 && $rules_failed -eq 0 ]]; then rules_failed=1; fi
fi
# The sanitizer step: one test per sanitizer run.
sanitize_passed=0
sanitize_failed=0
sanitize_rc=0
if [[ "${SANITIZE:-1}" == 0 ]]; then
  echo "sanitize: skipped (SANITIZE=0)"
else
  tools/sanitize.sh 2>&1 | tee /tmp/neuron-sanitize.log
  sanitize_rc=${PIPESTATUS[0]}
  sanitize_passed=$(sed -n 's/^sanitize: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' /tmp/neuron-sanitize.log)
  sanitize_failed=$(sed -n 's/^sanitize: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' /tmp/neuron-sanitize.log)
  sanitize_passed=${sanitize_passed:-0}
  # No summary line (the script died): one failed test, never a silent pass.
  sanitize_failed=${sanitize_failed:-1}
  if [[ $sanitize_rc -ne 0 && $sanitize_failed -eq 0 ]]; then sanitize_failed=1; fi
fi
passed=$(echo "$counts" | sed -n 's/^tests: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
failed=$(echo "$counts" | sed -n 's/^tests: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
passed=${passed:-0}
failed=${failed:-1}
if [[ $fuzz_counted -eq 1 ]]; then
  if [[ $fuzz_rc -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
fi
passed=$((passed + rules_passed + sanitize_passed))
failed=$((failed + rules_failed + sanitize_failed))
echo "wall time: $(( $(date +%s) - start )) s"
# Last line of the run, for CI.
echo "tests: $passed passed, $failed failed"
if [[ $bazel_rc -ne 0 || $count_rc -ne 0 || $fuzz_rc -ne 0 || $rules_rc -ne 0 || $sanitize_rc -ne 0 ]]; then exit 1; fi
