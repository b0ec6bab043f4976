"""torch_neuron from a user's script: trace, partition, fallback, save and
reload in a fresh process, the C++ runner, threads, and bad input.

Run by Bazel (run_python_test.sh) with Debian's /usr/bin/python3; outputs
are checked against torch eager.
"""
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import threading
import unittest
import zipfile

import numpy as np
import torch

import torch_neuron
import small_models
from small_models import max_rel_error

RUNNER = os.environ["TORCH_NEURON_RUN"]
HERE = os.path.dirname(os.path.abspath(__file__))


def eager(model, *inputs):
    with torch.no_grad():
        return model(*inputs)


def operator_kinds(module):
    """The aten/custom ops left in the traced module's graph (run on the CPU)."""
    return sorted(n.kind() for n in module.graph.nodes()
                  if not n.kind().startswith("prim::") and n.kind() != "neuron::forward")


def reload_in_fresh_process(path, inputs, env_extra=None):
    """Runs reload_and_run.py on `path`; returns (outputs, completed process)."""
    with tempfile.TemporaryDirectory() as d:
        files = []
        for i, t in enumerate(inputs):
            files.append(os.path.join(d, f"in{i}.npy"))
            np.save(files[-1], t.numpy())
        env = dict(os.environ, **(env_extra or {}))
        proc = subprocess.run([sys.executable, os.path.join(HERE, "reload_and_run.py"), path,
                               os.path.join(d, "out")] + files,
                              capture_output=True, text=True, env=env, timeout=600)
        outputs = []
        k = 0
        while os.path.exists(os.path.join(d, "out", f"output{k}.npy")):
            outputs.append(torch.from_numpy(np.load(os.path.join(d, "out", f"output{k}.npy"))))
            k += 1
        return outputs, proc


def run_cpp(path, inputs):
    """Runs torch_neuron_run on `path`; returns its outputs."""
    with tempfile.TemporaryDirectory() as d:
        args = [RUNNER, path, "--output-dir", os.path.join(d, "out")]
        for i, t in enumerate(inputs):
            f = os.path.join(d, f"in{i}.npy")
            np.save(f, t.numpy())
            args += ["--input", f"input{i}={f}"]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise AssertionError(f"torch_neuron_run failed ({proc.returncode}): {proc.stderr}")
        outputs = []
        k = 0
        while os.path.exists(os.path.join(d, "out", f"output{k}.npy")):
            outputs.append(torch.from_numpy(np.load(os.path.join(d, "out", f"output{k}.npy"))))
            k += 1
        return outputs


class TraceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="torch_neuron_test.")

    def test_supported_model_is_one_section(self):
        model, x = small_models.small_cnn()
        traced = torch.neuron.trace(model, example_inputs=[x])
        report = traced._neuron_report
        self.assertEqual(len(report["compiled"]), 1)
        self.assertEqual(report["neuron_percent"], 100.0)
        self.assertEqual(operator_kinds(traced), [])
        self.assertLessEqual(max_rel_error(traced(x), eager(model, x)), 1e-4)

    def test_unsupported_op_between_sections(self):
        model, x = small_models.sandwich_custom_op()
        traced = torch.neuron.trace(model, [x])
        report = traced._neuron_report
        self.assertEqual(len(report["compiled"]), 2)
        self.assertEqual(operator_kinds(traced), ["tn_test::softsign"])
        self.assertLessEqual(max_rel_error(traced(x), eager(model, x)), 1e-4)
        cpu = [n for n in report["nodes"] if n["operator"] and n["placement"] == "cpu"]
        self.assertEqual([n["kind"] for n in cpu], ["tn_test::softsign"])
        self.assertIn("not supported", cpu[0]["reason"])

    def test_save_and_reload_in_fresh_process(self):
        for name, build in [("cnn", small_models.small_cnn),
                            ("custom_op", small_models.sandwich_custom_op)]:
            with self.subTest(model=name):
                model, x = build()
                path = os.path.join(self.tmp, f"{name}.pt")
                torch.neuron.trace(model, [x]).save(path)
                with zipfile.ZipFile(path) as z:  # no side files: one archive
                    self.assertTrue(any("/data/" in n for n in z.namelist()))
                outputs, proc = reload_in_fresh_process(path, [x])
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertLessEqual(max_rel_error(outputs[0], eager(model, x)), 1e-4)

    def test_cpp_runner_matches(self):
        for name, build in [("cnn", small_models.small_cnn),
                            ("erfinv", small_models.sandwich_erfinv)]:
            with self.subTest(model=name):
                model, x = build()
                traced = torch.neuron.trace(model, [x])
                if name == "erfinv":
                    self.assertEqual(len(traced._neuron_report["compiled"]), 2)
                    self.assertEqual(operator_kinds(traced), ["aten::erfinv"])
                path = os.path.join(self.tmp, f"cpp_{name}.pt")
                traced.save(path)
                outputs = run_cpp(path, [x])
                self.assertLessEqual(max_rel_error(outputs[0], eager(model, x)), 1e-4)
                self.assertLessEqual(max_rel_error(outputs[0], traced(x)), 0)

    def test_cpp_runner_errors(self):
        model, x = small_models.small_cnn()
        path = os.path.join(self.tmp, "cpp_errors.pt")
        torch.neuron.trace(model, [x]).save(path)
        proc = subprocess.run([RUNNER, path], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("no --input for 'x'", proc.stderr)
        proc = subprocess.run([RUNNER, path, "--input", "y=/nonexistent.npy"],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("no such argument", proc.stderr)
        bad = os.path.join(self.tmp, "not_a_model.pt")
        with open(bad, "wb") as f:
            f.write(b"not a zip")
        proc = subprocess.run([RUNNER, bad, "--input", "x=/nonexistent.npy"],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)

    def test_fallback_false_lists_unsupported_ops(self):
        model, x = small_models.sandwich_custom_op()
        with self.assertRaises(torch_neuron.NeuronError) as e:
            torch.neuron.trace(model, [x], fallback=False)
        self.assertIn("tn_test::softsign", str(e.exception))
        self.assertIn("fallback=False", str(e.exception))

    def test_section_that_fails_to_compile_falls_back(self):
        x = torch.arange(16, dtype=torch.int64).reshape(4, 4)
        model = small_models.IntMatmul()
        stderr = io.StringIO()
        handler = torch_neuron.logger.handlers[0]
        old_stream = handler.setStream(stderr)
        try:
            traced = torch.neuron.trace(model, [x])
        finally:
            handler.setStream(old_stream)
        self.assertEqual(traced._neuron_report["compiled"], [])
        self.assertEqual(len(traced._neuron_report["warnings"]), 1)
        self.assertIn("section 0", traced._neuron_report["warnings"][0])
        self.assertTrue(torch.equal(traced(x), eager(model, x)))
        with self.assertRaises(torch_neuron.NeuronError) as e:
            torch.neuron.trace(model, [x], fallback=False)
        self.assertIn("i64", str(e.exception))

    def test_subgraph_builder_function(self):
        model, x = small_models.small_cnn()
        traced = torch.neuron.trace(
            model, [x], subgraph_builder_function=lambda node: node.kind != "aten::relu",
            minimum_segment_size=1)
        self.assertEqual(operator_kinds(traced), ["aten::relu", "aten::relu"])
        self.assertEqual(len(traced._neuron_report["compiled"]), 3)
        self.assertLessEqual(max_rel_error(traced(x), eager(model, x)), 1e-4)

    def test_minimum_segment_size(self):
        model, x = small_models.sandwich_custom_op()
        traced = torch.neuron.trace(model, [x], minimum_segment_size=4)
        # The second section (linear, sigmoid, mul) has 3 operators.
        self.assertEqual(len(traced._neuron_report["compiled"]), 1)
        self.assertIn("aten::sigmoid", operator_kinds(traced))
        self.assertLessEqual(max_rel_error(traced(x), eager(model, x)), 1e-4)

    def test_analyze_model(self):
        model, x = small_models.sandwich_custom_op()
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            result = torch.neuron.analyze_model(model, [x])
        rows = {r["kind"]: r for r in result["operators"]}
        self.assertEqual(rows["tn_test::softsign"]["supported"], 0)
        self.assertEqual(rows["aten::linear"]["on_neuron"], 2)
        total = sum(r["count"] for r in result["operators"])
        self.assertAlmostEqual(result["percent_on_neuron"], 100.0 * (total - 1) / total)
        self.assertIn("tn_test::softsign", out.getvalue())
        self.assertIn("would run on the NeuronCore", out.getvalue())

    def test_supported_operations(self):
        ops = torch.neuron.get_supported_operations()
        self.assertIn("aten::conv2d", ops)
        self.assertIn("aten::linear", ops)
        self.assertNotIn("tn_test::softsign", ops)

    def test_compiler_args(self):
        model, x = small_models.small_cnn()
        traced = torch.neuron.trace(model, [x], compiler_args=["--auto-cast", "all",
                                                               "--auto-cast-type", "bf16"])
        y, ref = traced(x).flatten(), eager(model, x).flatten()
        self.assertGreaterEqual(float(torch.nn.functional.cosine_similarity(y, ref, dim=0)), 0.999)
        with self.assertRaises(torch_neuron.NeuronError) as e:
            torch.neuron.trace(model, [x], compiler_args="--optlevel 3")
        self.assertIn("unknown flag '--optlevel'", str(e.exception))

    def test_threads_share_one_module(self):
        model, x = small_models.sandwich_custom_op()
        traced = torch.neuron.trace(model, [x])
        inputs = [torch.rand(1, 3, 12, 12) for _ in range(4)]
        expected = [eager(model, t) for t in inputs]
        errors = []

        def work(k):
            try:
                for _ in range(5):
                    if max_rel_error(traced(inputs[k]), expected[k]) > 1e-4:
                        errors.append(f"thread {k}: wrong output")
            except Exception as e:  # reported below
                errors.append(f"thread {k}: {e}")

        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_bad_example_inputs(self):
        model, x = small_models.small_cnn()
        with self.assertRaises(torch_neuron.NeuronError) as e:
            torch.neuron.trace(model, [torch.rand(1, 4, 16, 16)])
        self.assertIn("torch.jit.trace failed", str(e.exception))
        self.assertIn("(1, 4, 16, 16)", str(e.exception))
        with self.assertRaises(torch_neuron.NeuronError):
            torch.neuron.trace(model, [x, x])
        with self.assertRaises(TypeError):
            torch.neuron.trace(model, [x.numpy()])
        with self.assertRaises(TypeError):
            torch.neuron.trace(lambda t: t, [x])

    def test_model_that_fails_to_trace(self):
        class Untraceable(torch.nn.Module):
            def forward(self, x):
                return {"y": x, "n": int(x.sum())}

        with self.assertRaises(torch_neuron.NeuronError) as e:
            torch.neuron.trace(Untraceable(), [torch.rand(2, 2)])
        self.assertIn("torch.jit.trace failed", str(e.exception))

    def test_wrong_input_at_call(self):
        model, x = small_models.small_cnn()
        traced = torch.neuron.trace(model, [x])
        with self.assertRaises(RuntimeError) as e:
            traced(torch.rand(1, 3, 8, 8))
        self.assertIn("compiled for [1, 3, 16, 16]", str(e.exception))

    def test_corrupted_neff_fails_at_load(self):
        model, x = small_models.small_cnn()
        path = os.path.join(self.tmp, "corrupt.pt")
        torch.neuron.trace(model, [x]).save(path)
        # The NEFF is the data record with the NEFF file identifier; flip a
        # byte in its middle (its checksums no longer match).
        with zipfile.ZipFile(path) as z:
            entries = [(i, z.read(i.filename)) for i in z.infolist()]
        corrupted = 0
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
            for info, data in entries:
                if "/data/" in info.filename and b"NEFF" in data[:16]:
                    data = bytearray(data)
                    data[len(data) // 2] ^= 0xFF
                    data = bytes(data)
                    corrupted += 1
                z.writestr(info, data)
        self.assertEqual(corrupted, 1)
        _, proc = reload_in_fresh_process(path, [x])
        self.assertEqual(proc.returncode, 1, proc.stderr)  # a Python exception, not a signal
        self.assertIn("NEFF does not load", proc.stderr)
        with self.assertRaises(RuntimeError) as e:
            torch.jit.load(path)
        self.assertIn("NEFF does not load", str(e.exception))

    def test_load_without_library_says_what_to_load(self):
        model, x = small_models.small_cnn()
        path = os.path.join(self.tmp, "no_library.pt")
        torch.neuron.trace(model, [x]).save(path)
        _, proc = reload_in_fresh_process(path, [x], {"NEURON_TEST_SKIP_IMPORT": "1"})
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("import_torch_neuron_or_load_libtorch_neuron_so", proc.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
