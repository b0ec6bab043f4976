# Sourced by the benchmark scripts (from the repository root): PY is
# Debian's python3 with torch, torchvision, onnx and numpy; tools/setup.sh
# runs when they or bazel are missing (a fresh machine).
PY=/usr/bin/python3
if ! "${PY}" -c 'import torch, torchvision, onnx, numpy' 2> /dev/null ||
   ! command -v bazel > /dev/null; then
  tools/setup.sh
fi
