#!/usr/bin/env bash
# The hostile-input corpus (issue 14): runs every case of cases.txt (its
# header documents the format) with a time and a memory bound, and checks the
# exit code, the one-line message and the case's own CHECK. Each case is a
# regression test for a class of hostile input; add a line to cases.txt (and,
# if the input cannot be generated at setup, a small file under files/).
#
#   hostile_test.sh NEURON_CC NEURON_RUN NEURON_PROFILE NEFF CASES
set -uo pipefail

export NEURON_CC="$PWD/$1" NEURON_RUN="$PWD/$2" NEURON_PROFILE="$PWD/$3" NEFF="$PWD/$4"
CASES="$5"
export MODELS="$PWD/testdata/models" FILES="$PWD/tests/hostile/files" PYTHON=/usr/bin/python3
TIMEOUT="${HOSTILE_TIMEOUT:-30}"
MEMORY_KB="${HOSTILE_MEMORY_KB:-4194304}"
ROOT="${TEST_TMPDIR:-$(mktemp -d)}/hostile"
rm -rf "$ROOT" && mkdir -p "$ROOT"
failures=0 cases=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

export MLP_NEFF="$ROOT/mlp.neff"
if ! "$NEURON_CC" compile "$MODELS/mlp.onnx" --framework ONNX --output "$MLP_NEFF" >"$ROOT/mlp.log" 2>&1; then
  echo "FAIL: cannot compile the shared model: $(cat "$ROOT/mlp.log")"
  exit 1
fi

# run_case NAME EXIT FRAGMENT SETUP CHECK COMMAND
run_case() {
  local name="$1" want="$2" fragment="$3" setup="$4" check="$5" command="$6"
  local dir="$ROOT/$name"
  if [[ ! "$name" =~ ^[A-Za-z0-9_.-]+$ || -e "$dir" ]]; then
    fail "$name: bad or duplicate case name"
    return
  fi
  mkdir -p "$dir"
  if [[ "$setup" != "-" ]] && ! (cd "$dir" && bash -c "$setup") >"$dir.setup" 2>&1; then
    fail "$name: setup failed: $(cat "$dir.setup")"
    return
  fi
  # The limits apply to the command only: a subshell, so ulimit stays there.
  (cd "$dir" && ulimit -v "$MEMORY_KB" && exec timeout -k 5 "$TIMEOUT" bash -c "$command") \
    >"$dir.out" 2>"$dir.err"
  local code=$?
  if [[ $code -eq 124 || $code -eq 137 ]]; then
    fail "$name: did not finish within ${TIMEOUT}s (exit $code); stderr: $(head -c 300 "$dir.err")"
    return
  fi
  if [[ $code -ne $want ]]; then
    fail "$name: exit code $code, want $want; stderr: $(head -c 300 "$dir.err")"
    return
  fi
  local where="$dir.err"
  if [[ $want -ne 0 ]]; then
    if [[ $(wc -l <"$dir.err") -ne 1 ]]; then
      fail "$name: want a one-line error, got: $(head -c 300 "$dir.err")"
      return
    fi
  else
    cat "$dir.out" >>"$dir.err"
  fi
  if ! grep -qF -- "$fragment" "$where"; then
    fail "$name: output does not contain '$fragment': $(head -c 300 "$where")"
    return
  fi
  if [[ "$check" != "-" ]] && ! (cd "$dir" && bash -c "$check") >"$dir.check" 2>&1; then
    fail "$name: check '$check' failed $(cat "$dir.check")"
    return
  fi
  echo "ok: $name -> exit $code: $(head -n 1 "$dir.err")"
}

while IFS= read -r line || [[ -n "$line" ]]; do
  [[ -z "${line// /}" || "$line" == \#* ]] && continue
  fields=()
  rest="$line"
  for _ in 1 2 3 4 5; do
    if [[ "$rest" != *" | "* ]]; then
      fields=()
      break
    fi
    fields+=("${rest%% | *}")
    rest="${rest#* | }"
  done
  if [[ ${#fields[@]} -ne 5 || ! "${fields[1]}" =~ ^[0-9]+$ ]]; then
    fail "malformed line in $CASES: $line"
    continue
  fi
  cases=$((cases + 1))
  run_case "${fields[@]}" "$rest"
done <"$CASES"

echo "$cases cases, $failures failed"
[[ $cases -gt 0 && $failures -eq 0 ]]
