#!/usr/bin/env /usr/bin/python3
"""Writes the MXNet checkpoint neff_model's tests compile (run it only to change it).

  /usr/bin/python3 tests/bazel_rules/make_models.py

mlp-symbol.json + mlp-0000.params: FullyConnected(16 -> 32) -> relu ->
FullyConnected(32 -> 4), in MXNet 1.x's formats (the symbol JSON and the
NDArray-list params file, as HybridBlock.export writes them); x.npy is an
input batch and y.npy numpy's forward pass on it, the reference.
"""
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def ndarray_v2(a):
    # V2 magic, dense storage, shape, cpu context, float32 type flag, data.
    return (struct.pack("<Ii", 0xF993FAC9, 0) + struct.pack("<i", a.ndim) +
            struct.pack(f"<{a.ndim}q", *a.shape) + struct.pack("<iii", 1, 0, 0) + a.tobytes())


def write_params(path, named):
    out = struct.pack("<QQQ", 0x112, 0, len(named))
    out += b"".join(ndarray_v2(a) for _, a in named)
    out += struct.pack("<Q", len(named))
    out += b"".join(struct.pack("<Q", len(n)) + n.encode() for n, _ in named)
    with open(path, "wb") as f:
        f.write(out)


def main():
    rng = np.random.default_rng(7)
    w1 = (rng.standard_normal((32, 16)) / 4).astype(np.float32)
    b1 = (rng.standard_normal(32) / 4).astype(np.float32)
    w2 = (rng.standard_normal((4, 32)) / 6).astype(np.float32)
    b2 = (rng.standard_normal(4) / 4).astype(np.float32)
    nodes = [
        {"op": "null", "name": "data", "inputs": []},
        {"op": "null", "name": "fc1_weight", "inputs": []},
        {"op": "null", "name": "fc1_bias", "inputs": []},
        {"op": "FullyConnected", "name": "fc1", "attrs": {"num_hidden": "32"},
         "inputs": [[0, 0, 0], [1, 0, 0], [2, 0, 0]]},
        {"op": "Activation", "name": "relu1", "attrs": {"act_type": "relu"}, "inputs": [[3, 0, 0]]},
        {"op": "null", "name": "fc2_weight", "inputs": []},
        {"op": "null", "name": "fc2_bias", "inputs": []},
        {"op": "FullyConnected", "name": "fc2", "attrs": {"num_hidden": "4"},
         "inputs": [[4, 0, 0], [5, 0, 0], [6, 0, 0]]},
    ]
    symbol = {"nodes": nodes, "arg_nodes": [0, 1, 2, 5, 6], "node_row_ptr": list(range(9)),
              "heads": [[7, 0, 0]], "attrs": {"mxnet_version": ["int", 10901]}}
    with open(os.path.join(HERE, "mlp-symbol.json"), "w") as f:
        json.dump(symbol, f, indent=2)
    write_params(os.path.join(HERE, "mlp-0000.params"),
                 [("arg:fc1_weight", w1), ("arg:fc1_bias", b1),
                  ("arg:fc2_weight", w2), ("arg:fc2_bias", b2)])
    x = rng.standard_normal((2, 16)).astype(np.float32)
    y = np.maximum(x @ w1.T + b1, 0) @ w2.T + b2
    np.save(os.path.join(HERE, "x.npy"), x)
    np.save(os.path.join(HERE, "y.npy"), y.astype(np.float32))


if __name__ == "__main__":
    main()
