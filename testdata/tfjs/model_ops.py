#!/usr/bin/python3
"""Tables of the TF.js graph models' inputs, outputs and op types, in Markdown.

    /usr/bin/python3 model_ops.py MODELS_DIR REFERENCE_DIR MODEL [MODEL ...]

Op types and counts come from each MODELS_DIR/<model>.json topology (every
node, Const and Placeholder included: the list the TensorFlow frontend must
accept). Inputs and outputs come from REFERENCE_DIR/<model>/describe.json
(tfjs_reference.js --describe). Prints three tables: per model, ops per
model, and the union of ops with the models that use each.
"""

import collections
import json
import os
import sys


def shape_text(shape):
    return "[" + ",".join("?" if d < 0 else str(d) for d in shape) + "]"


def main():
    if len(sys.argv) < 4:
        sys.stderr.write("usage: model_ops.py MODELS_DIR REFERENCE_DIR MODEL [MODEL ...]\n")
        sys.exit(2)
    models_dir, reference_dir, models = sys.argv[1], sys.argv[2], sys.argv[3:]
    ops = {}
    io = {}
    for model in models:
        with open(os.path.join(models_dir, model + ".json"), encoding="utf-8") as f:
            topology = json.load(f)["modelTopology"]
        ops[model] = collections.Counter(n["op"] for n in topology["node"])
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


if __name__ == "__main__":
    main()
