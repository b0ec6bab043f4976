"""Loads a saved torch_neuron module in a fresh process and runs it, as a
server would:

    reload_and_run.py MODEL.pt OUT_DIR IN0.npy [IN1.npy ...]

writes OUT_DIR/output<k>.npy per output. With NEURON_TEST_SKIP_IMPORT=1 it
does not import torch_neuron (to check the message torch gives then).
"""
import os
import sys

import numpy as np
import torch

if os.environ.get("NEURON_TEST_SKIP_IMPORT") != "1":
    import torch_neuron  # noqa: F401  (registers the ops)
    import small_models  # noqa: F401  (registers the test's own op)


def main():
    model_path, out_dir, *inputs = sys.argv[1:]
    model = torch.jit.load(model_path)
    tensors = [torch.from_numpy(np.load(p)) for p in inputs]
    with torch.no_grad():
        result = model(*tensors)
    outputs = [result] if isinstance(result, torch.Tensor) else list(result)
    os.makedirs(out_dir, exist_ok=True)
    for k, t in enumerate(outputs):
        np.save(os.path.join(out_dir, f"output{k}.npy"), t.numpy())


if __name__ == "__main__":
    main()
