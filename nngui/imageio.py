"""Read image files (PNG, JPEG, ...) as grayscale arrays, and classify them headless.

Decoding uses Qt's QImage (PySide6 is a dependency anyway; no Pillow needed). QImage needs no
QApplication, so this works in the CLI without a display. This module sits outside nngui.core
because the core never imports Qt.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from nngui.core.drawing.preprocess import clean_scan, ink_bbox, to_mnist

MAX_PIXELS = 36_000_000  # 6000x6000: a photo or scan; beyond that, decoding takes gigabytes


class ImageFileError(Exception):
    """An image file that cannot be read; the message is for the user."""


def load_image(path: str | os.PathLike) -> np.ndarray:
    """A grayscale float32 HxW array in [0, 1] from an image file (transparent = white)."""
    from PySide6.QtGui import QColor, QImage, QImageReader, QPainter

    path = Path(path)
    if not path.is_file():
        raise ImageFileError(f"No image file at {path}.")
    reader = QImageReader(str(path))
    if not reader.canRead():
        raise ImageFileError(f"Cannot read {path.name}: not an image format Qt can decode "
                             "(use PNG or JPEG).")
    size = reader.size()  # from the header: a huge image is named before it is decoded
    if size.isValid() and size.width() * size.height() > MAX_PIXELS:
        raise ImageFileError(f"Cannot read {path.name}: it is {size.width():,}×"
                             f"{size.height():,} pixels; images up to {MAX_PIXELS // 10**6} "
                             "megapixels are read (scale it down first).")
    # 16-bit RGBA is 8 bytes a pixel; Qt's default limit (256 MB) would refuse it mid-decode
    QImageReader.setAllocationLimit(max(QImageReader.allocationLimit(), 8 * MAX_PIXELS >> 20))
    img = reader.read()
    if img.isNull():
        raise ImageFileError(f"Cannot read {path.name}: {reader.errorString() or 'damaged'} "
                             "(the file is damaged or not a PNG/JPEG image).")
    if img.hasAlphaChannel():
        # Ink drawn on a transparent background: flatten onto white like a viewer shows it.
        flat = QImage(img.size(), QImage.Format.Format_RGB32)
        flat.fill(QColor(255, 255, 255))
        p = QPainter(flat)
        p.drawImage(0, 0, img)
        p.end()
        img = flat
    gray = img.convertToFormat(QImage.Format.Format_Grayscale8)
    w, h = gray.width(), gray.height()
    rows = np.frombuffer(gray.constBits(), dtype=np.uint8).reshape(h, gray.bytesPerLine())
    return rows[:, :w].astype(np.float32) / 255.0


def read_digit(path: str | os.PathLike) -> np.ndarray:
    """An image file as the 28x28 MNIST-like input (dark-on-light images are inverted).

    A blank image (no ink after removing the background) is an ImageFileError, not a digit.
    """
    scan = clean_scan(load_image(path))
    digit = to_mnist(scan) if ink_bbox(scan) is not None else None
    if digit is None or float(digit.max()) <= 0.0:
        raise ImageFileError(f"{Path(path).name}: no ink found (the image is blank or one "
                             "flat colour).")
    return digit


def classify_images(model: Any, image_paths: list[str]) -> list[dict[str, Any]]:
    """[{"image": path, "digit": d, "probabilities": [10 floats]}] for each image."""
    from nngui.core.model.inference import FastPredictor, to_probabilities

    predictor = FastPredictor(model)
    results = []
    for path in image_paths:
        probs = to_probabilities(predictor.predict(read_digit(path)))
        finite = bool(np.all(np.isfinite(probs)))
        # a diverged (NaN) model: null, not a bare NaN that is not JSON
        results.append({"image": str(path), "digit": int(np.argmax(probs)) if finite else None,
                        "probabilities": [round(float(p), 6) if np.isfinite(p) else None
                                          for p in probs]})
    return results


def predict_command_result(model_path: str | os.PathLike,
                           image_paths: list[str]) -> list[dict[str, Any]]:
    """What ``nngui predict --model M IMG...`` reports: the model file opened, then classify."""
    from nngui.core.model.saving import load_model

    if not image_paths:
        raise ImageFileError("Give at least one image file to read.")
    for path in image_paths:  # fail on a bad path before paying for TensorFlow
        if not Path(path).is_file():
            raise ImageFileError(f"No image file at {path}.")
    return classify_images(load_model(model_path), image_paths)
