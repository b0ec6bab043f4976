#!/usr/bin/env bash
# Sets up whatever is missing, builds everything and runs every test, then
# prints one line: `tests: N passed, M failed` (test cases counted from the
# test.xml files this run produced; a target that fails to build counts as a
# failed test). Exits non-zero when anything failed.
#
# Extra arguments go to `bazel test` (e.g. tools/test.sh --config=opt).
set -uo pipefail
cd "$(dirname "$0")/.."

./tools/setup.sh || { echo "tests: 0 passed, 1 failed"; exit 1; }

start=$(date +%s)
marker=$(mktemp)
bazel test --config=ci "$@" //... 2>&1 | tee /tmp/neuron-test.log
bazel_rc=${PIPESTATUS[0]}
# The ONNX conformance figure (tests/conformance), whether or not it changed.
grep -h '^conformance: ' bazel-testlogs/tests/conformance/conformance_test/test.log 2>/dev/null
/usr/bin/python3 tools/count_tests.py --since "$marker" --bazel-log /tmp/neuron-test.log
count_rc=$?
rm -f "$marker"
echo "wall time: $(( $(date +%s) - start )) s"
if [[ $bazel_rc -ne 0 || $count_rc -ne 0 ]]; then exit 1; fi
