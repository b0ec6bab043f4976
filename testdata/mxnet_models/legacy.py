"""reshape_legacy: every Reshape special value and the shape/element-wise
operators, in a symbol file as MXNet 0.9 wrote it and a params file mixing
NDArray format versions and types.

Legacy JSON: mxnet_version 903, operator parameters under "param" (some under
"attr"), inputs as [node, output] pairs. Params: "scale" float16 in a V2
array, "floor" float64 in a V1 array (no storage-type word), "offset" float32
saved without its "arg:" prefix; the reference uses them as float32 (f16
widened exactly, f64 rounded).
"""
import numpy as np

from graph import V1, V2, Graph, ModelSpec


def _reshape_legacy():
    g = Graph(seed=30)
    g.mxnet_version = 903
    g.legacy_inputs = True
    op = lambda kind, name, inputs, key="param", **attrs: g.op(kind, name, inputs, attr_key=key,
                                                               **attrs)
    # Multiples of 1/64: exact in float16, so the Cast round trip is exact.
    data = g.input("data", np.round(g.uniform(2, 3, 4, 6) * 64) / 64)
    g.nodes[data[0]].attr_key = "param"
    scale = g.param("scale", g.uniform(1, 3, 1, 1, low=0.5, high=2.0), dtype=np.float16, magic=V2,
                    attr_key="param")
    floor = g.param("floor", g.normal(1, 1, 1, 6, std=0.3), dtype=np.float64, magic=V1,
                    attr_key="attr")
    offset = g.param("offset", g.normal(2, 3, 4, 6, std=0.1), prefixed=False)

    # Reshape's special values: 0 copy, -3 merge, -2 copy the rest: [2, 12, 6];
    a = op("Reshape", "reshape0", [data], shape=(0, -3, -2))
    # -4 split with one -1, 0 copy: [2, 3, 4, 6] (reverse written out);
    b = op("Reshape", "reshape1", [a], key="attr", shape=(0, -4, 3, -1, 0), reverse=False)
    # -1 infer: [24, 6]; -4 with -1 then -2: [2, 12, 6]; 0 0 -4 -1 2: [2, 12, 3, 2].
    c = op("Reshape", "reshape2", [b], shape=(-1, 6))
    d = op("Reshape", "reshape3", [c], shape=(-4, 2, -1, -2))
    e = op("Reshape", "reshape4", [d], shape=(0, 0, -4, -1, 2))

    m = op("broadcast_mul", "bmul0", [b, scale])
    n = op("broadcast_maximum", "bmax0", [m, floor])
    cond = op("clip", "clip0", [data], a_min=0.0, a_max=1.0)  # nonzero where data > 0
    w = op("where", "where0", [cond, n, op("_rminus_scalar", "rminus0", [data], scalar=1.0)])
    exact = op("Cast", "cast_f32", [op("Cast", "cast_f16", [data], dtype="float16")],
               dtype="float32")
    den = op("_plus_scalar", "plus_scalar0",
             [op("_power_scalar", "square0", [exact], scalar=2.0)], scalar=1.0)
    q = op("elemwise_div", "div0", [w, den])
    r = op("elemwise_mul", "mul0", [q, op("_rdiv_scalar", "rdiv0", [den], key="attr", scalar=2.0)])
    s = op("elemwise_sub", "sub0", [r, offset])
    s = op("BlockGrad", "stop0", [op("_copy", "copy0", [s])])
    halves = op("SliceChannel", "split0", [s], num_outputs=2, axis=3)  # [2, 3, 4, 3] each

    t0 = op("transpose", "transpose0", [halves[0]], axes=())  # empty: reversed, [3, 4, 3, 2]
    t0 = op("expand_dims", "expand0", [t0], axis=1)
    t0 = op("squeeze", "squeeze0", [t0], axis=(1,))
    t1 = op("transpose", "transpose1", [halves[1]])  # axes left to the default ()
    cat = op("Concat", "concat0", [t0, t1], num_args=2, dim=0)  # [6, 4, 3, 2]
    sl = op("slice", "slice0", [cat], begin=(None, 1), end=(None, None), step=(None, 2))
    sa = op("slice_axis", "slice_axis0", [sl], axis=-1, begin=1, end=None)  # [6, 2, 3, 1]
    g.heads = [halves[0], halves[1],
               op("mean", "mean0", [sa], axis=(1, 2), keepdims=True),   # [6, 1, 1, 1]
               op("sum", "sum0", [sl], axis=(0, 3)),                     # [2, 3]
               op("max", "max0", [e], axis=(2,), keepdims=False)]        # [2, 12, 2]
    return g


MODELS = [ModelSpec("reshape_legacy", _reshape_legacy)]
