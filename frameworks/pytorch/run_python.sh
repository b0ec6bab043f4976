#!/usr/bin/env bash
# Runs a torch_neuron Python script (a test or the benchmark) with Debian's /usr/bin/python3 (python3-torch
# 1.13.1) against the package and library in this build, not an installed
# copy: TORCH_NEURON_LIBRARY and PYTHONPATH point into the runfiles.
set -euo pipefail
script="$1"
shift
root="$PWD"  # the runfiles tree's workspace directory
export TORCH_NEURON_LIBRARY="$root/frameworks/pytorch/libtorch_neuron.so"
export TORCH_NEURON_RUN="$root/frameworks/pytorch/torch_neuron_run"
export PYTHONPATH="$root/frameworks/pytorch:$root/frameworks/pytorch/tests:$root/testdata/torch_models"
export PYTHONDONTWRITEBYTECODE=1
exec /usr/bin/python3 "$root/$script" "$@"
