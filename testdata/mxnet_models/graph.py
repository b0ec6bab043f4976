"""The model spec and symbol-graph builder shared by testdata/mxnet_models/*.py
(see generate_mxnet_models.py).

A model module exposes `MODELS`, a list of `ModelSpec`; `build()` returns a
`Graph`: the MXNet symbol (nodes in topological order, heads), the parameter
arrays as the params file stores them, and the example inputs. The torch
reference (reference.py) runs the same graph with MXNet's documented
semantics, so the symbol and the reference cannot drift apart.

    from graph import Graph, ModelSpec

    def _tiny():
        g = Graph(seed=0)
        x = g.input("data", g.uniform(1, 8))
        y = g.dense("fc0", x, 8, 4)
        g.heads = [g.op("Activation", "relu0", [y], act_type="relu")]
        return g

    MODELS = [ModelSpec("tiny", _tiny)]

Attribute values are Python values (int, float, bool, str, tuple, None);
the generator prints them the way MXNet does ("(3, 3)", "True", "1e-05").
An attribute left out keeps MXNet's default, which reference.py applies.
"""
import dataclasses
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

# NDArray magics of the params file (generate_mxnet_models.write_params).
V1, V2, V3 = 0xF993FAC8, 0xF993FAC9, 0xF993FACA


@dataclasses.dataclass
class ModelSpec:
    name: str
    build: Callable[[], "Graph"]
    # FP32: max |ours - torch| / max |torch| over every output.
    fp32_max_rel_err: float = 1e-4
    # --auto-cast matmult: cosine similarity with torch's output, per output.
    autocast_cosine: float = 0.999
    # Also write <name>.onnx (torch.onnx.export of the reference, opset 13).
    onnx: bool = False
    # False: too slow for the CI test.
    ci: bool = True


@dataclasses.dataclass
class Param:
    value: np.ndarray      # as stored: its dtype is the file's type flag
    aux: bool = False      # "aux:" (BatchNorm running statistics) rather than "arg:"
    magic: int = V3        # NDArray format version written for it
    prefixed: bool = True  # False: the name is written without "arg:"/"aux:"


@dataclasses.dataclass
class Node:
    op: str                                  # "null" for variables
    name: str
    attrs: Dict[str, object]
    inputs: List[Tuple[int, int]]            # (node index, output index)
    num_outputs: int = 1                     # visible outputs (output names)
    hidden_outputs: int = 0                  # e.g. BatchNorm's mean/var (node_row_ptr)
    attr_key: str = "attrs"                  # legacy files: "param" or "attr"


class Graph:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes: List[Node] = []
        self.params: Dict[str, Param] = {}
        self.inputs: Dict[str, np.ndarray] = {}
        self.heads: List[Tuple[int, int]] = []
        self.mxnet_version = 10901
        self.legacy_inputs = False  # inputs as [node, output] (pre-1.0 files)

    # -- nodes -------------------------------------------------------------
    def variable(self, name, attr_key="attrs"):
        self.nodes.append(Node("null", name, {}, [], attr_key=attr_key))
        return (len(self.nodes) - 1, 0)

    def input(self, name, value):
        self.inputs[name] = np.ascontiguousarray(value, dtype=np.float32)
        return self.variable(name)

    def param(self, name, value, aux=False, dtype=np.float32, magic=V3, prefixed=True,
              attr_key="attrs"):
        self.params[name] = Param(np.asarray(value).astype(dtype), aux, magic, prefixed)
        return self.variable(name, attr_key)

    def op(self, op, name, inputs, hidden_outputs=0, attr_key="attrs", **attrs):
        """Appends one operator node; returns its output, or the list of its
        outputs for SliceChannel (num_outputs)."""
        num_outputs = attrs.get("num_outputs", 1) if op == "SliceChannel" else 1
        self.nodes.append(Node(op, name, attrs, list(inputs), num_outputs, hidden_outputs,
                               attr_key))
        index = len(self.nodes) - 1
        if num_outputs == 1:
            return (index, 0)
        return [(index, k) for k in range(num_outputs)]

    def output_names(self):
        """MXNet's list_outputs(): <op>_output, <op>_output<k> for a
        multi-output op, a variable's own name."""
        names = []
        for index, k in self.heads:
            node = self.nodes[index]
            if node.op == "null":
                names.append(node.name)
            elif node.num_outputs == 1:
                names.append(f"{node.name}_output")
            else:
                names.append(f"{node.name}_output{k}")
        return names

    # -- random draws ------------------------------------------------------
    def uniform(self, *shape, low=-1.0, high=1.0):
        return self.rng.uniform(low, high, shape).astype(np.float32)

    def normal(self, *shape, std=1.0):
        return (self.rng.standard_normal(shape) * std).astype(np.float32)

    # -- Gluon-style layers ------------------------------------------------
    def conv(self, prefix, x, in_channels, channels, kernel, stride=1, pad=0, groups=1,
             bias=False, dilate=1):
        """Gluon Conv2D's export: <prefix>_weight [, _bias], node <prefix>_fwd."""
        k = (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)
        fan_in = in_channels // groups * k[0] * k[1]
        inputs = [x, self.param(f"{prefix}_weight",
                                self.normal(channels, in_channels // groups, *k,
                                            std=np.sqrt(2.0 / fan_in)))]
        if bias:
            inputs.append(self.param(f"{prefix}_bias", self.normal(channels, std=0.1)))
        pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)
        return self.op("Convolution", f"{prefix}_fwd", inputs, kernel=k, stride=pair(stride),
                       dilate=pair(dilate), pad=pair(pad), num_filter=channels,
                       num_group=groups, no_bias=not bias, layout="NCHW")

    def batchnorm(self, prefix, x, channels, fix_gamma=False, zero_beta=False):
        """Gluon BatchNorm's export (fix_gamma and eps written explicitly),
        with realistic statistics; the running mean/var are aux states."""
        inputs = [x,
                  self.param(f"{prefix}_gamma", self.uniform(channels, low=0.5, high=1.5)),
                  self.param(f"{prefix}_beta", np.zeros(channels) if zero_beta
                             else self.normal(channels, std=0.1)),
                  self.param(f"{prefix}_running_mean", self.normal(channels, std=0.1), aux=True),
                  self.param(f"{prefix}_running_var", self.uniform(channels, low=0.5, high=1.5),
                             aux=True)]
        return self.op("BatchNorm", f"{prefix}_fwd", inputs, hidden_outputs=2, axis=1,
                       eps=1e-05, fix_gamma=fix_gamma, momentum=0.9, use_global_stats=False)

    def dense(self, prefix, x, in_units, units, bias=True, flatten=True):
        """Gluon Dense's export: FullyConnected <prefix>_fwd."""
        inputs = [x, self.param(f"{prefix}_weight",
                                self.normal(units, in_units, std=np.sqrt(1.0 / in_units)))]
        if bias:
            inputs.append(self.param(f"{prefix}_bias", self.normal(units, std=0.1)))
        return self.op("FullyConnected", f"{prefix}_fwd", inputs, num_hidden=units,
                       no_bias=not bias, flatten=flatten)

    def relu(self, name, x):
        return self.op("Activation", name, [x], act_type="relu")

    def global_avg_pool(self, name, x):
        """Gluon GlobalAvgPool2D's export."""
        return self.op("Pooling", name, [x], global_pool=True, kernel=(1, 1), pool_type="avg",
                       pooling_convention="valid", pad=(0, 0), stride=(1, 1))
