"""Time from process start to the main window on screen (TensorFlow still loading behind it).

    python benchmarks/bench_startup.py                      # prints one JSON object
    python benchmarks/bench_startup.py --against /tmp/old   # alternate with another checkout

Runs offscreen in fresh subprocesses (a warm OS file cache, like a second launch) and reports
the median of several launches. Per launch, in seconds from the child's first line (its
interpreter start, ~0.05 s, comes before; ``*_from_spawn`` adds it):
- ``window_painted_s``: the window's first paint has happened and the event loop is free
  again (a zero-delay timer queued from that paint event has fired): the window is on screen.
- ``show_process_events_s``: ``show()`` plus one ``processEvents()`` (the earlier measure;
  with lazy tabs it also runs the first page-building steps queued after the paint).
- ``all_tabs_s``: every tab built (lazy tabs only; None before them).
- ``tensorflow_ready_s``: ``tensorflowReady`` arrived.
- ``max_gap_s``: the longest event-loop stall between the paint and TensorFlow ready (a 10 ms
  timer's largest interval): what a click could wait while tabs build and TensorFlow loads.
With ``--against DIR`` launches alternate (A B A B ...) between this checkout and DIR, so
both see the same machine load; the load average is reported before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

CHILD = r"""
import json, os, time
t0 = time.perf_counter()
spawn = time.time() - float(os.environ["BENCH_SPAWN"])  # interpreter start so far
from _quiet import quiet
quiet()
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from nngui.gui.window.main_window import MainWindow
w = MainWindow()
out = {}
ticks = []

def now():
    return time.perf_counter() - t0

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "window_painted_s" not in out:
            QTimer.singleShot(0, lambda: out.setdefault("window_painted_s", now()))
        return False

f = FirstPaint()
w.installEventFilter(f)  # called before the window's own filters: its timer fires first
w.show()
app.processEvents()
out["show_process_events_s"] = now()
pending = getattr(w, "pages_pending", None)

def tick():
    ticks.append(now())
    if pending is not None and not pending() and "all_tabs_s" not in out:
        out["all_tabs_s"] = now()

timer = QTimer()
timer.timeout.connect(tick)
timer.start(10)

def ready(_device):
    out["tensorflow_ready_s"] = now()
    QTimer.singleShot(0, app.quit)

w.tensorflowReady.connect(ready)
app.exec()
while "window_painted_s" not in out:
    app.processEvents()
start = out["window_painted_s"]
after = [t for t in ticks if t >= start]
gaps = [b - a for a, b in zip(after, after[1:])]
out["max_gap_s"] = max(gaps) if gaps else None
out.setdefault("all_tabs_s", None)
out["interpreter_s"] = spawn
print(json.dumps(out))
w.close()
"""


def launch(tree: str) -> dict:
    """One launch of the app from checkout ``tree``; its timings."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BENCH_SPAWN=repr(time.time()),
               PYTHONPATH=os.pathsep.join([tree, HERE, os.environ.get("PYTHONPATH", "")]))
    # -P: the current folder never shadows the checkout under test
    out = subprocess.run([sys.executable, "-P", "-c", CHILD], capture_output=True, text=True,
                         env=env, timeout=300)
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        raise SystemExit(f"launch from {tree} failed: {out.stderr.strip()[-2000:]}")
    run = json.loads(lines[-1])
    run["window_painted_from_spawn_s"] = run["window_painted_s"] + run.pop("interpreter_s")
    return run


def summary(runs: list[dict]) -> dict:
    """Median of each measure over the launches (None where a launch had none)."""
    med = {}
    for key in runs[0]:
        values = [r[key] for r in runs if r[key] is not None]
        med[key] = round(statistics.median(values), 3) if values else None
    med["window_painted_s_all"] = [round(r["window_painted_s"], 3) for r in runs]
    return med


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", help="another checkout to alternate with")
    args = parser.parse_args()
    trees = {"this": REPO}
    if args.against:
        trees["against"] = os.path.abspath(args.against)
    load_before = os.getloadavg()
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for _ in range(args.runs):
        for name, tree in trees.items():
            runs[name].append(launch(tree))
    result = {"runs": args.runs, "cpus": os.cpu_count(),
              "loadavg_before": [round(x, 2) for x in load_before],
              "loadavg_after": [round(x, 2) for x in os.getloadavg()]}
    for name, tree in trees.items():
        result[name] = {"tree": tree, "median": summary(runs[name])}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
