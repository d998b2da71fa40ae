"""Open a large project in the real MainWindow (offscreen) and measure the longest stall.

    python benchmarks/bench_open_project.py
    python benchmarks/bench_open_project.py --runs 2000 --epochs 200 --preset mnist-mlp-512

Writes a project of ``--runs`` runs with ``--epochs`` epochs of history each (loss, accuracy
and their validation curves), a session history of ``--session-epochs`` epochs, the lab's
state, ``--samples`` drawn samples and the untrained Keras model of ``--preset``. The window
starts as a user's does (TensorFlow loaded, every page built, shown), then File → Open reads
the project while a 5 ms QTimer records the gaps between its ticks: the longest gap is the
longest time the window could not answer a click. The probe runs from just before
``open_path`` until ``projects.opened`` and then 0.5 s without a gap over 20 ms. Each gap's
CPU time on the GUI thread is measured too: on a loaded machine a gap is partly waiting for a
core. ``idle`` is the same probe over 2 s with nothing to do: the machine's noise floor.
With ``--samples`` the probe also waits for the samples to join the store (a second job) and
the gallery's reload. ``rss_mb``: resident memory before the opens and the process's peak.
Prints one JSON object (the target is a longest gap of at most 50 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from _quiet import quiet

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def write_project(path: Path, preset: str, runs: int, epochs: int, session_epochs: int,
                  samples: int, lab: dict | None, data_path: str | None) -> dict:
    """The project file the benchmark opens; returns what it holds."""
    import numpy as np

    from nngui.core.files.project import Project, save_project
    from nngui.core.model.builder import build_model
    from nngui.core.training.presets import get_preset
    from nngui.core.training.runs import settings_of

    p = get_preset(preset)
    spec, config = p.spec(), p.train_config()
    rng = np.random.default_rng(0)

    def history(n: int) -> dict[str, list[float]]:
        loss = np.exp(-np.linspace(0, 3, n)) + rng.random(n) * 0.01
        return {"epoch": [float(e) for e in range(1, n + 1)], "loss": loss.tolist(),
                "accuracy": (1 - loss / 2).tolist(), "val_loss": (loss * 1.1).tolist(),
                "val_accuracy": (1 - loss / 1.8).tolist()}

    settings = settings_of(spec, config)
    run_list = [{"name": f"#{i + 1} {spec.name}", "settings": settings, "history": history(epochs),
                 "reason": "finished"} for i in range(runs)]
    drawn = [{"id": f"bench-{i}", "image": rng.integers(0, 255, (28, 28), dtype=np.uint8),
              "label": i % 10, "created": time.time()} for i in range(samples)]
    model = build_model(spec, seed=0)
    project = Project(spec, config, p.dataset, data_path, session_epochs,
                      history(session_epochs), run_list, drawn, lab, model)
    save_project(project, path)
    return {"preset": preset, "params": int(model.count_params()), "runs": runs,
            "epochs_per_run": epochs, "session_epochs": session_epochs, "samples": samples,
            "file_mb": round(path.stat().st_size / 1e6, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="mnist-mlp-512")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=100, help="epochs of history per run")
    ap.add_argument("--session-epochs", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=0,
                    help="drawn samples (merged one write each until a batch write comes)")
    ap.add_argument("--repeat", type=int, default=3, help="opens (alternating two files)")
    ap.add_argument("--data", default=None, help="mnist.npz (default: the shared copy)")
    ap.add_argument("--profile", action="store_true",
                    help="also profile the GUI thread during the opens (top 25 to stderr)")
    ap.add_argument("--trace", action="store_true",
                    help="name what ran in each gap over 20 ms (garbage collections, the "
                         "steps of an open, paints), to stderr")
    args = ap.parse_args()
    shared = [Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz",
              Path("/work/shared/data/mnist.npz")]  # beside the checkout, or the team's copy
    data = args.data or next((str(p) for p in shared if p.is_file()), None)
    if data:
        os.environ.setdefault("NNGUI_MNIST", data)

    own_data = "NNGUI_DATA_DIR" not in os.environ  # the drawn samples: never the user's store
    if own_data:
        os.environ["NNGUI_DATA_DIR"] = tempfile.mkdtemp(prefix="nngui-bench-data-")

    import numpy as np
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from nngui.core.lab.state import lab_state
    from nngui.gui.window.main_window import MainWindow

    quiet()
    from nngui.gui.common.data_controller import DataController

    DataController.ask_mnist_choice = lambda self: "cancel"  # no MNIST: no download question
    app = (_timed_app() if args.trace else QApplication)([])
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
    wait(lambda: w.deviceLabel.text() != "Loading TensorFlow…")
    w.build_all_pages()
    folder = Path(tempfile.mkdtemp(prefix="nngui-bench-open-"))
    files = [folder / "a.nngui", folder / "b.nngui"]
    made = t0 = None
    for f in files:  # two files, so each open replaces a different project
        t0 = time.perf_counter()
        made = write_project(f, args.preset, args.runs, args.epochs, args.session_epochs,
                             args.samples, lab_state(w.lab.net), data)
    write_s = time.perf_counter() - t0
    wait(lambda: not w.data.is_loading())
    settle = time.perf_counter() + 1.0
    wait(lambda: time.perf_counter() > settle)

    def probe(until_done, label: str) -> dict:
        """Run the event loop until ``until_done()`` and then 0.5 s without a gap over 20 ms,
        with a 5 ms timer: the gaps between its ticks (wall time) and the GUI thread's CPU
        time within the longest one (the rest of it was waiting for a core)."""
        ticks: list[tuple[float, float]] = [(time.perf_counter(), time.thread_time())]
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append((time.perf_counter(), time.thread_time())))
        timer.start(5)
        ticks[0] = (time.perf_counter(), time.thread_time())
        started = until_done.start()
        wait(until_done)
        quiet_until = [time.perf_counter() + 0.5]

        def idle() -> bool:
            if len(ticks) > 1 and ticks[-1][0] - ticks[-2][0] > 0.02:
                quiet_until[0] = time.perf_counter() + 0.5
            return time.perf_counter() > quiet_until[0] and not w.data.is_loading()

        wait(idle)
        timer.stop()
        wall = np.diff([t for t, _ in ticks]) * 1000
        if args.trace:
            _print_gaps(ticks, spans, label)
        cpu = np.diff([c for _, c in ticks]) * 1000
        worst = int(wall.argmax())
        return {label: started, "seconds": round(ticks[-1][0] - ticks[0][0], 2),
                "gap_ms": {"p50": round(float(np.percentile(wall, 50)), 1),
                           "p99": round(float(np.percentile(wall, 99)), 1),
                           "max": round(float(wall.max()), 1),
                           "gui_cpu_in_max": round(float(cpu[worst]), 1)},
                "gaps_over_50ms": int((wall > 50).sum())}

    class Idle:  # the noise floor: the same probe with nothing to do for 2 s
        def start(self):
            self.end = time.perf_counter() + 2.0
            return True

        def __call__(self):
            return time.perf_counter() > self.end

    class Open:
        signals = hasattr(w.projects, "opened")  # before opens were jobs: none (a baseline)

        def __init__(self, path: Path) -> None:
            self.path, self.done, self.merged = path, [], []
            if self.signals:
                w.projects.opened.connect(self.done.append)
                w.projects.openFailed.connect(lambda m: self.done.append("failed: " + m))
                w.projects.samplesMerged.connect(self.merged.append)

        def start(self):
            self.t0 = time.perf_counter()
            started = w.open_path(self.path)
            if not self.signals:  # it was all done when open_path returned
                self.done.append(str(self.path))
            return started

        def __call__(self):
            if self.done and not hasattr(self, "open_s"):
                self.open_s = round(time.perf_counter() - self.t0, 3)
            # drawn samples join the store in a job after the open: the gallery's reload too
            merging = self.signals and args.samples > 0 and not self.merged
            if self.merged and not hasattr(self, "merged_s"):
                self.merged_s = round(time.perf_counter() - self.t0, 3)
            return bool(self.done) and not merging

    spans: list[tuple[float, float, str]] = []
    if args.trace:
        spans = type(app).spans  # the events' spans and the steps' in one list
        _trace(spans, w)
    idle = probe(Idle(), "idle")
    rss_before = _rss_mb()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    opens = []
    for i in range(args.repeat):
        job = Open(files[i % 2])
        result = probe(job, "started")
        if job.signals:
            w.projects.opened.disconnect()
            w.projects.openFailed.disconnect()
            w.projects.samplesMerged.disconnect()
        assert job.done == [str(job.path)], job.done
        assert w.project_path == job.path and len(w.watch.runs.records) == args.runs
        opens.append({"file": job.path.name, "open_s": job.open_s,
                      **({"merged_s": job.merged_s} if hasattr(job, "merged_s") else {}),
                      **result})
    if profiler is not None:
        import pstats
        import sys

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    out = {**made, "write_s": round(write_s, 2), "device": w.deviceLabel.text(),
           "load_avg": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
           "idle": idle, "opens": opens,
           "max_gap_ms": max(o["gap_ms"]["max"] for o in opens), "target_ms": 50,
           "rss_mb": {"before_opens": rss_before, "peak": _peak_rss_mb()}}
    w.close()
    shutil.rmtree(folder, ignore_errors=True)
    if own_data:
        shutil.rmtree(os.environ["NNGUI_DATA_DIR"], ignore_errors=True)
    print(json.dumps(out))


def _rss_mb() -> float:
    """The process's resident memory now (Linux), in MB."""
    with open("/proc/self/statm") as f:
        return round(int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6, 1)


def _peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3, 1)


def _timed_app():
    """A QApplication that notes each top-level event delivery over 2 ms (paints, timers,
    posted calls: what ran in a gap that no traced step names)."""
    from PySide6.QtWidgets import QApplication

    class TimedApp(QApplication):
        depth = 0
        spans: list = []

        def notify(self, receiver, event):  # noqa: N802 (Qt naming)
            if TimedApp.depth:
                return super().notify(receiver, event)
            TimedApp.depth += 1
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return super().notify(receiver, event)
            finally:
                TimedApp.depth -= 1
                if time.perf_counter() - t0 > 0.002:
                    cpu = 1000 * (time.thread_time() - c0)
                    TimedApp.spans.append((t0, time.perf_counter(), f"event {event.type().name}"
                                           f" to {type(receiver).__name__} (cpu {cpu:.0f})"))

    return TimedApp


def _trace(spans: list, w) -> None:
    """Record (start, end, what) of garbage collections and the steps of an open."""
    import gc
    import sys

    from nngui.gui.builder.panel import BuilderPanel
    from nngui.gui.training.curves import TrainingCurves
    from nngui.gui.training.panel import TrainingPanel
    from nngui.gui.training.run_list import RunsPanel
    from nngui.gui.training.watch import WatchPanel
    from nngui.gui.window.main_window import MainWindow
    from nngui.gui.window.project_actions import ProjectActions
    from nngui.gui.window.project_views import ProjectViews
    from nngui.gui.window.workbench import Workbench

    started: dict[str, float] = {}

    def on_gc(phase, info):
        if phase == "start":
            started["gc"] = time.perf_counter()
            started["gc cpu"] = time.thread_time()
        else:
            cpu = 1000 * (time.thread_time() - started.pop("gc cpu", time.thread_time()))
            spans.append((started.pop("gc", time.perf_counter()), time.perf_counter(),
                          f"gc gen {info['generation']} ({info['collected']} freed, "
                          f"cpu {cpu:.0f})"))

    gc.callbacks.append(on_gc)

    def wrap(cls, name):
        fn = getattr(cls, name)

        def timed(*a, **k):
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return fn(*a, **k)
            finally:
                cpu = 1000 * (time.thread_time() - c0)
                spans.append((t0, time.perf_counter(), f"{cls.__name__}.{name} (cpu {cpu:.0f})"))

        setattr(cls, name, timed)

    for cls, name in [(ProjectActions, "_on_read"), (ProjectActions, "show_project"),
                      (ProjectViews, "show_project"),
                      (TrainingCurves, "load_history"), (TrainingCurves, "redraw"),
                      (TrainingPanel, "set_session"), (BuilderPanel, "set_spec"),
                      (RunsPanel, "sync"), (MainWindow, "event"),
                      (ProjectActions, "_shown"), (ProjectViews, "end_show"),
                      (Workbench, "new_session"), (Workbench, "refresh_evaluate_context"),
                      (WatchPanel, "clear")]:
        if hasattr(cls, name):
            wrap(cls, name)
    print("tracing", file=sys.stderr)


def _print_gaps(ticks, spans, label) -> None:
    import sys

    for (a, ca), (b, cb) in zip(ticks, ticks[1:], strict=False):
        if b - a > 0.02 and cb - ca > 0.01:
            inside = [f"{n} {1000 * (e - s):.1f}" for s, e, n in spans
                      if s < b and e > a and e - s > 0.002]
            print(f"{label} gap {1000 * (b - a):.1f} ms (cpu {1000 * (cb - ca):.0f}): "
                  + "; ".join(inside), file=sys.stderr)


if __name__ == "__main__":
    main()
