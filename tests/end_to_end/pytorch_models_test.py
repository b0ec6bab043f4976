#!/usr/bin/python3
"""Generated models end to end, checked against torch: TorchScript models
against torch eager, MXNet models against their torch reference.

    pytorch_models_test.py NEURON_CC NEURON_RUN GENERATOR [--framework PYTORCH|MXNET]
        --set ci|large|all [--models a,b] [--compare-onnx resnet50,mobilenet_v2]

The models of the framework's generator (testdata/generate_torch_models.py
with testdata/torch_models/*.py, or testdata/generate_mxnet_models.py with
testdata/mxnet_models/*.py; the `ci` set, the `large` set or all) are
generated into a cache outside the repository ($NCC_TORCH_MODEL_CACHE,
default /tmp/ncc-torch-models, MXNet's in its mxnet/ subdirectory; one
directory per hash of the generator, the model sources, the testdata/
modules the generator imports and the torch version; TEST_TMPDIR when that
is not writable), so a rerun skips torch.

Each model is one test case (a line PASS/FAIL naming the model, and a
<testcase> in $XML_OUTPUT_FILE):
  1. neuron-cc compile FILES --framework FRAMEWORK with the pins of
     <name>.json, FILES being its "files" (default <name>.pt; for MXNet
     <name>-symbol.json <name>-0000.params); neuron-run on
     <name>.in.*.npy; each output, read from neuron-run's file for the
     output's name ("output_names", default output<k>), has
     max |ours - torch| / max |torch| <= fp32_max_rel_err (default 1e-4);
  2. the same with --auto-cast matmult: every output's cosine with torch
     >= autocast_cosine (default 0.999); for a model whose own bf16
     sensitivity (torch with bf16 Conv/Linear operands, measured by the
     generator) is below that, the auto-cast error 1 - cosine may be at most
     1.5x torch's own.
For the --compare-onnx models, the ONNX export (<name>.onnx) is compiled
too: the estimated device latencies of the two paths must agree within 5%;
the compile times of both are printed.
"""
import argparse
import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from xml.sax.saxutils import escape, quoteattr

import numpy as np

LATENCY_TOLERANCE = 0.05


@dataclasses.dataclass
class Framework:
    model_dir: str   # the generator's model definitions, beside it
    cache_dir: str   # subdirectory of the cache ("" for the cache itself)
    label: str       # how reports name the models' format
    reference: str   # what the outputs are checked against
    suite: str       # the <testsuite> name


FRAMEWORKS = {
    "PYTORCH": Framework("torch_models", "", "TorchScript", "torch eager", "pytorch_models"),
    "MXNET": Framework("mxnet_models", "mxnet", "MXNet", "the torch reference", "mxnet_models"),
}


def generator_sources(generator, framework):
    """The files the generated models depend on: the generator, its model
    definitions and the testdata/ modules it imports."""
    root = os.path.dirname(os.path.abspath(generator))
    model_dir = os.path.join(root, framework.model_dir)
    sources = [generator] + sorted(
        os.path.join(model_dir, f) for f in os.listdir(model_dir) if f.endswith(".py"))
    with open(generator) as f:
        imported = re.findall(r"^(?:from|import)\s+(\w+)", f.read(), re.M)
    for module in sorted(set(imported)):
        path = os.path.join(root, module + ".py")
        if os.path.isfile(path) and not os.path.samefile(path, generator):
            sources.append(path)
    return sources


def cache_dir(generator, framework):
    digest = hashlib.sha256()
    for path in generator_sources(generator, framework):
        digest.update(os.path.basename(path).encode())
        with open(path, "rb") as f:
            digest.update(f.read())
    import torch  # the references depend on torch's kernels too
    digest.update(torch.__version__.encode())
    base = os.environ.get("NCC_TORCH_MODEL_CACHE", "/tmp/ncc-torch-models")
    for candidate in (base, os.path.join(os.environ.get("TEST_TMPDIR", tempfile.gettempdir()),
                                         "torch-models")):
        path = os.path.join(candidate, framework.cache_dir, digest.hexdigest()[:16])
        try:
            os.makedirs(path, exist_ok=True)
            if os.access(path, os.W_OK):
                return path
        except OSError:
            pass
    sys.exit("FAIL: no writable directory for the generated models")


def run(cmd, log):
    start = time.monotonic()
    with open(log, "w") as f:
        proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    elapsed = time.monotonic() - start
    with open(log) as f:
        text = f.read()
    return proc.returncode, text, elapsed


def last_lines(text, n=3):
    return " | ".join(line for line in text.strip().splitlines()[-n:])


class Failure(Exception):
    pass


def compile_model(args, model_files, out, log, extra):
    rc, text, _ = run([args.neuron_cc, "compile"] + model_files + ["--output", out] + extra, log)
    if rc != 0:
        raise Failure(f"neuron-cc failed (exit {rc}): {last_lines(text)}")
    ms = re.search(r" in ([0-9.]+) ms$", text, re.M)
    lat = re.search(r"^estimated device latency: ([0-9.]+) us", text, re.M)
    return float(ms.group(1)) if ms else float("nan"), float(lat.group(1)) if lat else float("nan")


def output_files(meta):
    """neuron-run's file per output: its name with every character outside
    [A-Za-z0-9._-] replaced by '_', plus .npy."""
    names = meta.get("output_names") or [f"output{k}" for k in range(meta["outputs"])]
    return [re.sub(r"[^A-Za-z0-9._-]", "_", name) + ".npy" for name in names]


def run_model(args, neff, inputs, out_dir, log, files):
    cmd = [args.neuron_run, neff, "--output-dir", out_dir, "--quiet"]
    for name, path in inputs:
        cmd += ["--input", f"{name}={path}"]
    rc, text, _ = run(cmd, log)
    if rc != 0:
        raise Failure(f"neuron-run failed (exit {rc}): {last_lines(text)}")
    return [np.load(os.path.join(out_dir, f)) for f in files]


def compare(got, want):
    """(max relative error, cosine) of one output against torch's."""
    if got.shape != want.shape:
        raise Failure(f"shape {list(got.shape)} where torch gives {list(want.shape)}")
    g = got.astype(np.float64).ravel()
    w = want.astype(np.float64).ravel()
    rel = np.max(np.abs(g - w)) / max(np.max(np.abs(w)), 1e-30) if w.size else 0.0
    norms = np.linalg.norm(g) * np.linalg.norm(w)
    cosine = float(np.dot(g, w) / norms) if norms > 0 else float(np.array_equal(g, w))
    return float(rel), cosine


def autocast_floor(meta):
    """The spec's cosine (0.999), or, for a model that torch itself cannot
    run with bf16 operands at that cosine (random-weight deep CNNs), an
    auto-cast error at most 1.5x torch's own: 1 - 1.5 (1 - torch_cosine)."""
    torch_cosine = meta.get("autocast_torch_cosine", 1.0)
    return min(meta["autocast_cosine"], 1.0 - 1.5 * (1.0 - torch_cosine))


def test_model(args, models, work, meta, compare_onnx):
    name = meta["name"]
    base = os.path.join(models, name)
    pins = {"inputs": {i["name"]: [i["shape"], i["dtype"]] for i in meta["inputs"]}}
    cc_flags = ["--framework", args.framework, "--io-config", json.dumps(pins)]
    inputs = [(i["name"], f"{base}.in.{i['name']}.npy") for i in meta["inputs"]]
    refs = [np.load(f"{base}.ref.output{k}.npy") for k in range(meta["outputs"])]
    model_files = [os.path.join(models, f) for f in meta.get("files", [f"{name}.pt"])]
    files = output_files(meta)
    report = {}

    neff = os.path.join(work, f"{name}.neff")
    report["ms"], report["us"] = compile_model(args, model_files, neff,
                                               os.path.join(work, f"{name}.cc.log"), cc_flags)
    outs = run_model(args, neff, inputs, os.path.join(work, f"{name}.out"),
                     os.path.join(work, f"{name}.run.log"), files)
    errors = []
    rel = 0.0
    for k, (got, want) in enumerate(zip(outs, refs)):
        r, _ = compare(got, want)
        rel = max(rel, r)
        if not r <= meta["fp32_max_rel_err"]:
            errors.append(f"FP32 output{k}: max relative error {r:.3e} above "
                          f"{meta['fp32_max_rel_err']:g}")
    report["fp32_rel"] = rel

    neff_ac = os.path.join(work, f"{name}.autocast.neff")
    compile_model(args, model_files, neff_ac, os.path.join(work, f"{name}.cc_ac.log"),
                  cc_flags + ["--auto-cast", "matmult"])
    outs = run_model(args, neff_ac, inputs, os.path.join(work, f"{name}.out_ac"),
                     os.path.join(work, f"{name}.run_ac.log"), files)
    cos_min = 1.0
    floor = autocast_floor(meta)
    report["autocast_floor"] = floor
    for k, (got, want) in enumerate(zip(outs, refs)):
        _, c = compare(got, want)
        cos_min = min(cos_min, c)
        if not c >= floor:
            errors.append(f"--auto-cast matmult output{k}: cosine {c:.6f} below {floor:.6f}")
    report["autocast_cos"] = cos_min

    if compare_onnx:
        if not meta["onnx"]:
            errors.append("no ONNX export to compare with (torch.onnx.export failed)")
        else:
            report["onnx_ms"], report["onnx_us"] = compile_model(
                args, [base + ".onnx"], os.path.join(work, f"{name}.onnx.neff"),
                os.path.join(work, f"{name}.cc_onnx.log"), ["--framework", "ONNX"])
            diff = abs(report["us"] - report["onnx_us"]) / report["onnx_us"]
            report["lat_diff"] = diff
            if not diff <= LATENCY_TOLERANCE:
                errors.append(f"estimated latency {report['us']} us ({args.label}) vs "
                              f"{report['onnx_us']} us (ONNX): {100 * diff:.1f}% apart, above 5%")
    if errors:
        raise Failure("; ".join(errors))
    return report


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("neuron_cc")
    parser.add_argument("neuron_run")
    parser.add_argument("generator")
    parser.add_argument("--framework", choices=sorted(FRAMEWORKS), default="PYTORCH")
    parser.add_argument("--set", choices=["ci", "large", "all"], default="ci")
    parser.add_argument("--models", help="only these (comma-separated)")
    parser.add_argument("--compare-onnx", default="", help="models compiled through ONNX too")
    args = parser.parse_args()
    args.neuron_cc = os.path.abspath(args.neuron_cc)
    args.neuron_run = os.path.abspath(args.neuron_run)
    framework = FRAMEWORKS[args.framework]
    args.label = framework.label
    start = time.monotonic()

    listing = subprocess.run(["/usr/bin/python3", args.generator, "--list"], check=True,
                             capture_output=True, text=True).stdout.split("\n")
    names = [line.split()[0] for line in listing
             if line.strip() and (args.set == "all" or line.split()[1] == args.set)]
    if args.models:
        names = [n for n in names if n in args.models.split(",")]
    models = cache_dir(args.generator, framework)
    print(f"models: {' '.join(names)}\ncache: {models}")
    gen = subprocess.run(["/usr/bin/python3", args.generator, models, "--models", ",".join(names)],
                         capture_output=True, text=True)
    print(f"generated in {time.monotonic() - start:.1f} s")
    if gen.returncode != 0:
        print(gen.stdout + gen.stderr)
        sys.exit("FAIL: model generation failed")

    work = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    compare_onnx = set(filter(None, args.compare_onnx.split(",")))
    cases = []
    print(f"{'model':22} {'fp32 rel err':>12} {'ac cosine':>10} {'ac floor':>9} {'compile ms':>10} "
          f"{'est. us':>8} {'onnx ms':>8} {'onnx us':>8} {'case s':>7}")
    for name in names:
        case_start = time.monotonic()
        try:
            with open(os.path.join(models, f"{name}.json")) as f:
                meta = json.load(f)
            r = test_model(args, models, work, meta, name in compare_onnx)
            elapsed = time.monotonic() - case_start
            print(f"{name:22} {r['fp32_rel']:12.3e} {r['autocast_cos']:10.6f} "
                  f"{r['autocast_floor']:9.6f} {r['ms']:10.0f} "
                  f"{r['us']:8.1f} {r.get('onnx_ms', float('nan')):8.0f} "
                  f"{r.get('onnx_us', float('nan')):8.1f} {elapsed:7.1f}  PASS")
            cases.append((name, elapsed, None))
        except (Failure, OSError, ValueError, KeyError) as e:
            elapsed = time.monotonic() - case_start
            print(f"FAIL: {name}: {e}")
            cases.append((name, elapsed, str(e)))
        sys.stdout.flush()

    xml = os.environ.get("XML_OUTPUT_FILE")
    if xml:
        failures = sum(1 for c in cases if c[2])
        with open(xml, "w") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n')
            f.write(f'<testsuite name="{framework.suite}" tests="{len(cases)}" '
                    f'failures="{failures}" errors="0">\n')
            for name, elapsed, error in cases:
                f.write(f'  <testcase name={quoteattr(name)} classname="{framework.suite}" '
                        f'time="{elapsed:.1f}">')
                if error:
                    f.write(f'<failure message={quoteattr(name + ": " + error)}>'
                            f'{escape(error)}</failure>')
                f.write("</testcase>\n")
            f.write("</testsuite>\n</testsuites>\n")
    failed = [c[0] for c in cases if c[2]]
    print(f"total {time.monotonic() - start:.1f} s")
    if failed:
        sys.exit(f"{len(failed)} model(s) failed: {', '.join(failed)}")
    print(f"all {len(cases)} models match {framework.reference}")


if __name__ == "__main__":
    main()
