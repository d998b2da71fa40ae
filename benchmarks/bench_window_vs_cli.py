"""The window trains as fast as the command line: the same run from both, in one process.

Run by hand (prints one JSON object):
    python benchmarks/bench_window_vs_cli.py                        # 784-512-512-10, batch 32
    python benchmarks/bench_window_vs_cli.py --epochs 3 --runs 2 --batch-size 128

``window``: the real MainWindow (offscreen, its event loop running, the Watch tab in front so
every live view draws) trains the preset: Train clicked with TensorFlow ready (then "Train
from scratch" for the next runs: the same network re-initialised as a fresh build, its
compiled training call kept, ``core/training/reinit.py``; the first run is the one that
traces). ``cli``: ``train`` as
``nngui train`` calls it, on the same prepared MNIST arrays, printing its progress line. The
two alternate (window, cli, window, cli …). Per run: ``epoch_s``, the median time between
one epoch's point and the next (probes, validation and the GUI's work included, the first
epoch's compile left out); ``first_batch_point_s``, from the click (or the call) to the
first batch-loss point. ``--look S``: the first Train comes S seconds after the preset's
settings (the window prepares the network meanwhile: ``gui/window/prebuilder.py``;
``at_click`` says whether it was prepared, still preparing, or not). ``window_vs_cli`` is the window's median epoch over the CLI's. The CLI
side runs with Python's own GIL switch interval, as ``nngui train`` does (the window sets 1 ms);
``--switch-compare`` adds window runs at Python's 5 ms (``window_1ms_vs_5ms``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("NNGUI_MNIST") or ROOT.parent / "shared" / "data" / "mnist.npz")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="mnist-mlp-512")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--look", type=float, default=1.0,
                    help="seconds from the preset's settings to the first Train click: the "
                         "window prepares the network meanwhile (0: before any preparation)")
    ap.add_argument("--switch-compare", action="store_true",
                    help="also train from the window with Python's own 5 ms GIL switch "
                         "interval (side window_5ms) beside the GUI's 1 ms")
    args = ap.parse_args()
    default_switch = sys.getswitchinterval()  # before the window's TaskRunner sets its own
    if not args.data.is_file():
        raise SystemExit(f"MNIST not found at {args.data}: pass --data PATH/mnist.npz")
    os.environ["NNGUI_MNIST"] = str(args.data)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _quiet import quiet
    from PySide6.QtWidgets import QApplication, QMessageBox

    from nngui.core.data.adapt import prepare
    from nngui.core.data.datasets import load_mnist
    from nngui.core.model.builder import build_model
    from nngui.core.training.observer import Observer
    from nngui.core.training.presets import get_preset
    from nngui.core.training.train import train
    from nngui.gui.window.main_window import MainWindow

    quiet()
    boxes: list[str] = []

    def refuse(_parent, title, text, *a, **k):  # a modal box would wait for a click forever
        boxes.append(f"{title}: {text}")

    QMessageBox.information = QMessageBox.warning = staticmethod(refuse)
    app = QApplication([])
    w = MainWindow()
    w.show()

    def wait(cond, timeout=1800.0):
        t = time.perf_counter()
        while not cond():
            app.processEvents()
            time.sleep(0.002)
            if time.perf_counter() - t > timeout:
                raise TimeoutError

    wait(lambda: w.data.dataset is not None)
    wait(lambda: w.deviceLabel.text() != "Loading TensorFlow…")
    wait(lambda: not w.tasks.running())  # start-up's jobs (the Draw tab's models): settled
    w.apply_preset(args.preset)  # the student picks it now
    wait(lambda: w.data.dataset is not None and w.data.dataset.name == "mnist")
    cfg = w.builder.config()
    cfg.epochs, cfg.batch_size = args.epochs, args.batch_size
    w.builder.set_config(cfg)
    w.tabs.setCurrentWidget(w.watch)
    spec = get_preset(args.preset).spec()
    data = prepare(load_mnist(args.data), spec)
    settle = time.perf_counter() + args.look  # the window prepares the network meanwhile
    wait(lambda: time.perf_counter() > settle)
    prep = getattr(w.work, "prebuilder", None)  # gui/window/prebuilder.py (None: older tree)

    def window_run(first: bool) -> dict:
        marks: list[float] = []
        batches: list[float] = []
        done: list = []
        on_epoch = lambda e, logs: marks.append(time.perf_counter())  # noqa: E731
        on_batch = lambda *a: batches.append(time.perf_counter())  # noqa: E731
        w.training.epochEnded.connect(on_epoch)
        w.training.batchesArrived.connect(on_batch)
        w.training.runFinished.connect(done.append)
        # the Evaluate tab measures a finished run in a job of its own: Train waits for it
        wait(lambda: not w.tasks.is_held(w.session) and (w.session.model is None or
                                                         not w.tasks.is_held(w.session.model)))
        state = "none" if prep is None else "preparing" if prep.is_preparing() else \
            "prepared" if prep.shelf._entry is not None else "not prepared"
        t0 = time.perf_counter()
        w.findChild(object, "trainButton" if first else "restartButton").click()
        if boxes:
            raise SystemExit(f"the window asked instead of training: {boxes}")
        wait(lambda: bool(done))
        end = time.perf_counter()
        for signal, slot in ((w.training.epochEnded, on_epoch),
                             (w.training.batchesArrived, on_batch),
                             (w.training.runFinished, done.append)):
            signal.disconnect(slot)
        wait(lambda: w.findChild(object, "restartButton").isEnabled())
        return {**_summary(t0, marks, batches, end, done[0]), "at_click": state}

    class Cli(Observer):  # what nngui train's progress line gets
        def __init__(self) -> None:
            self.marks: list[float] = []
            self.batches: list[float] = []
            self.out = io.StringIO()

        def on_batches(self, *a) -> None:
            self.batches.append(time.perf_counter())

        def on_epoch(self, epoch, logs) -> None:
            self.marks.append(time.perf_counter())
            print(f"epoch {epoch + 1}: loss {logs.get('loss', 0):.4f}", file=self.out)

    def python_switch(run):  # as nngui train runs: no GUI, Python's own switch interval
        def switched() -> dict:
            gui = sys.getswitchinterval()
            sys.setswitchinterval(default_switch)
            try:
                return run()
            finally:
                sys.setswitchinterval(gui)
        return switched

    @python_switch
    def cli_run() -> dict:
        run_cfg = get_preset(args.preset).train_config()
        run_cfg.epochs, run_cfg.batch_size = args.epochs, args.batch_size
        obs = Cli()
        t0 = time.perf_counter()
        model = build_model(spec, run_cfg.seed)
        result = train(model, data, spec, run_cfg, obs)
        return _summary(t0, obs.marks, obs.batches, time.perf_counter(), result)

    sides: dict[str, list[dict]] = {"window": [], "cli": []}
    if args.switch_compare:
        sides["window_5ms"] = []
    loads = [os.getloadavg()[0]]
    for i in range(args.runs):
        order = [("window", lambda i=i: window_run(i == 0)), ("cli", cli_run)]
        if args.switch_compare:
            order.append(("window_5ms", python_switch(lambda: window_run(False))))
        for side, run in order:
            print(f"{side} run {i + 1}…", file=sys.stderr, flush=True)
            sides[side].append(run())
        loads.append(os.getloadavg()[0])
    out: dict = {"preset": args.preset, "batch_size": args.batch_size, "epochs": args.epochs,
                 "device": w.deviceLabel.text(), "load": [round(v, 2) for v in loads]}
    for side, runs in sides.items():
        out[side] = {"epoch_s": round(statistics.median(r["epoch_s"] for r in runs), 3),
                     "first_batch_point_s": round(statistics.median(
                         r["first_batch_point_s"] for r in runs), 3),
                     "runs": runs}
    out["window_vs_cli"] = round(out["window"]["epoch_s"] / out["cli"]["epoch_s"], 3)
    if args.switch_compare:
        out["window_1ms_vs_5ms"] = round(out["window"]["epoch_s"] /
                                         out["window_5ms"]["epoch_s"], 3)
    w.close()
    print(json.dumps(out, indent=1))


def _summary(t0: float, marks: list[float], batches: list[float], end: float, result) -> dict:
    gaps = [b - a for a, b in zip(marks, marks[1:], strict=False)]
    return {"epoch_s": round(statistics.median(gaps), 3) if gaps else None,
            "epoch_gaps_s": [round(g, 3) for g in gaps],
            "first_epoch_s": round(marks[0] - t0, 3) if marks else None,
            "first_batch_point_s": round(batches[0] - t0, 3) if batches else None,
            "total_s": round(end - t0, 3), "reason": result.reason,
            "epochs": result.epochs_done}


if __name__ == "__main__":
    main()
