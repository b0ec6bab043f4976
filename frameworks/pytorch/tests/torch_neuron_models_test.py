"""Real networks through torch.neuron.trace, as the issue's users run them:
torchvision ResNet-50 and MobileNetV2 and a 4-layer BERT-style encoder
(testdata/torch_models: random weights, calibrated BatchNorm) must each be
traced fully onto the NeuronCore (one section, no CPU operators), and match
torch eager within 1e-4 (max |ours - torch| / max |torch|) after a save and
reload in a fresh process, and through the C++ runner.
"""
import os
import sys
import tempfile
import time
import unittest

import torch

import torch_neuron  # noqa: F401
import sequence
import vision
from small_models import max_rel_error
from torch_neuron_test import eager, operator_kinds, reload_in_fresh_process, run_cpp

MODELS = {s.name: s for s in vision.MODELS + sequence.MODELS}


class ModelsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="torch_neuron_models.")

    def check(self, name):
        spec = MODELS[name]
        model, inputs = spec.build()
        example = list(inputs.values())
        start = time.time()
        traced = torch.neuron.trace(model, example)
        seconds = time.time() - start
        report = traced._neuron_report
        print(f"{name}: traced in {seconds:.1f} s, {len(report['compiled'])} section(s), "
              f"{report['neuron_percent']:.1f}% of operators on the NeuronCore", file=sys.stderr)
        self.assertEqual(len(report["compiled"]), 1)
        self.assertEqual(report["neuron_percent"], 100.0)
        self.assertEqual(operator_kinds(traced), [])
        ref = eager(model, *example)
        ref = [ref] if isinstance(ref, torch.Tensor) else list(ref)
        path = os.path.join(self.tmp, f"{name}.pt")
        traced.save(path)
        outputs, proc = reload_in_fresh_process(path, example)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(len(outputs), len(ref))
        for ours, theirs in zip(outputs, ref):
            self.assertLessEqual(max_rel_error(ours, theirs), spec.fp32_max_rel_err)
        cpp = run_cpp(path, example)
        for ours, theirs in zip(cpp, outputs):
            self.assertTrue(torch.equal(ours, theirs), "the C++ runner differs from Python")

    def test_resnet50(self):
        self.check("resnet50")

    def test_mobilenet_v2(self):
        self.check("mobilenet_v2")

    def test_bert_encoder(self):
        self.check("bert_encoder")


if __name__ == "__main__":
    unittest.main(verbosity=2)
