"""Latency of live drawing: from a stroke update to the ten probabilities.

Run by hand (prints one JSON object; no display needed):
    python benchmarks/bench_draw.py                      # bundled models, else two presets
    python benchmarks/bench_draw.py --models a.keras b.keras --updates 1000
    python benchmarks/bench_draw.py --presets mnist-mlp-512 mnist-cnn

Digits are drawn stroke by stroke on the real ``DrawCanvas`` (offscreen). After every mouse
move we time what the Draw tab does for one update: read the canvas (``image()``), preprocess
(``to_mnist``), and the forward pass (``FastPredictor``) to probabilities: ``total_ms``.
``panel_refresh_ms`` times ``DrawPanel.refresh`` (the same plus updating the preview and bar
chart items; Qt's repaint happens later, coalesced). ``model_predict_ms`` is Keras'
``model.predict`` on one image, for comparison.

``--inside`` lets the event loop run between updates (untimed, 8 ms, idle as between a pen's
moves), so the Draw tab's "Inside the
network" section reads each drawing in its worker thread while the strokes are timed: the
stroke latency then includes that competition, and ``inside_per_s`` says how often the maps,
filters and saliency were redrawn. ``--closed`` runs the same loop with the section closed:
the reference for what the open section costs a stroke (without either flag the strokes come
back to back, with warmer caches than a pen's 8 ms apart). With the event loop running,
``overlap`` splits the strokes into those a read was in flight for (at their start or end) and
the others, and ``wait_ms`` is a stroke's wall time less the GUI thread's CPU time in it: time
spent waiting for a core or the GIL, the competition a stroke met. ``inside_engine`` says what
read the maps ('numpy': the stroke's own layer outputs and a NumPy gradient; 'tensorflow').
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

RESOURCES = Path(__file__).resolve().parents[1] / "nngui" / "resources" / "models"


def _arc(cx, cy, rx, ry, a0, a1, n=20):
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in np.linspace(a0, a1, n)]


# One stroke list per digit, in the unit square (y down); enough points for ~40 updates each.
STROKES = [
    [_arc(0.5, 0.5, 0.22, 0.33, -90, 270, 48)],
    [[(0.42, 0.25), (0.52, 0.15)] + [(0.52, 0.15 + 0.7 * i / 30) for i in range(1, 31)]],
    [_arc(0.5, 0.33, 0.2, 0.17, 200, 360, 18) + [(0.7, 0.45), (0.3, 0.83), (0.72, 0.83)]],
    [_arc(0.48, 0.32, 0.2, 0.16, 200, 450, 20) + _arc(0.48, 0.65, 0.22, 0.18, -90, 160, 20)],
    [[(0.6, 0.85), (0.6, 0.15), (0.28, 0.6), (0.75, 0.6)]],
    [[(0.7, 0.16), (0.36, 0.16), (0.33, 0.45)] + _arc(0.5, 0.63, 0.22, 0.2, -120, 160, 24)],
    [_arc(0.55, 0.55, 0.25, 0.37, -70, -170, 12) + _arc(0.5, 0.68, 0.2, 0.17, 180, 540, 30)],
    [[(0.3, 0.16), (0.72, 0.16), (0.42, 0.85)]],
    [_arc(0.5, 0.33, 0.16, 0.16, 90, 450, 30), _arc(0.5, 0.66, 0.2, 0.18, -90, 270, 30)],
    [_arc(0.48, 0.36, 0.18, 0.18, 0, 360, 30) + [(0.66, 0.36), (0.62, 0.85)]],
]


def _stats(values_s: list[float]) -> dict:
    ms = np.asarray(values_s) * 1000.0
    return {"p50": round(float(np.percentile(ms, 50)), 3),
            "p95": round(float(np.percentile(ms, 95)), 3),
            "max": round(float(ms.max()), 3), "n": int(len(ms))}


def _updates(canvas, n: int):
    """Yield after each stroke update, drawing digits one after another."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    sq = canvas.square()

    def pt(u, v):
        return QPoint(int(sq.x() + u * sq.width()), int(sq.y() + v * sq.height()))

    done = 0
    while True:
        for digit in STROKES:
            canvas.clear()
            for stroke in digit:
                QTest.mousePress(canvas, Qt.MouseButton.LeftButton,
                                 Qt.KeyboardModifier.NoModifier, pt(*stroke[0]))
                for u, v in stroke[1:]:
                    QTest.mouseMove(canvas, pt(u, v))
                    yield
                    done += 1
                    if done >= n:
                        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton,
                                           Qt.KeyboardModifier.NoModifier, pt(u, v))
                        return
                QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton,
                                   Qt.KeyboardModifier.NoModifier, pt(*stroke[-1]))


def _pen_gap(seconds: float) -> None:
    """The event loop runs, idle between events as between a pen's moves, for ``seconds``.

    A loop calling ``processEvents`` instead kept the GUI thread spinning in Python: a core
    taken and the GIL wanted every switch interval, which a real window waiting for the next
    move does not do (it sleeps in the event dispatcher with the GIL released)."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    loop, timer = QEventLoop(), QTimer()
    timer.setSingleShot(True)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(loop.quit)
    timer.start(max(1, round(seconds * 1000)))
    loop.exec()


def bench_model(title: str, model, n: int, inside: bool = False, closed: bool = False) -> dict:
    from PySide6.QtWidgets import QApplication

    from nngui.core.drawing.preprocess import to_mnist
    from nngui.core.drawing.samples import SampleStore
    from nngui.core.model.inference import FastPredictor, to_probabilities
    from nngui.gui.draw.panel import DrawPanel

    fp = FastPredictor(model)
    panel = DrawPanel(SampleStore(Path(os.environ.get("TMPDIR", "/tmp")) / "nngui-bench"))
    panel.resize(900, 700)
    panel.show()
    panel.set_models([(title, model)])
    canvas = panel.canvas
    canvas.imageChanged.disconnect(panel.schedule_refresh)  # we time each update ourselves
    pre, fwd, total, refresh = [], [], [], []
    digits, overlapped, waits = [], [], []
    app = QApplication.instance()
    paced = inside or closed
    if closed:
        panel.inside.toggle.setChecked(False)
    if inside:  # the first read (for TensorFlow: the trace) is not part of drawing
        panel.canvas.set_image(np.ones((280, 280), np.float32))
        panel.refresh()
        while panel.inside.updates == 0:
            app.processEvents()
        panel.canvas.clear()
    shown_before, started = panel.inside.updates, time.perf_counter()
    for _ in range(30):  # warm up caches and code paths
        fp.predict(to_mnist(canvas.image()))
    for _ in _updates(canvas, n):
        busy = panel.inside.reading()
        c0 = time.thread_time()
        t0 = time.perf_counter()
        x28 = to_mnist(canvas.image())
        t1 = time.perf_counter()
        probs = to_probabilities(fp.predict(x28))
        t2 = time.perf_counter()
        waits.append(max(0.0, (t2 - t0) - (time.thread_time() - c0)))
        overlapped.append(busy or panel.inside.reading())
        pre.append(t1 - t0)
        fwd.append(t2 - t1)
        total.append(t2 - t0)
        digits.append(int(np.argmax(probs)))
        t3 = time.perf_counter()
        panel.refresh()
        refresh.append(time.perf_counter() - t3)
        if paced:  # a pen sends a move every ~8 ms: the worker reads meanwhile
            _pen_gap(0.008)
    seconds = time.perf_counter() - started
    x = fp.adapt(to_mnist(canvas.image()))[None]
    model.predict(x, verbose=0)
    keras_times = []
    for _ in range(20):
        t0 = time.perf_counter()
        model.predict(x, verbose=0)
        keras_times.append(time.perf_counter() - t0)
    engine = panel.inside.engine()
    panel.close()
    while panel.inside.reading():  # its thread must end before the panel goes
        app.processEvents()
    over = np.asarray(overlapped, bool)
    both = np.asarray(total)
    overlap = {"fraction": round(float(over.mean()), 3),
               "overlapping_ms": _stats(list(both[over])) if over.any() else None,
               "clear_ms": _stats(list(both[~over])) if (~over).any() else None} \
        if paced else None
    return {"model": title, "backend": fp.backend, "input_shape": list(fp.input_shape),
            "params": int(model.count_params()), "updates": len(total),
            "preprocess_ms": _stats(pre), "forward_ms": _stats(fwd), "total_ms": _stats(total),
            "panel_refresh_ms": _stats(refresh), "wait_ms": _stats(waits),
            "inside_per_s": round((panel.inside.updates - shown_before) / seconds, 1)
            if inside else None,
            "inside_engine": engine if inside else None, "overlap": overlap,
            "model_predict_ms": {"p50": round(statistics.median(keras_times) * 1000, 2)}}


def _default_models() -> list[tuple[str, object]]:
    from nngui.core.model.builder import build_model
    from nngui.core.model.saving import load_model
    from nngui.core.training.presets import get_preset

    files = sorted(RESOURCES.glob("*.keras")) if RESOURCES.is_dir() else []
    if files:
        return [(f.name, load_model(f)) for f in files]
    return [(name, build_model(get_preset(name).spec(), seed=0))
            for name in ("mnist-mlp-512", "mnist-cnn")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="*", help=".keras files (default: bundled models, "
                    "else fresh mnist-mlp-512 and mnist-cnn presets)")
    ap.add_argument("--presets", nargs="*", default=[], help="also time fresh (untrained) "
                    "preset networks, e.g. mnist-mlp-512 mnist-cnn")
    ap.add_argument("--updates", type=int, default=1000, help="stroke updates per model")
    ap.add_argument("--inside", action="store_true", help="let the 'Inside the network' "
                    "views read the drawings in their worker meanwhile (see above)")
    ap.add_argument("--closed", action="store_true", help="the same paced loop as --inside, "
                    "with the section closed (the reference)")
    args = ap.parse_args()

    from PySide6.QtWidgets import QApplication

    from nngui.core.model.saving import load_model
    from nngui.core.platform.runtime import describe_device

    app = QApplication.instance() or QApplication([])
    from nngui.core.model.builder import build_model
    from nngui.core.training.presets import get_preset

    models = [(Path(m).name, load_model(m)) for m in args.models or []]
    models += [(f"preset:{name}", build_model(get_preset(name).spec(), seed=0))
               for name in args.presets]
    if not models:
        models = _default_models()
    results, skipped = [], []
    for title, model in models:
        if int(np.prod(model.outputs[0].shape[1:])) != 10:  # e.g. a bundled autoencoder
            skipped.append(title)
            continue
        results.append(bench_model(title, model, args.updates, args.inside, args.closed))
    app.processEvents()
    print(json.dumps({"benchmark": "draw_latency", "device": describe_device("cpu"),
                      "load": os.getloadavg()[0],
                      "cpu": platform.processor() or platform.machine(),
                      "cpu_count": os.cpu_count(), "results": results,
                      "skipped_not_classifiers": skipped}))


if __name__ == "__main__":
    main()
