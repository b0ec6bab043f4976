"""Vision models for the PyTorch frontend: torchvision classifiers (random
weights, calibrated BatchNorm) and two small modules, one scripted with static
control flow and one traced through the usual tensor ops.

Input sizes are the smallest that keep each network's structure (every stage
runs, no spatial size collapses below what its pooling needs), to keep the CI
test fast. VGG-11 at 64x64 ends in a 2x2 feature map that its
AdaptiveAvgPool2d((7, 7)) spreads over 7x7 (non-uniform windows); it runs
outside CI (its classifier holds 500 MB of weights).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import ModelSpec, calibrate_batchnorm, uniform


def _torchvision(factory, size, seed=0, **kwargs):
    def build():
        import torchvision
        torch.manual_seed(seed)
        model = getattr(torchvision.models, factory)(weights=None, **kwargs)
        inputs = {"x": uniform(1, 3, size, size)}
        return calibrate_batchnorm(model, inputs), inputs
    return build


class StaticControlFlow(nn.Module):
    """Branches and loops fixed once the input shape is pinned."""

    def __init__(self):
        super().__init__()
        self.wide = nn.Conv2d(16, 16, 3, padding=1)
        self.narrow = nn.Conv2d(16, 16, 1)
        self.body = nn.Conv2d(16, 16, 3, padding=1)
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        if x.size(1) > 8:
            y = self.wide(x)
        else:
            y = self.narrow(x)
        for _ in range(3):
            y = torch.relu(self.body(y)) + y
        scale = 1.0
        if x.size(2) * x.size(3) >= 64:
            scale = 0.5
        pooled = y.mean(dim=(2, 3)) * scale
        return self.head(pooled)


def _static_control_flow():
    torch.manual_seed(3)
    model = StaticControlFlow().eval()
    return model, {"x": uniform(1, 16, 12, 12)}


class TensorOps(nn.Module):
    """The usual tensor ops, traced: shapes, joins, slices, reductions,
    products, conv1d, pooling, group norm, activations, casts, factories."""

    def __init__(self):
        super().__init__()
        self.conv1d = nn.Conv1d(8, 16, 3, padding=1)
        self.norm = nn.GroupNorm(4, 16)
        self.pool = nn.AdaptiveAvgPool1d(5)   # 12 -> 5: windows of 3 and 4
        self.pool2d = nn.AdaptiveMaxPool2d((2, 2))
        self.bias = nn.Parameter(torch.randn(6) * 0.1)
        self.proj = nn.Parameter(torch.randn(16, 6) * 0.25)

    def forward(self, x, y):
        # x: [2, 8, 12], y: [2, 12, 6]
        h = self.norm(self.conv1d(x))                         # [2, 16, 12]
        h = F.relu6(h * 3.0) + F.mish(h)
        p = self.pool(h)                                      # [2, 16, 5]
        q = self.pool2d(h.view(2, 16, 3, 4))                  # [2, 16, 2, 2], 3 -> 2 overlaps
        t = h.permute(0, 2, 1).contiguous()                   # [2, 12, 16]
        t = t.reshape(2, 12, 4, 4).transpose(2, 3).reshape(2, 12, 16)
        a, b = torch.chunk(t, 2, dim=2)                       # [2, 12, 8] each
        c, d, e = torch.split(y, [1, 2, 3], dim=2)
        s = torch.stack([a, b], dim=1).sum(dim=1)             # [2, 12, 8]
        m = torch.bmm(s.transpose(1, 2), y)                   # [2, 8, 6]
        m = torch.matmul(m, self.proj[:6, :].t()) / 4.0       # [2, 8, 16]
        g = torch.addmm(self.bias, t[0, :6, :], self.proj)    # [6, 6]
        sl = t[:, 1:9:2, ::4]                                 # [2, 4, 4]
        idx = t[:, torch.tensor([0, 5, 7])]                  # [2, 3, 16]
        sel = t[1, -1]                                        # [16]
        red = torch.cat([t.mean(dim=1), t.sum(dim=1) / 12.0, t.amax(dim=1)], dim=1)  # [2, 48]
        sm = torch.softmax(m, dim=-1) + torch.log_softmax(m, dim=1).exp()
        ramp = torch.arange(16, dtype=torch.float32) / 16.0
        base = torch.zeros(2, 16) + torch.ones(2, 16) * 0.5 + torch.full((2, 16), 0.25)
        cast = (x * 4.0).to(torch.int32).to(torch.float32) + x.double().float() * 0.5
        counts = (y > 0).sum(dim=2).type_as(y)                # [2, 12]
        out1 = torch.cat([c + d.mean(dim=2, keepdim=True), e], dim=2).flatten(1)
        return (p.flatten(1) + ramp.repeat(5), q, sl, idx.sum(dim=1) + sel + base,
                red, sm, g, cast, counts, out1)


def _tensor_ops():
    torch.manual_seed(4)
    model = TensorOps().eval()
    return model, {"x": uniform(2, 8, 12), "y": uniform(2, 12, 6)}


MODELS = [
    ModelSpec("resnet50", _torchvision("resnet50", 64), onnx=True),
    ModelSpec("mobilenet_v2", _torchvision("mobilenet_v2", 64), onnx=True),
    ModelSpec("mobilenet_v3_small", _torchvision("mobilenet_v3_small", 64), onnx=True),
    ModelSpec("efficientnet_b0", _torchvision("efficientnet_b0", 64), onnx=True),
    ModelSpec("squeezenet1_1", _torchvision("squeezenet1_1", 64), onnx=True),
    ModelSpec("densenet121", _torchvision("densenet121", 64), onnx=True),
    ModelSpec("vgg11", _torchvision("vgg11", 64), onnx=True, ci=False),
    ModelSpec("static_control_flow", _static_control_flow, method="script"),
    ModelSpec("tensor_ops", _tensor_ops, method="trace"),
]
