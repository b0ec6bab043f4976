"""The model spec shared by testdata/torch_models/*.py (see generate_torch_models.py).

A model module exposes `MODELS`, a list of `ModelSpec`:

    from common import ModelSpec, calibrate_batchnorm, uniform

    def _tiny():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(8, 4), nn.ReLU()).eval()
        return model, {"x": uniform(1, 8)}

    MODELS = [ModelSpec("tiny", _tiny, method="trace")]

`build()` returns (module in eval mode, {argument name: example tensor}) with
the arguments in `forward` order; it seeds everything it draws (weights and
inputs), so two runs give the same files.
"""
import dataclasses
from typing import Callable, Dict, Tuple

import torch
import torch.nn as nn


@dataclasses.dataclass
class ModelSpec:
    name: str
    build: Callable[[], Tuple[nn.Module, Dict[str, torch.Tensor]]]
    # How the TorchScript is made: "trace" (torch.jit.trace on the example
    # inputs) or "script" (torch.jit.script; keeps control flow).
    method: str = "trace"
    # FP32: max |ours - torch| / max |torch| over every output.
    fp32_max_rel_err: float = 1e-4
    # --auto-cast matmult: cosine similarity with torch's output, per output.
    autocast_cosine: float = 0.999
    # Also write <name>.onnx (torch.onnx.export, opset 13) when export works.
    onnx: bool = False
    # False: too slow for the CI test; run by the separate large test.
    ci: bool = True


def uniform(*shape, low=-1.0, high=1.0):
    """float32 uniform in [low, high) from torch's global generator."""
    return torch.rand(*shape) * (high - low) + low


def calibrate_batchnorm(model, inputs, batches=4, seed=1234):
    """Gives every BatchNorm running statistics from `batches` random batches.

    With random weights, the default statistics (mean 0, var 1) make
    activations explode or vanish through deep nets; calibrated ones keep
    them O(1). `inputs` is the example dict; each batch draws inputs of the
    same shapes with batch dimension 4 (uniform [-1, 1)). Returns the model in
    eval mode.
    """
    generator = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the calibration batches
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            args = []
            for t in inputs.values():
                shape = (4,) + tuple(t.shape[1:])
                args.append(torch.rand(shape, generator=generator) * 2 - 1)
            model(*args)
    return model.eval()
