"""The user's samples at scale: a 200,000-sample project merged into the store and shown.

Run by hand (prints one JSON object; no display needed):
    python benchmarks/bench_samples.py                      # 200,000 MNIST digits
    python benchmarks/bench_samples.py --n 20000 --mnist /path/to/mnist.npz

Phases, in one process (a fresh temporary samples folder), each with a 5 ms timer on the
GUI thread whose longest gap is the longest the GUI thread was blocked (``max_stall_ms``;
``cpu_ms`` is the CPU this process used in that gap: far less means other processes had the
CPU):

- ``put_many``: ``SampleStore.put_many`` of all samples (one bundle file) on a worker thread,
  as the window will merge a project's samples; ``put_many_gui`` the GUI thread meanwhile.
- ``reload``: a new ``SampleStore`` reading the folder (as at the next start), on a worker;
  ``store_mb`` is the resident memory it added.
- ``gallery``: the Draw tab's ``SamplesBox`` (offscreen, 900 px wide) shows them all:
  ``reload_gallery`` (``reload_gallery_ms``), the batched layout of all rows (``layout_s``),
  the view scrolled end to end in ``scroll_steps`` jumps, and one sample saved
  (``save_ms``) and scrolled into view (``saved_shown_s``); ``longest_pass_cpu_ms`` is the
  CPU time of the longest of these steps (each call and event-loop pass), what the gaps
  would be on an idle machine; ``icons_made`` counts the sample icons drawn, ``longest_gc``
  the longest garbage-collector pass (CPU ms).
- ``remove_one_s``: deleting one sample of the bundle on the GUI thread (the bundle is
  rewritten: seconds for 200,000).
- ``peak_rss_mb``: the process's peak, the benchmark's own 200,000 input samples included.

The digits are MNIST's 70,000 repeated (the file given, else $NNGUI_TEST_MNIST, else
../shared/data/mnist.npz); without one, seeded random strokes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HERE = Path(__file__).resolve().parent


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if platform.system() == "Darwin" else 1024), 1)


def _digits(n: int, mnist: str | None) -> tuple[np.ndarray, np.ndarray]:
    candidates = [mnist, os.environ.get("NNGUI_TEST_MNIST"),
                  str(HERE.parent.parent / "shared" / "data" / "mnist.npz")]
    path = next((p for p in candidates if p and Path(p).is_file()), None)
    if path is not None:
        with np.load(path) as z:
            x = np.concatenate([z["x_train"], z["x_test"]])
            y = np.concatenate([z["y_train"], z["y_test"]])
        idx = np.arange(n) % len(x)
        return x[idx], y[idx].astype(np.int64)
    rng = np.random.default_rng(0)
    x = np.zeros((n, 28, 28), np.uint8)
    cols = rng.integers(6, 20, n)
    for i in range(n):
        x[i, 4:24, cols[i]:cols[i] + 4] = 255
    return x, rng.integers(0, 10, n)


class GapMeter:
    """A 5 ms timer on the GUI thread: the longest time between two of its ticks.

    On a busy machine other processes also make gaps; ``cpu_ms`` is the CPU time this
    process used during the longest gap (both threads): much less than the gap means the
    process was waiting for a CPU, not holding the GUI thread up itself.
    """

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.last = (0.0, 0.0)
        self.gaps: list[tuple[float, float]] = []

    def _tick(self) -> None:
        now = (time.perf_counter(), time.process_time())
        self.gaps.append((now[0] - self.last[0], now[1] - self.last[1]))
        self.last = now

    def start(self) -> None:
        self.gaps = []
        self.last = (time.perf_counter(), time.process_time())
        self.timer.start()

    def stop(self) -> dict:
        self.timer.stop()
        self._tick()  # the stretch up to now counts too
        wall = np.asarray([g[0] for g in self.gaps]) * 1000.0
        worst = int(wall.argmax())
        return {"max_stall_ms": round(float(wall[worst]), 1),
                "cpu_ms": round(self.gaps[worst][1] * 1000.0, 1),
                "p99_gap_ms": round(float(np.percentile(wall, 99)), 1), "ticks": len(wall)}


class GcMeter:
    """The longest pass of Python's garbage collector (CPU time of the thread running it)
    and its generation."""

    def __init__(self) -> None:
        self.started = 0.0
        self.longest = (0.0, -1)
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self.started = time.thread_time()
        else:
            self.longest = max(self.longest,
                               (time.thread_time() - self.started, info["generation"]))

    def take(self) -> dict:
        (longest, generation), self.longest = self.longest, (0.0, -1)
        return {"ms": round(longest * 1000.0, 1), "generation": generation}


def _on_a_worker(app, work, meter: GapMeter) -> tuple[object, float, dict]:
    """Run ``work()`` on a worker thread while the GUI thread's event loop runs; its result,
    seconds and the GUI thread's gaps meanwhile."""
    result: dict = {}

    def run() -> None:
        start = time.perf_counter()
        result["value"] = work()
        result["s"] = time.perf_counter() - start

    meter.start()
    worker = threading.Thread(target=run)
    worker.start()
    while worker.is_alive():
        app.processEvents()
        time.sleep(0.001)
    worker.join()
    return result["value"], round(result["s"], 2), meter.stop()


class Passes:
    """The event loop run by hand, the CPU time of its longest pass (a load-free measure of
    how long the GUI thread was busy at once: on a busy machine the gaps also count waits)."""

    def __init__(self, app) -> None:
        self.app = app
        self.longest = 0.0

    def spin(self, seconds: float, until=lambda: False) -> float:
        """Run the event loop for ``seconds`` or until ``until()``; the seconds it took."""
        start = time.perf_counter()
        while time.perf_counter() - start < seconds and not until():
            self.timed(self.app.processEvents)
        return time.perf_counter() - start

    def timed(self, call) -> float:
        """Call ``call()`` (one GUI-thread step); its CPU milliseconds."""
        cpu = time.thread_time()
        call()
        used = time.thread_time() - cpu
        self.longest = max(self.longest, used)
        return round(used * 1000.0, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200_000, help="samples (default 200,000)")
    ap.add_argument("--mnist", default=None, help="an mnist.npz (Keras layout)")
    ap.add_argument("--scroll-steps", type=int, default=40)
    args = ap.parse_args()

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from nngui.core.drawing.samples import Sample, SampleStore
    from nngui.gui.draw import samples as gallery_module

    x, y = _digits(args.n, args.mnist)
    t0 = int(time.time() * 1000) - args.n
    batch = [Sample(f"{t0 + i:013d}-{i:08x}", x[i], int(y[i]), (t0 + i) / 1000.0)
             for i in range(args.n)]
    gc.collect()  # the batch is made before the merge (a project read): not the merge's work
    folder = Path(tempfile.mkdtemp(prefix="nngui-bench-samples-"))
    out: dict = {"n": args.n, "cpus": os.cpu_count(),
                 "load_avg": [round(v, 2) for v in os.getloadavg()], "rss_start_mb": _rss_mb()}
    meter = GapMeter()
    gcm = GcMeter()
    try:
        store = SampleStore(folder)
        added, seconds, stalls = _on_a_worker(app, partial(store.put_many, batch), meter)
        out.update(put_many_s=seconds, put_many_gui=stalls, added=len(added),
                   put_many_longest_gc=gcm.take(), files=len(list(folder.iterdir())),
                   bundle_mb=round(sum(p.stat().st_size for p in folder.iterdir()) / 1e6, 1))
        del batch, x, y, store, added
        gc.collect()
        rss_before = _rss_mb()

        store, seconds, stalls = _on_a_worker(app, lambda: SampleStore(folder), meter)
        out.update(reload_s=seconds, reload_gui=stalls, reload_longest_gc=gcm.take(),
                   rss_after_reload_mb=_rss_mb(), store_mb=round(_rss_mb() - rss_before, 1))
        assert len(store) == args.n and not store.skipped

        made = [0]
        real_icon = gallery_module.sample_icon

        def counting_icon(image):
            made[0] += 1
            return real_icon(image)

        gallery_module.sample_icon = counting_icon
        box = gallery_module.SamplesBox(store)
        box.resize(900, 200)
        box.show()
        app.processEvents()
        view, model = box.samplesGallery, box.samplesModel
        bar = view.horizontalScrollBar()

        def laid_out() -> bool:
            return view.visualRect(model.index(model.rowCount() - 1, 0)).isValid()

        passes = Passes(app)
        meter.start()
        start = time.perf_counter()
        reload_cpu = passes.timed(box.reload_gallery)
        reload_ms = (time.perf_counter() - start) * 1000.0
        layout_s = passes.spin(30.0, laid_out) + reload_ms / 1000.0
        steps = max(1, args.scroll_steps)
        for k in range(1, steps + 1):
            bar.setValue(round(bar.maximum() * k / steps))
            passes.spin(0.05)
        bar.setValue(0)
        passes.spin(0.05)
        start = time.perf_counter()
        save_cpu = passes.timed(lambda: box.save(np.eye(28, dtype=np.float32), 7))
        save_ms = (time.perf_counter() - start) * 1000.0
        shown_s = passes.spin(30.0, lambda: view.indexAt(
            view.viewport().rect().center()).row() > args.n - 20)
        gallery = meter.stop()
        out["gallery"] = {"rows": model.rowCount(), "reload_gallery_ms": round(reload_ms, 1),
                          "reload_gallery_cpu_ms": reload_cpu, "layout_s": round(layout_s, 2),
                          **gallery, "longest_pass_cpu_ms": round(passes.longest * 1000, 1),
                          "save_cpu_ms": save_cpu, "icons_made": made[0],
                          "longest_gc": gcm.take(), "scroll_steps": steps,
                          "save_ms": round(save_ms, 1), "saved_shown_s": round(shown_s, 2),
                          "label": box.samplesLabel.text()}
        out["rss_after_gallery_mb"] = _rss_mb()
        gallery_module.sample_icon = real_icon
        box.close()

        start = time.perf_counter()
        store.remove(store.ids()[args.n // 2])
        out["remove_one_s"] = round(time.perf_counter() - start, 2)
        out["peak_rss_mb"] = _peak_mb()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
