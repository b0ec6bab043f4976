#!/usr/bin/python3
"""Writes a TF.js graph model's inputs, made from real photographs, as .npy.

    /usr/bin/python3 prepare_inputs.py MODEL.json OUT_DIR [--images DIR]
        [--normalize NAME]

The photographs are scikit-image's sample images as Debian ships them
(python3-skimage: /usr/lib/python3/dist-packages/skimage/data/): astronaut
(512x512), chelsea (451x300) and coffee (600x400). For each, OUT_DIR/<image>/
gets one .npy per graph input (file name: the input's `name:index` with every
character outside [A-Za-z0-9_.-] replaced by '_', as tfjs_reference.js names
its outputs) and inputs.txt, one `<name:index> <file>` line per input.

Each image is resized (bilinear, aspect ratio not kept, as the human library
does with tf.image.resizeBilinear) to the input's H x W, read from model.json
(the signature if there is one, else the Placeholder's `shape` attribute; an
unknown batch becomes 1), and scaled as the human library (vladmandic/human
3.x, src/) scales it before calling the model. `pixels` are the photo's
values in [0, 255]:

    blazeface          pixels / 127.5 - 0.5   (src/face/blazeface.ts)
    emotion            gray = 0.2989 R + 0.5870 G + 0.1140 B of pixels / 255,
                       then (gray - 0.5) * 2   (src/gear/emotion.ts)
    faceres            pixels, float           (src/face/faceres.ts: crop*255)
    iris               pixels / 255            (src/face/iris.ts: face crop)
    mobilefacenet      pixels / 255            (src/face/mobilefacenet.ts)
    movenet-lightning  pixels, int32           (src/body/movenet.ts: cast)
    efficientpose      pixels / 255 * 2 - 1    (src/body/efficientpose.ts)
    handdetect         pixels / 127.5 - 1      (src/hand/handposedetector.ts)

Any other model gets pixels / 255 (float inputs) or pixels (integer inputs).
The model's name is the .json file's stem unless --normalize says otherwise.
"""

import argparse
import json
import os
import re
import sys

import numpy as np
from PIL import Image

IMAGES = ("astronaut", "chelsea", "coffee")
DEFAULT_IMAGE_DIR = "/usr/lib/python3/dist-packages/skimage/data"
GRAY = np.array([0.2989, 0.5870, 0.1140], dtype=np.float32)

# name -> (description, function of float32 pixels in [0, 255] -> values)
NORMALIZE = {
    "blazeface": ("pixels / 127.5 - 0.5", lambda p: p / 127.5 - 0.5),
    "emotion": ("(gray(pixels / 255) - 0.5) * 2",
                lambda p: ((p / 255.0) @ GRAY)[..., None] * 2.0 - 1.0),
    "faceres": ("pixels", lambda p: p),
    "iris": ("pixels / 255", lambda p: p / 255.0),
    "mobilefacenet": ("pixels / 255", lambda p: p / 255.0),
    "movenet-lightning": ("pixels, int32", lambda p: p),
    "efficientpose": ("pixels / 255 * 2 - 1", lambda p: p / 255.0 * 2.0 - 1.0),
    "handdetect": ("pixels / 127.5 - 1", lambda p: p / 127.5 - 1.0),
}

DTYPES = {"DT_FLOAT": np.float32, "DT_INT32": np.int32}


def fail(message):
    sys.stderr.write(f"prepare_inputs: error: {message}\n")
    sys.exit(1)


def with_index(name):
    return name if re.search(r":\d+$", name) else name + ":0"


def file_name_for(name):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".npy"


def graph_inputs(model):
    """[(name:index, numpy dtype, [dims])] from the signature or Placeholders."""
    inputs = []
    signature = (model.get("signature") or {}).get("inputs") or {}
    if signature:
        for key, info in signature.items():
            dims = [int(d.get("size", -1)) for d in info["tensorShape"].get("dim", [])]
            inputs.append((with_index(info.get("name", key)), info["dtype"], dims))
    else:
        for node in model["modelTopology"]["node"]:
            if node["op"] != "Placeholder":
                continue
            attr = node.get("attr", {})
            shape = attr.get("shape", {}).get("shape", {})
            dims = [int(d.get("size", -1)) for d in shape.get("dim", [])]
            inputs.append((with_index(node["name"]), attr.get("dtype", {}).get("type"), dims))
    for name, dtype, dims in inputs:
        if dtype not in DTYPES:
            fail(f"input '{name}' has dtype {dtype}; only DT_FLOAT and DT_INT32 are supported")
        if len(dims) != 4 or dims[1] <= 0 or dims[2] <= 0 or dims[3] not in (1, 3):
            fail(f"input '{name}' has shape {dims}, not an image [N, H, W, 1 or 3]")
    return [(name, DTYPES[dtype], dims) for name, dtype, dims in inputs]


def load_photo(image_dir, image, height, width):
    path = os.path.join(image_dir, image + ".png")
    try:
        with Image.open(path) as im:
            rgb = im.convert("RGB").resize((width, height), Image.BILINEAR)
    except OSError as e:
        fail(f"{path}: {e} (install python3-skimage: tools/setup.sh)")
    return np.asarray(rgb, dtype=np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_json")
    parser.add_argument("out_dir")
    parser.add_argument("--images", default=DEFAULT_IMAGE_DIR)
    parser.add_argument("--normalize", help="normalisation by model name (default: the file's stem)")
    args = parser.parse_args()

    try:
        with open(args.model_json, encoding="utf-8") as f:
            model = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{args.model_json}: {e}")
    key = args.normalize or os.path.splitext(os.path.basename(args.model_json))[0]
    inputs = graph_inputs(model)

    for image in IMAGES:
        out = os.path.join(args.out_dir, image)
        os.makedirs(out, exist_ok=True)
        lines = []
        for name, dtype, dims in inputs:
            pixels = load_photo(args.images, image, dims[1], dims[2])[None]
            if key in NORMALIZE:
                how, normalize = NORMALIZE[key]
            elif dtype == np.float32:
                how, normalize = "pixels / 255 (default)", lambda p: p / 255.0
            else:
                how, normalize = "pixels (default)", lambda p: p
            values = normalize(pixels)
            if dims[3] == 1 and values.shape[-1] == 3:
                values = ((values) @ GRAY)[..., None]
            if values.shape[-1] != dims[3]:
                fail(f"{key}: normalisation gives {values.shape[-1]} channels, input wants {dims[3]}")
            values = np.ascontiguousarray(
                np.rint(values) if dtype == np.int32 else values).astype(dtype)
            np.save(os.path.join(out, file_name_for(name)), values)
            lines.append(f"{name} {file_name_for(name)}")
            print(f"{key} {image} {name} {values.dtype} {list(values.shape)} {how} "
                  f"range [{values.min():.4g}, {values.max():.4g}]")
        with open(os.path.join(out, "inputs.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
