#!/usr/bin/python3
"""Generates the MXNet test models (symbol JSON + params) and torch references, at test time.

No MXNet is needed: both files are written from the formats' specification
(MXNet 1.x Symbol.save and NDArray::Save). Run with Debian's interpreter
(python3-torch 1.13, numpy):

    /usr/bin/python3 testdata/generate_mxnet_models.py OUT_DIR [--models a,b,...]
    /usr/bin/python3 testdata/generate_mxnet_models.py --list

Models come from every module in testdata/mxnet_models/*.py (but graph.py and
reference.py). Each module exposes MODELS, a list of graph.ModelSpec:

    name              file stem in OUT_DIR
    build()           -> graph.Graph: the symbol's nodes and heads, the
                         parameters as stored, the example inputs; seeds
                         every random draw
    fp32_max_rel_err  FP32 tolerance: max |ours - torch| / max |torch| (default 1e-4)
    autocast_cosine   --auto-cast matmult tolerance: cosine with torch (default 0.999)
    onnx              also export <name>.onnx (opset 13) for the frontend comparison
    ci                False: too slow for the CI test

The torch reference (mxnet_models/reference.py) runs the graph with MXNet's
documented operator semantics on the same weights. For each model it writes,
in OUT_DIR:

    <name>-symbol.json          the symbol as Symbol.save writes it: nodes in
                                topological order ("null" for variables), arg_nodes,
                                node_row_ptr, heads, attrs.mxnet_version; attribute
                                values printed as MXNet prints them ("(3, 3)", "True")
    <name>-0000.params          the parameters (write_params), "arg:"/"aux:" names
    <name>.in.<input>.npy       the example inputs (float32)
    <name>.ref.output<k>.npy    the reference's outputs, heads in order (float32)
    <name>.onnx                 when spec.onnx: torch.onnx.export of the reference
                                (inputs named like the MXNet inputs, outputs output<k>)
    <name>.json                 written last, so its presence means the rest is there:
        {"name": ..., "framework": "MXNET",
         "files": ["<name>-symbol.json", "<name>-0000.params"],
         "inputs": [{"name": "data", "shape": [1, 3, 224, 224], "dtype": "float32"}],
         "outputs": 1, "output_names": ["resnetv10_dense0_fwd_output"],
         "fp32_max_rel_err": 0.0001, "autocast_cosine": 0.999,
         "autocast_torch_cosine": 0.99, "onnx": true, "ci": true}
        output_names: MXNet's list_outputs() (<node>_output, <node>_output<k>
        for SliceChannel, a variable's name); autocast_torch_cosine: torch's
        own cosine with bf16 Conv/Linear operands (bf16_operand_cosine)

A model whose .json already exists is skipped (OUT_DIR doubles as a cache).
`--list` prints one line per model: its name and "ci" or "large".
"""
import argparse
import glob
import importlib.util
import json
import os
import struct
import sys
import warnings

import numpy as np
import torch

sys.dont_write_bytecode = True  # keep testdata/ free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "mxnet_models")
sys.path.insert(0, HERE)
sys.path.insert(0, MODEL_DIR)

from generate_torch_models import bf16_operand_cosine  # noqa: E402
from graph import V1  # noqa: E402
from reference import MXNetReference  # noqa: E402

# mshadow type flags.
TYPE_FLAGS = {np.dtype(np.float32): 0, np.dtype(np.float64): 1, np.dtype(np.float16): 2,
              np.dtype(np.uint8): 3, np.dtype(np.int32): 4, np.dtype(np.int8): 5,
              np.dtype(np.int64): 6}


def load_specs():
    specs = []
    for path in sorted(glob.glob(os.path.join(MODEL_DIR, "*.py"))):
        stem = os.path.splitext(os.path.basename(path))[0]
        if stem in ("graph", "reference") or stem.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"mxnet_models_{stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        specs.extend(module.MODELS)
    names = [s.name for s in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        sys.exit(f"duplicate model names: {', '.join(duplicates)}")
    return specs


def write_params(path, params):
    """MXNet 1.x NDArray-list file (NDArray::Save per array), little-endian:
    uint64 0x112, uint64 0, uint64 count; per array uint32 magic (V1 0xF993FAC8,
    V2 0xF993FAC9, V3 0xF993FACA), int32 storage type 0 (dense; not in V1),
    int32 ndim + ndim x int64 dims, int32 dev_type 1 (cpu) + int32 dev_id 0,
    int32 mshadow type flag, the data; then uint64 count and per name uint64
    length + bytes, "arg:"/"aux:" prefixed."""
    out = [struct.pack("<QQQ", 0x112, 0, len(params))]
    for p in params.values():
        v = np.ascontiguousarray(p.value)
        out.append(struct.pack("<I", p.magic))
        if p.magic != V1:
            out.append(struct.pack("<i", 0))
        out.append(struct.pack(f"<i{v.ndim}q", v.ndim, *v.shape))
        out.append(struct.pack("<iii", 1, 0, TYPE_FLAGS[v.dtype]))
        out.append(v.astype(v.dtype.newbyteorder("<")).tobytes())
    out.append(struct.pack("<Q", len(params)))
    for name, p in params.items():
        full = (("aux:" if p.aux else "arg:") + name if p.prefixed else name).encode()
        out.append(struct.pack("<Q", len(full)) + full)
    with open(path, "wb") as f:
        f.write(b"".join(out))


def mxnet_str(value):
    """An attribute as MXNet prints it: str() of the Python value."""
    if isinstance(value, tuple):
        return "(" + ", ".join(mxnet_str(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return str(value)


def symbol_json(graph):
    """Symbol.save's JSON. MXNet 1.x omits "attrs" on nodes without any; legacy
    keys ("param", "attr") are always written, as pre-1.0 files had them."""
    def entry(i, k):
        return [i, k] if graph.legacy_inputs else [i, k, 0]
    nodes, row_ptr = [], [0]
    for node in graph.nodes:
        item = {"op": node.op, "name": node.name}
        attrs = {k: mxnet_str(v) for k, v in node.attrs.items()}
        if attrs or node.attr_key != "attrs":
            item[node.attr_key] = attrs
        item["inputs"] = [entry(i, k) for i, k in node.inputs]
        nodes.append(item)
        row_ptr.append(row_ptr[-1] + node.num_outputs + node.hidden_outputs)
    return {
        "nodes": nodes,
        "arg_nodes": [i for i, n in enumerate(graph.nodes) if n.op == "null"],
        "node_row_ptr": row_ptr,
        "heads": [entry(i, k) for i, k in graph.heads],
        "attrs": {"mxnet_version": ["int", graph.mxnet_version]},
    }


def generate(spec, out_dir):
    json_path = os.path.join(out_dir, f"{spec.name}.json")
    if os.path.exists(json_path):
        print(f"{spec.name}: exists")
        return
    graph = spec.build()
    model = MXNetReference(graph)
    args = tuple(torch.from_numpy(v) for v in graph.inputs.values())
    with torch.no_grad():
        outputs = [o.float() for o in model(*args)]
    files = [f"{spec.name}-symbol.json", f"{spec.name}-0000.params"]
    with open(os.path.join(out_dir, files[0]), "w") as f:
        json.dump(symbol_json(graph), f, indent=2)
    write_params(os.path.join(out_dir, files[1]), graph.params)
    for name, value in graph.inputs.items():
        np.save(os.path.join(out_dir, f"{spec.name}.in.{name}.npy"), value)
    for k, value in enumerate(outputs):
        np.save(os.path.join(out_dir, f"{spec.name}.ref.output{k}.npy"), value.numpy())
    has_onnx = False
    if spec.onnx:
        path = os.path.join(out_dir, f"{spec.name}.onnx")
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(model, args, path + ".tmp", opset_version=13,
                                  input_names=list(graph.inputs),
                                  output_names=[f"output{k}" for k in range(len(outputs))],
                                  do_constant_folding=True)
            os.replace(path + ".tmp", path)
            has_onnx = True
        except Exception as e:  # export is best effort: the MXNet files are what is tested
            print(f"{spec.name}: ONNX export failed: {str(e).splitlines()[0]}")
    # Last: it rounds the reference's weights in place.
    torch_cosine = bf16_operand_cosine(model, args, outputs)
    meta = {
        "name": spec.name,
        "framework": "MXNET",
        "files": files,
        "inputs": [{"name": n, "shape": list(v.shape), "dtype": "float32"}
                   for n, v in graph.inputs.items()],
        "outputs": len(outputs),
        "output_names": graph.output_names(),
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
