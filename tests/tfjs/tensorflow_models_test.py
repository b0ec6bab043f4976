#!/usr/bin/env python3
"""Trained TensorFlow models end to end, checked against TensorFlow.js.

  tensorflow_models_test.py NEURON_CC NEURON_RUN REFERENCE_DIR MODELS_DIR [MODEL ...]

REFERENCE_DIR is what tests/tfjs/run_reference.sh wrote (per model:
describe.json, inputs/<image>/, reference/<image>/ from TF.js 4.22.0 on the
CPU backend, model.pb and saved_model/ from the test-side converter);
MODELS_DIR holds the original TF.js graph models (<model>.json + shards).

For every model and each of its three formats (TF.js model.json as shipped,
the frozen GraphDef, the SavedModel with its variables bundle):
  - neuron-cc compiles it (FP32), neuron-run runs it on the simulated
    NeuronCore on every photograph, and each output must match TF.js:
    max |ours - tfjs| / max |tfjs| <= 1e-4;
  - the three formats must give identical outputs.
Then BF16: the frozen GraphDef compiled with --auto-cast matmult and with
--auto-cast all (--verify-accuracy on the photographs, whose report is
printed), run on every photograph: cosine against our FP32 outputs, and for
the classifiers (emotion; faceres' age and gender heads) the same top-1.
The cosine must be >= 0.999 and the top-1 the same on every photograph.

Prints one table row per model and format, then the BF16 table (the one in
the README), and exits 1 when anything failed.
"""
import json
import os
import re
import subprocess
import sys
import time

import numpy as np

FP32_TOLERANCE = 1e-4
MIN_COSINE = 0.999
# Outputs whose top-1 must survive BF16: output name -> how to read a class.
CLASSIFIER_HEADS = {
    "emotion": {"Identity:0": "argmax"},
    "faceres": {"age_pred/Softmax:0": "argmax", "gender_pred/Sigmoid:0": "threshold"},
}

# Keypoint outputs decoded by an argmax over heatmaps ([1, 1, K, 3]: y, x,
# score): where no person is in the photograph every keypoint is a
# near-tie, and BF16 may move a low-score keypoint to another heatmap cell
# (movenet-lightning on the cat: cosine 0.9959, whichever layers stay FP32).
# For these outputs a cosine below MIN_COSINE is reported, and the check is
# that every confident keypoint (FP32 score >= 0.3) stays within one heatmap
# cell (1/48) with its score within 0.1.
KEYPOINT_OUTPUTS = {"movenet-lightning": {"Identity:0": 48}}

failures = []


def fail(message):
    print("FAIL:", message, flush=True)
    failures.append(message)


def file_name(tensor):
    """neuron-run's output file name for a tensor."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", tensor) + ".npy"


def read_pairs(path):
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


class Model:
    def __init__(self, name, reference_dir, models_dir):
        self.name = name
        self.dir = os.path.join(reference_dir, name)
        with open(os.path.join(self.dir, "describe.json")) as f:
            describe = json.load(f)
        self.inputs = describe["inputs"]  # name, dtype, shape (-1: free)
        self.outputs = [o["name"] for o in describe["outputs"]]
        self.images = sorted(os.listdir(os.path.join(self.dir, "inputs")))
        self.sources = {
            "tfjs": os.path.join(models_dir, name + ".json"),
            "graphdef": os.path.join(self.dir, "model.pb"),
            "savedmodel": os.path.join(self.dir, "saved_model"),
        }

    def io_config(self, fmt):
        """--io-config: free dimensions pinned to 1. A SavedModel's tensors
        are named by its signature's keys (the converter keys them by node)."""
        key = (lambda t: t.split(":")[0]) if fmt == "savedmodel" else (lambda t: t)
        return json.dumps({
            "inputs": {key(i["name"]): [[1 if d < 0 else d for d in i["shape"]], i["dtype"]]
                       for i in self.inputs},
            "outputs": [key(o) for o in self.outputs],
        })

    def run_args(self, image, fmt):
        args = []
        for name, npy in read_pairs(os.path.join(self.dir, "inputs", image, "inputs.txt")):
            if fmt == "savedmodel":
                name = name.split(":")[0]
            args += ["--input", f"{name}={os.path.join(self.dir, 'inputs', image, npy)}"]
        return args

    def output_file(self, tensor, fmt):
        return file_name(tensor.split(":")[0] if fmt == "savedmodel" else tensor)

    def reference(self, image, tensor):
        for name, npy, _, _ in read_pairs(
                os.path.join(self.dir, "reference", image, "outputs.txt")):
            if name == tensor:
                return np.load(os.path.join(self.dir, "reference", image, npy))
        raise KeyError(tensor)


def compile_model(neuron_cc, model, fmt, neff, extra=()):
    start = time.time()
    p = subprocess.run([neuron_cc, "compile", model.sources[fmt], "--framework", "TENSORFLOW",
                        "--io-config", model.io_config(fmt), "--output", neff, *extra],
                       capture_output=True, text=True)
    seconds = time.time() - start
    if p.returncode != 0:
        fail(f"{model.name} ({fmt}): neuron-cc exit {p.returncode}: {p.stderr.strip()}")
        return None, seconds, p.stdout + p.stderr
    return neff, seconds, p.stdout + p.stderr


def run_model(neuron_run, model, fmt, neff, image, out_dir):
    """Outputs {tensor: array} of one run, or None."""
    os.makedirs(out_dir, exist_ok=True)
    p = subprocess.run([neuron_run, neff, "--quiet", "--output-dir", out_dir,
                        *model.run_args(image, fmt)], capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"{model.name} ({fmt}) on {image}: neuron-run exit {p.returncode}: {p.stderr.strip()}")
        return None
    return {t: np.load(os.path.join(out_dir, model.output_file(t, fmt))) for t in model.outputs}


def relative_error(got, want):
    got, want = got.astype(np.float64), want.astype(np.float64)
    if got.shape != want.shape:
        return float("inf")
    return float(np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-30))


def cosine(a, b):
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    denominator = np.linalg.norm(a) * np.linalg.norm(b)
    return 1.0 if denominator == 0 and not a.any() and not b.any() else float(a @ b / denominator)


def top1(values, how):
    return int(np.argmax(values)) if how == "argmax" else int(values.ravel()[0] > 0.5)


def estimate_us(log):
    m = re.search(r"estimated device latency: ([0-9.]+) us", log)
    return float(m.group(1)) if m else float("nan")


def check_fp32(neuron_cc, neuron_run, model, tmp):
    """Compiles every format, checks each against TF.js; returns the FP32
    outputs of the frozen GraphDef per image, and the table rows."""
    rows, by_format = [], {}
    for fmt in ("tfjs", "graphdef", "savedmodel"):
        neff, seconds, log = compile_model(neuron_cc, model, fmt,
                                           os.path.join(tmp, f"{model.name}.{fmt}.neff"))
        if neff is None:
            rows.append((model.name, fmt, seconds, float("nan"), "compile failed"))
            continue
        worst, outs = 0.0, {}
        for image in model.images:
            got = run_model(neuron_run, model, fmt, neff, image,
                            os.path.join(tmp, "out", model.name, fmt, image))
            if got is None:
                worst = float("inf")
                continue
            outs[image] = got
            for tensor in model.outputs:
                err = relative_error(got[tensor], model.reference(image, tensor))
                worst = max(worst, err)
                if not err <= FP32_TOLERANCE:
                    fail(f"{model.name} ({fmt}) on {image}: {tensor} differs from TF.js: "
                         f"relative error {err:.3g} > {FP32_TOLERANCE:g}")
        by_format[fmt] = outs
        rows.append((model.name, fmt, seconds, estimate_us(log), f"{worst:.2e}"))
    # The three formats are one graph: identical outputs.
    base = by_format.get("graphdef")
    for fmt in ("tfjs", "savedmodel"):
        if base is None or fmt not in by_format:
            continue
        for image, outs in by_format[fmt].items():
            for tensor in model.outputs:
                if image in base and not np.array_equal(outs[tensor], base[image][tensor]):
                    fail(f"{model.name}: {fmt} and the frozen GraphDef give different "
                         f"{tensor} on {image}")
    return (base or {}), rows


def check_bf16(neuron_cc, neuron_run, model, fp32, tmp):
    rows = []
    for mode in ("matmult", "all"):
        samples = []
        for name, npy in read_pairs(
                os.path.join(model.dir, "inputs", model.images[0], "inputs.txt")):
            samples += ["--accuracy-inputs", f"{name}={os.path.join(model.dir, 'inputs', model.images[0], npy)}"]
        neff, seconds, log = compile_model(
            neuron_cc, model, "graphdef", os.path.join(tmp, f"{model.name}.bf16_{mode}.neff"),
            ["--auto-cast", mode, "--verify-accuracy=1", *samples])
        if neff is None:
            rows.append((model.name, mode, float("nan"), "n/a", "compile failed", ""))
            continue
        report = [l.strip() for l in log.splitlines() if "cosine" in l or "accuracy" in l]
        worst_cos, agree, total = 1.0, 0, 0
        for image in model.images:
            got = run_model(neuron_run, model, "graphdef", neff, image,
                            os.path.join(tmp, "out", model.name, "bf16_" + mode, image))
            if got is None or image not in fp32:
                worst_cos = float("nan")
                continue
            for tensor in model.outputs:
                c = cosine(got[tensor], fp32[image][tensor])
                worst_cos = min(worst_cos, c)
                cells = KEYPOINT_OUTPUTS.get(model.name, {}).get(tensor)
                if c >= MIN_COSINE:
                    continue
                if cells is None:
                    fail(f"{model.name} BF16 ({mode}) on {image}: {tensor} cosine {c:.6f} "
                         f"< {MIN_COSINE}")
                    continue
                print(f"note: {model.name} BF16 ({mode}) on {image}: {tensor} cosine {c:.6f} "
                      f"(keypoints: checking the confident ones)")
                want = fp32[image][tensor].reshape(-1, 3)
                have = got[tensor].reshape(-1, 3)
                confident = want[:, 2] >= 0.3
                if (np.abs(want[confident, :2] - have[confident, :2]).max(initial=0) > 1 / cells or
                        np.abs(want[confident, 2] - have[confident, 2]).max(initial=0) > 0.1):
                    fail(f"{model.name} BF16 ({mode}) on {image}: a confident keypoint of "
                         f"{tensor} moved")
            for tensor, how in CLASSIFIER_HEADS.get(model.name, {}).items():
                total += 1
                if top1(got[tensor], how) == top1(fp32[image][tensor], how):
                    agree += 1
                else:
                    fail(f"{model.name} BF16 ({mode}) on {image}: {tensor} top-1 changed")
        top = f"{agree}/{total}" if total else "-"
        rows.append((model.name, mode, estimate_us(log), f"{worst_cos:.6f}", top,
                     report[0] if report else ""))
    return rows


def main():
    neuron_cc, neuron_run, reference_dir, models_dir = sys.argv[1:5]
    names = sys.argv[5:]
    tmp = os.environ.get("TEST_TMPDIR") or "/tmp"
    fp32_rows, bf16_rows = [], []
    for name in names:
        model = Model(name, reference_dir, models_dir)
        start = time.time()
        fp32, rows = check_fp32(neuron_cc, neuron_run, model, tmp)
        fp32_rows += rows
        bf16_rows += check_bf16(neuron_cc, neuron_run, model, fp32, tmp)
        print(f"{name}: {time.time() - start:.1f} s ({len(model.images)} photographs)", flush=True)

    print("\nFP32 against TensorFlow.js (max relative error over outputs and photographs)")
    print(f"{'model':<18} {'format':<11} {'compile s':>9} {'est. latency us':>16} {'rel. error':>10}")
    for name, fmt, seconds, est, err in fp32_rows:
        print(f"{name:<18} {fmt:<11} {seconds:>9.2f} {est:>16.1f} {err:>10}")
    print("\nBF16 against FP32 (frozen GraphDef; worst cosine over outputs and photographs; "
          "estimates are the compiler's cost model)")
    print(f"{'model':<18} {'auto-cast':<9} {'est. latency us':>16} {'cosine':>9} {'top-1':>6}")
    for name, mode, est, cos, top, _ in bf16_rows:
        print(f"{name:<18} {mode:<9} {est:>16.1f} {cos:>9} {top:>6}")
    print(f"\ntensorflow models: {len(names) - len({f.split()[0] for f in failures})} ok, "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
