#!/usr/bin/env bash
# Installs the torch_neuron Python package and libtorch_neuron.so for
# Debian's /usr/bin/python3 (python3-torch 1.13.1), so `import torch_neuron`
# works from any directory. No network: it copies two files.
#
#   bazel run //frameworks/pytorch:install                  # site-packages (sudo if needed)
#   bazel run //frameworks/pytorch:install -- --prefix DIR  # DIR/torch_neuron (e.g. for PYTHONPATH)
set -euo pipefail

prefix=""
while (($#)); do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "install: error: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

# The files, from the runfiles tree `bazel run` made.
here="${RUNFILES_DIR:-$0.runfiles}"
src="$(ls -d "$here"/*/frameworks/pytorch 2>/dev/null | head -1)"
if [[ ! -f "$src/libtorch_neuron.so" ]]; then
  src="$(cd "$(dirname "$0")" && pwd)"
fi
for f in libtorch_neuron.so torch_neuron/__init__.py; do
  [[ -f "$src/$f" ]] || { echo "install: error: $src/$f is missing (run through bazel run)" >&2; exit 1; }
done

python=/usr/bin/python3
if [[ -z "$prefix" ]]; then
  if ! "$python" -c 'import torch' 2>/dev/null; then
    echo "install: error: $python cannot import torch; install python3-torch (tools/setup.sh)" >&2
    exit 1
  fi
  prefix=$("$python" -c 'import site; print(site.getsitepackages()[0])')
fi
dest="$prefix/torch_neuron"
sudo=""
if ! mkdir -p "$dest" 2>/dev/null || [[ ! -w "$dest" ]]; then sudo="sudo"; fi
$sudo mkdir -p "$dest"
$sudo install -m 0644 "$src/torch_neuron/__init__.py" "$dest/__init__.py"
$sudo install -m 0755 "$src/libtorch_neuron.so" "$dest/libtorch_neuron.so"
echo "install: torch_neuron installed in $dest"
if [[ "$prefix" != "$("$python" -c 'import site; print(site.getsitepackages()[0])' 2>/dev/null)" ]]; then
  echo "install: add $prefix to PYTHONPATH to import it"
fi
