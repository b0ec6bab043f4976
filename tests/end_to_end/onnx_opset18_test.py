#!/usr/bin/python3
"""ONNX opsets 18-21 end to end (frontends/onnx/version_adapter).

Builds one small model per operator version that changed in opsets 18-21
(onnx.helper from Debian's python3-onnx 1.12, which can still write the newer
nodes; ir_version set explicitly, onnx.checker skipped), compiles each with
neuron-cc, runs it with neuron-run and compares every output with ONNX
Runtime 1.30 (testdata/ort_run.mjs) within 1e-4 (max |ours - ort| / max
|ort|). Then checks what is refused: IR version 11 / opset 22 (both numbers
in one line), float8 types, nodes without an opset-17 form.

  onnx_opset18_test.py NEURON_CC NEURON_RUN [--refusals-only]

--refusals-only skips the ONNX Runtime comparisons (no network needed).
"""

import os
import subprocess
import sys
import tempfile

import numpy as np
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
IR_FOR_OPSET = {17: 8, 18: 8, 19: 9, 20: 9, 21: 10}


def vi(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, shape)


def ints(name, values, scalar=False):
    arr = np.array(values, dtype=np.int64)
    return numpy_helper.from_array(arr.reshape(()) if scalar else arr, name)


def floats(name, values, shape=None):
    arr = np.array(values, dtype=np.float32)
    return numpy_helper.from_array(arr.reshape(shape) if shape else arr, name)


def model(opset, nodes, inputs, outputs, inits=(), ir_version=None):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="onnx_opset18_test")
    m.ir_version = ir_version or IR_FOR_OPSET[opset]
    return m


def split(opset):
    n = helper.make_node("Split", ["x"], ["a", "b", "c"], axis=1, num_outputs=3)
    return model(opset, [n], [vi("x", [2, 7])],
                 [vi("a", [2, 3]), vi("b", [2, 3]), vi("c", [2, 1])])


def split_intermediate(opset):
    nodes = [helper.make_node("Relu", ["x"], ["h"]),
             helper.make_node("Split", ["h"], ["a", "b"], axis=0, num_outputs=2)]
    return model(opset, nodes, [vi("x", [5, 2])], [vi("a", [3, 2]), vi("b", [2, 2])])


def reduce(op, keepdims=1):
    def build(opset):
        n = helper.make_node(op, ["x", "axes"], ["y"], keepdims=keepdims)
        shape = [2, 1, 4] if keepdims else [2, 4]
        return model(opset, [n], [vi("x", [2, 3, 4])], [vi("y", shape)], [ints("axes", [1])])
    return build


def reduce_noop(opset):
    n = helper.make_node("ReduceMax", ["x"], ["y"], noop_with_empty_axes=1)
    return model(opset, [n], [vi("x", [2, 3])], [vi("y", [2, 3])])


def reduce_all(opset):
    n = helper.make_node("ReduceMean", ["x"], ["y"], keepdims=0)
    return model(opset, [n], [vi("x", [2, 3])], [vi("y", [])])


def pad(mode):
    def build(opset):
        n = helper.make_node("Pad", ["x", "pads", "", "axes"], ["y"], mode=mode)
        return model(opset, [n], [vi("x", [2, 3, 4])], [vi("y", [2, 5, 7])],
                     [ints("pads", [1, 2, 1, 1]), ints("axes", [1, -1])])
    return build


def pad_wrap(opset):
    # Pad-19 mode wrap, pads up to the axis size. (Longer pads follow the
    # ONNX reference, numpy.pad's wrap, in compiler/lower's data_movement_test;
    # ONNX Runtime 1.30 fills their excess with zeros.)
    n = helper.make_node("Pad", ["x", "pads"], ["y"], mode="wrap")
    return model(opset, [n], [vi("x", [2, 3, 4])], [vi("y", [2, 6, 11])],
                 [ints("pads", [0, 1, 3, 0, 2, 4])])


def resize_axes(opset):
    n = helper.make_node("Resize", ["x", "", "scales"], ["y"], mode="linear", axes=[2, 3],
                         antialias=0)
    return model(opset, [n], [vi("x", [1, 2, 4, 5])], [vi("y", [1, 2, 8, 10])],
                 [floats("scales", [2.0, 2.0])])


def resize_aspect(opset):
    n = helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], mode="nearest",
                         keep_aspect_ratio_policy="not_larger", axes=[2, 3])
    return model(opset, [n], [vi("x", [1, 1, 4, 6])], [vi("y", [1, 1, 5, 8])],
                 [ints("sizes", [8, 8])])


def scatter_add(opset):
    n = helper.make_node("ScatterElements", ["x", "idx", "u"], ["y"], axis=0, reduction="add")
    return model(opset, [n], [vi("x", [3, 3]), vi("u", [2, 3])], [vi("y", [3, 3])],
                 [ints("idx", [[1, 0, 2], [0, 2, 1]])])


def scatter_reduce(op, reduction):
    def build(opset):
        if op == "ScatterElements":
            n = helper.make_node(op, ["x", "idx", "u"], ["y"], axis=1, reduction=reduction)
            return model(opset, [n], [vi("x", [3, 4]), vi("u", [3, 3])], [vi("y", [3, 4])],
                         [ints("idx", [[1, 1, 3], [0, 2, 0], [3, 3, 3]])])
        n = helper.make_node(op, ["x", "idx", "u"], ["y"], reduction=reduction)
        return model(opset, [n], [vi("x", [4, 3]), vi("u", [5, 3])], [vi("y", [4, 3])],
                     [ints("idx", [[1], [3], [1], [0], [1]])])
    return build


def group_norm(opset):
    groups = 2
    channels = 4
    scale_len = channels if opset >= 21 else groups
    n = helper.make_node("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=groups,
                         epsilon=1e-5)
    rng = np.random.default_rng(3)
    return model(opset, [n], [vi("x", [2, channels, 3, 3])], [vi("y", [2, channels, 3, 3])],
                 [floats("s", rng.uniform(0.5, 1.5, scale_len)),
                  floats("b", rng.uniform(-0.5, 0.5, scale_len))])


def mish(opset):
    return model(opset, [helper.make_node("Mish", ["x"], ["y"])], [vi("x", [2, 8])],
                 [vi("y", [2, 8])])


def center_crop_pad(opset):
    nodes = [helper.make_node("Relu", ["x"], ["h"]),
             helper.make_node("CenterCropPad", ["h", "shape"], ["y"], axes=[1, 2])]
    return model(opset, nodes, [vi("x", [2, 5, 4])], [vi("y", [2, 3, 7])],
                 [ints("shape", [3, 7])])


def cast_saturate(opset):
    nodes = [helper.make_node("Cast", ["x"], ["h"], to=TensorProto.FLOAT16, saturate=1),
             helper.make_node("Cast", ["h"], ["y"], to=F, saturate=1)]
    return model(opset, nodes, [vi("x", [2, 3])], [vi("y", [2, 3])])


def average_pool(opset):
    n = helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], dilations=[1, 1])
    return model(opset, [n], [vi("x", [1, 1, 4, 4])], [vi("y", [1, 1, 3, 3])])


def gelu(approximate):
    def build(opset):
        n = helper.make_node("Gelu", ["x"], ["y"], approximate=approximate)
        return model(opset, [n], [vi("x", [2, 16])], [vi("y", [2, 16])])
    return build


def dft(opset):
    n = helper.make_node("DFT", ["x", "", "axis"], ["y"])
    return model(opset, [n], [vi("x", [1, 8, 1])], [vi("y", [1, 8, 2])],
                 [ints("axis", 1, scalar=True)])


def grid_sample(opset):
    n = helper.make_node("GridSample", ["x", "grid"], ["y"], mode="linear")
    return model(opset, [n], [vi("x", [1, 2, 4, 4]), vi("grid", [1, 3, 3, 2])],
                 [vi("y", [1, 2, 3, 3])])


def is_inf_nan(opset):
    nodes = [helper.make_node("IsInf", ["x"], ["i"]), helper.make_node("IsNaN", ["x"], ["n"]),
             helper.make_node("Or", ["i", "n"], ["b"]),
             helper.make_node("Cast", ["b"], ["y"], to=F)]
    return model(opset, nodes, [vi("x", [2, 3])], [vi("y", [2, 3])])


def constant_of_shape(opset):
    nodes = [helper.make_node("ConstantOfShape", ["shape"], ["c"],
                              value=helper.make_tensor("v", F, [1], [0.5])),
             helper.make_node("Add", ["x", "c"], ["y"])]
    return model(opset, nodes, [vi("x", [2, 3])], [vi("y", [2, 3])], [ints("shape", [2, 3])])


def layout_ops(opset):
    nodes = [helper.make_node("Identity", ["x"], ["a"]),
             helper.make_node("Reshape", ["a", "shape"], ["b"]),
             helper.make_node("Transpose", ["b"], ["c"], perm=[1, 0, 2]),
             helper.make_node("Unsqueeze", ["c", "axes"], ["d"]),
             helper.make_node("Squeeze", ["d", "axes"], ["e"]),
             helper.make_node("Flatten", ["e"], ["f"], axis=1),
             helper.make_node("Shape", ["f"], ["s"]),
             helper.make_node("Reshape", ["f", "s"], ["y"])]
    return model(opset, nodes, [vi("x", [2, 12])], [vi("y", [3, 8])],
                 [ints("shape", [2, 3, 4]), ints("axes", [0])])


def quantize(opset):
    nodes = [helper.make_node("QuantizeLinear", ["x", "scale", "zp"], ["q"]),
             helper.make_node("DequantizeLinear", ["q", "scale", "zp"], ["y"])]
    zp = numpy_helper.from_array(np.array(3, dtype=np.uint8), "zp")
    return model(opset, nodes, [vi("x", [2, 8])], [vi("y", [2, 8])],
                 [floats("scale", 0.05, shape=()), zp])


# (name, opset, builder): every operator version 18-21 that neuron-cc reads;
# the opset-18 forms also inside opset-21 models.
CASES = [
    ("split", 18, split), ("split", 21, split),
    ("split_intermediate", 18, split_intermediate),
    ("reduce_noop", 18, reduce_noop), ("reduce_all", 18, reduce_all),
    ("pad_axes", 18, pad("constant")), ("pad_axes_edge", 19, pad("edge")),
    ("pad_axes_reflect", 21, pad("reflect")),
    ("pad_wrap", 19, pad_wrap), ("pad_axes_wrap", 21, pad("wrap")),
    ("resize_axes", 18, resize_axes), ("resize_axes", 19, resize_axes),
    ("resize_aspect", 18, resize_aspect),
    ("scatter_add", 18, scatter_add),
    ("scatter_elements_max", 18, scatter_reduce("ScatterElements", "max")),
    ("scatter_nd_min", 18, scatter_reduce("ScatterND", "min")),
    ("group_norm", 18, group_norm), ("group_norm", 21, group_norm),
    ("mish", 18, mish), ("mish", 21, mish),
    ("center_crop_pad", 18, center_crop_pad),
    ("cast_saturate", 19, cast_saturate), ("cast_saturate", 21, cast_saturate),
    ("average_pool", 19, average_pool),
    ("gelu", 20, gelu("none")), ("gelu_tanh", 21, gelu("tanh")),
    ("dft", 20, dft),
    ("grid_sample", 20, grid_sample),
    ("is_inf_nan", 20, is_inf_nan),
    ("constant_of_shape", 20, constant_of_shape), ("constant_of_shape", 21, constant_of_shape),
    ("layout_ops", 19, layout_ops), ("layout_ops", 21, layout_ops),
    ("quantize", 19, quantize), ("quantize", 21, quantize),
]
for op in ["ReduceMax", "ReduceMin", "ReduceMean", "ReduceProd", "ReduceL1", "ReduceL2",
           "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"]:
    CASES.append((op.lower(), 18, reduce(op)))
CASES += [("reducemax", 20, reduce("ReduceMax", keepdims=0)),
          ("reducemin", 20, reduce("ReduceMin"))]


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def inputs_for(m, directory):
    rng = np.random.default_rng(7)
    args = []
    for inp in m.graph.input:
        shape = [d.dim_value for d in inp.type.tensor_type.shape.dim]
        data = rng.uniform(-2.0, 2.0, shape).astype(np.float32)
        if inp.name == "grid":
            data = rng.uniform(-1.0, 1.0, shape).astype(np.float32)
        if inp.name == "x" and m.graph.node[0].op_type in ("ReduceLogSum", "ReduceProd"):
            data = rng.uniform(0.5, 1.5, shape).astype(np.float32)
        path = os.path.join(directory, inp.name + ".npy")
        np.save(path, data)
        args.append((inp.name, path))
    return args


def compare(tmp, neuron_cc, neuron_run, name, opset, m):
    d = os.path.join(tmp, f"{name}_{opset}")
    os.makedirs(d)
    onnx_path = os.path.join(d, "model.onnx")
    with open(onnx_path, "wb") as f:
        f.write(m.SerializeToString())
    inputs = inputs_for(m, d)
    neff = os.path.join(d, "model.neff")
    r = run([neuron_cc, "compile", onnx_path, "--framework", "ONNX", "--output", neff])
    if r.returncode != 0:
        return f"neuron-cc failed: {r.stdout.strip()[-400:]}"
    cmd = [neuron_run, neff, "--output-dir", os.path.join(d, "ours"), "--quiet"]
    for n, p in inputs:
        cmd += ["--input", f"{n}={p}"]
    r = run(cmd)
    if r.returncode != 0:
        return f"neuron-run failed: {r.stdout.strip()[-400:]}"
    r = run(["node", "testdata/ort_run.mjs", onnx_path, os.path.join(d, "ort")] +
            [f"{n}={p}" for n, p in inputs])
    if r.returncode != 0:
        return f"ONNX Runtime failed: {r.stdout.strip()[-400:]}"
    worst = 0.0
    for out in m.graph.output:
        got = np.load(os.path.join(d, "ours", out.name + ".npy")).astype(np.float64)
        want = np.load(os.path.join(d, "ort", out.name + ".npy")).astype(np.float64)
        if got.shape != want.shape:
            return f"output {out.name}: shape {got.shape}, ONNX Runtime {want.shape}"
        err = np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-30) if want.size else 0
        worst = max(worst, err)
    print(f"ok: {name} at opset {opset}: max relative error {worst:.2e}")
    if worst > 1e-4:
        return f"max relative error {worst:.3e} above 1e-4"
    return None


def refusals(tmp, neuron_cc):
    """Each model, the exit code and the substrings its one-line message needs."""
    relu = [helper.make_node("Relu", ["x"], ["y"])]
    newer = model(22, relu, [vi("x", [2])], [vi("y", [2])], ir_version=11)
    fp8 = model(21, [helper.make_node("Cast", ["x"], ["y"], to=17)], [vi("x", [2])],
                [vi("y", [2], 17)])
    bits = model(18, [helper.make_node("BitwiseAnd", ["i", "i"], ["a"]),
                      helper.make_node("Col2Im", ["x", "s", "s"], ["b"])],
                 [vi("i", [2], TensorProto.INT32), vi("x", [1, 4, 4])],
                 [vi("a", [2], TensorProto.INT32), vi("b", [1, 1, 3, 3])], [ints("s", [2, 2])])
    cases = [
        ("ir11_opset22", newer, ["IR version 11", "opset 22"]),
        ("float8", fp8, ["float8e4m3fn is not supported"]),
        ("bitwise_col2im", bits, ["2 unsupported ONNX nodes at opset 18", "BitwiseAnd",
                                  "Col2Im", "op type is not supported"]),
    ]
    failures = []
    for name, m, needles in cases:
        path = os.path.join(tmp, name + ".onnx")
        with open(path, "wb") as f:
            f.write(m.SerializeToString())
        r = run([neuron_cc, "compile", path, "--framework", "ONNX", "--output",
                 os.path.join(tmp, name + ".neff")])
        lines = [l for l in r.stdout.splitlines() if l.strip()]
        message = next((l for l in lines if all(n in l for n in needles)), None)
        if r.returncode == 0 or message is None:
            failures.append(f"{name}: exit {r.returncode}, wanted one line with {needles}: "
                            f"{r.stdout.strip()}")
        else:
            print(f"ok: {name} refused (exit {r.returncode}): {message}")
    return failures


def main():
    neuron_cc, neuron_run = sys.argv[1], sys.argv[2]
    refusals_only = "--refusals-only" in sys.argv[3:]
    tmp = os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp()
    tmp = tempfile.mkdtemp(dir=tmp)
    failures = refusals(tmp, neuron_cc)
    if not refusals_only:
        for name, opset, build in CASES:
            problem = compare(tmp, neuron_cc, neuron_run, name, opset, build(opset))
            if problem:
                failures.append(f"{name} at opset {opset}: {problem}")
    for f in failures:
        print("FAIL:", f)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed" + ("" if refusals_only else f" ({len(CASES)} models)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
