"""torch_neuron benchmark (not a test): host times, medians, alternating runs.

    bazel run --config=opt //frameworks/pytorch:benchmark [-- --calls 300 --resnet-size 224]

1. Per-call overhead: a tiny section (3 element-wise ops on a [1, 64]
   tensor) as a neuron::forward call, against the same traced graph run as
   plain TorchScript on the CPU. The difference is what a NeuronCore section
   costs a caller on the host: the op, the runtime call and the simulated
   NeuronCore's run.
2. ResNet-50 (torchvision, random weights): torch.neuron.trace'd against
   eager, host wall time per inference, plus the section's estimated device
   latency from the simulator's cost model (an estimate, not a measurement).

No Inferentia is attached: the "NeuronCore" is the simulator on this CPU, so
host times compare the simulator with libtorch's CPU kernels.
"""
import argparse
import statistics
import sys
import time

import torch

import torch_neuron  # noqa: F401

torch_neuron.logger.setLevel("WARNING")


def cpu_name():
    name, flags = "unknown CPU", set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and name == "unknown CPU":
                name = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    simd = [f for f in ("avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    return f"{name} ({', '.join(simd) or 'no AVX-512'}), {torch.get_num_threads()} torch threads"


def alternate(a, b, calls, warmup=5):
    """Median seconds per call of a() and b(), run alternately."""
    for _ in range(warmup):
        a()
        b()
    ta, tb = [], []
    for _ in range(calls):
        start = time.perf_counter()
        a()
        ta.append(time.perf_counter() - start)
        start = time.perf_counter()
        b()
        tb.append(time.perf_counter() - start)
    return statistics.median(ta), statistics.median(tb), (min(ta), max(ta)), (min(tb), max(tb))


class Tiny(torch.nn.Module):
    def forward(self, x):
        return torch.relu(x * 2.0 + 1.0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--resnet-calls", type=int, default=7)
    parser.add_argument("--resnet-size", type=int, default=224)
    args = parser.parse_args()
    print(f"CPU: {cpu_name()}; torch {torch.__version__}")

    x = torch.rand(1, 64)
    tiny = Tiny().eval()
    neuron = torch.neuron.trace(tiny, [x])
    assert len(neuron._neuron_report["compiled"]) == 1
    plain = torch.jit.trace(tiny, [x])
    with torch.no_grad():
        n_med, p_med, n_rng, p_rng = alternate(lambda: neuron(x), lambda: plain(x), args.calls)
    estimate = neuron._neuron_report["compiled"][0]["estimated_latency_ns"] / 1e3
    print("\n| tiny section ([1, 64], 3 ops) | median us/call | min - max |")
    print("| --- | ---: | ---: |")
    print(f"| neuron::forward (simulated NeuronCore) | {n_med * 1e6:.1f} | "
          f"{n_rng[0] * 1e6:.1f} - {n_rng[1] * 1e6:.1f} |")
    print(f"| plain TorchScript on the CPU | {p_med * 1e6:.1f} | "
          f"{p_rng[0] * 1e6:.1f} - {p_rng[1] * 1e6:.1f} |")
    print(f"\nper-call overhead of a NeuronCore section: {(n_med - p_med) * 1e6:.1f} us "
          f"({n_med / p_med:.1f}x plain TorchScript); the section's estimated device latency: "
          f"{estimate:.2f} us (simulator estimate)")

    import torchvision
    torch.manual_seed(0)
    model = torchvision.models.resnet50(weights=None).eval()
    image = torch.rand(1, 3, args.resnet_size, args.resnet_size)
    start = time.perf_counter()
    traced = torch.neuron.trace(model, [image])
    trace_s = time.perf_counter() - start
    report = traced._neuron_report
    with torch.no_grad():
        n_med, e_med, n_rng, e_rng = alternate(lambda: traced(image), lambda: model(image),
                                               args.resnet_calls, warmup=1)
    estimate = report["compiled"][0]["estimated_latency_ns"] / 1e6
    print(f"\nResNet-50, 1x3x{args.resnet_size}x{args.resnet_size}: torch.neuron.trace took "
          f"{trace_s:.1f} s; {len(report['compiled'])} section, "
          f"{report['neuron_percent']:.0f}% of operators on the NeuronCore")
    print("\n| ResNet-50 | median ms/inference (host) | min - max |")
    print("| --- | ---: | ---: |")
    print(f"| torch.neuron.trace'd (simulated NeuronCore) | {n_med * 1e3:.1f} | "
          f"{n_rng[0] * 1e3:.1f} - {n_rng[1] * 1e3:.1f} |")
    print(f"| eager (libtorch CPU) | {e_med * 1e3:.1f} | {e_rng[0] * 1e3:.1f} - {e_rng[1] * 1e3:.1f} |")
    print(f"\ntraced / eager host time: {n_med / e_med:.2f}x; estimated device latency on "
          f"NeuronCore-v2: {estimate:.3f} ms (simulator cost-model estimate, not a measurement)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
