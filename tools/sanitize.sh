#!/usr/bin/env bash
# The sanitizer runs CI makes from tools/test.sh (docs/sanitizers.md):
#   asan   AddressSanitizer + LeakSanitizer over the runtime, NEFF and
#          frontend tests: //runtime/... //neff/... //frontends/...
#   ubsan  UndefinedBehaviorSanitizer over the same tests
#   tsan   ThreadSanitizer over the concurrency tests: the tests tagged
#          "concurrency" in //runtime/... (the nrt_* threading tests, the
#          simulator's worker pool and its multi-threaded executions)
#
#   tools/sanitize.sh              what CI runs: asan+ubsan (one build with
#                                  both, to halve the cold build time), tsan
#   tools/sanitize.sh asan ubsan   each on its own build
#
# The PyTorch frontend (//frontends/pytorch) is left out of the asan/ubsan
# runs: its libtorch-heavy translation units would add minutes of
# instrumented compile, and CI's fuzz step already runs all of it under ASan
# (//tests/fuzz:torchscript_import_fuzzer, built with -fsanitize=address).
#
# Left out on purpose: //runtime/examples:hello_nrt_test, which compiles its
# model with neuron-cc at test time, so it would build the whole compiler
# under each sanitizer (minutes on two cores) to exercise the same nrt calls
# that //runtime:nrt_test and //runtime:nrt_concurrency_test cover.
#
# Each sanitizer builds in its own output base (/tmp/neuron-<san>-<hash of
# this checkout's path>), so the default gcc cache and the other sanitizers'
# builds are never invalidated, and a second run only rebuilds what changed.
# Any sanitizer report fails its run: the reports abort the test
# (.bazelrc: abort_on_error / halt_on_error / -fno-sanitize-recover), and a
# report that did not (e.g. from a child process) is still caught in the
# logs. A failing run prints each failing test's report.
#
# Prints one line per run, `sanitize: <san>: PASSED ...` or
# `sanitize: <san>: FAILED ...`, then `sanitize: N passed, M failed`
# (tools/test.sh counts each run as one test). Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

hash=$(pwd | md5sum | cut -c1-12)
runs=("$@")
if ((${#runs[@]} == 0)); then runs=(asan+ubsan tsan); fi

# Sanitizer report headers; any of them in a test log is a finding.
report_pattern='^(SUMMARY: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|ThreadSanitizer)|==[0-9]+==ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|.*: runtime error: )'

passed=0
failed=0
for san in "${runs[@]}"; do
  flags=(--build_tests_only)
  configs=()
  for c in ${san//+/ }; do configs+=(--config="$c"); done
  case "$san" in
    asan | ubsan | asan+ubsan)
      targets=(//runtime/... //neff/... //frontends/... -//runtime/examples:hello_nrt_test
        -//frontends/pytorch/...)
      ;;
    tsan)
      flags+=(--test_tag_filters=concurrency)
      targets=(//runtime/...)
      ;;
    *)
      echo "sanitize: unknown sanitizer '$san' (expected asan, ubsan, asan+ubsan or tsan)"
      failed=$((failed + 1))
      continue
      ;;
  esac
  base="${SANITIZE_OUTPUT_BASE_PREFIX:-/tmp/neuron}-${san//+/-}-$hash"
  bazel_cmd=(bazel --output_base="$base" --max_idle_secs=60)
  log=$(mktemp "/tmp/neuron-sanitize-${san//+/-}.XXXXXX")
  echo "sanitize: $san: bazel test ${configs[*]} ${flags[*]} ${targets[*]} (output base $base)"
  start=$(date +%s)
  "${bazel_cmd[@]}" test "${configs[@]}" --config=ci "${flags[@]}" -- "${targets[@]}" >"$log" 2>&1
  rc=$?
  seconds=$(($(date +%s) - start))
  testlogs=$("${bazel_cmd[@]}" info "${configs[@]}" bazel-testlogs 2>/dev/null)
  executed=$(sed -n 's/.*Executed \([0-9]*\) out of \([0-9]*\) tests*:.*/\2/p' "$log" | tail -n 1)
  # Reports in any log of this run's tests, even of a test that passed.
  reports=""
  if [[ -n "$testlogs" && -d "$testlogs" ]]; then
    reports=$(find "$testlogs" -name test.log -newer "$log" -print0 2>/dev/null |
      xargs -0 -r grep -lE "$report_pattern" 2>/dev/null)
  fi
  if [[ $rc -eq 0 && -z "$reports" && -n "$executed" && "$executed" != 0 ]]; then
    echo "sanitize: $san: PASSED: $executed tests in ${seconds}s, no report"
    passed=$((passed + 1))
    rm -f "$log"
    continue
  fi
  # Failed: what bazel said, then each failing test's sanitizer report.
  grep -E '(FAILED|TIMEOUT|NO STATUS|FAILED TO BUILD)|^ERROR:|error:' "$log" | head -n 40
  [[ $rc -eq 4 || -z "$executed" ]] && tail -n 20 "$log"
  failing=$(sed -n 's#^\(//[^ ]*\) .*\(FAILED\|TIMEOUT\).*#\1#p' "$log" | sort -u)
  for label in $failing; do
    path=${label#//}
    path=${path/://}
    reports+=$'\n'"$testlogs/$path/test.log"
  done
  for f in $(echo "$reports" | sort -u); do
    [[ -f "$f" ]] || continue
    echo "---- ${f#"$testlogs"/}"
    if grep -qE "$report_pattern" "$f"; then
      grep -m1 -nE "$report_pattern" "$f" | cut -d: -f1 | {
        read -r line
        sed -n "$((line > 5 ? line - 5 : 1)),$((line + 45))p" "$f"
      }
    else
      tail -n 40 "$f"
    fi
  done
  echo "sanitize: $san: FAILED (bazel exit $rc, ${seconds}s); full bazel log: $log"
  failed=$((failed + 1))
done
echo "sanitize: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
