#!/usr/bin/python3
"""Writes the small TensorFlow test graphs (text GraphDefs) and their expected
outputs, computed here with numpy from TensorFlow's documented semantics
(NHWC, SAME padding with the extra row/column at the end, AvgPool excluding
padding, FusedBatchNorm in inference, TF.js fused ops). No TensorFlow needed.

  /usr/bin/python3 testdata/tensorflow/make_models.py   # from the repo root

Outputs (checked in, small): small_cnn.pbtxt, small_cnn/input.npy,
small_cnn/expected.npy (output:0), small_cnn/expected_logits.npy (logits:0);
ops_mix.pbtxt (one output per op under test), ops_mix/input_{a,b}.npy and
ops_mix/<output>_0.npy, the expected value of tensor <output>:0.
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


def conv2d_transpose(dy, w, size, s, padding):
    """TF's Conv2DBackpropInput: the input gradient of an NHWC conv of a
    [1, size, size, C] input by w [k, k, C, M] giving dy [1, o, o, M]."""
    k = w.shape[0]
    pb = same_pads(size, k, s)[0] if padding == "SAME" else 0
    out = np.zeros((dy.shape[0], size + 2 * k + s, size + 2 * k + s, w.shape[2]), np.float64)
    for i in range(dy.shape[1]):
        for j in range(dy.shape[2]):
            for a in range(k):
                for b in range(k):
                    out[:, i * s + a, j * s + b, :] += dy[:, i, j, :] @ w[a, b].T
    return out[:, pb:pb + size, pb:pb + size, :]


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


def resize_bilinear(x, size, align, half):
    n, h, w, c = x.shape

    def weights(in_size, out_size):
        scale = (in_size - 1) / (out_size - 1) if align and out_size > 1 else in_size / out_size
        idx = []
        for o in range(out_size):
            v = (o + 0.5) * scale - 0.5 if half else o * scale
            f = np.floor(v)
            lo, hi = int(max(f, 0)), int(min(np.ceil(v), in_size - 1))
            idx.append((lo, hi, v - f))
        return idx

    out = np.zeros((n, size[0], size[1], c))
    for i, (y0, y1, ly) in enumerate(weights(h, size[0])):
        for j, (x0, x1, lx) in enumerate(weights(w, size[1])):
            top = x[:, y0, x0] + (x[:, y0, x1] - x[:, y0, x0]) * lx
            bot = x[:, y1, x0] + (x[:, y1, x1] - x[:, y1, x0]) * lx
            out[:, i, j] = top + (bot - top) * ly
    return out


def resize_nearest(x, size, align, half):
    n, h, w, c = x.shape

    def index(in_size, out_size):
        scale = (in_size - 1) / (out_size - 1) if align and out_size > 1 else in_size / out_size
        out = []
        for o in range(out_size):
            v = (o + 0.5) * scale if half else o * scale
            i = int(np.floor(v + 0.5)) if align else int(np.floor(v))
            out.append(max(min(i, in_size - 1), 0))
        return out

    ys, xs = index(h, size[0]), index(w, size[1])
    return x[:, ys][:, :, xs]


def ops_mix():
    """Ops the CNN does not use, each an output of its own."""
    g = Graph()
    f = "type: DT_FLOAT"
    a = rng.standard_normal((1, 6, 6, 4)).astype(np.float32)
    b = rng.standard_normal((2, 3, 4)).astype(np.float32)
    g.node("a", "Placeholder", dtype=f, shape="shape { dim { size: 1 } dim { size: 6 } dim { size: 6 } dim { size: 4 } }")
    g.node("b", "Placeholder", dtype=f, shape="shape { dim { size: 2 } dim { size: 3 } dim { size: 4 } }")
    want = {}
    for name, op, size, align, half in [
            ("bilinear_ac", "ResizeBilinear", (9, 11), True, False),
            ("bilinear_hp", "ResizeBilinear", (12, 9), False, True),
            ("bilinear", "ResizeBilinear", (10, 4), False, False),
            ("nearest", "ResizeNearestNeighbor", (12, 12), False, False),
            ("nearest_hp", "ResizeNearestNeighbor", (9, 9), False, True),
            ("nearest_ac", "ResizeNearestNeighbor", (11, 11), True, False)]:
        g.const(name + "_size", np.array(size, np.int32))
        g.node(name, op, ["a", name + "_size"], T=f, align_corners=f"b: {str(align).lower()}",
               half_pixel_centers=f"b: {str(half).lower()}")
        fn = resize_bilinear if op == "ResizeBilinear" else resize_nearest
        want[name] = fn(a, size, align, half)
    # Conv2D in NCHW with explicit padding and dilation 2.
    g.const("to_nchw", np.array([0, 3, 1, 2], np.int32))
    g.node("a_nchw", "Transpose", ["a", "to_nchw"], T=f)
    w = g.const("wd", weights(3, 3, 4, 5))
    g.node("conv_nchw", "Conv2D", ["a_nchw", "wd"], T=f, strides=ints(1, 1, 1, 1),
           dilations=ints(1, 1, 2, 2), padding='s: "EXPLICIT"',
           explicit_paddings=ints(0, 0, 0, 0, 2, 1, 1, 2), data_format='s: "NCHW"')
    wdil = np.zeros((5, 5, 4, 5), np.float32)
    wdil[::2, ::2] = w
    want["conv_nchw"] = conv2d(pad_hw(a, ((2, 1), (1, 2))), wdil, 1, "VALID").transpose(0, 3, 1, 2)
    # A channel concat of an NHWC conv with the input, then activations.
    w1 = g.const("w1", weights(1, 1, 4, 3))
    g.node("conv", "Conv2D", ["a", "w1"], T=f, strides=ints(1, 1, 1, 1), padding='s: "VALID"')
    c = conv2d(a, w1, 1, "VALID")
    g.const("axis3", np.array(3, np.int32))
    g.node("concat", "ConcatV2", ["conv", "a", "axis3"], T=f, N="i: 2")
    cat = np.concatenate([c, a], axis=3)
    g.node("elu", "Elu", ["concat"], T=f)
    g.node("selu", "Selu", ["elu"], T=f)
    g.node("softplus", "Softplus", ["selu"], T=f)
    e = np.where(cat > 0, cat, np.exp(cat) - 1)
    e = 1.0507009873554805 * np.where(e > 0, e, 1.6732632423543772 * (np.exp(e) - 1))
    want["softplus"] = np.log1p(np.exp(e))
    # Reductions over an NCHW-held tensor and a logical one.
    g.const("ax_c", np.array([-1], np.int32))
    g.node("sum_c", "Sum", ["concat", "ax_c"], T=f, keep_dims="b: true")
    want["sum_c"] = cat.sum(axis=3, keepdims=True)
    g.const("ax_hw", np.array([1, 2], np.int32))
    g.node("max_hw", "Max", ["concat", "ax_hw"], T=f, keep_dims="b: false")
    want["max_hw"] = cat.max(axis=(1, 2))
    g.const("ax_1", np.array([1], np.int32))
    g.const("half", np.array(0.25, np.float32))
    g.node("scaled", "Mul", ["b", "half"], T=f)
    g.node("sig", "Sigmoid", ["scaled"], T=f)
    g.node("prod", "Prod", ["sig", "ax_1"], T=f, keep_dims="b: false")
    sig = 1 / (1 + np.exp(-(b * 0.25)))
    want["prod"] = sig.prod(axis=1)
    # StridedSlice: a[:, ::-1, 1:5:2, ...] and a[0, 2, :, None, 1:3].
    g.const("ss_b", np.array([0, 0, 1, 0], np.int32))
    g.const("ss_e", np.array([0, 0, 5, 0], np.int32))
    g.const("ss_s", np.array([1, -1, 2, 1], np.int32))
    g.node("ss1", "StridedSlice", ["a", "ss_b", "ss_e", "ss_s"], T=f, Index="type: DT_INT32",
           begin_mask="i: 3", end_mask="i: 3", ellipsis_mask="i: 8")
    want["ss1"] = a[:, ::-1, 1:5:2, ...]
    g.const("ss2_b", np.array([0, 2, 0, 0, 1], np.int32))
    g.const("ss2_e", np.array([1, 3, 0, 0, 3], np.int32))
    g.const("ss2_s", np.array([1, 1, 1, 1, 1], np.int32))
    g.node("ss2", "StridedSlice", ["a", "ss2_b", "ss2_e", "ss2_s"], T=f, Index="type: DT_INT32",
           begin_mask="i: 4", end_mask="i: 4", new_axis_mask="i: 8", shrink_axis_mask="i: 3")
    want["ss2"] = a[0, 2, :, None, 1:3]
    # BatchMatMulV2 with adj_y and a broadcast weight.
    wm = g.const("wm", weights(5, 4))
    g.node("bmm", "BatchMatMulV2", ["b", "wm"], T=f, adj_x="b: false", adj_y="b: true")
    want["bmm"] = b @ wm.T
    # Split, SplitV, Pack, Unpack, Tile, GatherV2, Slice.
    g.const("ax_2", np.array(2, np.int32))
    g.node("split", "Split", ["ax_2", "b"], T=f, num_split="i: 2")
    g.const("sizes", np.array([1, -1], np.int32))
    g.node("splitv", "SplitV", ["b", "sizes", "ax_2"], T=f, num_split="i: 2", Tlen="type: DT_INT32")
    g.node("pack", "Pack", ["split:1", "split"], T=f, N="i: 2", axis="i: 1")
    want["pack"] = np.stack([b[:, :, 2:], b[:, :, :2]], axis=1)
    g.node("unpack", "Unpack", ["splitv:1"], T=f, num="i: 3", axis="i: 2")
    want["unpack"] = b[:, :, 1:][:, :, 0]
    g.const("mult", np.array([1, 2, 3], np.int32))
    g.node("tile", "Tile", ["splitv", "mult"], T=f)
    want["tile"] = np.tile(b[:, :, :1], (1, 2, 3))
    g.const("gidx", np.array([[2, 0], [1, 1]], np.int32))
    g.const("ax_1s", np.array(1, np.int32))
    g.node("gather", "GatherV2", ["b", "gidx", "ax_1s"], Tparams=f, Tindices="type: DT_INT32",
           Taxis="type: DT_INT32", batch_dims="i: 0")
    want["gather"] = b[:, [[2, 0], [1, 1]]]
    g.const("sl_b", np.array([1, 1, 0], np.int32))
    g.const("sl_s", np.array([1, -1, 3], np.int32))
    g.node("slice", "Slice", ["b", "sl_b", "sl_s"], T=f, Index="type: DT_INT32")
    want["slice"] = b[1:2, 1:, 0:3]
    # Element-wise math, Select, ArgMax, Cast.
    g.node("absb", "Abs", ["b"], T=f)
    g.const("eps", np.array(0.5, np.float32))
    g.node("absb_eps", "AddV2", ["absb", "eps"], T=f)
    g.node("rsqrt", "Rsqrt", ["absb_eps"], T=f)
    g.node("sqdiff", "SquaredDifference", ["rsqrt", "b"], T=f)
    g.const("pw", np.array(1.5, np.float32))
    g.node("pow", "Pow", ["absb_eps", "pw"], T=f)
    g.node("maxi", "Maximum", ["sqdiff", "pow"], T=f)
    g.node("mini", "Minimum", ["maxi", "absb_eps"], T=f)
    g.node("div", "RealDiv", ["mini", "absb_eps"], T=f)
    r = 1 / np.sqrt(np.abs(b) + 0.5)
    sq = (r - b) ** 2
    pw = (np.abs(b) + 0.5) ** 1.5
    want["div"] = np.minimum(np.maximum(sq, pw), np.abs(b) + 0.5) / (np.abs(b) + 0.5)
    g.const("zero", np.array(0, np.float32))
    g.node("pos", "Greater", ["b", "zero"], T=f)
    g.node("select", "SelectV2", ["pos", "b", "rsqrt"], T=f)
    want["select"] = np.where(b > 0, b, r)
    g.const("ax_last", np.array(-1, np.int32))
    g.node("argmax", "ArgMax", ["b", "ax_last"], T=f, Tidx="type: DT_INT32",
           output_type="type: DT_INT32")
    g.node("argmax_f", "Cast", ["argmax"], SrcT="type: DT_INT32", DstT=f)
    want["argmax_f"] = b.argmax(axis=-1)
    # MirrorPad REFLECT and PadV2 on an NCHW-held tensor.
    g.const("mp", np.array([[0, 0], [1, 2]], np.int32))
    g.const("b2d_shape", np.array([6, 4], np.int32))
    g.node("b2d", "Reshape", ["b", "b2d_shape"], T=f)
    g.node("mirror", "MirrorPad", ["b2d", "mp"], T=f, mode='s: "REFLECT"')
    want["mirror"] = np.pad(b.reshape(6, 4), ((0, 0), (1, 2)), mode="reflect")
    g.const("pads4", np.array([[0, 0], [1, 0], [0, 2], [1, 1]], np.int32))
    g.const("padval", np.array(-1.5, np.float32))
    g.node("padv2", "PadV2", ["conv", "pads4", "padval"], T=f)
    g.node("padv2_relu", "Relu", ["padv2"], T=f)
    want["padv2_relu"] = np.maximum(
        np.pad(c, ((0, 0), (1, 0), (0, 2), (1, 1)), constant_values=-1.5), 0)
    # Conv2DBackpropInput (Conv2DTranspose) of the NHWC input: SAME with
    # stride 2, and VALID whose last result row no window covers.
    for name, size, padding in [("deconv_same", 11, "SAME"), ("deconv_valid", 14, "VALID")]:
        wt = g.const(name + "_w", weights(3, 3, 3, 4))
        g.const(name + "_sizes", np.array([1, size, size, 3], np.int32))
        g.node(name, "Conv2DBackpropInput", [name + "_sizes", name + "_w", "a"], T=f,
               strides=ints(1, 2, 2, 1), padding=f's: "{padding}"')
        want[name] = conv2d_transpose(a, wt, size, 2, padding)
    # FloorDiv and FloorMod on integers of both signs, FloorDiv on floats.
    g.const("four", np.array(4, np.float32))
    g.node("b4", "Mul", ["b", "four"], T=f)
    g.node("b4_floor", "Floor", ["b4"], T=f)
    g.node("bi", "Cast", ["b4_floor"], SrcT=f, DstT="type: DT_INT32")
    bi = np.floor(b * 4).astype(np.int32)
    g.const("three", np.array(3, np.int32))
    g.const("minus_three", np.array(-3, np.int32))
    g.node("fdiv_i", "FloorDiv", ["bi", "three"], T="type: DT_INT32")
    g.node("fdiv_f", "Cast", ["fdiv_i"], SrcT="type: DT_INT32", DstT=f)
    want["fdiv_f"] = bi // 3
    g.node("fmod_i", "FloorMod", ["bi", "minus_three"], T="type: DT_INT32")
    g.node("fmod_f", "Cast", ["fmod_i"], SrcT="type: DT_INT32", DstT=f)
    want["fmod_f"] = np.mod(bi, -3)
    g.const("tenth3", np.array(0.3, np.float32))
    g.node("fdiv_float", "FloorDiv", ["b", "tenth3"], T=f)
    want["fdiv_float"] = np.floor(b / np.float32(0.3))
    # GatherNd: whole rows of b picked by (batch, row) pairs.
    g.const("nd_idx", np.array([[1, 2], [0, 0], [1, 0]], np.int32))
    g.node("gather_nd", "GatherNd", ["b", "nd_idx"], Tparams=f, Tindices="type: DT_INT32")
    want["gather_nd"] = b[[1, 0, 1], [2, 0, 0]]
    # Einsum: a batched contraction, and an implicit-output one.
    g.node("einsum", "Einsum", ["b", "b"], T=f, N="i: 2", equation='s: "bij,bkj->bik"')
    want["einsum"] = np.einsum("bij,bkj->bik", b, b)
    g.node("einsum_implicit", "Einsum", ["b"], T=f, N="i: 1", equation='s: "jib"')
    want["einsum_implicit"] = np.einsum("jib", b)
    return g.text(), {"a": a, "b": b}, {k: v.astype(np.float32) for k, v in want.items()}


def main():
    text, x, out, logits = small_cnn()
    with open(os.path.join(HERE, "small_cnn.pbtxt"), "w") as f:
        f.write(text)
    os.makedirs(os.path.join(HERE, "small_cnn"), exist_ok=True)
    np.save(os.path.join(HERE, "small_cnn", "input.npy"), x)
    np.save(os.path.join(HERE, "small_cnn", "expected.npy"), out)
    np.save(os.path.join(HERE, "small_cnn", "expected_logits.npy"), logits)
    text, inputs, want = ops_mix()
    with open(os.path.join(HERE, "ops_mix.pbtxt"), "w") as f:
        f.write(text)
    os.makedirs(os.path.join(HERE, "ops_mix"), exist_ok=True)
    for name, value in inputs.items():
        np.save(os.path.join(HERE, "ops_mix", f"input_{name}.npy"), value)
    for name, value in want.items():
        np.save(os.path.join(HERE, "ops_mix", f"{name}_0.npy"), value)


if __name__ == "__main__":
    main()
