#!/usr/bin/env bash
# Installs the pinned ONNX Runtime for Node.js into third_party/ort/ (git-ignored),
# or into the directory given as the first argument.
# Idempotent: does nothing when the pinned version is already installed.
# ONNXRUNTIME_NODE_INSTALL=skip stops the package's install script from
# downloading optional GPU binaries; the CPU binaries ship in the npm tarball.
set -euo pipefail

ORT_VERSION="1.30.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-${ROOT}/third_party/ort}"
PKG_JSON="${DEST}/node_modules/onnxruntime-node/package.json"

if [[ -f "${PKG_JSON}" ]] &&
   node -e "process.exit(require('${PKG_JSON}').version === '${ORT_VERSION}' ? 0 : 1)"; then
  echo "onnxruntime-node ${ORT_VERSION} already installed in ${DEST}"
  exit 0
fi

mkdir -p "${DEST}"
if [[ ! -f "${DEST}/package.json" ]]; then
  cat > "${DEST}/package.json" <<JSON
{
  "name": "ncc-ort-reference",
  "private": true,
  "description": "ONNX Runtime used by testdata/ort_reference.mjs"
}
JSON
fi

cd "${DEST}"
ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund \
  --save-exact "onnxruntime-node@${ORT_VERSION}"
node -e "const o = require('onnxruntime-node'); console.log('onnxruntime-node', require('onnxruntime-node/package.json').version, 'ok');"
