#!/usr/bin/python3
"""Checks the package layering of docs/architecture.md on Bazel's dependency graph.

    check_layering.py GRAPH.dot [GRAPH.dot ...]   # genquery --output=graph files
    check_layering.py --self-test                 # the rules catch known violations

Each rule forbids edges from the targets of some packages to the targets of
others. Every forbidden edge found is printed with the rule it breaks; the
exit code is 1 if there is any. Bazel visibility (the package groups in the
root BUILD.bazel) enforces the same rules at analysis time; this test keeps
them from being loosened silently.
"""
import re
import sys

# (name, from-package pattern, forbidden to-package pattern, exempt from-packages).
# Patterns match the package part of a label ("compiler/lower" in
# "//compiler/lower:conv"); external repositories (@system, @bazel_tools)
# are never forbidden.
RULES = [
    ("the runtime sees only NEFF files: it never depends on the compiler, a frontend or a tool",
     r"runtime(/.*)?", r"(compiler|frontends|tools|frameworks)(/.*)?", None),
    ("the NEFF contract depends only on the target (and the leaves fileio and text)",
     r"neff(/.*)?", r"(compiler|frontends|runtime|tools|frameworks)(/.*)?", None),
    ("the target description depends on nothing in the project",
     r"target(/.*)?", r"(?!target(/|$)).*", None),
    ("file I/O (bounded reads, safe writes) depends on nothing in the project",
     r"fileio(/.*)?", r"(?!fileio(/|$)).*", None),
    ("printable text (names escaped for messages) depends on nothing in the project",
     r"text(/.*)?", r"(?!text(/|$)).*", None),
    ("a frontend never reaches into passes, lowering, scheduling, allocation, the target or the NEFF",
     r"frontends(/.*)?",
     r"(compiler/(passes|lower|schedule|alloc|emit|driver|accuracy)|target|neff|runtime|tools)(/.*)?",
     None),
    ("lowering never depends on the driver, a frontend or a tool",
     r"compiler/lower(/.*)?", r"(compiler/(driver|accuracy|passes)|frontends|tools)(/.*)?", None),
    ("nothing in compiler/ depends on tools/",
     r"compiler(/.*)?", r"tools(/.*)?", None),
    ("only the accuracy report (and lowering's test harness) may run the runtime from compiler/",
     r"compiler(/.*)?", r"runtime(/.*)?", r"compiler/(accuracy|lower/testing)(/.*)?"),
    ("the driver and the tools know frontends only through the interface and registry",
     r"(compiler|tools)(/.*)?", r"frontends/.+", None),
    ("the tools reach the compiler only through the driver",
     r"tools(/.*)?", r"compiler/(passes|lower|schedule|alloc|emit)(/.*)?", None),
    ("a framework integration reaches the compiler only through the driver",
     r"frameworks(/.*)?", r"compiler/(passes|lower|schedule|alloc|emit)(/.*)?", None),
    ("a framework integration uses its own framework's frontend, no other",
     r"frameworks/pytorch(/.*)?", r"frontends/(?!pytorch(/|$)).+", None),
]

EDGE = re.compile(r'^\s*"([^"]+)"\s*->\s*"([^"]+)"')


def package(label):
    """'//compiler/lower:conv' -> 'compiler/lower'; None for external labels."""
    if not label.startswith("//"):
        return None
    return label[2:].split(":", 1)[0]


def edges_of(text):
    for line in text.splitlines():
        m = EDGE.match(line)
        if m:
            yield m.group(1), m.group(2)


def violations(edges):
    found = set()
    for src, dst in edges:
        sp, dp = package(src), package(dst)
        # The root package holds the visibility package groups (which every
        # file "depends" on in a query graph) and the tools' aliases.
        if sp is None or dp is None or sp == dp or dp == "":
            continue
        for name, from_re, to_re, exempt in RULES:
            if not re.fullmatch(from_re, sp) or not re.fullmatch(to_re, dp):
                continue
            if exempt and re.fullmatch(exempt, sp):
                continue
            found.add((name, src, dst))
    return sorted(found)


def self_test():
    """Each rule must catch one edge that breaks it and pass a legal graph."""
    bad = [
        ("//runtime:nrt", "//compiler/driver:driver"),
        ("//neff:verifier", "//runtime/sim:sim"),
        ("//target:target", "//neff:schema"),
        ("//fileio:bounded_read", "//neff:format"),
        ("//text:printable", "//neff:format"),
        ("//frontends/onnx:onnx", "//compiler/passes:host_eval"),
        ("//compiler/lower:conv", "//compiler/driver:driver"),
        ("//compiler/driver:driver", "//tools/cli:flags"),
        ("//compiler/driver:driver", "//runtime:nrt"),
        ("//tools/neuron_cc:neuron-cc", "//frontends/onnx:onnx"),
        ("//tools/neuron_cc:neuron-cc", "//compiler/passes:pipeline"),
        ("//frameworks/pytorch:neuron_ops", "//compiler/lower:lower"),
        ("//frameworks/pytorch:neuron_ops", "//frontends/onnx:onnx"),
    ]
    good = [
        ("//tools/neuron_cc:neuron-cc", "//compiler/driver:driver"),
        ("//compiler/driver:driver", "//frontends:registry"),
        ("//frontends:registry", "//frontends/onnx:onnx"),
        ("//frontends/onnx:onnx", "//compiler/ir/eval:host_eval"),
        ("//compiler/accuracy:accuracy", "//runtime:nrt"),
        ("//runtime:nrt", "//neff:format"),
        ("//neff:verifier", "//target:target"),
        ("//neff:format", "//fileio:bounded_read"),
        ("//frontends/onnx:onnx", "//fileio:bounded_read"),
        ("//frontends/onnx:onnx", "//text:printable"),
        ("//compiler/ir:ir", "//text:printable"),
        ("//neff:format", "//text:printable"),
        ("//compiler/lower:conv", "@system//:absl"),
        ("//frameworks/pytorch:neuron_ops", "//compiler/driver:driver"),
        ("//frameworks/pytorch:neuron_ops", "//frontends/pytorch:convert"),
        ("//frameworks/pytorch:neuron_ops", "//runtime:nrt"),
    ]
    ok = True
    for rule, edge in zip(RULES, bad):
        if not any(v[0] == rule[0] for v in violations([edge])):
            print(f"self-test: rule not triggered by {edge[0]} -> {edge[1]}: {rule[0]}")
            ok = False
    for edge in good:
        if violations([edge]):
            print(f"self-test: legal edge flagged: {edge[0]} -> {edge[1]}")
            ok = False
    print("self-test: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


def main(argv):
    if argv == ["--self-test"]:
        return self_test()
    edges = []
    for path in argv:
        with open(path) as f:
            edges.extend(edges_of(f.read()))
    labels = {label for edge in edges for label in edge}
    # A graph without the driver or the runtime means the query went wrong,
    # not that the layering holds.
    for required in ("//compiler/driver:driver", "//runtime:nrt", "//neff:format"):
        if required not in labels:
            print(f"dependency graph looks wrong: {required} is missing")
            return 1
    found = violations(edges)
    for name, src, dst in found:
        print(f"forbidden edge {src} -> {dst}: {name}")
    print(f"{len(edges)} edges between {len(labels)} targets checked against {len(RULES)} rules: "
          f"{len(found)} forbidden")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
