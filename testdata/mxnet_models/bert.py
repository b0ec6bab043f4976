"""A small BERT encoder as GluonNLP's hybridized BERTModel exports it: 2
layers, hidden 64, 4 heads, sequence 16, vocabulary 100.

Token ids and token types arrive as float32, as MXNet feeds them. Attention
is GluonNLP's: Reshape (0, 0, -4, heads, -1), transpose, Reshape (-3, 0, 0),
_contrib_div_sqrt_dim on the query, batch_dot with transpose_b, softmax on
the last axis. Outputs: the sequence output and the pooled output (tanh of a
Dense on the first token).
"""
import numpy as np

from graph import Graph, ModelSpec

VOCAB, TYPES, MAX_LENGTH = 100, 2, 32
SEQ, UNITS, HEADS, HIDDEN, LAYERS = 16, 64, 4, 256, 2


def _layer_norm(g, prefix, x, eps):
    return g.op("LayerNorm", f"{prefix}_fwd",
                [x, g.param(f"{prefix}_gamma", g.uniform(UNITS, low=0.8, high=1.2)),
                 g.param(f"{prefix}_beta", g.normal(UNITS, std=0.1))],
                hidden_outputs=2, axis=-1, eps=eps)


def _split_heads(g, prefix, x):
    """[1, SEQ, UNITS] -> [HEADS, SEQ, UNITS / HEADS]."""
    x = g.op("Reshape", f"{prefix}_reshape0", [x], shape=(0, 0, -4, HEADS, -1), reverse=False)
    x = g.op("transpose", f"{prefix}_transpose0", [x], axes=(0, 2, 1, 3))
    return g.op("Reshape", f"{prefix}_reshape1", [x], shape=(-3, 0, 0), reverse=False)


def _encoder_layer(g, prefix, x, index):
    att = f"{prefix}_dotproductselfattentioncell0"
    q = _split_heads(g, f"{att}_q", g.dense(f"{prefix}_proj_query", x, UNITS, UNITS, flatten=False))
    k = _split_heads(g, f"{att}_k", g.dense(f"{prefix}_proj_key", x, UNITS, UNITS, flatten=False))
    v = _split_heads(g, f"{att}_v", g.dense(f"{prefix}_proj_value", x, UNITS, UNITS,
                                            flatten=False))
    q = g.op("_contrib_div_sqrt_dim", f"{att}_div_sqrt_dim0", [q])
    scores = g.op("batch_dot", f"{att}_batch_dot0", [q, k], transpose_b=True)
    weights = g.op("softmax", f"{att}_softmax0", [scores], axis=-1)
    weights = g.op("Dropout", f"{att}_dropout0", [weights], p=0.1, hidden_outputs=1)
    context = g.op("batch_dot", f"{att}_batch_dot1", [weights, v])
    context = g.op("Reshape", f"{att}_reshape2", [context], shape=(-4, -1, HEADS, 0, 0),
                   reverse=False)
    context = g.op("transpose", f"{att}_transpose1", [context], axes=(0, 2, 1, 3))
    context = g.op("Reshape", f"{att}_reshape3", [context], shape=(0, 0, -1))
    out = g.dense(f"{prefix}_proj", context, UNITS, UNITS, flatten=False)
    out = g.op("Dropout", f"{prefix}_dropout0", [out], p=0.1, hidden_outputs=1)
    out = g.op("elemwise_add", f"{prefix}_elemwise_add0", [out, x])
    x = _layer_norm(g, f"{prefix}_layernorm0", out, 1e-05)
    # Position-wise FFN with erf GELU.
    h = g.dense(f"{prefix}_positionwiseffn0_ffn_1", x, UNITS, HIDDEN, flatten=False)
    h = g.op("LeakyReLU", f"{prefix}_positionwiseffn0_gelu0_fwd", [h], act_type="gelu")
    if index == 0:
        h = g.op("_plus_scalar", f"{prefix}_positionwiseffn0_plus_scalar0", [h], scalar=0.1)
    h = g.dense(f"{prefix}_positionwiseffn0_ffn_2", h, HIDDEN, UNITS, flatten=False)
    h = g.op("Dropout", f"{prefix}_positionwiseffn0_dropout0", [h], p=0.1, hidden_outputs=1)
    h = g.op("elemwise_add", f"{prefix}_positionwiseffn0_elemwise_add0", [h, x])
    return _layer_norm(g, f"{prefix}_positionwiseffn0_layernorm0", h, 1e-05)


def _bert_encoder():
    g = Graph(seed=20)
    rng = np.random.default_rng(21)
    ids = g.input("data", rng.integers(0, VOCAB, (1, SEQ)).astype(np.float32))
    types = g.input("token_types", (np.arange(SEQ) >= SEQ // 2).astype(np.float32)[None])
    word = g.op("Embedding", "bertmodel0_word_embed_embedding0_fwd",
                [ids, g.param("bertmodel0_word_embed_embedding0_weight",
                              g.normal(VOCAB, UNITS, std=0.5))],
                input_dim=VOCAB, output_dim=UNITS, dtype="float32", sparse_grad=False)
    token_type = g.op("Embedding", "bertmodel0_token_type_embed_embedding0_fwd",
                      [types, g.param("bertmodel0_token_type_embed_embedding0_weight",
                                      g.normal(TYPES, UNITS, std=0.5))],
                      input_dim=TYPES, output_dim=UNITS, dtype="float32", sparse_grad=False)
    x = g.op("elemwise_add", "bertmodel0_elemwise_add0", [word, token_type])
    x = g.op("_mul_scalar", "bertmodel0_mul_scalar0", [x], scalar=0.5)
    position = g.param("bertencoder0_position_weight", g.normal(MAX_LENGTH, UNITS, std=0.5))
    position = g.op("slice_axis", "bertencoder0_slice_axis0", [position], axis=0, begin=0,
                    end=SEQ)
    position = g.op("expand_dims", "bertencoder0_expand_dims0", [position], axis=0)
    x = g.op("broadcast_add", "bertencoder0_broadcast_add0", [x, position])
    x = _layer_norm(g, "bertencoder0_layernorm0", x, 1e-12)
    x = g.op("Dropout", "bertencoder0_dropout0", [x], p=0.1, hidden_outputs=1)
    for i in range(LAYERS):
        x = _encoder_layer(g, f"bertencoder0_transformer{i}", x, i)
    first = g.op("slice_axis", "bertmodel0_slice_axis0", [x], axis=1, begin=0, end=1)
    pooled = g.dense("bertmodel0_pooler", first, UNITS, UNITS)  # flatten True: [1, 64]
    pooled = g.op("Activation", "bertmodel0_pooler_tanh_fwd", [pooled], act_type="tanh")
    g.heads = [x, pooled]
    return g


MODELS = [ModelSpec("bert_encoder", _bert_encoder, onnx=True)]
