"""Train a preset from the GUI (the real MainWindow, offscreen) and measure responsiveness.

    python benchmarks/bench_gui_training.py --preset mnist-mlp-512 --epochs 10 --stop-after 2
    python benchmarks/bench_gui_training.py --epochs 2 --batch-size 32 --stop-after 0

``--stop-after 0`` trains the whole run without Stop. The Watch tab (every live view: boundary,
hidden space, weights, fed by the probes) is the current tab unless ``--tab train``.

Stops the run after N epochs, continues it to the full count (the Stop / Continue a user
would do), then reports test accuracy from the Evaluate panel and how long the GUI event
loop was ever blocked while training (a 10 ms timer measures the gaps between its ticks).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from _quiet import quiet

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preset", default="mnist-mlp-512")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--stop-after", type=int, default=2)
    ap.add_argument("--data", default=None)
    ap.add_argument("--batch-size", type=int, default=None, help="default: the preset's")
    ap.add_argument("--tab", choices=["watch", "train"], default="watch")
    args = ap.parse_args()
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz"
    if args.data or shared.is_file():
        os.environ.setdefault("NNGUI_MNIST", args.data or str(shared))

    import numpy as np
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from nngui.gui.window.main_window import MainWindow

    quiet()
    app = QApplication([])
    w = MainWindow()
    w.show()

    def wait(cond, timeout=600.0):
        t0 = time.perf_counter()
        while not cond():
            app.processEvents()
            time.sleep(0.002)
            if time.perf_counter() - t0 > timeout:
                raise TimeoutError

    wait(lambda: w.data.dataset is not None)
    w.apply_preset(args.preset)
    wait(lambda: w.data.dataset is not None and w.data.dataset.name == "mnist")
    wait(lambda: w.deviceLabel.text() != "Loading TensorFlow…")
    cfg = w.builder.config()
    cfg.epochs = args.epochs
    if args.batch_size:
        cfg.batch_size = args.batch_size
    w.builder.set_config(cfg)
    w.tabs.setCurrentWidget(w.watch if args.tab == "watch" else w.training)
    settle = time.perf_counter() + 1.0  # the tab's first paint (~0.1 s for Watch) is the
    wait(lambda: time.perf_counter() > settle)  # user's switch, not part of the run

    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    results = []
    w.training.runFinished.connect(results.append)
    epochs_seen = []
    w.training.epochEnded.connect(lambda e, logs: epochs_seen.append(e))
    t0 = time.perf_counter()
    w.findChild(object, "trainButton").click()
    if args.stop_after > 0:
        wait(lambda: len(epochs_seen) >= args.stop_after)
        w.findChild(object, "stopButton").click()
        wait(lambda: len(results) == 1)
        # the run's end is announced before its job lets go of the model (after a Stop that
        # left fit ending its chunk alone, up to ~3 s later): a click before that is refused
        # ("in use"), and nothing clicks again
        wait(lambda: w.findChild(object, "trainButton").isEnabled()
             and not w.tasks.is_held(w.session) and not w.tasks.is_held(w.session.model))
        w.findChild(object, "trainButton").click()  # "Continue training": the rest of the run
    else:
        results.append(None)  # no Stop: the one run is the final one
    wait(lambda: len(results) == 2)
    stopped = results[0]
    train_s = time.perf_counter() - t0
    timer.stop()
    wait(lambda: w.evaluate.report is not None)
    g = np.array(gaps) * 1000  # the first tick too: it waits out the Train click itself
    out = {"preset": args.preset, "device": w.deviceLabel.text(), "tab": args.tab,
           "batch_size": cfg.batch_size, "load_avg": round(os.getloadavg()[0], 2),
           "stopped_after_epochs": stopped.epochs_done if stopped else None,
           "stop_reason": stopped.reason if stopped else None,
           "total_epochs": w.session.epochs_done, "final_reason": results[1].reason,
           "test_metrics_label": w.findChild(object, "testMetricsLabel").text(),
           "test_accuracy": w.evaluate.report.metrics.get("accuracy"),
           "train_seconds": round(train_s, 1),
           "event_loop_gap_ms": {"p50": round(float(np.percentile(g, 50)), 1),
                                 "p99": round(float(np.percentile(g, 99)), 1),
                                 "max": round(float(g.max()), 1)}}
    w.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
