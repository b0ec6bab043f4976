"""torch_neuron: compile PyTorch models for the NeuronCore from inside PyTorch.

    import torch, torch_neuron
    model_neuron = torch.neuron.trace(model, example_inputs=[image])
    model_neuron.save("model_neuron.pt")
    # later, in a server process:
    import torch, torch_neuron
    model = torch.jit.load("model_neuron.pt")
    y = model(image)

`trace` traces the model with torch.jit.trace, splits the traced graph into
sections the compiler supports (each compiled to a NEFF, in process, by the
compiler library) and ordinary TorchScript for the rest, which runs on the
CPU. The NEFFs are attributes of the returned ScriptModule, so `save` keeps
them in the one file. Importing this package loads libtorch_neuron.so, which
registers torch.classes.neuron.Model and torch.ops.neuron.forward; a C++
program loads the same library (see docs/torch_neuron.md).

No Inferentia device is attached: sections run on the project's simulated
NeuronCore, and every device time it reports is an estimate.
"""
import io
import json
import logging
import os
import sys
import types

import torch

__all__ = ["trace", "analyze_model", "get_supported_operations", "library_path"]

LIBRARY_NAME = "libtorch_neuron.so"

logger = logging.getLogger("Neuron")
if not logger.handlers:
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
    logger.addHandler(_handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def library_path():
    """The custom-op library this package loads: $TORCH_NEURON_LIBRARY, else
    the copy installed next to this file."""
    return os.environ.get("TORCH_NEURON_LIBRARY") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), LIBRARY_NAME)


def _load_library():
    path = library_path()
    if not os.path.isfile(path):
        raise ImportError(
            f"torch_neuron: {path} is missing; install the package with "
            "`bazel run //frameworks/pytorch:install` (or set TORCH_NEURON_LIBRARY)")
    try:
        torch.ops.load_library(path)
    except OSError as e:
        raise ImportError(f"torch_neuron: cannot load {path}: {e}") from e


_load_library()


class NeuronError(RuntimeError):
    """A model torch_neuron cannot trace or compile; the message says why."""


def _call(op, *args):
    """Runs a torch.ops.neuron op, turning its errors into one-line NeuronErrors."""
    try:
        return op(*args)
    except RuntimeError as e:
        text = str(e).strip()
        # c10 messages may carry a C++ backtrace after the first line.
        first = text.splitlines()[0] if text else "unknown error"
        code, _, message = first.partition(": ")
        if code.isupper() and code.replace("_", "").isalpha() and message:
            first = message
        raise NeuronError(first) from None


def _as_tuple(example_inputs):
    if isinstance(example_inputs, torch.Tensor):
        example_inputs = (example_inputs,)
    try:
        example_inputs = tuple(example_inputs)
    except TypeError:
        raise TypeError("example_inputs must be a tensor or a list/tuple of tensors, not "
                        f"{type(example_inputs).__name__}") from None
    for i, t in enumerate(example_inputs):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"example_inputs[{i}] is a {type(t).__name__}; torch.neuron.trace "
                            "takes tensors only")
    return example_inputs


def _archive(model, example_inputs):
    """The model traced (or as scripted) and saved, as a uint8 tensor."""
    if isinstance(model, torch.jit.ScriptModule):
        scripted = model
    elif isinstance(model, torch.nn.Module):
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                scripted = torch.jit.trace(model, example_inputs, check_trace=False)
        except Exception as e:  # torch.jit.trace raises many kinds
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise NeuronError(
                f"torch.jit.trace failed on the model with example_inputs of shapes "
                f"{[tuple(t.shape) for t in example_inputs]}: {first}") from e
        finally:
            model.train(was_training)
    else:
        raise TypeError(f"torch.neuron.trace takes a torch.nn.Module or a ScriptModule, not "
                        f"{type(model).__name__}")
    buffer = io.BytesIO()
    torch.jit.save(scripted, buffer)
    return torch.frombuffer(bytearray(buffer.getvalue()), dtype=torch.uint8)


class NeuronNode:
    """What subgraph_builder_function sees of one node of the traced graph."""

    def __init__(self, entry):
        self.index = entry["index"]
        self.kind = entry["kind"]          # "aten::conv2d"
        self.location = entry["location"]  # source line, when TorchScript kept it
        self.supported = entry["supported"]

    def __repr__(self):
        return f"NeuronNode({self.kind} at {self.location or '?'})"


def _cpu_nodes(archive, example_inputs, minimum_segment_size, subgraph_builder_function):
    if subgraph_builder_function is None:
        return []
    plan = json.loads(_call(torch.ops.neuron._analyze, archive, list(example_inputs),
                            minimum_segment_size, []))
    return [e["index"] for e in plan["nodes"]
            if not subgraph_builder_function(NeuronNode(e))]


def _op_table(plan):
    table = {}
    for e in plan["nodes"]:
        if not e["operator"]:
            continue
        row = table.setdefault(e["kind"], {"kind": e["kind"], "count": 0, "supported": 0,
                                           "on_neuron": 0, "reasons": []})
        row["count"] += 1
        row["supported"] += e["supported"]
        row["on_neuron"] += e["placement"] == "neuron"
        if e["placement"] != "neuron" and e["reason"] and e["reason"] not in row["reasons"]:
            row["reasons"].append(e["reason"])
    return sorted(table.values(), key=lambda r: (r["on_neuron"] == r["count"], r["kind"]))


def _format_table(rows, percent):
    lines = [f"{'operator':<40} {'count':>5} {'supported':>9} {'on neuron':>9}  why not"]
    for r in rows:
        lines.append(f"{r['kind']:<40} {r['count']:>5} {r['supported']:>9} {r['on_neuron']:>9}  "
                     f"{'; '.join(r['reasons'])}")
    lines.append(f"{percent:.1f}% of operators would run on the NeuronCore")
    return "\n".join(lines)


def analyze_model(model, example_inputs, minimum_segment_size=2, subgraph_builder_function=None):
    """Prints and returns what trace would do: each operator kind, its count,
    whether the compiler supports it and why not, and the percentage of
    operators that would run on the NeuronCore. Compiles nothing."""
    example_inputs = _as_tuple(example_inputs)
    archive = _archive(model, example_inputs)
    cpu = _cpu_nodes(archive, example_inputs, minimum_segment_size, subgraph_builder_function)
    plan = json.loads(_call(torch.ops.neuron._analyze, archive, list(example_inputs),
                            minimum_segment_size, cpu))
    rows = _op_table(plan)
    print(_format_table(rows, plan["neuron_percent"]))
    return {"operators": rows, "percent_on_neuron": plan["neuron_percent"],
            "sections": plan["sections"], "notes": plan["notes"]}


def trace(model, example_inputs, compiler_args=None, fallback=True, minimum_segment_size=2,
          subgraph_builder_function=None):
    """Compiles `model` for the NeuronCore; returns a ScriptModule that runs
    the supported sections there and the rest on the CPU.

    compiler_args: neuron-cc flags (--auto-cast, --auto-cast-type,
        --fast-math, --verbose), a list or one string.
    fallback: a section that fails to compile runs on the CPU with a warning;
        False raises instead, also when any operator is unsupported.
    minimum_segment_size: sections with fewer operators stay on the CPU.
    subgraph_builder_function: node -> bool; False keeps the node on the CPU.
    """
    example_inputs = _as_tuple(example_inputs)
    if compiler_args is None:
        compiler_args = []
    elif isinstance(compiler_args, str):
        compiler_args = compiler_args.split()
    compiler_args = [str(a) for a in compiler_args]
    if int(minimum_segment_size) < 1:
        raise ValueError("minimum_segment_size must be at least 1")
    archive = _archive(model, example_inputs)
    cpu = _cpu_nodes(archive, example_inputs, int(minimum_segment_size),
                     subgraph_builder_function)
    traced, report = _call(torch.ops.neuron._trace, archive, list(example_inputs), compiler_args,
                           bool(fallback), int(minimum_segment_size), cpu)
    report = json.loads(report)
    module = torch.jit.load(io.BytesIO(traced.numpy().tobytes()))
    operators = sum(1 for e in report["nodes"] if e["operator"])
    on_cpu = sorted({e["kind"] for e in report["nodes"]
                     if e["operator"] and e["placement"] != "neuron"})
    logger.info("%d section%s on the NeuronCore; %.1f%% of %d operators run there%s",
                len(report["compiled"]), "" if len(report["compiled"]) == 1 else "s",
                report["neuron_percent"], operators,
                f"; on the CPU: {', '.join(on_cpu)}" if on_cpu else "")
    try:
        module._neuron_report = report  # for tests and tools; not saved
    except (AttributeError, RuntimeError):
        pass
    return module


def get_supported_operations():
    """The TorchScript operator kinds the compiler converts ("aten::conv2d", ...)."""
    return list(torch.ops.neuron._supported_operations())


# torch.neuron, as torch-neuron provides it.
_namespace = types.ModuleType("torch.neuron", __doc__)
for _name in __all__ + ["NeuronError", "NeuronNode"]:
    setattr(_namespace, _name, globals()[_name])
torch.neuron = _namespace
sys.modules["torch.neuron"] = _namespace
