#!/usr/bin/python3
"""Generates the TorchScript test models and torch eager references, at test time.

Run with Debian's interpreter (python3-torch 1.13, python3-torchvision 0.14):

    /usr/bin/python3 testdata/generate_torch_models.py OUT_DIR [--models a,b,...]
    /usr/bin/python3 testdata/generate_torch_models.py --list

Models come from every module in testdata/torch_models/*.py (but common.py).
Each module exposes MODELS, a list of common.ModelSpec:

    name              file stem in OUT_DIR
    build()           -> (nn.Module in eval mode, {forward argument: example tensor}),
                         arguments in forward order; seeds every random draw
    method            "trace" (torch.jit.trace) or "script" (torch.jit.script)
    fp32_max_rel_err  FP32 tolerance: max |ours - torch| / max |torch| (default 1e-4)
    autocast_cosine   --auto-cast matmult tolerance: cosine with torch (default 0.999)
    onnx              also export <name>.onnx (opset 13) for the frontend comparison
    ci                False: too slow for the CI test (run by the large test)

For each model it writes, in OUT_DIR:

    <name>.pt                   torch.jit.save of the traced/scripted module
    <name>.in.<arg>.npy         the example inputs
    <name>.ref.output<k>.npy    torch eager's outputs (tuples/lists flattened in order)
    <name>.onnx                 when spec.onnx and torch.onnx.export succeeds
                                (inputs named like the arguments, outputs output<k>)
    <name>.json                 written last, so its presence means the rest is there:
        {"name": ..., "method": "trace",
         "inputs": [{"name": "x", "shape": [1, 3, 64, 64], "dtype": "float32"}],
         "outputs": 1, "fp32_max_rel_err": 0.0001, "autocast_cosine": 0.999,
         "autocast_torch_cosine": 0.96, "onnx": true, "ci": true}
        autocast_torch_cosine: torch's own cosine with bf16 Conv/Linear
        operands (the model's sensitivity; see bf16_operand_cosine)

A model whose .json already exists is skipped (OUT_DIR doubles as a cache).
`--list` prints one line per model: its name and "ci" or "large".
"""
import argparse
import glob
import importlib.util
import json
import os
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn

sys.dont_write_bytecode = True  # keep torch_models/ free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "torch_models")


def load_specs():
    sys.path.insert(0, MODEL_DIR)
    specs = []
    for path in sorted(glob.glob(os.path.join(MODEL_DIR, "*.py"))):
        stem = os.path.splitext(os.path.basename(path))[0]
        if stem == "common" or stem.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"torch_models_{stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        specs.extend(module.MODELS)
    names = [s.name for s in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        sys.exit(f"duplicate model names: {', '.join(duplicates)}")
    return specs


def flatten(value):
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in flatten(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in flatten(v)]
    raise TypeError(f"forward returned a {type(value).__name__}")


def bf16_operand_cosine(model, args, outputs):
    """The model's own sensitivity to --auto-cast matmult: the smallest cosine
    between torch's outputs and torch's outputs with every Conv/Linear weight
    and input rounded to bf16 (accumulation stays fp32, as on the device).
    Random-weight deep networks fall below 0.999 here (ResNet-50 ~0.96):
    no compiler can do better than the model allows."""
    def bf16(t):
        return t.to(torch.bfloat16).to(torch.float32) if t.is_floating_point() else t
    layers = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, layers):
                m.weight.copy_(bf16(m.weight))
                m.register_forward_pre_hook(lambda mod, inp: tuple(bf16(i) for i in inp))
        rounded = flatten(model(*args))
    cosine = 1.0
    for got, want in zip(rounded, outputs):
        g, w = got.double().flatten(), want.double().flatten()
        norms = float(g.norm() * w.norm())
        if norms > 0:
            cosine = min(cosine, float(g @ w) / norms)
    return round(cosine, 6)


def generate(spec, out_dir):
    json_path = os.path.join(out_dir, f"{spec.name}.json")
    if os.path.exists(json_path):
        print(f"{spec.name}: exists")
        return
    model, inputs = spec.build()
    model.eval()
    args = tuple(inputs.values())
    with torch.no_grad():
        outputs = flatten(model(*args))
        if spec.method == "trace":
            scripted = torch.jit.trace(model, args, check_trace=False)
        elif spec.method == "script":
            scripted = torch.jit.script(model)
        else:
            raise ValueError(f"{spec.name}: method must be 'trace' or 'script'")
    scripted.save(os.path.join(out_dir, f"{spec.name}.pt"))
    for arg, value in inputs.items():
        np.save(os.path.join(out_dir, f"{spec.name}.in.{arg}.npy"), value.numpy())
    for k, value in enumerate(outputs):
        np.save(os.path.join(out_dir, f"{spec.name}.ref.output{k}.npy"), value.numpy())
    has_onnx = False
    if spec.onnx:
        path = os.path.join(out_dir, f"{spec.name}.onnx")
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(model, args, path + ".tmp", opset_version=13,
                                  input_names=list(inputs),
                                  output_names=[f"output{k}" for k in range(len(outputs))],
                                  do_constant_folding=True)
            os.replace(path + ".tmp", path)
            has_onnx = True
        except Exception as e:  # export is best effort: the .pt is what is tested
            print(f"{spec.name}: ONNX export failed: {str(e).splitlines()[0]}")
    # Last: it rounds the model's weights in place.
    torch_cosine = bf16_operand_cosine(model, args, outputs)
    meta = {
        "name": spec.name,
        "method": spec.method,
        "inputs": [{"name": n, "shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", "")}
                   for n, t in inputs.items()],
        "outputs": len(outputs),
        "fp32_max_rel_err": spec.fp32_max_rel_err,
        "autocast_cosine": spec.autocast_cosine,
        "autocast_torch_cosine": torch_cosine,
        "onnx": has_onnx,
        "ci": spec.ci,
    }
    with open(json_path + ".tmp", "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(json_path + ".tmp", json_path)
    print(f"{spec.name}: wrote ({len(outputs)} outputs{', onnx' if has_onnx else ''})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir", nargs="?")
    parser.add_argument("--models", help="comma-separated names (default: all)")
    parser.add_argument("--list", action="store_true", help="print the models and exit")
    args = parser.parse_args()
    specs = load_specs()
    if args.list:
        for s in specs:
            print(s.name, "ci" if s.ci else "large")
        return
    if not args.out_dir:
        parser.error("OUT_DIR is required")
    if args.models:
        wanted = args.models.split(",")
        unknown = sorted(set(wanted) - {s.name for s in specs})
        if unknown:
            sys.exit(f"unknown model(s): {', '.join(unknown)}")
        specs = [s for s in specs if s.name in wanted]
    os.makedirs(args.out_dir, exist_ok=True)
    torch.set_num_threads(1)
    for spec in specs:
        generate(spec, args.out_dir)


if __name__ == "__main__":
    main()
