#!/usr/bin/env /usr/bin/python3
"""Writes the example models bundled in examples/models (run it only to change them).

  /usr/bin/python3 examples/models/make_models.py

- classifier.onnx: a small image classifier (three conv-BN-ReLU blocks, global
  average pooling, a linear head; 3x64x64 image -> 10 logits) exported by
  torch.onnx at opset 13, as a team would ship one.
- encoder.pt: a TorchScript text encoder (two BERT-style layers, hidden 64,
  16 tokens) traced with torch.jit.trace.
- image.npy / logits.npy and features.npy / encoded.npy: a reference input for
  each model and torch eager's output for it (the neff_model tests compare
  the compiled NEFFs against these).

Weights are random but seeded, so the files are the same on every run of the
same torch version (Debian's python3-torch 1.13.1 wrote the committed ones).
"""
import math
import os

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


def randomize(module, seed):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.dim() >= 2:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(fan_in))
            elif name.endswith("weight"):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.2 * torch.randn(p.shape, generator=gen))
        for name, b in module.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(0.1 * torch.randn(b.shape, generator=gen))
            elif name.endswith("running_var"):
                b.copy_(1.0 + 0.1 * torch.rand(b.shape, generator=gen))
    return module.eval()


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        layers = []
        channels = [3, 16, 32, 64]
        for cin, cout in zip(channels, channels[1:]):
            layers += [nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False),
                       nn.BatchNorm2d(cout), nn.ReLU()]
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(64, 10)

    def forward(self, image):
        x = self.features(image)
        return self.head(x.mean(dim=(2, 3)))


class EncoderLayer(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads, self.head_dim = heads, hidden // heads
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)
        self.norm1 = nn.LayerNorm(hidden)
        self.ff1 = nn.Linear(hidden, 4 * hidden)
        self.ff2 = nn.Linear(4 * hidden, hidden)
        self.norm2 = nn.LayerNorm(hidden)

    def forward(self, x):
        b, t, h = x.shape
        q, k, v = self.qkv(x).split(h, dim=-1)
        q, k, v = (y.view(b, t, self.heads, self.head_dim).transpose(1, 2) for y in (q, k, v))
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.head_dim), dim=-1)
        ctx = (probs @ v).transpose(1, 2).reshape(b, t, h)
        x = self.norm1(x + self.out(ctx))
        return self.norm2(x + self.ff2(nn.functional.gelu(self.ff1(x))))


class Encoder(nn.Module):
    def __init__(self, hidden=64, heads=4, layers=2):
        super().__init__()
        self.layers = nn.ModuleList([EncoderLayer(hidden, heads) for _ in range(layers)])

    def forward(self, features):
        for layer in self.layers:
            features = layer(features)
        return features


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        classifier = randomize(Classifier(), seed=2)
        image = torch.rand((1, 3, 64, 64), generator=gen)
        torch.onnx.export(classifier, (image,), os.path.join(HERE, "classifier.onnx"),
                          input_names=["image"], output_names=["logits"], opset_version=13)
        np.save(os.path.join(HERE, "image.npy"), image.numpy())
        np.save(os.path.join(HERE, "logits.npy"), classifier(image).numpy())

        encoder = randomize(Encoder(), seed=3)
        features = torch.randn((1, 16, 64), generator=gen)
        traced = torch.jit.trace(encoder, (features,))
        traced.save(os.path.join(HERE, "encoder.pt"))
        np.save(os.path.join(HERE, "features.npy"), features.numpy())
        np.save(os.path.join(HERE, "encoded.npy"), encoder(features).numpy())


if __name__ == "__main__":
    main()
