"""Do the live views slow training? Epoch time with every probe vs none, and event-loop gaps.

    python benchmarks/bench_probes.py --epochs 3

Trains the 784-512-512-10 MLP (preset mnist-mlp-512) on MNIST from the real MainWindow
(offscreen) from scratch, alternating runs with no probes and runs with every live view's
probe and the Watch tab shown. Reports the median epoch time of each (the first epoch, which
compiles, is left out; probes run after an epoch's clock stops), the whole run's time (which
includes the probes), their ratios, and the longest gap a 10 ms timer saw.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from _quiet import quiet

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preset", default="mnist-mlp-512")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each kind, alternating")
    ap.add_argument("--data", default=None)
    args = ap.parse_args()
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz"
    if args.data or shared.is_file():
        os.environ.setdefault("NNGUI_MNIST", args.data or str(shared))

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from nngui.gui.window.main_window import MainWindow

    quiet()
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
    w.apply_preset(args.preset)
    wait(lambda: w.data.dataset is not None and w.data.dataset.name == "mnist")
    wait(lambda: w.deviceLabel.text() != "Loading TensorFlow…")
    cfg = w.builder.config()
    cfg.epochs = args.epochs
    w.builder.set_config(cfg)
    real_probes = w.work.probes

    def run(with_probes: bool) -> dict:
        w.work.probes = real_probes if with_probes else (lambda spec, ds: [])
        names = [p.name for p in w.work.probes(w.builder.spec(), w.data.dataset)]
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
                "run_s": round(done[0].seconds, 2),
                "median_epoch_s": statistics.median(times[1:] or times),
                "max_gap_ms": round(1000 * max(gaps[5:] or [0.0]), 1)}

    # alternate, so a machine that gets busier or quieter does not favour one side
    runs = [run(i % 2 == 1) for i in range(2 * args.repeat)]
    none, probed = runs[0::2], runs[1::2]

    def med(rs: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in rs)

    print(json.dumps({
        "preset": args.preset, "epochs": args.epochs, "no_probes": none, "all_probes": probed,
        "epoch_time_ratio": round(med(probed, "median_epoch_s") / med(none, "median_epoch_s"), 3),
        "run_time_ratio": round(med(probed, "run_s") / med(none, "run_s"), 3),
        "max_gap_ms": {"no_probes": max(r["max_gap_ms"] for r in none),
                       "all_probes": max(r["max_gap_ms"] for r in probed)}}, indent=1))
    w.close()


if __name__ == "__main__":
    main()
