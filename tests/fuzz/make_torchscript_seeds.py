"""Writes the PyTorch frontend fuzzer's seed archives (small on purpose: a
fuzzer mutates every byte of its seeds).

usage: /usr/bin/python3 tests/fuzz/make_torchscript_seeds.py tests/fuzz/corpus/torchscript
"""
import os
import sys

import torch


class Conv(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv1d(2, 4, 3, padding=1)
        self.norm = torch.nn.LayerNorm(3)

    def forward(self, x):
        y = self.conv(x.unsqueeze(0)).relu().mean(1)
        return self.norm(y).softmax(-1)


class Control(torch.nn.Module):
    def forward(self, x):
        if x.size(1) > 2:
            x = x * 2
        for _ in range(2):
            x = torch.cat([x, x], 0)[: x.size(0)]
        return x.transpose(0, 1).reshape(-1), x.sum()


class Linear(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 2)

    def forward(self, x):
        return torch.nn.functional.gelu(self.fc(x)) - x[:, :2]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    x = torch.randn(2, 3)
    torch.jit.save(torch.jit.trace(Conv().eval(), x), os.path.join(out, "conv.pt"))
    torch.jit.save(torch.jit.script(Control()), os.path.join(out, "control.pt"))
    torch.jit.save(torch.jit.trace(Linear().eval(), x), os.path.join(out, "linear.pt"))


if __name__ == "__main__":
    main()
