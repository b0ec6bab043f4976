#!/usr/bin/env bash
# Runs the classifier service on a small batch and checks what it prints.
set -euo pipefail
service="$1"
out=$("$service" --requests 24 --threads 3)
echo "$out"
fail() { echo "FAIL: $*" >&2; exit 1; }
grep -q '^model: //examples/models:classifier (' <<<"$out" || fail "no model line"
grep -q "input 'image', output 'logits'" <<<"$out" || fail "wrong I/O names"
grep -q '^served 24 requests from 3 threads' <<<"$out" || fail "not every request served"
grep -Eq '^host latency of nrt_execute \(measured\): p50 [0-9.]+ ms, p90 [0-9.]+ ms, p99 [0-9.]+ ms' \
  <<<"$out" || fail "no host percentiles"
grep -Eq '^device latency \(simulator estimate, NeuronCore-v2\): p50 [0-9.]+ us' <<<"$out" ||
  fail "no estimated device latency"
# The classifier has 10 classes.
grep -Eq '^predicted classes of the first requests:( [0-9])+$' <<<"$out" || fail "no predictions"
# Bad flags: one line and a non-zero exit.
if err=$("$service" --threads 0 2>&1); then fail "--threads 0 accepted"; fi
grep -q "out of range" <<<"$err" || fail "unclear error: $err"
echo PASS
