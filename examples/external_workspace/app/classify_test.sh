#!/usr/bin/env bash
# Runs the application and checks that it classified the image.
set -euo pipefail
out=$("$1")
echo "$out"
grep -Eq '^//models:classifier: class [0-9] of 10 \(logit -?[0-9.]+\)$' <<<"$out"
grep -Eq '^estimated device latency: [0-9.]+ us \(simulator estimate' <<<"$out"
echo PASS
