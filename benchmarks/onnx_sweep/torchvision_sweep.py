#!/usr/bin/python3
"""Sweeps torchvision's classification models through neuron-cc and neuron-run.

Each model is built with random weights (weights=None, eval mode, fixed
seed), exported by torch.onnx.export at each requested opset with a small
input, compiled by neuron-cc, run by neuron-run on a random input and
compared with ONNX Runtime 1.30 (testdata/ort_run.mjs) on the same input:
a model passes when max |ours - ort| / max |ort| <= 1e-4 over its outputs.

Not part of CI: it takes tens of minutes and needs torch/torchvision from
Debian (/usr/bin/python3) and onnxruntime-node from npm.

  /usr/bin/python3 benchmarks/onnx_sweep/torchvision_sweep.py \
      [--models default|all|NAME,...] [--opsets 13,17] [--timeout 600] \
      [--budget SECONDS] [--cache /tmp/ncc-sweep] [--fresh] [--markdown FILE]

Exported models, inputs and per-step logs are cached in --cache; results
accumulate in CACHE/results.json, so a second run only does the rows it has
not done yet (--fresh redoes them). Every model gets --timeout seconds for
its compile and run together; a model that exceeds it is reported as
TIMEOUT and the sweep moves on.

Row status: PASS; FAIL (neuron-cc or neuron-run refused or failed, or the
error is over tolerance); TIMEOUT; NO-EXPORT (torch.onnx cannot export the
model); NO-REF (ONNX Runtime cannot run it); SKIPPED (--budget used up).
"""

import argparse
import collections
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOLERANCE = 1e-4
SEED = 0

# Input sides tried in order, smallest first: a model that fails to trace or
# export at one side (too small for its pooling, or an adaptive pooling
# torch.onnx cannot express at that size) is exported at the next.
SIDES = (64, 96, 128, 160, 224, 299)
# Models whose smallest side is not 64. AlexNet and VGG end in an adaptive
# average pool to 6x6 / 7x7 that torch.onnx exports only when the feature
# map is a multiple of it; ViT and MaxViT check the image size they were
# built for.
MIN_SIDE = {
    "alexnet": 224,
    "inception_v3": 75,
    "maxvit_t": 224,
    "vit_b_16": 224,
    "vit_b_32": 224,
    "vit_l_16": 224,
    "vit_l_32": 224,
    "vit_h_14": 224,
}
MIN_SIDE.update({f"vgg{d}{bn}": 224 for d in (11, 13, 16, 19) for bn in ("", "_bn")})
# Models that accept only the side they were built for.
ONLY_SIDE = {"maxvit_t", "vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14"}

# The set named in issue 19, smallest first so a time budget covers the
# most models; "all" adds every other classification constructor.
DEFAULT_MODELS = [
    "squeezenet1_1", "squeezenet1_0", "shufflenet_v2_x0_5", "mnasnet0_5",
    "mobilenet_v3_small", "shufflenet_v2_x1_0", "regnet_x_400mf",
    "regnet_y_400mf", "mobilenet_v2", "mnasnet1_0", "mobilenet_v3_large",
    "resnet18", "efficientnet_b0", "regnet_x_800mf", "regnet_y_800mf",
    "googlenet", "resnet34", "efficientnet_b1", "densenet121",
    "efficientnet_b2", "resnet50", "regnet_x_1_6gf", "regnet_y_1_6gf",
    "resnext50_32x4d", "efficientnet_b3", "inception_v3", "convnext_tiny",
    "swin_t", "densenet169", "densenet201", "efficientnet_b4",
    "efficientnet_v2_s", "regnet_x_3_2gf", "regnet_y_3_2gf", "densenet161",
    "resnet101", "wide_resnet50_2", "efficientnet_b5", "resnet152",
    "efficientnet_b6", "regnet_x_8gf", "regnet_y_8gf", "efficientnet_b7",
    "alexnet", "maxvit_t", "vgg11", "vit_b_16",
]

# The other classification constructors, roughly by cost at their input side.
EXTRA_MODELS = [
    "mnasnet0_75", "mnasnet1_3", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0", "swin_v2_t",
    "convnext_small", "swin_s", "regnet_x_16gf", "regnet_y_16gf", "efficientnet_v2_m",
    "efficientnet_v2_l", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet101_2",
    "convnext_base", "swin_v2_s", "swin_b", "swin_v2_b", "convnext_large", "regnet_x_32gf",
    "regnet_y_32gf", "vit_b_32", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19",
    "vgg19_bn", "regnet_y_128gf", "vit_l_32", "vit_l_16", "vit_h_14",
]


def classification_models():
    import torchvision.models as tvm
    return tvm.list_models(module=tvm)


# ---------------------------------------------------------------- export --

def export_one(name, opset, side, path):
    """Exports one model (runs in a child process: see --export-one)."""
    import torch
    import torchvision.models as tvm
    torch.manual_seed(SEED)
    model = tvm.get_model(name, weights=None).eval()
    x = torch.randn(1, 3, side, side, generator=torch.Generator().manual_seed(SEED))
    with torch.no_grad():
        model(x)  # Fails fast when the side is too small for the model.
    # Not under no_grad: with grad disabled, torch 1.13's nn.MultiheadAttention
    # (ViT) takes its fast path, aten::_native_multi_head_attention, which
    # torch.onnx cannot export at any opset.
    tmp = path + ".tmp"
    torch.onnx.export(model, x, tmp, opset_version=opset, input_names=["x"],
                      output_names=["y"], do_constant_folding=True)
    os.replace(tmp, path)


def last_error_line(text):
    """The line of a tool's output that says what went wrong."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    for pattern in (r"\berror\b", r"Error", r"unsupported|refuse|cannot|failed"):
        hits = [l for l in lines if re.search(pattern, l, re.IGNORECASE)]
        if hits:
            return hits[-1][:400]
    return lines[-1][:400] if lines else "(no output)"


def run_tool(cmd, timeout, log_path):
    """Runs cmd in its own process group; returns (rc or None on timeout, output, seconds)."""
    start = time.monotonic()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
                                start_new_session=True)
        try:
            rc = proc.wait(timeout=max(1.0, timeout))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            rc = None
    with open(log_path, errors="replace") as log:
        out = log.read()
    return rc, out, time.monotonic() - start


def export_model(name, opset, cache, timeout):
    """Exports name at its smallest workable side; returns (onnx path, side, error)."""
    sides_file = os.path.join(cache, "sides.json")
    sides = json.load(open(sides_file)) if os.path.exists(sides_file) else {}
    known = sides.get(name)
    smallest = MIN_SIDE.get(name, SIDES[0])
    candidates = [smallest] + [s for s in SIDES if s > smallest and name not in ONLY_SIDE]
    if known:
        candidates = [known]
    errors = []
    for side in candidates:
        path = os.path.join(cache, "models", f"{name}_{side}_opset{opset}.onnx")
        if os.path.exists(path):
            return path, side, None
        os.makedirs(os.path.dirname(path), exist_ok=True)
        log = os.path.join(cache, "logs", f"{name}_{side}_opset{opset}.export.log")
        os.makedirs(os.path.dirname(log), exist_ok=True)
        rc, out, _ = run_tool([sys.executable, os.path.abspath(__file__), "--export-one",
                               name, str(opset), str(side), path], timeout, log)
        if rc == 0:
            sides[name] = side
            json.dump(sides, open(sides_file, "w"), indent=1, sort_keys=True)
            return path, side, None
        error = "timed out" if rc is None else last_error_line(out)
        if not errors or errors[-1][1] != error:
            errors.append((side, error))
    return None, None, "export " + "; ".join(f"at {side}: {e}" for side, e in errors)


def input_file(cache, side, seed=SEED):
    import numpy as np
    path = os.path.join(cache, "inputs", f"x_{side}" + (f"_seed{seed}" if seed != SEED else "") + ".npy")
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        x = np.random.RandomState(seed).standard_normal((1, 3, side, side)).astype(np.float32)
        np.save(path, x)
    return path


def graph_ops(path):
    import onnx
    model = onnx.load(path, load_external_data=False)
    return collections.Counter(n.op_type for n in model.graph.node)


def max_rel_err(ours_dir, ort_dir):
    import numpy as np
    worst = 0.0
    names = sorted(f for f in os.listdir(ort_dir) if f.endswith(".npy"))
    if not names:
        raise RuntimeError("ONNX Runtime wrote no outputs")
    for f in names:
        if not os.path.exists(os.path.join(ours_dir, f)):
            raise RuntimeError(f"neuron-run wrote no {f}")
        ours = np.load(os.path.join(ours_dir, f)).astype(np.float64)
        ref = np.load(os.path.join(ort_dir, f)).astype(np.float64)
        if ours.shape != ref.shape:
            raise RuntimeError(f"{f}: shape {ours.shape}, ONNX Runtime {ref.shape}")
        scale = max(float(np.abs(ref).max()), 1e-30)
        worst = max(worst, float(np.abs(ours - ref).max()) / scale)
    return worst


# ----------------------------------------------------------------- sweep --

def check_sensitivity(row, onnx_path, stem, args):
    """Notes in row when ORT's output barely depends on the input.

    Random weights can make a model's output (nearly) independent of its
    input (GoogLeNet's init shrinks the activations to ~1e-11), and then
    any comparison passes.
    """
    x2 = input_file(args.cache, row["side"], seed=SEED + 1)
    rc, _, _ = run_tool(["env", f"NCC_ORT_DIR={args.ort_dir}", "node", "testdata/ort_run.mjs",
                         onnx_path, stem + ".ort2", f"x={x2}"], args.timeout, stem + ".ort2.log")
    if rc != 0 or not os.path.isdir(stem + ".ort"):
        return
    row["input_sensitivity"] = max_rel_err(stem + ".ort", stem + ".ort2")


def weak_check_note(row):
    """Says when the output depends too little on the input for the check to mean much."""
    spread = row.get("input_sensitivity")
    if spread is None or spread >= 1e-3:
        return ""
    if spread == 0:
        return "weak check: ORT's output is the same for two random inputs"
    share = row.get("rel_err", 0) / spread
    return (f"weak check: ORT's output moves only {spread:.1e} (relative) between two random "
            f"inputs; the error is {share:.1e} of that")


def sweep_one(name, opset, args):
    row = {"model": name, "opset": opset, "status": "FAIL", "reason": ""}
    cache = args.cache
    onnx_path, side, error = export_model(name, opset, cache, args.timeout)
    if error:
        # torch.onnx's limitation, not the compiler's: reported apart from FAIL.
        row.update(status="NO-EXPORT", reason=error)
        return row
    row["side"] = side
    ops = graph_ops(onnx_path)
    row["nodes"] = sum(ops.values())
    row["op_types"] = dict(sorted(ops.items()))
    x = input_file(cache, side)
    stem = os.path.join(cache, "runs", f"{name}_{side}_opset{opset}")
    os.makedirs(os.path.dirname(stem), exist_ok=True)
    neff = stem + ".neff"
    deadline = time.monotonic() + args.timeout

    rc, out, secs = run_tool([args.neuron_cc, "compile", onnx_path, "--framework", "ONNX",
                              "--output", neff], deadline - time.monotonic(), stem + ".cc.log")
    row["compile_s"] = round(secs, 1)
    if rc is None:
        row.update(status="TIMEOUT", reason=f"neuron-cc exceeded {args.timeout} s")
        return row
    row["compile_ok"] = rc == 0
    if rc != 0:
        row["reason"] = f"neuron-cc exit {rc}: {last_error_line(out)}"
        return row
    m = re.search(r"estimated device latency: ([0-9.]+) us", out)
    row["latency_us"] = float(m.group(1)) if m else None

    ours = stem + ".ours"
    subprocess.run(["rm", "-rf", ours, stem + ".ort", stem + ".ort2"], check=True)
    rc, out, secs = run_tool([args.neuron_run, neff, "--input", f"x={x}", "--output-dir", ours,
                              "--quiet"], deadline - time.monotonic(), stem + ".run.log")
    row["run_s"] = round(secs, 1)
    if rc is None:
        row.update(status="TIMEOUT", reason=f"neuron-run exceeded {args.timeout} s with compile")
        return row
    if rc != 0:
        row["reason"] = f"neuron-run exit {rc}: {last_error_line(out)}"
        return row
    env_cmd = ["env", f"NCC_ORT_DIR={args.ort_dir}", "node", "testdata/ort_run.mjs", onnx_path,
               stem + ".ort", f"x={x}"]
    rc, out, _ = run_tool(env_cmd, args.timeout, stem + ".ort.log")
    if rc != 0:
        row.update(status="NO-REF", reason=f"ONNX Runtime failed: {last_error_line(out)}")
        return row
    try:
        err = max_rel_err(ours, stem + ".ort")
    except RuntimeError as e:
        row["reason"] = str(e)
        return row
    row["rel_err"] = err
    if err <= TOLERANCE:
        row.update(status="PASS", reason="")
    else:
        row["reason"] = f"max rel err {err:.3g} > {TOLERANCE:g}"
    check_sensitivity(row, onnx_path, stem, args)
    # The NEFF holds the weights: keep the cache small.
    os.remove(neff)
    return row


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def markdown_table(rows):
    lines = ["| model | side | opset | ONNX nodes (op types) | compile | compile s | "
             "est. latency us | max rel err | result | reason or note |",
             "| --- | ---: | ---: | ---: | :---: | ---: | ---: | ---: | :---: | --- |"]
    for r in rows:
        nodes = f"{r['nodes']} ({len(r['op_types'])})" if "nodes" in r else "-"
        ok = {True: "ok", False: "FAIL", None: "-"}[r.get("compile_ok")]
        reason = "; ".join(t for t in (r.get("reason", ""), weak_check_note(r)) if t)
        reason = reason.replace("|", "\\|")
        lines.append(f"| {r['model']} | {r.get('side', '-')} | {r['opset']} | {nodes} | {ok} | "
                     f"{fmt(r.get('compile_s'), '.1f')} | {fmt(r.get('latency_us'), '.1f')} | "
                     f"{fmt(r.get('rel_err'), '.2e')} | {r['status']} | {reason} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="default",
                        help="default (issue 19's set), extra (the other classification models), "
                        "all, or a comma-separated list")
    parser.add_argument("--opsets", default="13,17")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds for one model's compile and run together")
    parser.add_argument("--budget", type=float, default=0,
                        help="stop starting new models after this many seconds (0: no limit)")
    parser.add_argument("--cache", default="/tmp/ncc-sweep")
    parser.add_argument("--fresh", action="store_true", help="redo rows already in results.json")
    parser.add_argument("--neuron-cc", default=os.path.join(REPO, "bazel-bin/tools/neuron_cc/neuron-cc"))
    parser.add_argument("--neuron-run",
                        default=os.path.join(REPO, "bazel-bin/tools/neuron_run/neuron-run"))
    parser.add_argument("--ort-dir", default=None,
                        help="where testdata/install_ort.sh puts onnxruntime-node (default CACHE/ort)")
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--export-one", nargs=4, metavar=("MODEL", "OPSET", "SIDE", "PATH"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_one:
        name, opset, side, path = args.export_one
        export_one(name, int(opset), int(side), path)
        return 0

    args.cache = os.path.abspath(args.cache)
    os.makedirs(args.cache, exist_ok=True)
    args.ort_dir = args.ort_dir or os.path.join(args.cache, "ort")
    subprocess.run([os.path.join(REPO, "testdata/install_ort.sh"), args.ort_dir], check=True,
                   stdout=subprocess.DEVNULL)
    available = classification_models()
    if args.models == "default":
        names = [m for m in DEFAULT_MODELS if m in available]
    elif args.models == "all":
        names = [m for m in DEFAULT_MODELS + EXTRA_MODELS if m in available]
        names += [m for m in available if m not in names]
    elif args.models == "extra":
        names = [m for m in EXTRA_MODELS if m in available]
        names += [m for m in available if m not in names and m not in DEFAULT_MODELS]
    else:
        names = args.models.split(",")
        unknown = [m for m in names if m not in available]
        if unknown:
            parser.error(f"not classification models in this torchvision: {', '.join(unknown)}")
    opsets = [int(o) for o in args.opsets.split(",")]

    results_file = os.path.join(args.cache, "results.json")
    results = json.load(open(results_file)) if os.path.exists(results_file) else {}
    start = time.monotonic()
    rows = []
    for name in names:
        for opset in opsets:
            key = f"{name}/{opset}"
            if key in results and not args.fresh:
                row = results[key]
                if row["status"] == "PASS" and "input_sensitivity" not in row:
                    stem = os.path.join(args.cache, "runs", f"{name}_{row['side']}_opset{opset}")
                    onnx_path = os.path.join(args.cache, "models",
                                             f"{name}_{row['side']}_opset{opset}.onnx")
                    check_sensitivity(row, onnx_path, stem, args)
                    json.dump(results, open(results_file, "w"), indent=1, sort_keys=True)
                rows.append(row)
                continue
            if args.budget and time.monotonic() - start > args.budget:
                row = {"model": name, "opset": opset, "status": "SKIPPED",
                       "reason": f"sweep budget of {args.budget:.0f} s used up"}
                rows.append(row)
                print(f"{key}: SKIPPED", flush=True)
                continue
            row = sweep_one(name, opset, args)
            row["date"] = time.strftime("%Y-%m-%d")
            results[key] = row
            json.dump(results, open(results_file, "w"), indent=1, sort_keys=True)
            rows.append(row)
            print(f"{key}: {row['status']} compile {fmt(row.get('compile_s'), '.1f')} s "
                  f"err {fmt(row.get('rel_err'), '.2e')} {row.get('reason', '')}", flush=True)

    table = markdown_table(rows)
    counts = collections.Counter(r["status"] for r in rows)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    cpu = next((l.split(":", 1)[1].strip() for l in subprocess.run(
        ["lscpu"], capture_output=True, text=True).stdout.splitlines()
        if l.startswith("Model name")), platform.processor())
    header = f"{time.strftime('%Y-%m-%d')}, {cpu}, {os.cpu_count()} CPUs: {summary}"
    print(header)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(header + "\n\n" + table + "\n")
    return 0 if counts.get("FAIL", 0) == 0 and counts.get("TIMEOUT", 0) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
