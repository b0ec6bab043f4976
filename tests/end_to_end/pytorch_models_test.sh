#!/usr/bin/env bash
# TorchScript models compiled with --framework PYTORCH and checked against
# torch eager, or MXNet models (--framework=MXNET) against their torch
# reference: see pytorch_models_test.py (Debian's python3 with python3-torch
# and python3-torchvision).
set -uo pipefail
exec /usr/bin/python3 tests/end_to_end/pytorch_models_test.py "$@"
