#!/usr/bin/env bash
# Installs ONNX Runtime's C API headers into benchmarks/compare/ort_capi/
# (git-ignored) from the pinned npm package com.github.asus4.onnxruntime
# (its Plugins folder carries the headers). Its C API version (29) is not
# newer than the runtime library's (onnxruntime-node 1.30.0, API 30), and
# the C API is ABI-stable through OrtGetApiBase()->GetApi(ORT_API_VERSION).
# Idempotent: does nothing when the pinned version is already installed.
set -euo pipefail

PKG="com.github.asus4.onnxruntime"
PKG_VERSION="0.4.9"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEST="${HERE}/ort_capi"
STAMP="${DEST}/VERSION"

if [[ -f "${STAMP}" && "$(cat "${STAMP}")" == "${PKG}@${PKG_VERSION}" &&
      -f "${DEST}/onnxruntime_c_api.h" ]]; then
  echo "${PKG}@${PKG_VERSION} headers already installed in ${DEST}"
  exit 0
fi

TMP="$(mktemp -d)"
trap 'rm -rf "${TMP}"' EXIT
(cd "${TMP}" && npm pack --silent "${PKG}@${PKG_VERSION}" > /dev/null)
tar -xzf "${TMP}"/*.tgz -C "${TMP}" --wildcards \
  'package/Plugins/iOS~/onnxruntime.xcframework/ios-arm64/onnxruntime.framework/Headers/*'
rm -rf "${DEST}"
mkdir -p "${DEST}"
cp "${TMP}/package/Plugins/iOS~/onnxruntime.xcframework/ios-arm64/onnxruntime.framework/Headers/"*.h "${DEST}/"
echo "${PKG}@${PKG_VERSION}" > "${STAMP}"
grep -m1 '#define ORT_API_VERSION' "${DEST}/onnxruntime_c_api.h"
echo "installed ${PKG}@${PKG_VERSION} headers into ${DEST}"
