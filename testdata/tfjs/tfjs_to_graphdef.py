#!/usr/bin/python3
"""Converts a TF.js graph model (model.json + shards) to a frozen GraphDef.

    /usr/bin/python3 tfjs_to_graphdef.py MODEL.json OUT.pb
        [--saved-model DIR [--check-index DUMP_TABLE]] [--roundtrip DIR]

The model.json topology is a GraphDef in protobuf's JSON form; every weight
named in the weightsManifest becomes the `value` of its Const node
(tensor_content, little-endian). Quantized weights are dequantized as TF.js
does when it loads them: uint8/uint16 `value = q * scale + min` computed in
double precision and rounded to float32, float16 -> float32. Node and op names are kept as they are in model.json
(including TF.js's fused ops: _FusedConv2D, FusedDepthwiseConv2dNative,
_FusedMatMul), since that is what the TensorFlow frontend has to read.

--saved-model DIR also writes a SavedModel: DIR/saved_model.pb (one
MetaGraphDef tagged "serve", SignatureDef "serving_default", a V2 SaverDef)
in which every weight is a resource variable (VarHandleOp + ReadVariableOp,
restored by save/RestoreV2 + AssignVariableOp, run by save/restore_all), and
DIR/variables/variables.{index,data-00000-of-00001}: the tensor bundle, its
index a LevelDB-format table (one data block, no compression) of
BundleHeaderProto under the empty key and a BundleEntryProto per weight.

--check-index DUMP_TABLE reads the index back with LevelDB's own table
reader (dump_table.cc, built against Debian's libleveldb-dev: the table
writer here is ~40 lines of Python with no build step, and LevelDB checks
it), compares every entry and each tensor's crc32c against the data file.

--roundtrip DIR writes the GraphDef back as a TF.js model (DIR/model.json,
DIR/weights.bin, all weights unquantized): running it with tfjs_reference.js
must give the same outputs as the original model, which checks the
conversion (topology and every dequantized weight) with TF.js itself.

The protos (proto/tf_graph.proto, TensorFlow's field numbers) are compiled
with Debian's protoc into a temporary directory at each run.
"""

import argparse
import base64
import copy
import importlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np
from google.protobuf import json_format

HERE = os.path.dirname(os.path.abspath(__file__))

# TF.js weight dtype -> (numpy dtype, TF DataType name)
WEIGHT_DTYPES = {
    "float32": (np.float32, "DT_FLOAT"),
    "int32": (np.int32, "DT_INT32"),
    "bool": (np.bool_, "DT_BOOL"),
}
QUANT_DTYPES = {"uint8": np.uint8, "uint16": np.uint16, "float16": np.float16}


def fail(message):
    sys.stderr.write(f"tfjs_to_graphdef: error: {message}\n")
    sys.exit(1)


def load_protos():
    """Compiles proto/tf_graph.proto with protoc and imports it."""
    out = tempfile.mkdtemp(prefix="tfjs-proto-")
    try:
        subprocess.run(["protoc", f"--proto_path={HERE}/proto", f"--python_out={out}",
                        "tf_graph.proto"], check=True, capture_output=True, text=True)
    except FileNotFoundError:
        fail("protoc not found (Debian protobuf-compiler: tools/setup.sh)")
    except subprocess.CalledProcessError as e:
        fail(f"protoc failed: {e.stderr.strip().splitlines()[0]}")
    sys.path.insert(0, out)
    module = importlib.import_module("tf_graph_pb2")
    sys.path.pop(0)
    shutil.rmtree(out, ignore_errors=True)
    return module


def read_weights(model, model_dir):
    """{name: np.ndarray} with every weight dequantized as TF.js does."""
    weights = {}
    for group in model.get("weightsManifest", []):
        chunks = []
        for path in group["paths"]:
            try:
                with open(os.path.join(model_dir, path), "rb") as f:
                    chunks.append(f.read())
            except OSError as e:
                fail(f"weight shard {path}: {e}")
        data = b"".join(chunks)
        offset = 0
        for spec in group["weights"]:
            name, dtype, shape = spec["name"], spec["dtype"], spec["shape"]
            if dtype not in WEIGHT_DTYPES:
                fail(f"weight '{name}' has dtype {dtype}; supported: {sorted(WEIGHT_DTYPES)}")
            count = int(np.prod(shape, dtype=np.int64))
            quant = spec.get("quantization")
            stored = QUANT_DTYPES.get(quant["dtype"]) if quant else WEIGHT_DTYPES[dtype][0]
            if stored is None:
                fail(f"weight '{name}' has quantization dtype {quant['dtype']}")
            size = count * np.dtype(stored).itemsize
            if offset + size > len(data):
                fail(f"weight '{name}' runs past the end of its shards")
            raw = np.frombuffer(data, dtype=np.dtype(stored).newbyteorder("<"),
                                count=count, offset=offset)
            offset += size
            if quant and quant["dtype"] == "float16":
                value = raw.astype(np.float32)
            elif quant:
                # As TF.js (io_utils decodeWeights): q * scale + min in double
                # precision (JavaScript numbers), then rounded to float32.
                value = (raw.astype(np.float64) * float(quant["scale"]) +
                         float(quant["min"])).astype(WEIGHT_DTYPES[dtype][0])
            else:
                value = raw.astype(WEIGHT_DTYPES[dtype][0])
            if name in weights:
                fail(f"weight '{name}' appears twice in the manifest")
            weights[name] = value.reshape(shape)
        if offset != len(data):
            fail(f"weight group {group['paths']} has {len(data) - offset} bytes left over")
    return weights


def set_tensor(pb, tensor, array, dtype_name):
    tensor.Clear()
    tensor.dtype = pb.DataType.Value(dtype_name)
    for d in array.shape:
        tensor.tensor_shape.dim.add().size = d
    tensor.tensor_content = np.ascontiguousarray(array).astype(
        array.dtype.newbyteorder("<")).tobytes()


def build_graphdef(pb, model, weights):
    graph = pb.GraphDef()
    topology = {k: v for k, v in model["modelTopology"].items() if k in ("node", "versions")}
    json_format.ParseDict(topology, graph, ignore_unknown_fields=True)
    if model["modelTopology"].get("library", {}).get("function"):
        fail("the model has a function library (control flow); not supported")
    by_name = {}
    for node in graph.node:
        if node.name in by_name:
            fail(f"two nodes are named '{node.name}'")
        by_name[node.name] = node
    for name, array in weights.items():
        node = by_name.get(name)
        if node is None or node.op != "Const":
            fail(f"weight '{name}' has no Const node")
        dtype_name = WEIGHT_DTYPES[str(array.dtype) if array.dtype != np.bool_ else "bool"][1]
        set_tensor(pb, node.attr["value"].tensor, array, dtype_name)
        node.attr["dtype"].type = pb.DataType.Value(dtype_name)
    for node in graph.node:
        if node.op != "Const" or node.name in weights:
            continue
        t = node.attr["value"].tensor
        has_values = (t.tensor_content or t.float_val or t.int_val or t.int64_val or
                      t.bool_val or t.string_val or t.half_val or t.double_val)
        if not has_values:
            fail(f"Const '{node.name}' has neither a weight nor an inline value")
    return graph


def graph_outputs(model, graph):
    """Output tensor names: the signature's, else the graph's sinks."""
    signature = (model.get("signature") or {}).get("outputs") or {}
    if signature:
        names = [info.get("name", key) for key, info in signature.items()]
    else:
        consumed = {i.lstrip("^").split(":")[0] for n in graph.node for i in n.input}
        names = [n.name for n in graph.node
                 if n.name not in consumed and n.op not in ("Const", "NoOp", "Placeholder")]
    return [n if ":" in n else n + ":0" for n in names]


# ---- SavedModel --------------------------------------------------------------

def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC32C_TABLE = _crc32c_table()


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    table = CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc(crc):
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def table_block(entries, restart_interval=16):
    """A LevelDB block: prefix-compressed entries, restart array, count."""
    out = bytearray()
    restarts = []
    previous = b""
    for i, (key, value) in enumerate(entries):
        if i % restart_interval == 0:
            restarts.append(len(out))
            shared = 0
        else:
            shared = 0
            while (shared < min(len(key), len(previous)) and key[shared] == previous[shared]):
                shared += 1
        out += varint(shared) + varint(len(key) - shared) + varint(len(value))
        out += key[shared:] + value
        previous = key
    if not restarts:
        restarts = [0]
    for r in restarts:
        out += struct.pack("<I", r)
    out += struct.pack("<I", len(restarts))
    return bytes(out)


def write_table(path, entries):
    """A LevelDB SSTable (TensorFlow's table format) with sorted entries."""
    entries = sorted(entries)
    out = bytearray()

    def add_block(contents):
        handle = varint(len(out)) + varint(len(contents))
        trailer = b"\x00"  # no compression
        out.extend(contents + trailer + struct.pack("<I", masked_crc(crc32c(contents + trailer))))
        return handle

    data_handle = add_block(table_block(entries))
    metaindex_handle = add_block(table_block([]))
    index_handle = add_block(table_block([(entries[-1][0], data_handle)], restart_interval=1))
    footer = metaindex_handle + index_handle
    footer += b"\x00" * (40 - len(footer)) + struct.pack("<Q", 0xDB4775248B80FB57)
    out += footer
    with open(path, "wb") as f:
        f.write(out)


def add_node(graph, name, op, inputs=(), **attrs):
    node = graph.node.add()
    node.name, node.op = name, op
    node.input.extend(inputs)
    for key, setter in attrs.items():
        setter(node.attr[key])
    return node


def write_saved_model(pb, model, frozen, weights, out_dir):
    graph = pb.GraphDef()
    graph.CopyFrom(frozen)
    names = sorted(weights)
    keep = [n for n in graph.node if n.name not in weights]
    dtypes = {}
    shapes = {}
    for node in graph.node:
        if node.name in weights:
            dtypes[node.name] = node.attr["dtype"].type
            shapes[node.name] = copy.deepcopy(node.attr["value"].tensor.tensor_shape)
    del graph.node[:]
    graph.node.extend(keep)

    def string_const(name, values, shape):
        t = pb.TensorProto(dtype=pb.DT_STRING)
        for d in shape:
            t.tensor_shape.dim.add().size = d
        t.string_val.extend(v.encode() for v in values)
        add_node(graph, name, "Const", value=lambda a: a.tensor.CopyFrom(t),
                 dtype=lambda a: setattr(a, "type", pb.DT_STRING))

    string_const("save/Const", ["model"], [])
    string_const("save/RestoreV2/tensor_names", names, [len(names)])
    string_const("save/RestoreV2/shape_and_slices", [""] * len(names), [len(names)])
    add_node(graph, "save/RestoreV2", "RestoreV2",
             ["save/Const", "save/RestoreV2/tensor_names", "save/RestoreV2/shape_and_slices"],
             dtypes=lambda a: a.list.type.extend(dtypes[n] for n in names))
    for i, name in enumerate(names):
        var = f"{name}/resource"
        set_dtype = (lambda dt: lambda a: setattr(a, "type", dt))(dtypes[name])
        add_node(graph, var, "VarHandleOp", dtype=set_dtype,
                 shape=(lambda s: lambda a: a.shape.CopyFrom(s))(shapes[name]),
                 shared_name=(lambda v: lambda a: setattr(a, "s", v.encode()))(name),
                 container=lambda a: setattr(a, "s", b""))
        add_node(graph, name, "ReadVariableOp", [var], dtype=set_dtype)
        add_node(graph, f"save/AssignVariableOp_{i}", "AssignVariableOp",
                 [var, f"save/RestoreV2:{i}"], dtype=set_dtype)
    add_node(graph, "save/restore_all", "NoOp",
             [f"^save/AssignVariableOp_{i}" for i in range(len(names))])

    saved = pb.SavedModel(saved_model_schema_version=1)
    meta = saved.meta_graphs.add()
    meta.meta_info_def.tags.append("serve")
    meta.graph_def.CopyFrom(graph)
    meta.saver_def.filename_tensor_name = "save/Const:0"
    meta.saver_def.restore_op_name = "save/restore_all"
    meta.saver_def.max_to_keep = 5
    meta.saver_def.keep_checkpoint_every_n_hours = 10000.0
    meta.saver_def.version = pb.SaverDef.V2
    sig = meta.signature_def["serving_default"]
    sig.method_name = "tensorflow/serving/predict"
    by_name = {n.name: n for n in frozen.node}
    for node in frozen.node:
        if node.op == "Placeholder":
            info = sig.inputs[node.name]
            info.name, info.dtype = node.name + ":0", node.attr["dtype"].type
            info.tensor_shape.CopyFrom(node.attr["shape"].shape)
    for out in graph_outputs(model, frozen):
        info = sig.outputs[out.split(":")[0]]
        info.name = out
        node = by_name.get(out.split(":")[0])
        for key in ("T", "dtype"):
            if node is not None and key in node.attr:
                info.dtype = node.attr[key].type
                break
        else:
            info.dtype = pb.DT_FLOAT

    os.makedirs(os.path.join(out_dir, "variables"), exist_ok=True)
    with open(os.path.join(out_dir, "saved_model.pb"), "wb") as f:
        f.write(saved.SerializeToString())
    entries = []
    header = pb.BundleHeaderProto(num_shards=1, endianness=pb.BundleHeaderProto.LITTLE)
    header.version.producer = 1
    entries.append((b"", header.SerializeToString()))
    offset = 0
    with open(os.path.join(out_dir, "variables", "variables.data-00000-of-00001"), "wb") as f:
        for name in names:
            data = np.ascontiguousarray(weights[name]).astype(
                weights[name].dtype.newbyteorder("<")).tobytes()
            entry = pb.BundleEntryProto(dtype=dtypes[name], shard_id=0, offset=offset,
                                        size=len(data), crc32c=masked_crc(crc32c(data)))
            entry.shape.CopyFrom(shapes[name])
            entries.append((name.encode(), entry.SerializeToString()))
            f.write(data)
            offset += len(data)
    write_table(os.path.join(out_dir, "variables", "variables.index"), entries)
    return sorted(entries)


def check_index(pb, dump_table, out_dir, entries):
    """Reads the index back with LevelDB (dump_table.cc) and the data file."""
    index = os.path.join(out_dir, "variables", "variables.index")
    run = subprocess.run([dump_table, index], capture_output=True, text=True)
    if run.returncode != 0:
        fail(f"LevelDB cannot read {index}: {run.stderr.strip()}")
    read = [tuple(bytes.fromhex(x) for x in (line.split(" ") + [""])[:2])
            for line in run.stdout.splitlines()]
    if read != entries:
        fail(f"LevelDB reads {len(read)} entries from {index}, {len(entries)} were written")
    with open(os.path.join(out_dir, "variables", "variables.data-00000-of-00001"), "rb") as f:
        data = f.read()
    for key, value in read[1:]:
        entry = pb.BundleEntryProto.FromString(value)
        chunk = data[entry.offset:entry.offset + entry.size]
        if len(chunk) != entry.size or masked_crc(crc32c(chunk)) != entry.crc32c:
            fail(f"bundle entry {key.decode()}: data does not match its crc32c")
    return len(read) - 1


# ---- round trip --------------------------------------------------------------

def write_roundtrip(pb, model, graph_bytes, out_dir):
    """The GraphDef read back from its bytes, written as an unquantized TF.js model."""
    graph = pb.GraphDef.FromString(graph_bytes)
    os.makedirs(out_dir, exist_ok=True)
    specs = []
    blobs = []
    weight_names = {w["name"] for g in model.get("weightsManifest", []) for w in g["weights"]}
    for node in graph.node:
        if node.op != "Const" or node.name not in weight_names:
            continue
        t = node.attr["value"].tensor
        shape = [d.size for d in t.tensor_shape.dim]
        dtype = {pb.DT_FLOAT: "float32", pb.DT_INT32: "int32", pb.DT_BOOL: "bool"}[t.dtype]
        specs.append({"name": node.name, "shape": shape, "dtype": dtype})
        blobs.append(t.tensor_content)
        t.ClearField("tensor_content")
    topology = json_format.MessageToDict(graph)
    with open(os.path.join(out_dir, "weights.bin"), "wb") as f:
        f.write(b"".join(blobs))
    roundtrip = {
        "format": "graph-model",
        "generatedBy": "tfjs_to_graphdef.py --roundtrip",
        "convertedBy": model.get("convertedBy"),
        "modelTopology": topology,
        "weightsManifest": [{"paths": ["weights.bin"], "weights": specs}],
    }
    if model.get("signature"):
        roundtrip["signature"] = model["signature"]
    with open(os.path.join(out_dir, "model.json"), "w", encoding="utf-8") as f:
        json.dump(roundtrip, f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_json")
    parser.add_argument("out_pb")
    parser.add_argument("--saved-model", metavar="DIR")
    parser.add_argument("--roundtrip", metavar="DIR")
    parser.add_argument("--check-index", metavar="DUMP_TABLE",
                        help="dump_table binary (dump_table.cc) to read the bundle index back")
    args = parser.parse_args()

    try:
        with open(args.model_json, encoding="utf-8") as f:
            model = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{args.model_json}: {e}")
    if model.get("format") not in (None, "graph-model") or "modelTopology" not in model:
        fail(f"{args.model_json}: not a TF.js graph model")
    pb = load_protos()
    weights = read_weights(model, os.path.dirname(os.path.abspath(args.model_json)))
    try:
        graph = build_graphdef(pb, model, weights)
    except json_format.ParseError as e:
        fail(f"{args.model_json}: topology is not a GraphDef: {str(e).splitlines()[0]}")
    data = graph.SerializeToString()
    with open(args.out_pb, "wb") as f:
        f.write(data)
    quantized = {}
    for g in model.get("weightsManifest", []):
        for w in g["weights"]:
            if w.get("quantization"):
                kind = w["quantization"]["dtype"]
                quantized[kind] = quantized.get(kind, 0) + 1
    print(f"graphdef {args.out_pb}: {len(graph.node)} nodes, {len(weights)} weights "
          f"({sum(a.size for a in weights.values())} values; dequantized "
          f"{json.dumps(quantized) if quantized else 'none'}), {len(data)} bytes, "
          f"outputs {' '.join(graph_outputs(model, graph))}")
    if args.saved_model:
        entries = write_saved_model(pb, model, graph, weights, args.saved_model)
        print(f"saved model {args.saved_model}")
        if args.check_index:
            n = check_index(pb, args.check_index, args.saved_model, entries)
            print(f"saved model index: LevelDB reads {n} bundle entries, checksums match")
    if args.roundtrip:
        write_roundtrip(pb, model, data, args.roundtrip)
        print(f"roundtrip TF.js model {args.roundtrip}/model.json")


if __name__ == "__main__":
    main()
