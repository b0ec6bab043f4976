#!/usr/bin/python3
"""Writes the MXNet fuzz seeds (small; committed):

    /usr/bin/python3 tests/fuzz/make_mxnet_seeds.py   # from the repository root

corpus/mxnet_params/*.params: params files in every NDArray version (V1,
V2, V3 with a scalar), each dtype the reader takes, one it refuses, and
row_sparse/csr arrays. corpus/mxnet_import/*.seed: symbol JSON, a NUL byte,
then the params bytes: a CNN, a residual block with BatchNorm and global
pooling, a BERT-style attention layer, a legacy-keys symbol, and tensor
ops. Data variables declare __shape__ so the fuzzer reaches the converters
without pins. The layout is frontends/mxnet/params.h's.
"""
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FLAGS = {"float32": 0, "float64": 1, "float16": 2, "uint8": 3, "int32": 4, "int8": 5,
         "int64": 6, "bfloat16": 12}
V1, V2, V3 = 0xF993FAC8, 0xF993FAC9, 0xF993FACA


def ndarray(a, magic=V3, stype=0, type_name=None):
    out = struct.pack("<I", magic)
    if magic != V1:
        out += struct.pack("<i", stype)
    if stype:
        out += struct.pack("<iq", 1, 0)  # storage shape (0,): no stored values
    out += struct.pack("<i", a.ndim) + struct.pack(f"<{a.ndim}q", *a.shape)
    out += struct.pack("<ii", 1, 0)
    out += struct.pack("<i", FLAGS[type_name or str(a.dtype)])
    if stype:
        for _ in range(1 if stype == 1 else 2):
            out += struct.pack("<iiq", 6, 1, 0)
        return out
    return out + a.tobytes()


def params(arrays):
    """arrays: [(name, ndarray bytes)]"""
    out = struct.pack("<QQQ", 0x112, 0, len(arrays))
    for _, data in arrays:
        out += data
    out += struct.pack("<Q", len(arrays))
    for name, _ in arrays:
        out += struct.pack("<Q", len(name)) + name.encode()
    return out


def f32(*shape, scale=0.5):
    rng = np.random.default_rng(sum(shape) + len(shape))
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def var(name, shape=None):
    node = {"op": "null", "name": name, "inputs": []}
    if shape:
        node["attrs"] = {"__shape__": str(tuple(shape))}
    return node


class Symbol:
    def __init__(self):
        self.nodes, self.arrays = [], []

    def add(self, node):
        self.nodes.append(node)
        return len(self.nodes) - 1

    def data(self, name, shape):
        return self.add(var(name, shape))

    def param(self, name, value, prefix="arg:"):
        self.arrays.append((prefix + name, ndarray(value)))
        return self.add(var(name))

    def op(self, op, name, inputs, **attrs):
        node = {"op": op, "name": name, "inputs": [[i, 0, 0] for i in inputs]}
        if attrs:
            node["attrs"] = {k: str(v) for k, v in attrs.items()}
        return self.add(node)

    def seed(self, heads):
        sym = {"nodes": self.nodes,
               "arg_nodes": [i for i, n in enumerate(self.nodes) if n["op"] == "null"],
               "heads": [[h, 0, 0] for h in heads],
               "attrs": {"mxnet_version": ["int", 10901]}}
        return json.dumps(sym).encode() + b"\0" + params(self.arrays)


def cnn():
    s = Symbol()
    x = s.data("data", (1, 3, 8, 8))
    c = s.op("Convolution", "conv0", [x, s.param("conv0_weight", f32(4, 3, 3, 3)),
                                      s.param("conv0_bias", f32(4))],
             kernel=(3, 3), num_filter=4, pad=(1, 1))
    a = s.op("Activation", "relu0", [c], act_type="relu")
    p = s.op("Pooling", "pool0", [a], kernel=(2, 2), stride=(2, 2), pool_type="max")
    f = s.op("Flatten", "flat0", [p])
    fc = s.op("FullyConnected", "fc0", [f, s.param("fc0_weight", f32(10, 64)),
                                        s.param("fc0_bias", f32(10))], num_hidden=10)
    label = s.add(var("softmax_label"))
    return s.seed([s.op("SoftmaxOutput", "softmax", [fc, label])])


def residual():
    s = Symbol()
    x = s.data("data", (1, 4, 6, 6))
    c = s.op("Convolution", "conv0", [x, s.param("conv0_weight", f32(4, 2, 3, 3))],
             kernel=(3, 3), num_filter=4, pad=(1, 1), num_group=2, no_bias=True)
    b = s.op("BatchNorm", "bn0", [c, s.param("bn0_gamma", f32(4)), s.param("bn0_beta", f32(4)),
                                  s.param("bn0_running_mean", f32(4), "aux:"),
                                  s.param("bn0_running_var", np.ones(4, np.float32), "aux:")],
             eps=1e-5, fix_gamma=False)
    r = s.op("LeakyReLU", "prelu0", [b, s.param("prelu0_alpha", f32(4))], act_type="prelu")
    add = s.op("elemwise_add", "add0", [r, x])
    avg = s.op("Pooling", "pool1", [add], kernel=(3, 3), pool_type="avg",
               pooling_convention="full", count_include_pad=False, stride=(2, 2))
    g = s.op("Pooling", "pool2", [avg], kernel=(1, 1), global_pool=True, pool_type="avg")
    return s.seed([g, s.op("log_softmax", "ls", [g], axis=1)])


def attention():
    s = Symbol()
    x = s.data("data", (1, 4))
    e = s.op("Embedding", "emb", [x, s.param("emb_weight", f32(10, 8))], input_dim=10,
             output_dim=8)
    n = s.op("LayerNorm", "ln", [e, s.param("ln_gamma", f32(8)), s.param("ln_beta", f32(8))])
    q = s.op("FullyConnected", "q", [n, s.param("q_weight", f32(8, 8)),
                                     s.param("q_bias", f32(8))], num_hidden=8, flatten=False)
    h = s.op("Reshape", "split_heads", [q], shape=(0, 0, -4, 2, -1))
    t = s.op("transpose", "t", [h], axes=(0, 2, 1, 3))
    r = s.op("Reshape", "merge", [t], shape=(-3, -2))
    scaled = s.op("_contrib_div_sqrt_dim", "scale", [r])
    att = s.op("batch_dot", "att", [scaled, r], transpose_b=True)
    sm = s.op("softmax", "sm", [att], axis=-1)
    ctx = s.op("batch_dot", "ctx", [sm, r])
    g = s.op("LeakyReLU", "gelu", [ctx], act_type="gelu")
    d = s.op("Dropout", "drop", [g], p=0.1)
    return s.seed([s.op("_plus_scalar", "plus", [d], scalar=1.5)])


def tensor_ops():
    s = Symbol()
    x = s.data("data", (2, 6, 4))
    parts = s.op("SliceChannel", "split", [x], num_outputs=2, axis=1)
    s.nodes[parts]["attrs"]["squeeze_axis"] = "False"
    second = s.add({"op": "broadcast_mul", "name": "mul", "inputs": [[parts, 0, 0], [parts, 1, 0]]})
    c = s.op("Concat", "cat", [second, x], dim=1, num_args=2)
    sl = s.op("slice", "sl", [c], begin=(None, 1, 0), end=(None, None, 3), step=(1, 2, 1))
    ax = s.op("slice_axis", "sa", [sl], axis=2, begin=0, end="None")
    ex = s.op("expand_dims", "ex", [ax], axis=0)
    sq = s.op("squeeze", "sq", [ex], axis=0)
    m = s.op("mean", "mean", [sq], axis=(1,), keepdims=True)
    cl = s.op("clip", "clip", [m], a_min=-1, a_max=1)
    w = s.op("where", "where", [cl, cl, m])
    ca = s.op("Cast", "cast", [w], dtype="float16")
    return s.seed([s.op("BlockGrad", "bg", [ca]), s.op("sum", "sum", [x], axis="None")])


def legacy():
    sym = {"nodes": [
        {"op": "null", "name": "data", "attr": {"__shape__": "(2, 6)"}, "inputs": []},
        {"op": "null", "name": "fc_weight", "param": {}, "inputs": []},
        {"op": "null", "name": "fc_bias", "param": {}, "inputs": []},
        {"op": "FullyConnected", "name": "fc", "param": {"num_hidden": "3", "no_bias": "False"},
         "inputs": [[0, 0], [1, 0], [2, 0]], "backward_source_id": -1},
        {"op": "Reshape", "name": "r", "attr": {"shape": "(0, -1, 1)"}, "inputs": [[3, 0]]}],
        "arg_nodes": [0, 1, 2], "heads": [[4, 0]]}
    arrays = [("fc_weight", ndarray(f32(3, 6), V1)), ("fc_bias", ndarray(f32(3), V2))]
    return json.dumps(sym).encode() + b"\0" + params(arrays)


def main():
    pdir = os.path.join(HERE, "corpus", "mxnet_params")
    idir = os.path.join(HERE, "corpus", "mxnet_import")
    os.makedirs(pdir, exist_ok=True)
    os.makedirs(idir, exist_ok=True)
    seeds_params = {
        "versions": params([("arg:v1", ndarray(f32(2, 3), V1)), ("arg:v2", ndarray(f32(4), V2)),
                            ("aux:v3", ndarray(f32(1, 2, 2))),
                            ("scalar", ndarray(np.array(2.5, np.float32)))]),
        "dtypes": params([(f"arg:{t}", ndarray(np.arange(6).astype(t).reshape(2, 3)))
                          for t in ("float64", "float16", "uint8", "int8", "int32", "int64")]),
        "refused": params([("arg:b", ndarray(np.zeros(2, np.uint16), type_name="bfloat16"))]),
        "sparse": params([("arg:rsp", ndarray(f32(4, 2), stype=1)),
                          ("arg:csr", ndarray(f32(3, 3), stype=2))]),
    }
    for name, data in seeds_params.items():
        with open(os.path.join(pdir, name + ".params"), "wb") as f:
            f.write(data)
    for name, make in (("cnn", cnn), ("residual", residual), ("attention", attention),
                       ("tensor_ops", tensor_ops), ("legacy", legacy)):
        with open(os.path.join(idir, name + ".seed"), "wb") as f:
            f.write(make())


if __name__ == "__main__":
    main()
