#!/usr/bin/python3
"""Checks that TF.js reference outputs are sensible, and that a round trip
through the GraphDef gives the same outputs.

    /usr/bin/python3 check_outputs.py MODEL REFERENCE_DIR [--roundtrip DIR]
        [--tolerance T]

REFERENCE_DIR/<image>/ holds tfjs_reference.js's outputs (outputs.txt and
.npy files) for each photograph. Every output must be finite and not
constant (unless a single value), the photographs must give different outputs, and per model:

    emotion            7 probabilities summing to 1
    faceres            gender in [0, 1]; 100 age probabilities summing to 1
    movenet-lightning  17 keypoints (y, x, score), all in [0, 1]
    blazeface          the astronaut (a portrait) has a face score
                       (sigmoid of the best logit) above 0.5
    iris               76 landmarks (x, y, z), x and y inside the 64x64 input
    mobilefacenet      a 192-d embedding of L2 norm 1
    efficientpose      16 heatmaps of 368x368
    handdetect         2944 anchors x 19 values

With --roundtrip DIR (outputs of the GraphDef converted back to TF.js), every
output must match the reference within T (max |a - b|, default 0: TF.js
dequantizes exactly as the converter does, so the results are identical).
Prints one line per check; exits 1 when any fails.
"""

import argparse
import os
import sys

import numpy as np

failures = 0


def check(ok, message):
    global failures
    print(f"  {'ok  ' if ok else 'FAIL'} {message}")
    if not ok:
        failures += 1


def load(case_dir):
    outputs = {}
    with open(os.path.join(case_dir, "outputs.txt"), encoding="utf-8") as f:
        for line in f:
            name, file_name = line.split()[:2]
            outputs[name] = np.load(os.path.join(case_dir, file_name))
    return outputs


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def model_checks(model, image, out):
    by_shape = {tuple(v.shape): v for v in out.values()}
    if model == "emotion":
        p = next(iter(out.values()))
        check(p.shape == (1, 7) and abs(p.sum() - 1) < 1e-4,
              f"{image}: 7 emotion probabilities, sum {p.sum():.6f}, best {int(p.argmax())}")
    elif model == "faceres":
        gender, age = by_shape.get((1, 1)), by_shape.get((1, 100))
        check(gender is not None and 0 <= gender.min() <= gender.max() <= 1,
              f"{image}: gender {float(gender.ravel()[0]) if gender is not None else None}")
        check(age is not None and abs(age.sum() - 1) < 1e-4,
              f"{image}: age probabilities sum {age.sum() if age is not None else None}")
    elif model == "movenet-lightning":
        k = next(iter(out.values()))
        check(k.shape == (1, 1, 17, 3) and k.min() >= 0 and k.max() <= 1,
              f"{image}: 17 keypoints in [0, 1], best score {k[..., 2].max():.3f}")
    elif model == "blazeface":
        logits = [v[..., 0] for v in out.values() if v.shape[-1] == 1]
        best = max(float(sigmoid(l).max()) for l in logits)
        if image == "astronaut":
            check(best > 0.5, f"{image}: face score {best:.3f} > 0.5")
        else:
            print(f"  info {image}: best face score {best:.3f}")
    elif model == "iris":
        v = next(iter(out.values())).reshape(-1, 3)
        check(v.shape == (76, 3) and v[:, :2].min() >= 0 and v[:, :2].max() <= 64,
              f"{image}: 76 landmarks, x and y inside the 64x64 input "
              f"[{v[:, :2].min():.1f}, {v[:, :2].max():.1f}]")
    elif model == "mobilefacenet":
        e = next(iter(out.values()))
        norm = float(np.linalg.norm(e))
        check(e.shape == (1, 192) and abs(norm - 1) < 1e-4,
              f"{image}: 192-d embedding of L2 norm {norm:.6f}")
    elif model == "efficientpose":
        v = next(iter(out.values()))
        check(v.shape == (1, 368, 368, 16), f"{image}: 16 heatmaps {list(v.shape)}")
    elif model == "handdetect":
        v = next(iter(out.values()))
        check(v.shape == (1, 2944, 19), f"{image}: shape {list(v.shape)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("reference_dir")
    parser.add_argument("--roundtrip")
    parser.add_argument("--tolerance", type=float, default=0.0)
    args = parser.parse_args()

    images = sorted(d for d in os.listdir(args.reference_dir)
                    if os.path.isfile(os.path.join(args.reference_dir, d, "outputs.txt")))
    check(len(images) > 0, f"{args.model}: references for {', '.join(images)}")
    results = {image: load(os.path.join(args.reference_dir, image)) for image in images}
    for image, out in results.items():
        for name, v in out.items():
            finite = bool(np.isfinite(v).all()) if v.dtype.kind == "f" else True
            check(finite and v.size > 0 and (v.size == 1 or v.min() != v.max()),
                  f"{image}: {name} {v.dtype}{list(v.shape)} finite, not constant "
                  f"[{v.min():.4g}, {v.max():.4g}]")
        model_checks(args.model, image, out)
    names = sorted(next(iter(results.values())).keys()) if results else []
    for name in names:
        values = [results[i][name] for i in images]
        distinct = all(not np.array_equal(values[0], v) for v in values[1:])
        check(distinct, f"{name}: the photographs give different outputs")
    if args.roundtrip:
        for image in images:
            rt = load(os.path.join(args.roundtrip, image))
            for name, ref in results[image].items():
                got = rt.get(name)
                diff = float(np.abs(got.astype(np.float64) - ref).max()) \
                    if got is not None and got.shape == ref.shape else float("inf")
                check(diff <= args.tolerance,
                      f"{image}: {name} GraphDef round trip max |diff| {diff:.3g}")
    print(f"{args.model}: {'ok' if failures == 0 else f'{failures} checks failed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
