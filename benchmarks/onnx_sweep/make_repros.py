#!/usr/bin/python3
"""Writes minimal ONNX reproductions of the sweep's failure classes.

  /usr/bin/python3 benchmarks/onnx_sweep/make_repros.py [OUT_DIR]

OUT_DIR defaults to /tmp/ncc-sweep/repro. Each model is built with
onnx.helper only, has one float input x and one output y, and comes with
x.npy-style inputs so it can go straight through neuron-cc, neuron-run and
testdata/ort_run.mjs. The README in this directory says which sweep rows
each one stands for.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def save(out_dir, name, nodes, inputs, outputs, opset, initializers=(), feeds=None):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(out_dir, f"{name}.onnx")
    onnx.save(model, path)
    for input_name, value in (feeds or {}).items():
        np.save(os.path.join(out_dir, f"{name}.{input_name}.npy"), value)
    print(path)


def constant(name, value):
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(value, name))


def dropout_training_mode(out_dir):
    """swin_t: F.dropout(attn, p=0.0) keeps training=True, so torch.onnx emits
    Dropout(ratio=0.0, training_mode=true), which is the identity."""
    x = np.random.RandomState(0).standard_normal((1, 4, 8)).astype(np.float32)
    save(out_dir, "dropout_ratio0_training_true",
         [constant("ratio", np.array(0.0, np.float32)),
          constant("training", np.array(True)),
          helper.make_node("Dropout", ["x", "ratio", "training"], ["y", "mask"])],
         [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8])],
         [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8])],
         opset=13, feeds={"x": x})


def conv_patchify(out_dir):
    """vit_b_16's conv_proj: a 16x16 stride-16 patch embedding of a 3x224x224
    image. The folded-columns conv lowering takes all 14 output rows in one
    tile, whose input rows (224 x 224 fp32 = 200704 bytes per partition)
    overflow SBUF (196608)."""
    rng = np.random.RandomState(0)
    x = rng.standard_normal((1, 3, 224, 224)).astype(np.float32)
    w = (rng.standard_normal((8, 3, 16, 16)) * 0.05).astype(np.float32)
    save(out_dir, "conv_patchify_16x16_s16_224",
         [helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[16, 16], strides=[16, 16])],
         [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 224, 224])],
         [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 14, 14])],
         opset=13, initializers=[numpy_helper.from_array(w, "w")], feeds={"x": x})


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "/tmp/ncc-sweep/repro"
    os.makedirs(out_dir, exist_ok=True)
    dropout_training_mode(out_dir)
    conv_patchify(out_dir)


if __name__ == "__main__":
    main()
