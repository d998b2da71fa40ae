"""MNIST loaded from the student's own file is MNIST for the Draw tab too.

A student without $NNGUI_MNIST or Keras' cache loads mnist.npz with File → Load data file…
(the app remembers it and loads it again by itself), then picks two moons. Fine-tune said
"the bundled 8×8 digits (360 test digits)" and Robustness "bundled 8×8 test digits (MNIST
not found)": both looked only in $NNGUI_MNIST and ~/.keras, never at the file in use."""

from __future__ import annotations

from pathlib import Path

from nngui.gui.draw.robustness import robustness_digits
from nngui.gui.window.draw_controller import _replay_data

SLICE = Path(__file__).resolve().parents[2] / "data" / "mnist-slice" / "mnist.npz"


def test_the_file_mnist_came_from_is_replayed_and_measured(window, qtbot):
    w = window
    assert w.data.mnist_path() is None  # a fresh profile: no MNIST anywhere
    with qtbot.waitSignal(w.data.loaded, timeout=60000):
        w.data.select("mnist", str(SLICE))
    assert w.data.dataset.name == "mnist"
    with qtbot.waitSignal(w.data.loaded, timeout=60000):
        w.data.select("moons")
    path = w.data.mnist_path()
    assert path is not None and Path(path) == SLICE
    assert w.draw.mnist_path() == path  # what the Draw tab's Robustness… reads
    replay = _replay_data(w.data.dataset, path)
    assert replay.name == "mnist" and len(replay.x_test) > 360
    _x, _y, what = robustness_digits(50, mnist=path)
    assert what == "MNIST test digits"
