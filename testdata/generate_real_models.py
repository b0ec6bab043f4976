#!/usr/bin/python3
"""Generates the real-model test set as ONNX, at test or benchmark time.

Run with Debian's interpreter (python3-torch 1.13, python3-torchvision 0.14):

    /usr/bin/python3 testdata/generate_real_models.py OUT_DIR [--models resnet50,mobilenetv2,bert_small] [--opsets 13,17]

Models (random weights from fixed seeds, no downloads):
  resnet50      torchvision ResNet-50, input [1,3,224,224]
  mobilenetv2   torchvision MobileNetV2, input [1,3,224,224]
  bert_small    BERT encoder: 4 layers, hidden 256, 4 heads, seq 128, vocab 30522
  bert_base     BERT-base shape: 12 layers, hidden 768, 12 heads, seq 128 (benchmarks)
BatchNorm running statistics are calibrated on random batches so that
activations stay O(1) instead of exploding or vanishing through 50 layers.
Writes OUT_DIR/<model>_opset<N>.onnx and the model's sample inputs as
OUT_DIR/<model>_inputs/<input name>.npy (float32 uniform [-1, 1); token ids
uniform over the vocabulary; token types zero).
"""
import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def calibrate_batchnorm(model, shape, batches=4):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the calibration batches
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            model(torch.rand(*shape) * 2 - 1)
    model.eval()
    return model


def vision_model(name):
    import torchvision
    torch.manual_seed(0)
    if name == "resnet50":
        model = torchvision.models.resnet50(weights=None)
    else:
        model = torchvision.models.mobilenet_v2(weights=None)
    return calibrate_batchnorm(model, (8, 3, 224, 224)), (torch.rand(1, 3, 224, 224) * 2 - 1,), ["x"]


class SelfAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.ModuleList(nn.Linear(hidden, hidden) for _ in range(3))
        self.out = nn.Linear(hidden, hidden)

    def forward(self, x):
        b, s, h = x.shape
        d = h // self.heads
        q, k, v = (proj(x).reshape(b, s, self.heads, d).transpose(1, 2) for proj in self.qkv)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(d)
        context = torch.matmul(F.softmax(scores, dim=-1), v)
        return self.out(context.transpose(1, 2).reshape(b, s, h))


class EncoderLayer(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.attention = SelfAttention(hidden, heads)
        self.norm1 = nn.LayerNorm(hidden, eps=1e-12)
        self.ffn1 = nn.Linear(hidden, 4 * hidden)
        self.ffn2 = nn.Linear(4 * hidden, hidden)
        self.norm2 = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x):
        x = self.norm1(x + self.attention(x))
        return self.norm2(x + self.ffn2(F.gelu(self.ffn1(x))))


class BertEncoder(nn.Module):
    def __init__(self, layers, hidden, heads, seq, vocab=30522):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.position = nn.Embedding(seq, hidden)
        self.token_type = nn.Embedding(2, hidden)
        self.norm = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList(EncoderLayer(hidden, heads) for _ in range(layers))
        self.register_buffer("positions", torch.arange(seq).unsqueeze(0))

    def forward(self, input_ids, token_type_ids):
        x = self.word(input_ids) + self.position(self.positions) + self.token_type(token_type_ids)
        x = self.norm(x)
        for layer in self.layers:
            x = layer(x)
        return x


def bert_model(name):
    torch.manual_seed(1)
    layers, hidden, heads = (4, 256, 4) if name == "bert_small" else (12, 768, 12)
    seq = 128
    model = BertEncoder(layers, hidden, heads, seq).eval()
    for p in model.parameters():  # BERT's initialiser: N(0, 0.02)
        if p.dim() > 1:
            nn.init.normal_(p, std=0.02)
    ids = torch.randint(0, 30522, (1, seq))
    types = torch.zeros(1, seq, dtype=torch.int64)
    return model, (ids, types), ["input_ids", "token_type_ids"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("--models", default="resnet50,mobilenetv2,bert_small")
    parser.add_argument("--opsets", default="13,17")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    for name in args.models.split(","):
        if name in ("resnet50", "mobilenetv2"):
            model, inputs, input_names = vision_model(name)
        elif name in ("bert_small", "bert_base"):
            model, inputs, input_names = bert_model(name)
        else:
            sys.exit(f"unknown model '{name}'")
        input_dir = os.path.join(args.out_dir, f"{name}_inputs")
        os.makedirs(input_dir, exist_ok=True)
        for input_name, value in zip(input_names, inputs):
            np.save(os.path.join(input_dir, f"{input_name}.npy"), value.numpy())
        for opset in (int(o) for o in args.opsets.split(",")):
            path = os.path.join(args.out_dir, f"{name}_opset{opset}.onnx")
            if os.path.exists(path):
                print(f"{path}: exists")
                continue
            tmp = path + ".tmp"
            with torch.no_grad():
                torch.onnx.export(model, inputs, tmp, opset_version=opset, input_names=input_names,
                                  output_names=["y"], do_constant_folding=True)
            os.replace(tmp, path)
            print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
