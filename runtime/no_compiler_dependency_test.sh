#!/usr/bin/env bash
# Fails if //runtime:nrt depends, directly or not, on anything in //compiler
# or //frontends (the runtime sees only NEFF files).
set -euo pipefail
deps="$1"
if ! grep -q '^//runtime/sim:sim$' "$deps"; then
  echo "dependency list looks wrong (no //runtime/sim:sim):"; cat "$deps"; exit 1
fi
if grep -E '^//(compiler|frontends)' "$deps"; then
  echo "//runtime:nrt must not depend on the targets above"; exit 1
fi
echo "ok: //runtime:nrt has no //compiler or //frontends dependency"
