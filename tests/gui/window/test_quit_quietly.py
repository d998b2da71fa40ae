"""Quitting right after a run, while its redraws are still queued, writes nothing to stderr
and raises nothing: no plot is touched after its C++ object is gone, and the window is torn
down before the interpreter's own teardown (which destroyed what was left in no order)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
import shiboken6


@pytest.fixture
def hooks(monkeypatch):
    """Every exception that reached sys.excepthook or sys.unraisablehook."""
    caught = []
    monkeypatch.setattr(sys, "excepthook", lambda *exc: caught.append(exc))
    monkeypatch.setattr(sys, "unraisablehook", lambda u: caught.append(u))
    return caught


@pytest.fixture
def circles(qtbot, monkeypatch, tmp_path, messages):
    """A window of its own (the test deletes it) on the circles data with mlp-2-4-2, 3 epochs."""
    from nngui.gui.common.data_controller import DataController
    from nngui.gui.window.main_window import MainWindow

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NNGUI_MNIST", raising=False)
    monkeypatch.setattr(DataController, "ask_mnist_choice", lambda self: "cancel")
    w = MainWindow()
    qtbot.waitUntil(lambda: w.data.dataset is not None, timeout=30000)
    w.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: w.data.dataset.name == "circles", timeout=20000)
    w.builder.set_config(w.builder.config().__class__(epochs=3, batch_size=64))
    yield w
    if shiboken6.isValid(w):
        w.close()
        w.deleteLater()


@pytest.mark.parametrize("page", ["watch", "training", "lab", "inspect"])
def test_closing_right_after_a_run_leaves_no_traceback(circles, qtbot, capfd, hooks, page):
    """The window closed and deleted at the run's end, the event loop then going on (as in
    a session with other windows, or the tests): nothing queued reaches a deleted plot."""
    w = circles
    w.show()
    qtbot.waitExposed(w)
    w.build_all_pages()
    w.tabs.setCurrentWidget(getattr(w, page))
    ended = []

    def close_now(_result):  # while the run's last redraws are queued
        ended.append(True)
        w.close()
        w.deleteLater()

    w.training.runFinished.connect(close_now)
    w.work.train()
    qtbot.waitUntil(lambda: bool(ended), timeout=120000)
    qtbot.waitUntil(lambda: not shiboken6.isValid(w), timeout=5000)
    qtbot.wait(1000)  # the redraw timers and queued signals a live window would have run
    gc.collect()
    qtbot.wait(100)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "already deleted" not in err, err
    assert not hooks


DRIVER = r"""
import gc, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

app = QApplication([sys.argv[0]])
from nngui.gui.window.main_window import MainWindow
from nngui.gui.window.project_actions import ProjectActions

ProjectActions.unsaved_prompt = staticmethod(lambda *a: "discard")

def window():
    return next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))

def start():
    w = window()
    if w.data.dataset is None or w.data.is_loading():  # the start-up data first
        QTimer.singleShot(100, start)
        return
    w.build_all_pages()
    w.data.loaded.connect(lambda ds: ds.name == "circles" and QTimer.singleShot(0, train))
    w.apply_preset("mlp-2-4-2")

def train():
    w = window()
    w.builder.set_config(w.builder.config().__class__(epochs=2, batch_size=64))
    w.tabs.setCurrentWidget(w.watch)  # its views redraw one per turn after each epoch
    w.training.runFinished.connect(lambda _r: w.close())  # with those redraws queued
    w.work.train()

QTimer.singleShot(500, start)
from nngui.__main__ import main
code = main([])
import shiboken6
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QWidget
gc.unfreeze()  # the widgets and plot items still there for the interpreter's teardown
left = sorted({type(o).__name__ for o in gc.get_objects()
               if isinstance(o, (QWidget, QGraphicsItem, QGraphicsScene))
               and shiboken6.isValid(o)})
print("left", left, flush=True)
print("exit", code, flush=True)
sys.exit(code)
"""


def test_quitting_after_a_run_tears_the_window_down_before_python_does(tmp_path):
    """The real app quits right after a run: it exits 0, silent, and no Qt object of the
    window is left for the interpreter's teardown to destroy in no particular order."""
    repo = Path(__file__).resolve().parents[3]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),
           "NNGUI_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(repo),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env.pop("NNGUI_MNIST", None)
    proc = subprocess.run([sys.executable, "-c", DRIVER], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=240)
    err = "\n".join(line for line in proc.stderr.splitlines()
                    if "propagateSizeHints" not in line)
    assert proc.returncode == 0 and "exit 0" in proc.stdout, err[-2000:]
    assert "Traceback" not in err and "already deleted" not in err, err[-2000:]
    assert "left []" in proc.stdout, proc.stdout
