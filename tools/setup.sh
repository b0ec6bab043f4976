#!/usr/bin/env bash
# Installs what the build and tests need, pinned to Debian 12 versions, and
# nothing that is already there (idempotent: a second run does no work).
# Everything comes from Debian's apt repositories; nothing is downloaded by
# Bazel. Then it installs torch_neuron for /usr/bin/python3 (bazel run
# //frameworks/pytorch:install), so `import torch_neuron` works anywhere.
set -euo pipefail

PINNED=(
  bazel-bootstrap=4.2.3+ds-9
  libabsl-dev=20220623.1-1+deb12u2
  libprotobuf-dev=3.21.12-3+deb12u1
  protobuf-compiler=3.21.12-3+deb12u1
  libonnx-dev=1.12.0-2+b4
  libflatbuffers-dev=2.0.8+dfsg1-2
  flatbuffers-compiler=2.0.8+dfsg1-2
  libhwy-dev=1.0.3-3+deb12u1
  libgtest-dev=1.12.1-0.2
  libgmock-dev=1.12.1-0.2
  libbenchmark-dev=1.7.1-1
  # XXH64 (NEFF checksums), JSON (--io-config) and the tools' flags library.
  libxxhash-dev=0.8.1-1
  # SHA-256 of the source model (compiler/driver/sha256) from libcrypto.
  libssl-dev=3.0.19-1~deb12u2
  nlohmann-json3-dev=3.11.2-2
  libcli11-dev=2.1.2+ds-1
  python3-onnx=1.12.0-2+b4
  python3-numpy=1:1.24.2-1+deb12u1
  libonnx-testdata=1.12.0-2
  # libFuzzer for the bounded fuzz run in tools/test.sh (tools/fuzz.sh).
  clang=1:14.0-55.7~deb12u1
  clang-14=1:14.0.6-12
  libclang-rt-14-dev=1:14.0.6-12
  # Real-model generation (testdata/generate_real_models.py).
  python3-torch=1.13.1+dfsg-4
  python3-torchvision=0.14.1-2
  # The PyTorch frontend (frontends/pytorch) reads TorchScript with libtorch.
  libtorch-dev=1.13.1+dfsg-4
  zlib1g-dev=1:1.2.13.dfsg-1
  # TensorFlow.js references (testdata/tfjs, tests/tfjs/run_reference.sh):
  # the sample photographs (skimage/data/{astronaut,chelsea,coffee}.png),
  # resizing, the GraphDef protos from Python, and LevelDB's table reader
  # that checks the SavedModel's bundle index.
  python3-skimage=0.19.3-8
  python3-pil=9.4.0-1.1+deb12u1
  python3-protobuf=3.21.12-3+deb12u1
  libleveldb-dev=1.23-4
  # OCR references (testdata/ocr, tests/ocr): text rendered with PIL
  # (python3-pil, above) in the DejaVu fonts.
  fonts-dejavu-core=2.37-6
  # The shared build cache test (tools/build_rules_test.sh): a local HTTP
  # cache with WebDAV PUT, started by the test on 127.0.0.1 and stopped after.
  nginx=1.22.1-9+deb12u12
)

missing=()
for spec in "${PINNED[@]}"; do
  pkg=${spec%%=*}
  want=${spec#*=}
  have=$(dpkg-query -W -f='${Status} ${Version}' "$pkg" 2>/dev/null || true)
  if [[ "$have" != "install ok installed $want" ]]; then
    missing+=("$spec")
  fi
done

install_torch_neuron() {
  # torch_neuron for /usr/bin/python3 (`import torch_neuron` from anywhere):
  # builds libtorch_neuron.so and copies it with the package into
  # site-packages (docs/torch_neuron.md). SETUP_TORCH_NEURON=0 skips it.
  if [[ "${SETUP_TORCH_NEURON:-1}" == 0 ]]; then
    echo "setup: torch_neuron install skipped (SETUP_TORCH_NEURON=0)"
    return 0
  fi
  # With tools/test.sh's disk cache, so that the actions of this first build
  # are shared with the builds in other output bases (tools/build_rules_test.sh).
  (cd "$(dirname "$0")/.." && bazel run --config=ci \
    ${NEURON_BAZEL_DISK_CACHE:+--disk_cache="$NEURON_BAZEL_DISK_CACHE"} //frameworks/pytorch:install) ||
    { echo "setup: error: installing torch_neuron failed" >&2; return 1; }
}

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PINNED[@]} pinned packages present"
  install_torch_neuron
  exit $?
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# A pinned version that the mirror no longer carries falls back to the
# current Debian 12 version of the same package, with a warning.
if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  echo "setup: warning: pinned versions unavailable; installing current ones" >&2
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]%%=*}"
fi
install_torch_neuron || exit 1
echo "setup: done"
