"""The torch reference for a graph.Graph: runs its nodes in order with MXNet
1.x's documented operator semantics and defaults, on the weights the params
file holds (f16/f64 parameters widened/narrowed to float32).

Convolution and FullyConnected run through nn.Conv2d / nn.Linear modules so
generate_torch_models.bf16_operand_cosine can round their operands; the other
parameters are buffers. The module traces cleanly for torch.onnx.export.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def reshape_target(src, spec):
    """Reshape's shape with MXNet's special values (reverse False):
    0 copy, -1 infer, -2 copy the rest, -3 merge two, -4 split one in two."""
    out, i, k, infer = [], 0, 0, None
    while k < len(spec):
        s = spec[k]
        if s == 0:
            out.append(src[i])
            i += 1
        elif s == -1:
            infer = len(out)
            out.append(1)
            i += 1
        elif s == -2:
            out.extend(src[i:])
            i = len(src)
        elif s == -3:
            out.append(src[i] * src[i + 1])
            i += 2
        elif s == -4:
            a, b = spec[k + 1], spec[k + 2]
            k += 2
            if a == -1:
                a = src[i] // b
            if b == -1:
                b = src[i] // a
            out += [a, b]
            i += 1
        else:
            out.append(s)
            i += 1
        k += 1
    if infer is not None:
        out[infer] = int(np.prod(src)) // int(np.prod(out))
    return out


def _axes(value, ndim):
    """An axis attribute (int, tuple or None/() for all) as a sorted tuple."""
    if value is None or value == ():
        return tuple(range(ndim))
    value = (value,) if isinstance(value, int) else value
    return tuple(sorted(a % ndim for a in value))


def _pool(x, a):
    # Defaults: pool_type max, pooling_convention valid, stride 1, pad 0,
    # count_include_pad True, global_pool False.
    kind = a.get("pool_type", "max")
    if a.get("global_pool", False):
        if kind == "max":
            return torch.amax(x, dim=(2, 3), keepdim=True)
        pooled = F.adaptive_avg_pool2d(x, 1)
        return pooled * (x.shape[2] * x.shape[3]) if kind == "sum" else pooled
    kernel = a["kernel"]
    stride = a.get("stride", (1, 1))
    pad = a.get("pad", (0, 0))
    ceil = a.get("pooling_convention", "valid") == "full"
    if kind == "max":
        return F.max_pool2d(x, kernel, stride, pad, ceil_mode=ceil)
    if kind == "sum":
        return F.avg_pool2d(x, kernel, stride, pad, ceil_mode=ceil,
                            divisor_override=1)
    return F.avg_pool2d(x, kernel, stride, pad, ceil_mode=ceil,
                        count_include_pad=a.get("count_include_pad", True))


def _reduce(fn):
    def run(x, a):
        axes = _axes(a.get("axis"), x.dim())
        if a.get("exclude", False):
            axes = tuple(d for d in range(x.dim()) if d not in axes)
        return fn(x, dim=axes, keepdim=a.get("keepdims", False))
    return run


def _slice(x, a):
    index = []
    step = a.get("step", ()) or (None,) * len(a["begin"])
    for b, e, s in zip(a["begin"], a["end"], step):
        index.append(slice(b, e, s))
    return x[tuple(index)]


def _squeeze(x, a):
    # axis None (the default): every size-1 axis.
    if a.get("axis") is None:
        axes = [i for i, d in enumerate(x.shape) if d == 1]
    else:
        axes = _axes(a["axis"], x.dim())
    return x.reshape([d for i, d in enumerate(x.shape) if i not in axes])


def _softmax_output(x, a):
    # multi_output False, preserve_shape False: softmax over the flattened rest.
    return F.softmax(x.reshape(x.shape[0], -1), dim=1).reshape(x.shape)


def _softmax_activation(x, a):
    if a.get("mode", "instance") == "channel":
        return F.softmax(x, dim=1)
    return F.softmax(x.reshape(x.shape[0], -1), dim=1).reshape(x.shape)


def _leaky_relu(xs, a):
    kind, x = a.get("act_type", "leaky"), xs[0]
    slope = a.get("slope", 0.25)
    if kind == "leaky":
        return F.leaky_relu(x, slope)
    if kind == "prelu":
        return F.prelu(x, xs[1])
    if kind == "elu":
        return F.elu(x, alpha=slope)
    if kind == "selu":
        return F.selu(x)
    if kind == "gelu":
        return F.gelu(x)  # the erf form
    raise ValueError(f"LeakyReLU act_type {kind}")


ACTIVATIONS = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
               "softrelu": F.softplus, "softsign": F.softsign}
DTYPES = {"float32": torch.float32, "float16": torch.float16, "float64": torch.float64,
          "int32": torch.int32}

# op -> fn(inputs, attrs) -> tensor or list of tensors (ops with a module are
# handled in MXNetReference.run).
OPS = {
    "Activation": lambda xs, a: ACTIVATIONS[a["act_type"]](xs[0]),
    "LeakyReLU": _leaky_relu,
    "BatchNorm": lambda xs, a: F.batch_norm(
        xs[0], xs[3], xs[4],
        torch.ones_like(xs[1]) if a.get("fix_gamma", True) else xs[1],  # default True
        xs[2], False, 0.0, a.get("eps", 1e-3)),                          # default 1e-3
    "LayerNorm": lambda xs, a: F.layer_norm(xs[0], xs[0].shape[-1:], xs[1], xs[2],
                                            a.get("eps", 1e-5)),
    "Pooling": lambda xs, a: _pool(xs[0], a),
    "Flatten": lambda xs, a: torch.flatten(xs[0], 1),
    "Dropout": lambda xs, a: xs[0],
    "BlockGrad": lambda xs, a: xs[0],
    "_copy": lambda xs, a: xs[0],
    "clip": lambda xs, a: torch.clamp(xs[0], a["a_min"], a["a_max"]),
    "elemwise_add": lambda xs, a: xs[0] + xs[1],
    "_plus": lambda xs, a: xs[0] + xs[1],
    "elemwise_sub": lambda xs, a: xs[0] - xs[1],
    "elemwise_mul": lambda xs, a: xs[0] * xs[1],
    "elemwise_div": lambda xs, a: xs[0] / xs[1],
    "broadcast_add": lambda xs, a: xs[0] + xs[1],
    "broadcast_mul": lambda xs, a: xs[0] * xs[1],
    "broadcast_maximum": lambda xs, a: torch.maximum(xs[0], xs[1]),
    "_plus_scalar": lambda xs, a: xs[0] + a["scalar"],
    "_mul_scalar": lambda xs, a: xs[0] * a["scalar"],
    "_rminus_scalar": lambda xs, a: a["scalar"] - xs[0],
    "_rdiv_scalar": lambda xs, a: a["scalar"] / xs[0],
    "_power_scalar": lambda xs, a: xs[0] ** a["scalar"],
    "Concat": lambda xs, a: torch.cat(xs, dim=a.get("dim", 1)),
    "SliceChannel": lambda xs, a: [
        t.squeeze(a.get("axis", 1)) if a.get("squeeze_axis", False) else t
        for t in torch.chunk(xs[0], a["num_outputs"], dim=a.get("axis", 1))],
    "Reshape": lambda xs, a: xs[0].reshape(reshape_target(list(xs[0].shape), a["shape"])),
    "transpose": lambda xs, a: xs[0].permute(
        *(a.get("axes") or tuple(reversed(range(xs[0].dim()))))),
    "expand_dims": lambda xs, a: xs[0].unsqueeze(a["axis"]),
    "squeeze": lambda xs, a: _squeeze(xs[0], a),
    "slice": lambda xs, a: _slice(xs[0], a),
    "slice_axis": lambda xs, a: xs[0][(slice(None),) * (a["axis"] % xs[0].dim())
                                      + (slice(a["begin"], a["end"]),)],
    "mean": lambda xs, a: _reduce(torch.mean)(xs[0], a),
    "sum": lambda xs, a: _reduce(torch.sum)(xs[0], a),
    "max": lambda xs, a: _reduce(torch.amax)(xs[0], a),
    "where": lambda xs, a: torch.where(xs[0] != 0, xs[1], xs[2]),
    "Cast": lambda xs, a: xs[0].to(DTYPES[a["dtype"]]),
    "Embedding": lambda xs, a: F.embedding(xs[0].long(), xs[1]),
    "batch_dot": lambda xs, a: torch.bmm(
        xs[0].transpose(1, 2) if a.get("transpose_a", False) else xs[0],
        xs[1].transpose(1, 2) if a.get("transpose_b", False) else xs[1]),
    "_contrib_div_sqrt_dim": lambda xs, a: xs[0] / math.sqrt(xs[0].shape[-1]),
    "softmax": lambda xs, a: F.softmax(xs[0], dim=a.get("axis", -1)),
    "log_softmax": lambda xs, a: F.log_softmax(xs[0], dim=a.get("axis", -1)),
    "SoftmaxOutput": lambda xs, a: _softmax_output(xs[0], a),
    "SoftmaxActivation": lambda xs, a: _softmax_activation(xs[0], a),
}


def _key(name):
    return "p_" + name.replace(".", "_")


class MXNetReference(nn.Module):
    """forward(*inputs in graph.inputs order) -> tuple of the heads."""

    def __init__(self, graph):
        super().__init__()
        self.graph = graph
        self.layers = nn.ModuleDict()
        weights = {n: torch.from_numpy(p.value.astype(np.float32)) for n, p in graph.params.items()}
        for node in graph.nodes:
            if node.op == "Convolution":
                a = node.attrs
                w = weights[graph.nodes[node.inputs[1][0]].name]
                conv = nn.Conv2d(w.shape[1] * a.get("num_group", 1), a["num_filter"], a["kernel"],
                                 stride=a.get("stride", (1, 1)), padding=a.get("pad", (0, 0)),
                                 dilation=a.get("dilate", (1, 1)), groups=a.get("num_group", 1),
                                 bias=not a.get("no_bias", False))
                self._load(conv, node, weights)
                self.layers[_key(node.name)] = conv
            elif node.op == "FullyConnected":
                w = weights[graph.nodes[node.inputs[1][0]].name]
                fc = nn.Linear(w.shape[1], w.shape[0], bias=not node.attrs.get("no_bias", False))
                self._load(fc, node, weights)
                self.layers[_key(node.name)] = fc
        for name, w in weights.items():
            self.register_buffer(_key(name), w)
        self.eval()

    def _load(self, module, node, weights):
        with torch.no_grad():
            module.weight.copy_(weights[self.graph.nodes[node.inputs[1][0]].name])
            if module.bias is not None:
                module.bias.copy_(weights[self.graph.nodes[node.inputs[2][0]].name])

    def forward(self, *args):
        feeds = dict(zip(self.graph.inputs, args))
        values = []
        for node in self.graph.nodes:
            if node.op == "null":
                if node.name in feeds:
                    values.append([feeds[node.name]])
                elif node.name in self.graph.params:
                    values.append([getattr(self, _key(node.name))])
                else:
                    values.append([None])  # e.g. SoftmaxOutput's label: unused here
                continue
            xs = [values[i][k] for i, k in node.inputs]
            a = node.attrs
            if node.op == "Convolution":
                out = self.layers[_key(node.name)](xs[0])
            elif node.op == "FullyConnected":
                x = torch.flatten(xs[0], 1) if a.get("flatten", True) else xs[0]  # default True
                out = self.layers[_key(node.name)](x)
            else:
                out = OPS[node.op](xs, a)
            values.append(out if isinstance(out, list) else [out])
        return tuple(values[i][k] for i, k in self.graph.heads)
