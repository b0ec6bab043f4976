"""Small models for the torch_neuron tests, shared by the test process and
the fresh processes that reload saved modules (which must register the same
test op before torch.jit.load).

`tn_test::softsign` is an op the compiler cannot know: it is defined here
with torch.library and implemented in Python, as a user's own op would be.
"""
import torch
import torch.nn as nn

_LIBRARY = torch.library.Library("tn_test", "DEF")
_LIBRARY.define("softsign(Tensor x) -> Tensor")
_LIBRARY.impl("softsign", lambda x: x / (1 + x.abs()), "CPU")


def _seeded(module, seed):
    torch.manual_seed(seed)
    for p in module.parameters():
        nn.init.uniform_(p, -0.5, 0.5)
    return module.eval()


class SmallCnn(nn.Module):
    """Convolutions, pooling and a linear head: one NeuronCore section."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        y = torch.relu(self.conv1(x))
        y = torch.relu(self.conv2(y))
        return self.head(y.mean((2, 3)))


class Sandwich(nn.Module):
    """Supported ops, then `op` (one the compiler does not support), then
    supported ops again: two sections and one CPU op."""

    def __init__(self, op):
        super().__init__()
        self.op = op
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.linear1 = nn.Linear(8, 16)
        self.linear2 = nn.Linear(16, 4)

    def forward(self, x):
        y = torch.relu(self.conv(x)).mean((2, 3))
        y = torch.tanh(self.linear1(y))
        y = self.op(y)
        return torch.sigmoid(self.linear2(y)) * 2.0


def small_cnn():
    return _seeded(SmallCnn(), 1), torch.rand(1, 3, 16, 16)


def sandwich_custom_op():
    """The user's own op in the middle (Python kernel: not for the C++ runner)."""
    return _seeded(Sandwich(torch.ops.tn_test.softsign), 2), torch.rand(1, 3, 12, 12)


def sandwich_erfinv():
    """aten::erfinv in the middle: an aten op the compiler does not convert,
    which a C++ process runs too."""
    return _seeded(Sandwich(lambda y: torch.erfinv(y * 0.5)), 3), torch.rand(1, 3, 12, 12)


class IntMatmul(nn.Module):
    """Converts, but int64 matmul does not compile: the section falls back."""

    def forward(self, x):
        return (torch.matmul(x, x.t()) + 1).relu()


def max_rel_error(ours, ref):
    return float((ours.float() - ref.float()).abs().max() / ref.float().abs().max().clamp_min(1e-30))
