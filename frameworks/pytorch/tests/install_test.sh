#!/usr/bin/env bash
# The install target and a user's torch-neuron script, unchanged: install.sh
# copies the package into a fresh prefix; from another directory, one
# process traces and saves a model, a second one loads and runs it, with
# nothing but PYTHONPATH pointing at the prefix.
set -euo pipefail
root="$PWD"
prefix="$(mktemp -d)"
work="$(mktemp -d)"
trap 'rm -rf "$prefix" "$work"' EXIT
unset TORCH_NEURON_LIBRARY
"$root/frameworks/pytorch/install.sh" --prefix "$prefix"
test -f "$prefix/torch_neuron/libtorch_neuron.so"
cd "$work"
export PYTHONPATH="$prefix"
/usr/bin/python3 - <<'PY'
import torch, torch_neuron
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(),
                            torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                            torch.nn.Linear(4, 2)).eval()
image = torch.rand(1, 3, 16, 16)
model_neuron = torch.neuron.trace(model, example_inputs=[image])
model_neuron.save("model_neuron.pt")
torch.save({"image": image, "expected": model(image).detach()}, "io.pt")
PY
/usr/bin/python3 - <<'PY'
import torch, torch_neuron
io = torch.load("io.pt")
model = torch.jit.load("model_neuron.pt")
y = model(io["image"])
err = float((y - io["expected"]).abs().max() / io["expected"].abs().max())
assert err <= 1e-4, err
assert torch_neuron.library_path().startswith(__import__("os").environ["PYTHONPATH"])
print(f"install_test: ok (max relative error {err:.2e})")
PY
