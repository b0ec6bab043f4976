#!/usr/bin/env python3
"""Text images for the PP-OCR models, rendered with Debian's DejaVu fonts
(fonts-dejavu-core) and preprocessed as PaddleOCR's inference does.

Used as a module by tests/ocr/ocr_models_test.py; run standalone it writes
the rendered images as PNG for a look:

  render_text.py OUT_DIR

Preprocessing (PaddleOCR's documented inference configuration; images are
BGR, as PaddleOCR reads them with OpenCV):
  detection      NormalizeImage: x / 255, mean (0.485, 0.456, 0.406), std
                 (0.229, 0.224, 0.225), HWC -> CHW; the image is rendered at
                 the input size itself, whose sides are multiples of 32
                 (DetResizeForTest's constraint).
  recognition,   resize_norm_img: height 48, width ceil(48 * w / h) capped
  classifier     at the input width (bilinear), x / 255, (x - 0.5) / 0.5,
                 zero padding on the right up to the input width.
"""
import math
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONTS = ("DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf", "DejaVuSans-Bold.ttf")

DET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
DET_STD = np.array([0.229, 0.224, 0.225], np.float32)

# Lines for the page (detection) and for the single-line crops.
PAGE_LINES = (
    "Neuron Compiler 2.14 release notes",
    "Compiles ONNX models ahead of time",
    "for the NeuronCore: 128x128 TensorE,",
    "SBUF 24 MiB, PSUM 2 MiB per core.",
    "Invoice #4471 due 2026-12-31: $1,280.00",
    "The quick brown fox jumps over the lazy dog",
)
SHORT_LINES = ("OCR test 42", "Hello, world", "PaddleOCR v4", "Total: 17.50")
LONG_LINES = (
    "The quick brown fox jumps over 13 dogs",
    "Ahead-of-time compilation for NeuronCore",
    "Invoice 2026-12-07, amount due: $980.25",
)


def font(index, size):
    return ImageFont.truetype(os.path.join(FONT_DIR, FONTS[index % len(FONTS)]), size)


def page(height, width, seed):
    """A light page with several lines of dark text: RGB uint8 [H, W, 3]."""
    rng = np.random.default_rng(seed)
    background = tuple(int(v) for v in rng.integers(225, 250, 3))
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    y = int(height * 0.06)
    for i, line in enumerate(PAGE_LINES):
        f = font(i + seed, int(rng.integers(22, 34)))
        x = int(rng.integers(width // 40, width // 8))
        # Shorten a line that would not fit the page.
        while draw.textlength(line, font=f) > width - x - 8 and len(line) > 4:
            line = line[:-1]
        ink = tuple(int(v) for v in rng.integers(0, 70, 3))
        draw.text((x, y), line, font=f, fill=ink)
        y += int(f.size * 1.6) + int(rng.integers(4, 20))
        if y > height - 40:
            break
    return np.asarray(image)


def text_line(text, font_index, size=36):
    """One text line cropped to its ink with a small margin: RGB uint8."""
    f = font(font_index, size)
    left, top, right, bottom = f.getbbox(text)
    pad = size // 6
    image = Image.new("RGB", (right - left + 2 * pad, bottom - top + 2 * pad), (242, 240, 236))
    ImageDraw.Draw(image).text((pad - left, pad - top), text, font=f, fill=(20, 20, 28))
    return np.asarray(image)


def detection_input(rgb):
    """[1, 3, H, W] float32 from an RGB page whose sides are multiples of 32."""
    assert rgb.shape[0] % 32 == 0 and rgb.shape[1] % 32 == 0, rgb.shape
    bgr = rgb[:, :, ::-1].astype(np.float32) / 255.0
    # PaddleOCR's NormalizeImage applies the list in the image's (BGR) order.
    x = (bgr - DET_MEAN) / DET_STD
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)


def line_input(rgb, height, width):
    """[3, height, width] float32 as PaddleOCR's resize_norm_img makes it."""
    h, w = rgb.shape[:2]
    resized_w = min(width, int(math.ceil(height * w / h)))
    bgr = np.asarray(Image.fromarray(rgb[:, :, ::-1].copy()).resize((resized_w, height),
                                                                      Image.BILINEAR))
    x = (bgr.astype(np.float32) / 255.0 - 0.5) / 0.5
    out = np.zeros((3, height, width), np.float32)
    out[:, :, :resized_w] = x.transpose(2, 0, 1)
    return out


def lines_for_width(width):
    """The line texts used at a recognition width: short ones fit 320."""
    return SHORT_LINES + (LONG_LINES if width >= 480 else ())


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for (h, w), seed in (((640, 640), 0), ((544, 960), 1)):
        Image.fromarray(page(h, w, seed)).save(os.path.join(out, f"page_{h}x{w}.png"))
    for i, text in enumerate(SHORT_LINES + LONG_LINES):
        Image.fromarray(text_line(text, i)).save(os.path.join(out, f"line_{i}.png"))


if __name__ == "__main__":
    main()
