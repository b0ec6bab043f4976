#!/usr/bin/python3
"""Tables of the TF.js graph models' inputs, outputs and op types, in Markdown.

    /usr/bin/python3 model_ops.py MODELS_DIR REFERENCE_DIR MODEL [MODEL ...]

Op types and counts come from each MODELS_DIR/<model>.json topology (every
node, Const and Placeholder included: the list the TensorFlow frontend must
accept). Inputs and outputs come from REFERENCE_DIR/<model>/describe.json
(tfjs_reference.js --describe). Prints four tables: per model, ops per
model, the union of ops with the models that use each, and the attribute
variants the importer must handle (the fused ops' `fused_ops`, `padding`,
`data_format`, non-unit `dilations`).
"""

import base64
import collections
import json
import os
import sys


def shape_text(shape):
    return "[" + ",".join("?" if d < 0 else str(d) for d in shape) + "]"


def decode(value):
    return base64.b64decode(value).decode("utf-8", "replace")


def attribute_variant(node):
    """The attributes that change what a node computes, as text ("" if none)."""
    attr = node.get("attr", {})
    parts = []
    fused = attr.get("fused_ops", {}).get("list", {}).get("s")
    if fused:
        parts.append("fused_ops=" + "+".join(decode(v) for v in fused))
    if "padding" in attr:
        parts.append("padding=" + decode(attr["padding"]["s"]))
    if "data_format" in attr:
        parts.append("data_format=" + decode(attr["data_format"]["s"]))
    dilations = attr.get("dilations", {}).get("list", {}).get("i")
    if dilations and any(int(d) != 1 for d in dilations):
        parts.append("dilations=" + ",".join(dilations))
    for key in ("transpose_a", "transpose_b"):
        if attr.get(key, {}).get("b"):
            parts.append(key)
    return " ".join(parts)


def main():
    if len(sys.argv) < 4:
        sys.stderr.write("usage: model_ops.py MODELS_DIR REFERENCE_DIR MODEL [MODEL ...]\n")
        sys.exit(2)
    models_dir, reference_dir, models = sys.argv[1], sys.argv[2], sys.argv[3:]
    ops = {}
    io = {}
    variants = collections.Counter()
    variant_users = collections.defaultdict(set)
    for model in models:
        with open(os.path.join(models_dir, model + ".json"), encoding="utf-8") as f:
            topology = json.load(f)["modelTopology"]
        ops[model] = collections.Counter(n["op"] for n in topology["node"])
        for node in topology["node"]:
            variant = attribute_variant(node)
            if variant:
                variants[(node["op"], variant)] += 1
                variant_users[(node["op"], variant)].add(model)
        with open(os.path.join(reference_dir, model, "describe.json"), encoding="utf-8") as f:
            io[model] = json.load(f)

    print("| model | inputs | outputs | nodes |")
    print("| --- | --- | --- | --- |")
    for model in models:
        ins = "<br>".join(f"`{t['name']}` {t['dtype']} {shape_text(t['shape'])}"
                          for t in io[model]["inputs"])
        outs = "<br>".join(f"`{t['name']}` {t['dtype']} {shape_text(t['shape'])}"
                           for t in io[model]["outputs"])
        print(f"| {model} | {ins} | {outs} | {sum(ops[model].values())} |")
    print()
    print("| model | op types (count) |")
    print("| --- | --- |")
    for model in models:
        listed = ", ".join(f"{op} {n}" for op, n in sorted(ops[model].items()))
        print(f"| {model} | {listed} |")
    print()
    union = collections.Counter()
    users = collections.defaultdict(list)
    for model in models:
        union.update(ops[model])
        for op in ops[model]:
            users[op].append(model)
    print(f"Union: {len(union)} op types.")
    print()
    print("| op | nodes in all models | models |")
    print("| --- | --- | --- |")
    for op in sorted(union):
        print(f"| `{op}` | {union[op]} | {', '.join(users[op])} |")
    print()
    print("| op | attributes | nodes | models |")
    print("| --- | --- | --- | --- |")
    for (op, variant), n in sorted(variants.items()):
        users_text = ", ".join(m for m in models if m in variant_users[(op, variant)])
        print(f"| `{op}` | {variant} | {n} | {users_text} |")


if __name__ == "__main__":
    main()
