#!/usr/bin/python3
"""Tests tfjs_to_graphdef.py on a small hand-written TF.js model whose
weights use every quantization the converter handles (uint8, uint16,
float16) and an int32 weight, none of which the eight human models cover
all of (they hold only float16 ones).

    /usr/bin/python3 tests/tfjs/converter_test.py [DUMP_TABLE]

Checks: every Const of the GraphDef holds `q * scale + min` (in double,
rounded to float32, as TF.js computes it) or the widened float16; TF.js on the original (quantized) model, TF.js on the round
trip and numpy give the same output; the SavedModel restores every variable
by name and its bundle holds the weights; the index reads back with LevelDB
(when DUMP_TABLE, dump_table.cc built, is given); a truncated shard
and an unknown quantization are one-line errors. Needs the TF.js cache
(testdata/tfjs/fetch.sh, run here). Last line: `converter_test: ok` or
`converter_test: N failed`.
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TFJS_DIR = os.path.join(ROOT, "testdata", "tfjs")
sys.path.insert(0, TFJS_DIR)
import tfjs_to_graphdef  # noqa: E402

failures = 0


def check(ok, message):
    global failures
    print(f"{'ok  ' if ok else 'FAIL'} {message}")
    failures += 0 if ok else 1


def const(name, dtype, shape):
    return {"name": name, "op": "Const", "attr": {
        "dtype": {"type": dtype},
        "value": {"tensor": {"dtype": dtype,
                             "tensorShape": {"dim": [{"size": str(d)} for d in shape]}}}}}


def binary(name, op, a, b):
    return {"name": name, "op": op, "input": [a, b], "attr": {"T": {"type": "DT_FLOAT"}}}


def write_model(out, shard):
    """x[1,4] * w8 + w16, * wh, reshaped to [2,2] by wi; returns the weights."""
    rng = np.random.default_rng(7)
    q8 = rng.integers(0, 256, 4).astype(np.uint8)
    q16 = rng.integers(0, 65536, 4).astype(np.uint16)
    h = rng.standard_normal(4).astype(np.float16)
    wi = np.array([2, 2], dtype=np.int32)
    quant8 = {"dtype": "uint8", "scale": 0.0123, "min": -1.5}
    quant16 = {"dtype": "uint16", "scale": 3.1e-5, "min": -0.75}
    nodes = [
        {"name": "x", "op": "Placeholder", "attr": {
            "dtype": {"type": "DT_FLOAT"},
            "shape": {"shape": {"dim": [{"size": "1"}, {"size": "4"}]}}}},
        const("w8", "DT_FLOAT", [4]), const("w16", "DT_FLOAT", [4]),
        const("wh", "DT_FLOAT", [4]), const("wi", "DT_INT32", [2]),
        binary("m", "Mul", "x", "w8"), binary("a", "AddV2", "m", "w16"),
        binary("b", "Mul", "a", "wh"),
        {"name": "r", "op": "Reshape", "input": ["b", "wi"],
         "attr": {"T": {"type": "DT_FLOAT"}, "Tshape": {"type": "DT_INT32"}}},
        {"name": "Identity", "op": "Identity", "input": ["r"], "attr": {"T": {"type": "DT_FLOAT"}}},
    ]
    model = {
        "format": "graph-model", "generatedBy": "converter_test", "convertedBy": None,
        "modelTopology": {"node": nodes, "library": {}, "versions": {"producer": 1}},
        "weightsManifest": [{"paths": [shard], "weights": [
            {"name": "w8", "shape": [4], "dtype": "float32", "quantization": quant8},
            {"name": "w16", "shape": [4], "dtype": "float32", "quantization": quant16},
            {"name": "wh", "shape": [4], "dtype": "float32", "quantization": {"dtype": "float16"}},
            {"name": "wi", "shape": [2], "dtype": "int32"},
        ]}],
    }
    with open(os.path.join(out, shard), "wb") as f:
        f.write(q8.tobytes() + q16.astype("<u2").tobytes() + h.astype("<f2").tobytes() +
                wi.astype("<i4").tobytes())
    with open(os.path.join(out, "model.json"), "w", encoding="utf-8") as f:
        json.dump(model, f)
    f32, f64 = np.float32, np.float64
    return {
        "w8": (q8.astype(f64) * quant8["scale"] + quant8["min"]).astype(f32),
        "w16": (q16.astype(f64) * quant16["scale"] + quant16["min"]).astype(f32),
        "wh": h.astype(f32),
        "wi": wi,
    }


def check_saved_model(pb, sm_dir, expected):
    """The SavedModel's restore path names every weight, and the data file holds
    them in key order (the index itself is checked with LevelDB, --check-index)."""
    with open(os.path.join(sm_dir, "saved_model.pb"), "rb") as f:
        saved = pb.SavedModel.FromString(f.read())
    meta = saved.meta_graphs[0]
    sig = meta.signature_def["serving_default"]
    check(list(meta.meta_info_def.tags) == ["serve"] and
          sig.inputs["x"].name == "x:0" and sig.outputs["Identity"].name == "Identity:0" and
          meta.saver_def.restore_op_name == "save/restore_all",
          "SavedModel: tag serve, serving_default x:0 -> Identity:0, save/restore_all")
    nodes = {n.name: n for n in meta.graph_def.node}
    names = [v.decode() for v in nodes["save/RestoreV2/tensor_names"].attr["value"].tensor.string_val]
    with open(os.path.join(sm_dir, "variables", "variables.data-00000-of-00001"), "rb") as f:
        data = f.read()
    restored = {}
    for i, name in enumerate(names):
        assign = nodes[f"save/AssignVariableOp_{i}"]
        handle = nodes[assign.input[0]]
        read = nodes[name]
        ok = (assign.input[1] == f"save/RestoreV2:{i}" and handle.op == "VarHandleOp" and
              handle.attr["shared_name"].s.decode() == name and read.op == "ReadVariableOp" and
              read.input[0] == handle.name)
        restored[name] = ok
    check(all(restored.values()) and sorted(names) == sorted(expected),
          f"SavedModel: {len(names)} variables restored by name from the bundle")
    offset = 0
    for name in sorted(expected):
        want = np.ascontiguousarray(expected[name]).astype(expected[name].dtype.newbyteorder("<"))
        got = data[offset:offset + want.nbytes]
        check(got == want.tobytes(), f"SavedModel: bundle data of {name}")
        offset += want.nbytes


def run(args):
    return subprocess.run(args, capture_output=True, text=True)


def run_tfjs(tfjs, model_json, x_file, out):
    r = run(["node", os.path.join(TFJS_DIR, "tfjs_reference.js"), "--tfjs", tfjs,
             "--model", model_json, "--input", f"x={x_file}", "--out", out])
    if r.returncode != 0:
        check(False, f"TF.js on {model_json}: {r.stderr.strip()}")
        return None
    return np.load(os.path.join(out, "Identity_0.npy"))


def main():
    dump_table = sys.argv[1] if len(sys.argv) > 1 else None
    fetch = run([os.path.join(TFJS_DIR, "fetch.sh")])
    if fetch.returncode != 0:
        print(fetch.stderr.strip())
        print("converter_test: 1 failed")
        sys.exit(1)
    tfjs = os.path.join(fetch.stdout.strip().splitlines()[-1], "tfjs-4.22.0")
    converter = os.path.join(TFJS_DIR, "tfjs_to_graphdef.py")
    with tempfile.TemporaryDirectory() as tmp:
        expected = write_model(tmp, "w.bin")
        model_json = os.path.join(tmp, "model.json")
        args = [sys.executable, converter, model_json, os.path.join(tmp, "model.pb"),
                "--roundtrip", os.path.join(tmp, "rt"), "--saved-model", os.path.join(tmp, "sm")]
        if dump_table:
            args += ["--check-index", dump_table]
        r = run(args)
        check(r.returncode == 0, f"converts: {(r.stdout + r.stderr).strip().splitlines()[0]}")
        if dump_table:
            check("LevelDB reads 4 bundle entries" in r.stdout, "LevelDB reads the bundle index")

        pb = tfjs_to_graphdef.load_protos()
        with open(os.path.join(tmp, "model.pb"), "rb") as f:
            graph = pb.GraphDef.FromString(f.read())
        for node in graph.node:
            if node.op != "Const":
                continue
            t = node.attr["value"].tensor
            want = expected[node.name]
            got = np.frombuffer(t.tensor_content, dtype=want.dtype.newbyteorder("<"))
            check(np.array_equal(got, want) and [d.size for d in t.tensor_shape.dim] == [4 if node.name != "wi" else 2],
                  f"Const {node.name} holds {got.tolist()}")

        check_saved_model(pb, os.path.join(tmp, "sm"), expected)

        x = np.array([[0.5, -1.25, 2.0, 3.5]], dtype=np.float32)
        x_file = os.path.join(tmp, "x.npy")
        np.save(x_file, x)
        want = ((x * expected["w8"] + expected["w16"]) * expected["wh"]).reshape(2, 2)
        original = run_tfjs(tfjs, model_json, x_file, os.path.join(tmp, "out"))
        roundtrip = run_tfjs(tfjs, os.path.join(tmp, "rt", "model.json"), x_file,
                             os.path.join(tmp, "rt_out"))
        if original is not None and roundtrip is not None:
            check(np.array_equal(original, roundtrip),
                  f"TF.js gives the same output on the quantized model and the round trip {roundtrip.tolist()}")
            check(np.allclose(original, want, rtol=1e-6, atol=1e-6),
                  f"TF.js output matches numpy {want.tolist()}")

        # Errors: one line each.
        with open(os.path.join(tmp, "w.bin"), "r+b") as f:
            f.truncate(10)
        r = run([sys.executable, converter, model_json, os.path.join(tmp, "bad.pb")])
        check(r.returncode == 1 and r.stderr.count("\n") == 1 and "runs past the end" in r.stderr,
              f"truncated shard: {r.stderr.strip()}")
        write_model(tmp, "w.bin")
        with open(model_json, encoding="utf-8") as f:
            model = json.load(f)
        model["weightsManifest"][0]["weights"][0]["quantization"]["dtype"] = "int4"
        with open(model_json, "w", encoding="utf-8") as f:
            json.dump(model, f)
        r = run([sys.executable, converter, model_json, os.path.join(tmp, "bad.pb")])
        check(r.returncode == 1 and r.stderr.count("\n") == 1 and "int4" in r.stderr,
              f"unknown quantization: {r.stderr.strip()}")
    print("converter_test: " + ("ok" if failures == 0 else f"{failures} failed"))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
