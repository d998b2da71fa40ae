"""File → Export as Python / Export results, and saving where nothing can be written."""

from __future__ import annotations

import ast
import csv
import errno
import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from nngui.core.platform import fsio


@pytest.fixture
def save_as(monkeypatch):
    """The next Save dialogs answer with these paths, in order."""
    answers: list[Path] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(answers.pop(0)), ""))
    return answers


def trigger(window, *texts: str) -> None:
    """Click File → texts[0] (→ texts[1]) by the visible text, without the & accelerators."""
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    for text in texts:
        action = next(a for a in menu.actions() if a.text().replace("&", "").startswith(text))
        if action.menu() is not None:
            menu = action.menu()
        else:
            action.trigger()


def test_export_as_python_from_the_menu_writes_the_builders_network(window, qtbot, save_as,
                                                                   tmp_path):
    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles", timeout=20000)
    cfg = window.builder.config()
    cfg.epochs = 17
    window.builder.set_config(cfg)
    save_as.append(tmp_path / "out" / "circles_net.py")
    trigger(window, "Export as Python")
    text = (tmp_path / "out" / "circles_net.py").read_text()
    ast.parse(text)
    assert "EPOCHS = 17" in text and "make_circles" in text
    assert "keras.layers.Dense(4, activation='tanh')" in text


@pytest.fixture
def trained(window, qtbot):
    window.apply_preset("xor-3-4-1")
    qtbot.waitUntil(lambda: window.data.dataset.name == "xor", timeout=20000)
    cfg = window.builder.config()
    cfg.epochs = 12
    window.builder.set_config(cfg)
    with qtbot.waitSignal(window.training.runFinished, timeout=120000):
        window.train()
    qtbot.waitUntil(lambda: window.evaluate.report is not None, timeout=60000)
    return window


def test_export_results_from_the_menu(trained, save_as, tmp_path, messages):
    w = trained
    out = tmp_path / "results"
    save_as.extend([out / "loss.png", out / "loss.svg", out / "accuracy.png",
                    out / "history.csv", out / "confusion.csv", out / "xor_model"])
    trigger(w, "Export results", "Loss plot")
    trigger(w, "Export results", "Loss plot")
    trigger(w, "Export results", "Accuracy plot")
    trigger(w, "Export results", "Training history")
    trigger(w, "Export results", "Confusion matrix")
    trigger(w, "Export results", "Trained model as SavedModel")
    assert messages == []
    assert (out / "loss.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "accuracy.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in (out / "loss.svg").read_text()
    rows = list(csv.reader((out / "history.csv").open()))
    assert rows[0][:2] == ["epoch", "loss"] and len(rows) == 1 + 12
    cm = list(csv.reader((out / "confusion.csv").open()))
    assert sum(int(v) for r in cm[1:] for v in r[1:]) == 4
    assert (out / "xor_model" / "saved_model.pb").is_file()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_onnx_entry_says_how_to_get_it(window, messages):
    from nngui.core.files.results_export import onnx_available

    if onnx_available():
        pytest.skip("tf2onnx is installed here")
    trigger(window, "Export results", "Trained model as ONNX (needs: pip install tf2onnx)")
    assert messages[-1][0] == "information" and "pip install" in messages[-1][2]


@pytest.fixture
def readonly_dir(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "net.json").write_text('{"old": true}')
    folder.chmod(0o555)
    if os.geteuid() == 0:  # root ignores modes: refuse creations there as the OS would
        real_open = os.open

        def guarded(path, flags, *args, **kwargs):
            if flags & os.O_CREAT and Path(path).parent == folder:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(fsio.os, "open", guarded)
    yield folder
    folder.chmod(0o755)


def test_saving_into_a_read_only_folder_is_a_message_and_keeps_everything(
        trained, save_as, readonly_dir, messages):
    w = trained
    before = w.builder.spec().to_dict()
    w.save_spec(readonly_dir / "net.json")
    assert messages[-1][0] == "warning" and "no permission to write in" in messages[-1][2]
    save_as.append(readonly_dir / "model.keras")
    trigger(w, "Export trained model")
    assert messages[-1][0] == "warning" and "no permission" in messages[-1][2]
    save_as.append(readonly_dir / "net.py")
    trigger(w, "Export as Python")
    assert messages[-1][0] == "warning" and "no permission" in messages[-1][2]
    assert len(messages) == 3
    assert (readonly_dir / "net.json").read_text() == '{"old": true}'
    assert sorted(p.name for p in readonly_dir.iterdir()) == ["net.json"]
    assert w.builder.spec().to_dict() == before
    assert w.session.model is not None  # the trained model is still there to save elsewhere


def test_a_model_that_is_training_is_not_exported(window, qtbot, save_as, tmp_path, messages):
    """Export would call into the model from the GUI thread while the job holds it."""
    window.apply_preset("xor-3-4-1")
    qtbot.waitUntil(lambda: window.data.dataset.name == "xor", timeout=20000)
    window.builder.set_config(window.builder.config().__class__(epochs=5000, batch_size=4,
                                                                validation_split=0.0))
    with qtbot.waitSignal(window.training.epochEnded, timeout=60000):
        window.train()
    save_as.append(tmp_path / "busy.keras")
    trigger(window, "Export trained model")
    assert messages[-1][1] == "The model is in use" and not (tmp_path / "busy.keras").exists()
    with qtbot.waitSignal(window.training.runFinished, timeout=60000):
        window.training.stop()
    # the evaluation that follows a run holds the model for a moment too
    qtbot.waitUntil(lambda: not window.tasks.is_held(window.session.model), timeout=60000)
    trigger(window, "Export trained model")  # now it is the window's again
    assert (tmp_path / "busy.keras").is_file()
