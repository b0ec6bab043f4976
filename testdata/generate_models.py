#!/usr/bin/python3
"""Builds the small ONNX test models under testdata/models/.

Run with Debian's interpreter (python3-onnx 1.12 + numpy), not a pyenv one:

    /usr/bin/python3 testdata/generate_models.py

Every model is opset 13, FP32, with weights drawn from a fixed numpy seed and
He-initialised (std = sqrt(2 / fan_in)) so that activations neither vanish
nor explode through the ReLUs and the reference outputs are not degenerate.
"""

import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
MODELS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")


def he(rng, shape, fan_in):
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def bias(rng, n):
    return rng.uniform(-0.1, 0.1, size=(n,)).astype(np.float32)


def init(name, array):
    return numpy_helper.from_array(array, name=name)


def save(graph, filename):
    model = helper.make_model(
        graph,
        producer_name="ncc-testdata",
        producer_version="1",
        opset_imports=[helper.make_opsetid("", OPSET)],
    )
    # Keep files loadable by older runtimes; opset 13 needs IR >= 7.
    model.ir_version = 8
    onnx.checker.check_model(model)
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    path = os.path.join(MODELS_DIR, filename)
    onnx.save(model, path)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def mlp_graph(rng, batch_dim):
    """x[batch,64] -> Gemm(128) -> Relu -> Gemm(10) -> y."""
    w1 = he(rng, (128, 64), 64)
    b1 = bias(rng, 128)
    w2 = he(rng, (10, 128), 128)
    b2 = bias(rng, 10)
    nodes = [
        helper.make_node("Gemm", ["x", "fc1.weight", "fc1.bias"], ["fc1_out"],
                         name="fc1", transB=1),
        helper.make_node("Relu", ["fc1_out"], ["relu1_out"], name="relu1"),
        helper.make_node("Gemm", ["relu1_out", "fc2.weight", "fc2.bias"], ["y"],
                         name="fc2", transB=1),
    ]
    return helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch_dim, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch_dim, 10])],
        initializer=[init("fc1.weight", w1), init("fc1.bias", b1),
                     init("fc2.weight", w2), init("fc2.bias", b2)],
    )


def mlp(rng):
    save(mlp_graph(rng, 1), "mlp.onnx")


def dynamic_batch(rng):
    save(mlp_graph(rng, "batch"), "dynamic_batch.onnx")


def mlp_matmul(rng):
    """x[4,200] -> MatMul(300) + b -> Relu -> MatMul(130) + b -> y[4,130].

    200, 300 and 130 all cross the 128-partition and 128-row tile limits.
    """
    w1 = he(rng, (200, 300), 200)
    b1 = bias(rng, 300)
    w2 = he(rng, (300, 130), 300)
    b2 = bias(rng, 130)
    nodes = [
        helper.make_node("MatMul", ["x", "fc1.weight"], ["fc1_mm"], name="fc1_matmul"),
        helper.make_node("Add", ["fc1_mm", "fc1.bias"], ["fc1_out"], name="fc1_add"),
        helper.make_node("Relu", ["fc1_out"], ["relu1_out"], name="relu1"),
        helper.make_node("MatMul", ["relu1_out", "fc2.weight"], ["fc2_mm"], name="fc2_matmul"),
        helper.make_node("Add", ["fc2_mm", "fc2.bias"], ["y"], name="fc2_add"),
    ]
    graph = helper.make_graph(
        nodes,
        "mlp_matmul",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 200])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 130])],
        initializer=[init("fc1.weight", w1), init("fc1.bias", b1),
                     init("fc2.weight", w2), init("fc2.bias", b2)],
    )
    save(graph, "mlp_matmul.onnx")


def cnn(rng):
    """Conv stack with stride, a depthwise conv, a residual Add and a Gemm head."""
    inits = [
        init("conv1.weight", he(rng, (16, 3, 3, 3), 3 * 9)),
        init("conv1.bias", bias(rng, 16)),
        init("conv2.weight", he(rng, (32, 16, 3, 3), 16 * 9)),
        init("conv2.bias", bias(rng, 32)),
        init("dw.weight", he(rng, (32, 1, 3, 3), 9)),
        init("dw.bias", bias(rng, 32)),
        init("pw.weight", he(rng, (32, 32, 1, 1), 32)),
        init("pw.bias", bias(rng, 32)),
        init("fc.weight", he(rng, (10, 32 * 16 * 16), 32 * 16 * 16)),
        init("fc.bias", bias(rng, 10)),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "conv1.weight", "conv1.bias"], ["conv1_out"],
                         name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv1_out"], ["relu1_out"], name="relu1"),
        helper.make_node("Conv", ["relu1_out", "conv2.weight", "conv2.bias"], ["conv2_out"],
                         name="conv2", kernel_shape=[3, 3], strides=[2, 2],
                         pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["conv2_out"], ["relu2_out"], name="relu2"),
        helper.make_node("Conv", ["relu2_out", "dw.weight", "dw.bias"], ["dw_out"],
                         name="dw", kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=32),
        helper.make_node("Relu", ["dw_out"], ["relu3_out"], name="relu3"),
        helper.make_node("Conv", ["relu3_out", "pw.weight", "pw.bias"], ["pw_out"],
                         name="pw", kernel_shape=[1, 1]),
        helper.make_node("Add", ["pw_out", "relu2_out"], ["res_out"], name="residual"),
        helper.make_node("Relu", ["res_out"], ["relu4_out"], name="relu4"),
        helper.make_node("Flatten", ["relu4_out"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["y"], name="fc",
                         transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
        initializer=inits,
    )
    save(graph, "cnn.onnx")


def cnn_wide(rng):
    """One 3x3 dilated Conv, 160 -> 200 channels (both cross 128), with bias."""
    inits = [
        init("conv.weight", he(rng, (200, 160, 3, 3), 160 * 9)),
        init("conv.bias", bias(rng, 200)),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["y"], name="conv",
                         kernel_shape=[3, 3], dilations=[2, 2], pads=[1, 0, 1, 0]),
    ]
    # Effective kernel 5x5; padding 1 on H only: H 20 + 2 - 4 = 18, W 20 - 4 = 16.
    graph = helper.make_graph(
        nodes,
        "cnn_wide",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 160, 20, 20])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 200, 18, 16])],
        initializer=inits,
    )
    save(graph, "cnn_wide.onnx")


def main():
    os.makedirs(MODELS_DIR, exist_ok=True)
    # One generator per model so that adding a model never changes the others;
    # dynamic_batch shares mlp's seed, so it has exactly mlp's weights.
    builds = [(mlp, 1234), (mlp_matmul, 1235), (cnn, 1236), (cnn_wide, 1237),
              (dynamic_batch, 1234)]
    for build, seed in builds:
        build(np.random.default_rng(seed))


if __name__ == "__main__":
    main()
