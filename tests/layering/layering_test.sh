#!/usr/bin/env bash
# The layering rules must catch known violations (self-test), and the real
# dependency graph must break none of them.
set -uo pipefail
script="$(dirname "$0")/check_layering.py"
/usr/bin/python3 "$script" --self-test || exit 1
/usr/bin/python3 "$script" "$1"
