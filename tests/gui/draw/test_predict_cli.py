"""Image files in, digits out: nngui.imageio and `nngui predict` (no display needed)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from nngui.cli import run_cli
from nngui.imageio import ImageFileError, load_image, read_digit


def _draw(path, digit: str, size=(240, 320), ink=(15, 15, 15), paper=(245, 245, 240),
          alpha: bool = False) -> str:
    """A digit drawn with a pen: '1' is a line, '0' an ellipse."""
    fmt = QImage.Format.Format_ARGB32 if alpha else QImage.Format.Format_RGB32
    img = QImage(*size, fmt)
    img.fill(QColor(0, 0, 0, 0) if alpha else QColor(*paper))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor(*ink), 14, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    w, h = size
    if digit == "1":
        p.drawLine(w // 2, h // 5, w // 2 - 10, 4 * h // 5)
    else:
        p.drawEllipse(w // 2 - w // 5, h // 5, 2 * w // 5, 3 * h // 5)
    p.end()
    assert img.save(str(path))
    return str(path)


def test_load_image_formats(tmp_path):
    png = _draw(tmp_path / "a.png", "1")
    gray = load_image(png)
    assert gray.shape == (320, 240) and gray.dtype == np.float32
    assert gray.max() > 0.9 and gray.min() < 0.1
    jpg = _draw(tmp_path / "b.jpg", "1")
    assert np.abs(load_image(jpg) - gray).mean() < 0.02
    # Black ink on a transparent background reads like ink on white paper.
    clear = _draw(tmp_path / "c.png", "1", alpha=True)
    assert load_image(clear).max() == 1.0  # white where transparent
    assert np.abs(read_digit(clear) - read_digit(png)).mean() < 0.02


def test_dark_on_light_and_light_on_dark_agree(tmp_path):
    dark_on_light = read_digit(_draw(tmp_path / "a.png", "0"))
    light_on_dark = read_digit(_draw(tmp_path / "b.png", "0", ink=(250, 250, 250),
                                     paper=(10, 10, 10)))
    assert dark_on_light.shape == (28, 28) and dark_on_light.max() == pytest.approx(1.0)
    assert np.abs(dark_on_light - light_on_dark).mean() < 0.03
    assert dark_on_light[0].max() == 0 and dark_on_light[:, 0].max() == 0  # ink, no paper


def test_unreadable_files(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG but not really")
    with pytest.raises(ImageFileError, match="bad.png"):
        load_image(bad)
    with pytest.raises(ImageFileError, match="No image file"):
        load_image(tmp_path / "none.png")


@pytest.fixture(scope="module")
def model_file(mnist_path, tmp_path_factory):
    from nngui.core.data.adapt import prepare
    from nngui.core.data.datasets import load_mnist
    from nngui.core.model.builder import build_model
    from nngui.core.model.saving import save_model
    from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig
    from nngui.core.training.train import train

    spec = NetworkSpec((28, 28), [LayerSpec("Flatten"), LayerSpec("Dense", {"units": 64}),
                                  LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy", name="cli_reader")
    model = build_model(spec, seed=0)
    assert train(model, prepare(load_mnist(mnist_path), spec), spec,
                 TrainConfig(epochs=2, batch_size=128, validation_split=0.0, seed=0)).ok
    return str(save_model(model, tmp_path_factory.mktemp("m") / "reader.keras"))


def test_predict_command(model_file, tmp_path, capsys):
    one = _draw(tmp_path / "one.png", "1")
    zero = _draw(tmp_path / "zero.jpg", "0", size=(500, 400))
    assert run_cli(["predict", "--model", model_file, one, zero, "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    preds = out["predictions"]
    assert [p["image"] for p in preds] == [one, zero]
    assert [p["digit"] for p in preds] == [1, 0]
    for p in preds:
        assert len(p["probabilities"]) == 10 and sum(p["probabilities"]) == pytest.approx(1, 1e-4)
    assert run_cli(["predict", "--model", model_file, one]) == 0
    assert capsys.readouterr().out.startswith(f"{one}: 1 (")


def test_predict_command_errors(model_file, tmp_path, capsys):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"nope")
    assert run_cli(["predict", "--model", model_file, str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "bad.jpg" in err and len(err.splitlines()) == 1
    assert run_cli(["predict", "--model", str(tmp_path / "no.keras"),
                    _draw(tmp_path / "a.png", "1")]) == 2
    assert "No model file" in capsys.readouterr().err
