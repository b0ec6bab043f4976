"""Sequence models for the PyTorch frontend: attention and recurrent layers.

Each spec builds an eval-mode module with random weights and example inputs;
the generator traces it under torch.no_grad() (so that nn.TransformerEncoderLayer
and nn.MultiheadAttention record their fused fast-path ops,
aten::_transformer_encoder_layer_fwd and aten::_native_multi_head_attention)
and writes the archive, the inputs and torch's eager outputs.

Sizes are small (hidden 64-128, sequences 16-32) so that CI stays quick.
"""
import math

import torch
from torch import nn

from common import ModelSpec


def _randomize(module, seed):
    """Non-degenerate random weights: biases and norm affines too (torch
    initialises many of them to 0 and 1, which hides layout mistakes)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.dim() >= 2:
                fan_in = p.shape[-1]
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(fan_in))
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.2 * torch.randn(p.shape, generator=gen))
    return module.eval()


# --- A BERT-style encoder written with torch.nn --------------------------------


class BertSelfAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.output = nn.Linear(hidden, hidden)

    def split(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, x, mask_bias):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        probs = torch.softmax(scores + mask_bias, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return self.output(ctx.view(x.shape))


class BertLayer(nn.Module):
    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.attention = BertSelfAttention(hidden, heads)
        self.attention_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, ffn)
        self.out = nn.Linear(ffn, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x, mask_bias):
        x = self.attention_norm(x + self.attention(x, mask_bias))
        return self.output_norm(x + self.out(nn.functional.gelu(self.intermediate(x))))


class BertEncoder(nn.Module):
    """Token + position embeddings, 4 post-norm layers, a pooler."""

    def __init__(self, vocab=128, hidden=64, heads=4, ffn=128, layers=4, max_len=64):
        super().__init__()
        self.tokens = nn.Embedding(vocab, hidden)
        self.positions = nn.Embedding(max_len, hidden)
        self.embedding_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList(BertLayer(hidden, heads, ffn) for _ in range(layers))
        self.pooler = nn.Linear(hidden, hidden)

    def forward(self, input_ids, attention_mask):
        seq = input_ids.shape[1]
        positions = torch.arange(seq, device=input_ids.device).unsqueeze(0)
        x = self.embedding_norm(self.tokens(input_ids) + self.positions(positions))
        # [B, 1, 1, S]: 0 where attended, -10000 where padded (BERT's form).
        mask_bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        for layer in self.layers:
            x = layer(x, mask_bias)
        return x, torch.tanh(self.pooler(x[:, 0]))


def _bert():
    gen = torch.Generator().manual_seed(1)
    model = _randomize(BertEncoder(), 101)
    ids = torch.randint(0, 128, (2, 32), generator=gen)
    mask = torch.ones(2, 32, dtype=torch.int64)
    mask[1, 24:] = 0
    return model, {"input_ids": ids, "attention_mask": mask}


# --- nn.TransformerEncoderLayer (the fused fast path) ---------------------------


def _transformer_encoder():
    layer = nn.TransformerEncoderLayer(64, 4, 128, dropout=0.1, batch_first=True)
    model = _randomize(nn.TransformerEncoder(layer, 2, enable_nested_tensor=False), 102)
    # TransformerEncoder deep-copies the layer: give each copy its own weights.
    for i, l in enumerate(model.layers):
        _randomize(l, 200 + i)
    x = torch.randn(2, 16, 64, generator=torch.Generator().manual_seed(2))
    return model, {"src": x}


class PreNormGeluStack(nn.Module):
    """Two norm_first GELU layers with a runtime key-padding mask."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(64, 4, 128, activation="gelu", norm_first=True,
                                       batch_first=True) for _ in range(2))

    def forward(self, src, padding):
        mask = padding > 0.5
        for layer in self.layers:
            src = layer(src, src_key_padding_mask=mask)
        return src


def _transformer_prenorm():
    model = _randomize(PreNormGeluStack(), 103)
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(2, 16, 64, generator=gen)
    padding = torch.zeros(2, 16)
    padding[1, 12:] = 1.0
    return model, {"src": x, "padding": padding}


# --- nn.MultiheadAttention -----------------------------------------------------


class SelfAttention(nn.Module):
    """Fast path (batch_first) with a runtime key-padding mask and averaged
    weights, then the Python path (sequence-first) with a static causal mask
    and per-head weights."""

    def __init__(self):
        super().__init__()
        self.fused = nn.MultiheadAttention(64, 4, batch_first=True)
        self.unfused = nn.MultiheadAttention(64, 4)
        self.register_buffer("causal", torch.triu(torch.ones(16, 16, dtype=torch.bool), 1))

    def forward(self, x, padding):
        y, w = self.fused(x, x, x, key_padding_mask=padding > 0.5, need_weights=True)
        s = y.transpose(0, 1)
        z, wz = self.unfused(s, s, s, attn_mask=self.causal, average_attn_weights=False)
        return y, w, z.transpose(0, 1), wz


def _mha():
    model = _randomize(SelfAttention(), 104)
    x = torch.randn(2, 16, 64, generator=torch.Generator().manual_seed(4))
    padding = torch.zeros(2, 16)
    padding[0, 10:] = 1.0
    return model, {"x": x, "padding": padding}


# --- Recurrent models ------------------------------------------------------------


class LstmTagger(nn.Module):
    def __init__(self, vocab=100, embed=32, hidden=64, tags=10):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=2, bidirectional=True, batch_first=True)
        self.classifier = nn.Linear(2 * hidden, tags)

    def forward(self, tokens):
        out, (h, c) = self.lstm(self.embedding(tokens))
        return torch.log_softmax(self.classifier(out), dim=-1), h, c


def _lstm_tagger():
    model = _randomize(LstmTagger(), 105)
    tokens = torch.randint(0, 100, (2, 24), generator=torch.Generator().manual_seed(5))
    return model, {"tokens": tokens}


class GruClassifier(nn.Module):
    """Sequence-first 2-layer GRU from a given initial state; classifies the
    last layer's final state."""

    def __init__(self, features=32, hidden=64, classes=8):
        super().__init__()
        self.gru = nn.GRU(features, hidden, num_layers=2)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x, h0):
        out, h = self.gru(x, h0)
        return self.head(h[-1]), out


def _gru():
    model = _randomize(GruClassifier(), 106)
    gen = torch.Generator().manual_seed(6)
    return model, {"x": torch.randn(20, 2, 32, generator=gen),
                   "h0": torch.randn(2, 2, 64, generator=gen)}


MODELS = [
    ModelSpec("bert_encoder", _bert, method="trace", onnx=True),
    ModelSpec("transformer_encoder", _transformer_encoder, method="trace"),
    ModelSpec("transformer_prenorm_masked", _transformer_prenorm, method="trace"),
    ModelSpec("multihead_attention", _mha, method="trace"),
    ModelSpec("lstm_tagger", _lstm_tagger, method="trace", onnx=True),
    ModelSpec("gru_classifier", _gru, method="trace", onnx=True),
]
