"""Images and model files that used to mislead or crash `nngui predict` and File → Open."""

from __future__ import annotations

import json
import struct
import zlib

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from nngui.cli import run_cli
from nngui.core.model.saving import ModelFileError, keras_reason, load_model
from nngui.imageio import ImageFileError, load_image, read_digit


def huge_png(path, width=20_000, height=20_000) -> str:
    """A valid PNG header claiming width x height over one tiny IDAT: a few bytes on disk."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))
    return str(path)


def blank_png(path, colour=(255, 255, 255)) -> str:
    img = QImage(64, 64, QImage.Format.Format_RGB32)
    img.fill(QColor(*colour))
    assert img.save(str(path))
    return str(path)


def test_a_huge_image_is_named_as_too_large_not_as_unknown_format(tmp_path):
    with pytest.raises(ImageFileError, match="20,000×20,000 pixels"):
        load_image(huge_png(tmp_path / "huge.png"))


@pytest.mark.parametrize("colour", [(255, 255, 255), (0, 0, 0), (128, 90, 30)])
def test_a_blank_image_is_no_ink_not_a_confident_digit(tmp_path, colour):
    with pytest.raises(ImageFileError, match="no ink found"):
        read_digit(blank_png(tmp_path / "blank.png", colour))


def _tiny_reader(path, weights_value: float | None = None) -> str:
    from nngui.core.model.builder import build_model
    from nngui.core.model.saving import save_model
    from nngui.core.network.spec import LayerSpec, NetworkSpec

    spec = NetworkSpec((28, 28), [LayerSpec("Flatten"),
                                  LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy")
    model = build_model(spec, seed=0)
    if weights_value is not None:
        model.set_weights([np.full_like(w, weights_value) for w in model.get_weights()])
    return str(save_model(model, path))


def test_predict_json_on_a_nan_model_is_valid_json_with_null(tmp_path, capsys):
    from tests.gui.draw.test_predict_cli import _draw

    model = _tiny_reader(tmp_path / "nan.keras", float("nan"))
    image = _draw(tmp_path / "one.png", "1")
    assert run_cli(["predict", "--model", model, image, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out.strip().splitlines()[-1])  # strict: no bare NaN
    assert doc["predictions"][0]["digit"] is None
    assert doc["predictions"][0]["probabilities"] == [None] * 10
    assert run_cli(["predict", "--model", model, image]) == 0
    assert "diverged" in capsys.readouterr().out


def _saved(tmp_path, name, layer) -> str:
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), layer])
    path = tmp_path / f"{name}.keras"
    model.save(path)
    return str(path)


def test_code_carrying_layers_are_refused_by_name_without_running(tmp_path):
    import keras

    ran = []
    lam = _saved(tmp_path, "lam", keras.layers.Lambda(lambda x: ran.append(1) or x,
                                                      name="evil_step"))

    class Mystery(keras.layers.Layer):
        def call(self, x):
            return x

    custom = _saved(tmp_path, "custom", Mystery(name="mystery"))
    ran.clear()
    for path, fragment in ((lam, "layer 'evil_step' (Lambda) carries Python code"),
                           (custom, "layer 'mystery' (Mystery) is not a Keras layer")):
        with pytest.raises(ModelFileError) as info:
            load_model(path)
        text = str(info.value)
        assert fragment in text and "safe_mode" not in text and "\n" not in text
    assert ran == []


def test_keras_messages_drop_the_safe_mode_advice_and_end_on_a_word():
    msg = ("Requested the deserialization of a `Lambda` layer whose `function` is a Python "
           "lambda. This carries a potential risk of arbitrary code execution and thus it is "
           "disallowed by default. If you trust the source of the artifact, you can override "
           "this error by passing `safe_mode=False` to the loading function, or calling "
           "`keras.config.enable_unsafe_deserialization().")
    text = keras_reason(ValueError(msg))
    assert "safe_mode" not in text and "unsafe" not in text and "trust" not in text
    long = keras_reason(ValueError("word " * 200), limit=50)
    assert long.endswith(" …") and len(long) <= 52 and long[:-2].split()[-1] == "word"


def _random_strokes(canvas, n: int, seed: int = 0) -> None:
    import random

    from PySide6.QtCore import QPointF

    rng = random.Random(seed)
    for _ in range(n):
        x, y = rng.uniform(10, 350), rng.uniform(10, 350)
        canvas._begin(QPointF(x, y), None, rng.random() < 0.1)
        for _ in range(6):
            x, y = x + rng.uniform(-20, 20), y + rng.uniform(-20, 20)
            canvas._extend(QPointF(x, y), None)
        canvas._end()


def _fresh_render(strokes) -> np.ndarray:
    from nngui.gui.draw.canvas import DrawCanvas

    other = DrawCanvas()
    other.strokes = list(strokes)
    other._render_all()
    return other.image()


@pytest.mark.parametrize("n", [300, pytest.param(5000, marks=pytest.mark.slow)])
def test_undo_at_any_depth_replays_a_few_strokes_and_is_exact(qtbot, monkeypatch, n):
    """Undo costs a checkpoint restore plus < CHECKPOINT_EVERY strokes, at any depth."""
    from nngui.gui.draw.canvas import CHECKPOINT_EVERY, DrawCanvas

    canvas = DrawCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(360, 360)
    _random_strokes(canvas, n)
    painted = []
    real = DrawCanvas._paint_stroke
    monkeypatch.setattr(DrawCanvas, "_paint_stroke",
                        staticmethod(lambda p, s, side: (painted.append(s), real(p, s, side))))
    worst = 0
    while canvas.strokes:
        painted.clear()
        depth = len(canvas.strokes)
        canvas.undo()
        worst = max(worst, len(painted) // 2)  # each stroke is painted on two images
        if depth in (n, n // 2 + 1, CHECKPOINT_EVERY + 2, 1):
            assert np.array_equal(canvas.image(), _fresh_render(canvas.strokes)), depth
    assert worst < CHECKPOINT_EVERY
    assert canvas.is_empty() and not canvas.image().any()


def test_resizing_does_not_repaint_the_strokes(qtbot, monkeypatch):
    from nngui.gui.draw.canvas import DrawCanvas

    canvas = DrawCanvas()
    qtbot.addWidget(canvas)
    _random_strokes(canvas, 50)
    before = canvas.image()
    monkeypatch.setattr(DrawCanvas, "_paint_stroke", staticmethod(lambda *a: pytest.fail()))
    canvas.resize(700, 500)
    canvas.resize(200, 200)
    assert np.array_equal(canvas.image(), before)
