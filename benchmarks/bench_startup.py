"""Time from process start to the main window on screen (TensorFlow still loading behind it).

    python benchmarks/bench_startup.py        # prints one JSON object

Runs offscreen in fresh subprocesses (a warm OS file cache, like a second launch) and reports
the median of several launches, plus when TensorFlow finished loading in the background.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import time, json
t0 = time.perf_counter()
from _quiet import quiet
quiet()
from PySide6.QtWidgets import QApplication
app = QApplication([])
from nngui.gui.main_window import MainWindow
w = MainWindow()
w.show()
app.processEvents()
shown = time.perf_counter() - t0
ready = []
w.tensorflowReady.connect(lambda d: ready.append(time.perf_counter() - t0))
while not ready:
    app.processEvents()
    time.sleep(0.005)
print(json.dumps({"window_shown_s": shown, "tensorflow_ready_s": ready[0]}))
w.close()
"""


def main() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join([os.path.dirname(os.path.abspath(__file__)),
                                           os.environ.get("PYTHONPATH", "")]))
    runs = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                             env=env, timeout=300)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]}
    print(json.dumps({"runs": len(runs), "median": med,
                      "window_shown_s_all": [round(r["window_shown_s"], 3) for r in runs]}))


if __name__ == "__main__":
    main()
