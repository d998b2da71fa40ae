"""Undo and resize cost at depth: N random strokes, then undo them one by one.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python benchmarks/bench_undo.py [N]
"""

from __future__ import annotations

import os
import random
import sys
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from nngui.gui.draw.canvas import DrawCanvas  # noqa: E402


def main(n: int) -> None:
    app = QApplication.instance() or QApplication([])
    canvas = DrawCanvas()
    canvas.resize(500, 500)
    canvas.show()
    app.processEvents()
    rng = random.Random(0)
    t0 = time.perf_counter()
    for _ in range(n):
        x, y = rng.uniform(20, 480), rng.uniform(20, 480)
        canvas._begin(QPointF(x, y), None, rng.random() < 0.1)
        for _ in range(20):
            x, y = x + rng.uniform(-15, 15), y + rng.uniform(-15, 15)
            canvas._extend(QPointF(x, y), None)
        canvas._end()
    print(f"drew {n} strokes in {time.perf_counter() - t0:.1f} s; checkpoints "
          f"{sum(len(a) + len(b) for _, a, b in canvas._checkpoints) / 1e6:.1f} MB")
    t0 = time.perf_counter()
    canvas.resize(700, 600)
    app.processEvents()
    print(f"resize {1000 * (time.perf_counter() - t0):.1f} ms")
    times = []
    while canvas.strokes:
        t0 = time.perf_counter()
        canvas.undo()
        times.append(time.perf_counter() - t0)
    ms = np.array(times) * 1000
    print(f"undo x{n}: median {np.median(ms):.1f} ms, p99 {np.quantile(ms, 0.99):.1f} ms, "
          f"max {ms.max():.1f} ms, over 20 ms: {(ms > 20).sum()}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
