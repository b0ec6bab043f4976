"""Writes the hostile ONNX models of hostile_models_test.sh into a directory.

Each model is small on disk and invalid or oversized in one way (issue 14,
classes 1, 5 and 6): usage: hostile_models.py OUT_DIR.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT


def vi(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, shape)


def out(name, rank, elem=F):
    """An output of known rank and unknown dims (the checker wants a shape)."""
    return vi(name, ["d%d" % i for i in range(rank)], elem)


def model(nodes, inputs, outputs, inits=(), opset=13):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def const(name, values, dtype=np.int64):
    return numpy_helper.from_array(np.array(values, dtype=dtype), name)


def conv(name="C", x=(1, 4, 8, 8), w=(4, 4, 3, 3), **attrs):
    wt = numpy_helper.from_array(np.zeros(w, np.float32), "W")
    node = helper.make_node("Conv", ["x", "W"], ["y"], name=name, **attrs)
    return model([node], [vi("x", list(x))], [out("y", 4)], [wt])


def pool(op, x=(1, 2, 8, 8), **attrs):
    node = helper.make_node(op, ["x"], ["y"], name="P", **attrs)
    return model([node], [vi("x", list(x))], [out("y", 4)])


def unary(op="Relu", shape=(2, 3), **attrs):
    node = helper.make_node(op, ["x"], ["y"], name="U", **attrs)
    return model([node], [vi("x", list(shape))], [out("y", len(shape))])


def cases():
    yield "conv_group0", conv(group=0)
    yield "conv_stride0", conv(strides=[0, 1])
    yield "conv_dilation0", conv(dilations=[0, 1])
    yield "conv_group3", conv(w=(3, 1, 3, 3), group=3)
    yield "conv_kernel_too_big", conv(x=(1, 4, 2, 2))
    yield "conv_neg_pad", conv(pads=[-1, 0, 0, 0])
    yield "maxpool_kernel0", pool("MaxPool", kernel_shape=[0, 2])
    yield "avgpool_neg_pads", pool("AveragePool", kernel_shape=[2, 2], pads=[-1, 0, 0, 0])
    gemm = helper.make_node("Gemm", ["a", "B"], ["y"], name="G")
    yield "gemm_k_mismatch", model([gemm], [vi("a", [2, 3])], [out("y", 2)],
                                   [numpy_helper.from_array(np.zeros((4, 5), np.float32), "B")])
    mm = helper.make_node("MatMul", ["a", "B"], ["y"], name="M")
    yield "matmul_k_mismatch", model([mm], [vi("a", [2, 3])], [out("y", 2)],
                                     [numpy_helper.from_array(np.zeros((4, 5), np.float32), "B")])
    relu = helper.make_node("Relu", ["x"], ["y"], name="R")
    yield "no_outputs", model([relu], [vi("x", [2])], [])
    yield "dup_output", model([relu], [vi("x", [2])], [vi("y", [2]), vi("y", [2])])
    yield "empty_name", model([helper.make_node("Relu", ["x"], [""], name="R")],
                              [vi("x", [2])], [vi("", [2])])
    yield "nul_name", model([helper.make_node("Relu", ["x"], ["y\0z"], name="R")],
                            [vi("x", [2])], [vi("y\0z", [2])])
    yield "transpose_perm", unary("Transpose", perm=[0, 5])
    yield "transpose_perm_dup", unary("Transpose", perm=[1, 1])
    yield "softmax_axis", unary("Softmax", axis=5)
    yield "concat_axis", model([helper.make_node("Concat", ["x", "x"], ["y"], name="K", axis=-3)],
                               [vi("x", [2, 3])], [out("y", 2)])
    resh = helper.make_node("Reshape", ["x", "s"], ["y"], name="Rs")
    yield "reshape_two_minus1", model([resh], [vi("x", [2, 3])], [out("y", 2)],
                                      [const("s", [-1, -1])])
    sl = helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"], name="S")
    yield "slice_step0", model([sl], [vi("x", [4, 3])], [out("y", 2)],
                               [const("st", [0]), const("en", [4]), const("ax", [0]),
                                const("sp", [0])])
    rng = helper.make_node("Range", ["a", "b", "d"], ["y"], name="Rg")
    yield "range_step0", model([rng], [], [out("y", 1, TensorProto.INT64)],
                               [const("a", 0), const("b", 10), const("d", 0)])
    big = helper.make_node("Range", ["a", "b", "d"], ["r"], name="Big")
    cast = helper.make_node("Cast", ["r"], ["y"], name="Cast", to=F)
    yield "range_1e12", model([big, cast], [], [out("y", 1)],
                              [const("a", 0), const("b", 10**12), const("d", 1)])
    yield "relu_2p20", unary("Relu", shape=(2**20, 2**20))
    yield "relu_2p31", unary("Relu", shape=(2**31, 2**31))
    yield "relu_2p63", unary("Relu", shape=(2**63 - 1,))
    yield "relu_2p63_x2", unary("Relu", shape=(2**62, 4))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, m in cases():
        with open(os.path.join(out, name + ".onnx"), "wb") as f:
            f.write(m.SerializeToString())


if __name__ == "__main__":
    main()
