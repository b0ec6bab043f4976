#!/usr/bin/env bash
# Regenerates the ONNX Runtime reference inputs/outputs under testdata/models/.
# Installs the pinned onnxruntime-node first (needs the npm registry once).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"${HERE}/install_ort.sh"
node "${HERE}/ort_reference.mjs"
