#!/usr/bin/python3
"""Writes the small TensorFlow test graphs (text GraphDefs) and their expected
outputs, computed here with numpy from TensorFlow's documented semantics
(NHWC, SAME padding with the extra row/column at the end, AvgPool excluding
padding, FusedBatchNorm in inference, TF.js fused ops). No TensorFlow needed.

  /usr/bin/python3 testdata/tensorflow/make_models.py   # from the repo root

Outputs (checked in, small): small_cnn.pbtxt, small_cnn/input.npy,
small_cnn/expected.npy (output:0), small_cnn/expected_logits.npy (logits:0).
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(17)


# ---- numpy reference (TF semantics) ----

def same_pads(size, k, s, d=1):
    out = -(-size // s)
    span = (k - 1) * d + 1
    total = max((out - 1) * s + span - size, 0)
    return total // 2, total - total // 2


def pad_hw(x, pads, value=0.0):
    (t, b), (l, r) = pads
    return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=value)


def conv2d(x, w, stride, padding):
    """x NHWC, w HWIO."""
    kh, kw, _, co = w.shape
    if padding == "SAME":
        x = pad_hw(x, (same_pads(x.shape[1], kh, stride), same_pads(x.shape[2], kw, stride)))
    n, h, wd, _ = x.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, oh, ow, co), np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return out


def depthwise(x, w, stride, padding):
    """w [kh, kw, C, M]; output channel c*M + m."""
    kh, kw, c, m = w.shape
    if padding == "SAME":
        x = pad_hw(x, (same_pads(x.shape[1], kh, stride), same_pads(x.shape[2], kw, stride)))
    n, h, wd, _ = x.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, oh, ow, c * m), np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            for mm in range(m):
                out[:, i, j, mm::m] = np.einsum("nhwc,hwc->nc", patch, w[:, :, :, mm])
    return out


def pool(x, k, s, padding, kind):
    if padding == "SAME":
        pads = (same_pads(x.shape[1], k, s), same_pads(x.shape[2], k, s))
    else:
        pads = ((0, 0), (0, 0))
    fill = -np.inf if kind == "max" else np.nan
    xp = pad_hw(x, pads, fill)
    n, h, w, c = xp.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            win = xp[:, i * s:i * s + k, j * s:j * s + k, :]
            out[:, i, j, :] = win.max(axis=(1, 2)) if kind == "max" else np.nanmean(win, axis=(1, 2))
    return out


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ---- text GraphDef writer ----

class Graph:
    def __init__(self):
        self.lines = []

    def node(self, name, op, inputs=(), **attrs):
        parts = [f"node {{\n  name: \"{name}\"\n  op: \"{op}\""]
        for i in inputs:
            parts.append(f"  input: \"{i}\"")
        for key, value in attrs.items():
            parts.append(f"  attr {{ key: \"{key}\" value {{ {value} }} }}")
        parts.append("}")
        self.lines.append("\n".join(parts))

    def const(self, name, array):
        array = np.asarray(array)
        if array.dtype == np.float32:
            dtype, field = "DT_FLOAT", "float_val"
            vals = " ".join(f"{field}: {v:.9g}" for v in array.ravel())
        else:
            dtype, field = "DT_INT32", "int_val"
            vals = " ".join(f"{field}: {int(v)}" for v in array.ravel())
        dims = " ".join(f"dim {{ size: {d} }}" for d in array.shape)
        self.node(name, "Const", dtype=f"type: {dtype}",
                  value=f"tensor {{ dtype: {dtype} tensor_shape {{ {dims} }} {vals} }}")
        return array

    def text(self):
        return "\n".join(self.lines) + "\nversions { producer: 1395 }\n"


def ints(*v):
    return "list { " + " ".join(f"i: {i}" for i in v) + " }"


def strs(*v):
    return "list { " + " ".join(f"s: \"{s}\"" for s in v) + " }"


def weights(*shape, scale=0.3):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def small_cnn():
    g = Graph()
    x = rng.standard_normal((1, 16, 16, 3)).astype(np.float32)
    g.node("input", "Placeholder", dtype="type: DT_FLOAT",
           shape="shape { dim { size: -1 } dim { size: 16 } dim { size: 16 } dim { size: 3 } }")
    f = "type: DT_FLOAT"
    # _FusedConv2D [BiasAdd, Relu], 3x3 SAME.
    w1, b1 = g.const("w1", weights(3, 3, 3, 8)), g.const("b1", weights(8))
    g.node("conv1", "_FusedConv2D", ["input", "w1", "b1"], T=f, strides=ints(1, 1, 1, 1),
           padding='s: "SAME"', fused_ops=strs("BiasAdd", "Relu"), num_args="i: 1")
    y = np.maximum(conv2d(x, w1, 1, "SAME") + b1, 0)
    # Conv2D stride 2 SAME (asymmetric padding), FusedBatchNormV3, Relu6.
    w2 = g.const("w2", weights(3, 3, 8, 8))
    g.node("conv2", "Conv2D", ["conv1", "w2"], T=f, strides=ints(1, 2, 2, 1), padding='s: "SAME"')
    y = conv2d(y, w2, 2, "SAME")
    scale, offset = g.const("bn_scale", weights(8) + 1), g.const("bn_offset", weights(8))
    mean, var = g.const("bn_mean", weights(8)), g.const("bn_var", np.abs(weights(8)) + 0.5)
    g.node("bn", "FusedBatchNormV3", ["conv2", "bn_scale", "bn_offset", "bn_mean", "bn_var"], T=f,
           U=f, epsilon="f: 0.001", is_training="b: false", data_format='s: "NHWC"')
    y = (y - mean) / np.sqrt(var + 0.001) * scale + offset
    g.node("relu6", "Relu6", ["bn"], T=f)
    y = np.clip(y, 0, 6)
    # Depthwise 3x3 SAME, BiasAdd, LeakyRelu.
    dw, b3 = g.const("dw", weights(3, 3, 8, 1)), g.const("b3", weights(8))
    g.node("dwconv", "DepthwiseConv2dNative", ["relu6", "dw"], T=f, strides=ints(1, 1, 1, 1),
           padding='s: "SAME"')
    g.node("bias3", "BiasAdd", ["dwconv", "b3"], T=f)
    g.node("leaky", "LeakyRelu", ["bias3"], T=f, alpha="f: 0.1")
    y = depthwise(y, dw, 1, "SAME") + b3
    y = np.where(y > 0, y, 0.1 * y)
    # MaxPool 2x2 VALID; AvgPool 3x3 SAME (padding excluded); residual add.
    g.node("maxpool", "MaxPool", ["leaky"], T=f, ksize=ints(1, 2, 2, 1), strides=ints(1, 2, 2, 1),
           padding='s: "VALID"')
    p = pool(y, 2, 2, "VALID", "max")
    g.node("avgpool", "AvgPool", ["maxpool"], T=f, ksize=ints(1, 3, 3, 1),
           strides=ints(1, 1, 1, 1), padding='s: "SAME"')
    a = pool(p, 3, 1, "SAME", "avg")
    g.node("residual", "AddV2", ["avgpool", "maxpool"], T=f)
    y = a + p
    # Pad then a VALID _FusedConv2D.
    g.const("paddings", np.array([[0, 0], [1, 1], [1, 1], [0, 0]], np.int32))
    g.node("pad", "Pad", ["residual", "paddings"], T=f)
    y = pad_hw(y, ((1, 1), (1, 1)))
    w4, b4 = g.const("w4", weights(3, 3, 8, 8)), g.const("b4", weights(8))
    g.node("conv4", "_FusedConv2D", ["pad", "w4", "b4"], T=f, strides=ints(1, 1, 1, 1),
           padding='s: "VALID"', fused_ops=strs("BiasAdd", "Relu"), num_args="i: 1")
    y = np.maximum(conv2d(y, w4, 1, "VALID") + b4, 0)
    # Global average pool, and a flatten through Shape -> StridedSlice -> Pack -> Reshape.
    g.const("hw", np.array([1, 2], np.int32))
    g.node("gap", "Mean", ["conv4", "hw"], T=f, keep_dims="b: false")
    gap = y.mean(axis=(1, 2))
    g.node("shape", "Shape", ["conv4"], T=f, out_type="type: DT_INT32")
    g.const("begin", np.array([0], np.int32))
    g.const("end", np.array([1], np.int32))
    g.const("stride", np.array([1], np.int32))
    g.node("batch", "StridedSlice", ["shape", "begin", "end", "stride"], T="type: DT_INT32",
           Index="type: DT_INT32", shrink_axis_mask="i: 1")
    g.const("minus1", np.array(-1, np.int32))
    g.node("flat_shape", "Pack", ["batch", "minus1"], T="type: DT_INT32", N="i: 2", axis="i: 0")
    g.node("flat", "Reshape", ["conv4", "flat_shape"], T=f)
    flat = y.reshape(1, -1)
    wf = g.const("wf", weights(10, 128, scale=0.1))
    g.node("fc1", "MatMul", ["flat", "wf"], T=f, transpose_a="b: false", transpose_b="b: true")
    wg, bg = g.const("wg", weights(8, 10)), g.const("bg", weights(10))
    g.node("fc2", "_FusedMatMul", ["gap", "wg", "bg"], T=f, fused_ops=strs("BiasAdd"),
           num_args="i: 1", transpose_a="b: false", transpose_b="b: false")
    g.node("logits", "AddV2", ["fc1", "fc2"], T=f)
    g.node("output", "Softmax", ["logits"], T=f)
    logits = flat @ wf.T + (gap @ wg + bg)
    return g.text(), x, softmax(logits).astype(np.float32), logits.astype(np.float32)


def main():
    text, x, out, logits = small_cnn()
    with open(os.path.join(HERE, "small_cnn.pbtxt"), "w") as f:
        f.write(text)
    os.makedirs(os.path.join(HERE, "small_cnn"), exist_ok=True)
    np.save(os.path.join(HERE, "small_cnn", "input.npy"), x)
    np.save(os.path.join(HERE, "small_cnn", "expected.npy"), out)
    np.save(os.path.join(HERE, "small_cnn", "expected_logits.npy"), logits)


if __name__ == "__main__":
    main()
