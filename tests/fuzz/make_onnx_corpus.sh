#!/usr/bin/env bash
# Regenerates tests/fuzz/corpus/onnx: the ONNX importer fuzzer's seeds, small
# models from ONNX's own node tests (Debian's libonnx-testdata, installed by
# tools/setup.sh): up to two models per operator (or operator combination),
# each at most 2 KiB, so that a fuzzing run spends its time in the importer,
# not in copying weights. Run from anywhere; needs /usr/bin/python3 with onnx.
set -euo pipefail
cd "$(dirname "$0")/../.."
src=/usr/share/libonnx-testdata/data/node
out=tests/fuzz/corpus/onnx
if [[ ! -d $src ]]; then
  echo "make_onnx_corpus: $src is missing (apt-get install libonnx-testdata)" >&2
  exit 1
fi
rm -f "$out"/*.onnx
/usr/bin/python3 - "$src" "$out" <<'PY'
import collections, os, shutil, sys
import onnx
src, out = sys.argv[1], sys.argv[2]
per_op = collections.Counter()
for test in sorted(os.listdir(src)):
    path = os.path.join(src, test, "model.onnx")
    if not os.path.exists(path) or os.path.getsize(path) > 2048:
        continue
    ops = "+".join(sorted({n.op_type for n in onnx.load(path).graph.node}))
    if per_op[ops] >= 2:
        continue
    per_op[ops] += 1
    shutil.copyfile(path, os.path.join(out, test[len("test_"):] + ".onnx"))
print(f"make_onnx_corpus: {sum(per_op.values())} models, {len(per_op)} operator sets")
PY
