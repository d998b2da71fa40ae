"""Do the live views slow training? Epoch time with every probe vs none, and event-loop gaps.

    python benchmarks/bench_probes.py --epochs 3

Trains the 784-512-512-10 MLP (preset mnist-mlp-512) on MNIST from the real MainWindow
(offscreen) twice from scratch: once with no probes, once with every live view's probe and
the Watch tab shown. Reports the median epoch time of each (the first epoch, which compiles,
is left out), their ratio, and the longest gap a 10 ms timer saw during the probed run.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preset", default="mnist-mlp-512")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--data", default=None)
    args = ap.parse_args()
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz"
    if args.data or shared.is_file():
        os.environ.setdefault("NNGUI_MNIST", args.data or str(shared))

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from nngui.gui.main_window import MainWindow

    app = QApplication([])
    w = MainWindow()
    w.show()

    def wait(cond, timeout=1800.0):
        t0 = time.perf_counter()
        while not cond():
            app.processEvents()
            time.sleep(0.002)
            if time.perf_counter() - t0 > timeout:
                raise TimeoutError

    wait(lambda: w.data.dataset is not None)
    w._apply_preset(args.preset)
    wait(lambda: w.data.dataset is not None and w.data.dataset.name == "mnist")
    wait(lambda: w.deviceLabel.text() != "Loading TensorFlow…")
    cfg = w.builder.config()
    cfg.epochs = args.epochs
    w.builder.set_config(cfg)
    real_probes = w._probes

    def run(with_probes: bool) -> dict:
        w._probes = real_probes if with_probes else (lambda spec, ds: [])
        names = [p.name for p in w._probes(w.builder.spec(), w.data.dataset)]
        gaps: list[float] = []
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        done: list = []
        w.training.runFinished.connect(done.append)
        w.train(restart=True)
        w.tabs.setCurrentWidget(w.watch if with_probes else w.training)
        timer = QTimer()
        timer.timeout.connect(tick)
        timer.start(10)
        wait(lambda: bool(done))
        timer.stop()
        w.training.runFinished.disconnect(done.append)
        times = w.session.history["epoch_time"][-args.epochs:]
        wait(lambda: not w.tasks.running())  # the evaluation after the run
        return {"probes": names, "epoch_times_s": [round(t, 2) for t in times],
                "median_epoch_s": statistics.median(times[1:] or times),
                "max_gap_ms": round(1000 * max(gaps[5:] or [0.0]), 1)}

    none = run(False)
    probed = run(True)
    ratio = probed["median_epoch_s"] / none["median_epoch_s"]
    print(json.dumps({"preset": args.preset, "epochs": args.epochs, "no_probes": none,
                      "all_probes": probed, "epoch_time_ratio": round(ratio, 3)}, indent=1))
    w.close()


if __name__ == "__main__":
    main()
