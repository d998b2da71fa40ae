"""Export results: CSVs read back equal, a SavedModel predicts what the model predicts."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from nngui.core.files import results_export as er
from nngui.core.model.saving import ModelFileError
from nngui.core.platform.fsio import SaveError


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="") as fh:
        return list(csv.reader(fh))


def test_history_csv_reads_back_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    history = {"val_loss": rng.random(4).tolist(), "loss": rng.random(4).tolist(),
               "accuracy": rng.random(4).tolist(), "epoch_time": [0.5, 0.25, 1 / 3, 2.0]}
    path = er.write_history_csv(tmp_path / "h.csv", history)
    rows = read_csv(path)
    assert rows[0] == ["epoch", "loss", "accuracy", "val_loss", "epoch_time"]
    assert [int(r[0]) for r in rows[1:]] == [1, 2, 3, 4]
    for j, key in enumerate(rows[0][1:], start=1):
        assert [float(r[j]) for r in rows[1:]] == history[key]  # bit-exact floats


def test_confusion_csv_reads_back_with_class_names(tmp_path: Path) -> None:
    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    rows = read_csv(er.write_confusion_csv(tmp_path / "cm.csv", cm, ["cat", "dog"]))
    assert rows[0] == ["true \\ predicted", "cat", "dog", "2"]
    assert [r[0] for r in rows[1:]] == ["cat", "dog", "2"]
    np.testing.assert_array_equal(np.array([r[1:] for r in rows[1:]], dtype=int), cm)


def test_nothing_to_export_is_a_message(tmp_path: Path) -> None:
    with pytest.raises(SaveError, match="train the network first"):
        er.write_history_csv(tmp_path / "h.csv", {})
    with pytest.raises(SaveError, match="evaluate a classifier first"):
        er.write_confusion_csv(tmp_path / "cm.csv", None)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def mnist_like_model():
    from nngui.core.model.builder import build_model, compile_model
    from nngui.core.training.presets import get_preset

    spec = get_preset("mnist-cnn").spec()
    return compile_model(build_model(spec, 0), spec)


def test_saved_model_reloads_and_predicts_the_same(tmp_path: Path, mnist_like_model) -> None:
    import tensorflow as tf

    x = np.random.default_rng(0).random((5, 28, 28), dtype=np.float32)
    target = tmp_path / "served"
    er.export_saved_model(mnist_like_model, target)
    er.export_saved_model(mnist_like_model, target)  # replacing an earlier export works
    loaded = tf.saved_model.load(str(target))
    np.testing.assert_allclose(loaded.serve(tf.constant(x)).numpy(),
                               mnist_like_model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["served"]


def test_saved_model_never_replaces_an_unrelated_folder(tmp_path: Path, mnist_like_model) -> None:
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "thesis.txt").write_text("years of work")
    with pytest.raises(ModelFileError, match="already holds other files"):
        er.export_saved_model(mnist_like_model, mine)
    assert (mine / "thesis.txt").read_text() == "years of work"


def test_onnx_export_or_how_to_get_it(tmp_path: Path, mnist_like_model) -> None:
    if er.onnx_available():
        path = er.export_onnx(mnist_like_model, tmp_path / "m.onnx")
        assert path.stat().st_size > 1000
    else:
        with pytest.raises(ModelFileError, match=r"pip install .nngui\[onnx\]."):
            er.export_onnx(mnist_like_model, tmp_path / "m.onnx")
        assert list(tmp_path.iterdir()) == []
