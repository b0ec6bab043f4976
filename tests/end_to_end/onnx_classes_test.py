#!/usr/bin/python3
"""Classes of real-world ONNX models that used to fail, each as a small model
built here from scratch with onnx.helper, compiled with neuron-cc, run on the
simulated NeuronCore and compared with ONNX Runtime 1.30 (max |ours - ort| /
max |ort| <= 1e-4), or refused with the message a user needs:

  static control flow  If on a shape-derived condition (both branches, by
                       pinning), If on a --freeze-input flag, nested If,
                       Loop with a constant trip count (carried + scan
                       outputs), Scan over a static sequence; an If on data
                       is refused naming the input
  folding              Pad whose pads come through Reshape/Slice/Transpose
                       (as torch exports F.pad), Shape->Gather->Concat->
                       Transpose->Reshape chains, Dropout with ratio 0 in
                       training mode (Swin's attention dropout)
  shape errors         a pin under which two inputs of an Add disagree names
                       that node and both shapes
  pin suggestions      an audio front end (Unsqueeze -> 512-tap Conv): the
                       suggestion is a placeholder with the kernel's bound,
                       and a too-short pin names the kernel

    onnx_classes_test.py NEURON_CC NEURON_RUN

ONNX Runtime comes from npm (testdata/install_ort.sh) into $NCC_ORT_DIR.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

TOL = 1e-4


def const(name, value, dtype=np.int64):
    return h.make_node("Constant", [], [name], value=nh.from_array(np.array(value, dtype)))


def model(nodes, inputs, outputs, initializers=(), opset=13):
    g = h.make_graph(nodes, "g", inputs, outputs, list(initializers))
    return h.make_model(g, opset_imports=[h.make_opsetid("", opset)])


def tensor(name, elem, dims):
    return h.make_value_info(name, h.make_tensor_type_proto(elem, dims))


def pad_through_transpose():
    # F.pad(x, (1, 2, 3, 4)) as torch writes it at opsets 13-17.
    nodes = [const("p", [1, 2, 3, 4, 0, 0, 0, 0]), const("s", [-1, 2]),
             h.make_node("Reshape", ["p", "s"], ["p2"]),
             const("st", [-1]), const("en", [-(2 ** 63) + 1]), const("ax", [0]), const("sp", [-1]),
             h.make_node("Slice", ["p2", "st", "en", "ax", "sp"], ["p3"]),
             h.make_node("Transpose", ["p3"], ["p4"], perm=[1, 0]),
             const("m1", [-1]), h.make_node("Reshape", ["p4", "m1"], ["p5"]),
             h.make_node("Cast", ["p5"], ["pads"], to=T.INT64),
             h.make_node("Pad", ["x", "pads"], ["y"], mode="reflect")]
    return model(nodes, [tensor("x", T.FLOAT, [1, 2, 7, 9])], [tensor("y", T.FLOAT, list("abcd"))])


def shape_chain():
    # Reshape x [2, 3, 4, 5] to [2, 20, 3] through Shape -> Gather -> Mul ->
    # Concat -> Transpose -> Reshape, all computed from the static shape.
    nodes = [h.make_node("Shape", ["x"], ["s"]),
             const("i0", [0]), const("i23", [2, 3]), const("i1", [1]),
             h.make_node("Gather", ["s", "i0"], ["n"], axis=0),
             h.make_node("Gather", ["s", "i23"], ["hw"], axis=0),
             h.make_node("ReduceProd", ["hw"], ["prod"], keepdims=1),
             h.make_node("Gather", ["s", "i1"], ["c"], axis=0),
             h.make_node("Concat", ["n", "prod", "c"], ["shape_row"], axis=0),
             const("r13", [1, 3]), h.make_node("Reshape", ["shape_row", "r13"], ["row"]),
             h.make_node("Transpose", ["row"], ["col"], perm=[1, 0]),
             const("flat", [-1]), h.make_node("Reshape", ["col", "flat"], ["target"]),
             h.make_node("Transpose", ["x"], ["xt"], perm=[0, 2, 3, 1]),
             h.make_node("Reshape", ["xt", "target"], ["y"])]
    return model(nodes, [tensor("x", T.FLOAT, ["n", 3, 4, 5])], [tensor("y", T.FLOAT, ["n", 20, 3])])


def branch(name, op, value, nested=None):
    nodes = [const(name + "_c", value, np.float32), h.make_node(op, ["x", name + "_c"], [name + "_y"])]
    out = name + "_y"
    if nested is not None:
        nodes += nested
        out = nested[-1].output[0]
    return h.make_graph(nodes, name, [], [tensor(out, T.FLOAT, None)])


def if_on_shape():
    # then (width 16): x * 2, with a nested If on the batch; else: x + 1.
    inner = [h.make_node("Shape", ["x"], ["s_in"]), const("zero_i", 0),
             h.make_node("Gather", ["s_in", "zero_i"], ["b"], axis=0), const("two_i", 2),
             h.make_node("Equal", ["b", "two_i"], ["cond_in"]),
             h.make_node("If", ["cond_in"], ["inner_y"],
                         then_branch=branch("t2", "Sub", 0.5), else_branch=branch("e2", "Add", 0.5),
                         name="inner_if"),
             h.make_node("Mul", ["then_y", "inner_y"], ["nested_y"])]
    nodes = [h.make_node("Shape", ["x"], ["s"]), const("one", 1),
             h.make_node("Gather", ["s", "one"], ["w"], axis=0), const("sixteen", 16),
             h.make_node("Equal", ["w", "sixteen"], ["cond"]),
             h.make_node("If", ["cond"], ["y"], then_branch=branch("then", "Mul", 2.0, inner),
                         else_branch=branch("else", "Add", 1.0), name="outer_if"),
             h.make_node("Relu", ["y"], ["out"])]
    return model(nodes, [tensor("x", T.FLOAT, ["n", "w"])], [tensor("out", T.FLOAT, ["n", "w"])])


def if_on_flag():
    nodes = [h.make_node("If", ["use_gelu"], ["y"],
                         then_branch=h.make_graph(
                             [h.make_node("Tanh", ["x"], ["t_y"])], "t", [], [tensor("t_y", T.FLOAT, None)]),
                         else_branch=h.make_graph(
                             [h.make_node("Sigmoid", ["x"], ["e_y"])], "e", [], [tensor("e_y", T.FLOAT, None)]),
                         name="flag_if")]
    return model(nodes, [tensor("x", T.FLOAT, [3, 8]), tensor("use_gelu", T.BOOL, [])],
                 [tensor("y", T.FLOAT, [3, 8])])


def if_on_data():
    nodes = [h.make_node("ReduceSum", ["x"], ["sum"], keepdims=0), const("zero", 0.0, np.float32),
             h.make_node("Greater", ["sum", "zero"], ["cond"]),
             h.make_node("If", ["cond"], ["y"], then_branch=branch("then", "Mul", 2.0),
                         else_branch=branch("else", "Add", 1.0), name="data_if")]
    return model(nodes, [tensor("x", T.FLOAT, [2, 4])], [tensor("y", T.FLOAT, [2, 4])])


def loop_unrolled():
    body = h.make_graph([
        h.make_node("Identity", ["cond_in"], ["cond_out"]),
        h.make_node("Cast", ["i"], ["fi"], to=T.FLOAT),
        const("two", 2.0, np.float32), h.make_node("Mul", ["v_in", "two"], ["m"]),
        h.make_node("Add", ["m", "fi"], ["v_out"]),
        h.make_node("Sigmoid", ["v_out"], ["scan"])], "body",
        [tensor("i", T.INT64, []), tensor("cond_in", T.BOOL, []), tensor("v_in", T.FLOAT, None)],
        [tensor("cond_out", T.BOOL, []), tensor("v_out", T.FLOAT, None), tensor("scan", T.FLOAT, None)])
    nodes = [const("M", 5), const("go", True, np.bool_),
             h.make_node("Loop", ["M", "go", "x"], ["v_final", "scans"], body=body, name="loop0")]
    return model(nodes, [tensor("x", T.FLOAT, [2, 4])],
                 [tensor("v_final", T.FLOAT, [2, 4]), tensor("scans", T.FLOAT, [5, 2, 4])])


def scan_unrolled():
    # A running sum over x's rows (forward) plus y's rows read backwards;
    # the per-step outputs stacked on axis 1, the second one reversed.
    body = h.make_graph([
        h.make_node("Add", ["s_in", "x_t"], ["a"]),
        h.make_node("Add", ["a", "y_t"], ["s_out"]),
        h.make_node("Tanh", ["s_out"], ["o1"]),
        h.make_node("Mul", ["x_t", "y_t"], ["o2"])], "body",
        [tensor("s_in", T.FLOAT, [3]), tensor("x_t", T.FLOAT, [3]), tensor("y_t", T.FLOAT, [3])],
        [tensor("s_out", T.FLOAT, [3]), tensor("o1", T.FLOAT, [3]), tensor("o2", T.FLOAT, [3])])
    nodes = [h.make_node("Scan", ["s0", "x", "y"], ["s_final", "seq1", "seq2"], body=body,
                         num_scan_inputs=2, scan_input_directions=[0, 1],
                         scan_output_axes=[1, 0], scan_output_directions=[0, 1], name="scan0")]
    return model(nodes, [tensor("s0", T.FLOAT, [3]), tensor("x", T.FLOAT, [4, 3]),
                         tensor("y", T.FLOAT, [4, 3])],
                 [tensor("s_final", T.FLOAT, [3]), tensor("seq1", T.FLOAT, [3, 4]),
                  tensor("seq2", T.FLOAT, [4, 3])])


def audio_front_end():
    w = (np.random.default_rng(0).standard_normal((8, 1, 512)) * 0.05).astype(np.float32)
    nodes = [const("ax", [1]), h.make_node("Unsqueeze", ["input", "ax"], ["u"]),
             h.make_node("Conv", ["u", "w"], ["y"], strides=[160], name="Conv_2"),
             h.make_node("Relu", ["y"], ["out"])]
    return model(nodes, [tensor("input", T.FLOAT, ["batch", "samples"])],
                 [tensor("out", T.FLOAT, ["batch", 8, "frames"])], [nh.from_array(w, "w")])


def fpn_merge():
    # A detector's FPN merge in miniature: Conv s2 -> Conv s2 -> Resize x2
    # -> Add with the first Conv's output. Only sizes that are multiples of
    # 4 make the two agree.
    w = nh.from_array(np.full((4, 3, 3, 3), 0.1, np.float32), "w")
    w2 = nh.from_array(np.full((4, 4, 3, 3), 0.1, np.float32), "w2")
    roi = nh.from_array(np.zeros(0, np.float32), "roi")
    scales = nh.from_array(np.array([1, 1, 2, 2], np.float32), "scales")
    nodes = [h.make_node("Conv", ["x", "w"], ["c"], name="stem", kernel_shape=[3, 3],
                         strides=[2, 2], pads=[1, 1, 1, 1]),
             h.make_node("Conv", ["c", "w2"], ["d"], name="down", kernel_shape=[3, 3],
                         strides=[2, 2], pads=[1, 1, 1, 1]),
             h.make_node("Resize", ["d", "roi", "scales"], ["u"], name="up", mode="nearest"),
             h.make_node("Add", ["c", "u"], ["s"], name="merge"),
             h.make_node("Relu", ["s"], ["y"], name="after")]
    return model(nodes, [tensor("x", T.FLOAT, ["N", 3, "H", "W"])],
                 [tensor("y", T.FLOAT, ["N", 4, "Hy", "Wy"])], [w, w2, roi, scales], opset=11)


def dropout_training(ratio):
    # torchvision's Swin exports F.dropout(attn, p=0.0) in eval mode as
    # Dropout(ratio=0, training_mode=true): it drops nothing.
    nodes = [const("ratio", ratio, np.float32), const("training", True, np.bool_),
             h.make_node("Dropout", ["x", "ratio", "training"], ["d", "mask"], name="attn_drop"),
             h.make_node("Softmax", ["d"], ["y"], axis=-1)]
    return model(nodes, [tensor("x", T.FLOAT, [2, 4, 8])], [tensor("y", T.FLOAT, [2, 4, 8])])


class Failure(Exception):
    pass


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def ort(path, inputs, work):
    out = os.path.join(work, "ort_out")
    os.makedirs(out, exist_ok=True)
    args = ["node", "testdata/ort_run.mjs", path, out]
    for name, array in inputs.items():
        f = os.path.join(work, f"ort_in_{name}.npy")
        np.save(f, array)
        args.append(f"{name}={f}")
    rc, text = run(args)
    if rc != 0:
        raise Failure(f"ONNX Runtime failed: {text.strip()[-300:]}")
    return out


def check(args, work, name, m, inputs, flags=(), frozen=None):
    """Compiles and runs `m` and compares every output with ORT's."""
    path = os.path.join(work, f"{name}.onnx")
    onnx.save(m, path)
    neff = os.path.join(work, f"{name}.neff")
    cmd = [args.neuron_cc, "compile", path, "--framework", "ONNX", "--output", neff, *flags]
    ort_inputs = dict(inputs)
    for key, array in (frozen or {}).items():
        f = os.path.join(work, f"{name}_{key}.npy")
        np.save(f, array)
        cmd += ["--freeze-input", f"{key}={f}"]
        ort_inputs[key] = array
    rc, text = run(cmd)
    if rc != 0:
        raise Failure(f"neuron-cc failed (exit {rc}): {text.strip()[-400:]}")
    ours = os.path.join(work, f"{name}_out")
    cmd = [args.neuron_run, neff, "--output-dir", ours, "--quiet"]
    for key, array in inputs.items():
        f = os.path.join(work, f"{name}_in_{key}.npy")
        np.save(f, array)
        cmd += ["--input", f"{key}={f}"]
    rc, text = run(cmd)
    if rc != 0:
        raise Failure(f"neuron-run failed (exit {rc}): {text.strip()[-300:]}")
    ref = ort(path, ort_inputs, os.path.join(work, f"{name}_ort"))
    worst = 0.0
    for out in m.graph.output:
        want = np.load(os.path.join(ref, f"{out.name}.npy"))
        got = np.load(os.path.join(ours, f"{out.name}.npy"))
        if got.shape != want.shape:
            raise Failure(f"output {out.name}: shape {got.shape}, ORT {want.shape}")
        err = float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))
        worst = max(worst, err)
        if not err <= TOL:
            raise Failure(f"output {out.name}: max relative error {err:.3g} above {TOL}")
    return f"max relative error {worst:.2g}"


def refuse(args, work, name, m, flags, want_code, patterns):
    path = os.path.join(work, f"{name}.onnx")
    onnx.save(m, path)
    rc, text = run([args.neuron_cc, "compile", path, "--framework", "ONNX", "--output",
                    os.path.join(work, f"{name}.neff"), *flags])
    text = text.strip()
    if rc != want_code:
        raise Failure(f"exit {rc}, want {want_code}: {text}")
    if len(text.splitlines()) != 1:
        raise Failure(f"want a one-line error, got: {text}")
    for p in patterns:
        if p not in text:
            raise Failure(f"error does not say {p!r}: {text}")
    return text


def main():
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("neuron_cc")
    parser.add_argument("neuron_run")
    args = parser.parse_args()
    args.neuron_cc = os.path.abspath(args.neuron_cc)
    args.neuron_run = os.path.abspath(args.neuron_run)
    work = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    rng = np.random.default_rng(1)
    x = lambda *s: rng.standard_normal(s).astype(np.float32)
    cases = [
        ("folding: Pad pads through Reshape/Slice/Transpose",
         lambda: check(args, work, "pad_transpose", pad_through_transpose(), {"x": x(1, 2, 7, 9)})),
        ("folding: Shape->Gather->ReduceProd->Concat->Transpose->Reshape",
         lambda: check(args, work, "shape_chain", shape_chain(), {"x": x(2, 3, 4, 5)},
                       ["--input-shape", "x=2,3,4,5"])),
        ("control flow: If on a shape, then branch with a nested If",
         lambda: check(args, work, "if_then", if_on_shape(), {"x": x(2, 16)},
                       ["--input-shape", "x=2,16"])),
        ("control flow: If on a shape, else branch",
         lambda: check(args, work, "if_else", if_on_shape(), {"x": x(3, 8)},
                       ["--input-shape", "x=3,8"])),
        ("control flow: If on a --freeze-input flag",
         lambda: check(args, work, "if_flag", if_on_flag(), {"x": x(3, 8)},
                       frozen={"use_gelu": np.array(True)})),
        ("control flow: Loop with a constant trip count",
         lambda: check(args, work, "loop", loop_unrolled(), {"x": x(2, 4)})),
        ("control flow: Scan over a static sequence (reverse input and output, axis 1)",
         lambda: check(args, work, "scan", scan_unrolled(),
                       {"s0": x(3), "x": x(4, 3), "y": x(4, 3)})),
        ("folding: Dropout with training_mode true and ratio 0 is the identity",
         lambda: check(args, work, "dropout_p0", dropout_training(0.0), {"x": x(2, 4, 8)})),
        ("folding: Dropout that would drop at run time is refused",
         lambda: refuse(args, work, "dropout_p1", dropout_training(0.1), [], 3,
                        ["Dropout x1 ('attn_drop'): input training_mode"])),
        ("control flow: If on data is refused naming the input",
         lambda: refuse(args, work, "if_data", if_on_data(), [], 3,
                        ["If", "condition depends on input 'x'"])),
        ("pins: the suggestion is a placeholder with the kernel's bound",
         lambda: refuse(args, work, "audio", audio_front_end(), [], 2,
                        ["--input-shape input=1,<samples> where <samples> >= 512",
                         "Conv 'Conv_2'"])),
        ("pins: a pin shorter than the kernel names it",
         lambda: refuse(args, work, "audio_short", audio_front_end(),
                        ["--input-shape", "input=1,100"], 2, ["Conv 'Conv_2'", "kernel [512]"])),
        ("shapes: a pin the model cannot take names the node whose inputs disagree",
         lambda: refuse(args, work, "fpn_18", fpn_merge(), ["--input-shape", "x=1,3,18,18"], 2,
                        ["ONNX shape inference stops at node 'merge' (Add): Incompatible "
                         "dimensions (inputs [1,4,9,9], [1,4,10,10])"])),
        ("shapes: the FPN merge at a size it takes",
         lambda: check(args, work, "fpn_16", fpn_merge(), {"x": x(1, 3, 16, 16)},
                       ["--input-shape", "x=1,3,16,16"])),
        ("pins: a long enough pin compiles and matches",
         lambda: check(args, work, "audio_ok", audio_front_end(), {"input": x(1, 1600)},
                       ["--input-shape", "input=1,1600"])),
    ]
    failed = 0
    for title, case in cases:
        try:
            print(f"ok: {title}: {case()}")
        except Failure as e:
            failed += 1
            print(f"FAIL: {title}: {e}")
        sys.stdout.flush()
    if failed:
        sys.exit(f"{failed} of {len(cases)} cases failed")
    print(f"all {len(cases)} cases pass")


if __name__ == "__main__":
    main()
