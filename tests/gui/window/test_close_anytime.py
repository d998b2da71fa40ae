"""The window closed at a random moment, 20 times: the process always exits with status 0.

Each case is a real `python -m nngui`-style process (offscreen) with a timer that closes the
window at a random time: during start-up while TensorFlow loads, during training (its first
compile included), right after opening the Draw or Autoencoder tab (their models load in jobs).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[3]

DRIVER = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

scenario, start, delay = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
app = QApplication([sys.argv[0]])

def window():
    from nngui.gui.window.main_window import MainWindow
    return next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))

def act():
    w = window()
    if scenario == "train":
        w.training.trainButton.click()
    elif scenario == "draw":
        w.tabs.setCurrentWidget(w.draw)
    elif scenario == "autoencoder":
        w.tabs.setCurrentWidget(w.autoencoder)
    QTimer.singleShot(int(delay * 1000), lambda: window().close())

QTimer.singleShot(int(start * 1000), act)
from nngui.__main__ import main
code = main([])
print("exit", code, flush=True)
sys.exit(code)
"""
SCENARIOS = ("startup", "train", "draw", "autoencoder")


def _cases(n: int = 20, seed: int = 12) -> list[tuple[str, float, float]]:
    rng = random.Random(seed)
    cases = []
    for i in range(n):
        scenario = SCENARIOS[i % len(SCENARIOS)]
        # start-up: close while TensorFlow loads (0-3 s); the others act once the window is
        # up and close 0-1.5 s later (mid-compile, mid-load), some at once
        start = rng.uniform(0.0, 3.0) if scenario == "startup" else rng.uniform(0.5, 4.0)
        delay = 0.0 if scenario == "startup" else rng.choice([0.0, rng.uniform(0.0, 1.5)])
        cases.append((scenario, round(start, 2), round(delay, 2)))
    return cases


@pytest.mark.parametrize("scenario,start,delay", _cases())
def test_closing_at_a_random_moment_exits_cleanly(tmp_path, scenario, start, delay):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),
           "NNGUI_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env.pop("NNGUI_MNIST", None)
    proc = subprocess.run([sys.executable, "-c", DRIVER, scenario, str(start), str(delay)],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    tail = proc.stderr[-1500:]
    assert proc.returncode == 0, f"exit {proc.returncode}: {tail}"
    assert "exit 0" in proc.stdout
    assert "Traceback" not in proc.stderr and "QThread: Destroyed" not in proc.stderr, tail
