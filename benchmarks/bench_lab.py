"""How fast the backprop lab is: 1,500 hand-written iterations, the checks, a GUI 'Run N'.

Run by hand (prints one JSON object; no display needed):
    python benchmarks/bench_lab.py [--iterations 1500] [--repeats 5]

``core_s``: LabNet.iterate(n) (every pass recorded, as the tab records it), best of the
repeats; ``course_loop_s``: the course's bare nn_toy loop on the same seed, for comparison;
``gui_run_n_s``: LabPanel.iterate(n) including the redraw of tables, graph and curve;
``finite_diff_s`` / ``tf_check_s``: one gradient check each (TensorFlow already imported).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def course_loop(n: int) -> None:
    def sig(z):
        return 1 / (1 + np.exp(-z))

    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    y = np.array([[0], [1], [1], [0]])
    np.random.seed(0)
    a, b = np.random.rand(3, 4), np.random.rand(4, 1)
    for _ in range(n):
        h = sig(x @ a)
        o = sig(h @ b)
        d = 2 * (y - o) * o * (1 - o)
        b += h.T @ d
        a += x.T @ ((d @ b.T) * h * (1 - h))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=1500)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    n = args.iterations

    from nngui.core.lab.backprop import LabNet
    from nngui.core.lab.check import finite_difference_gradients, tf_gradients
    from nngui.core.platform.runtime import tf

    def core() -> None:
        LabNet().iterate(n)

    net = LabNet()
    net.iterate(n)
    result = {"iterations": n, "core_s": round(best(core, args.repeats), 4),
              "course_loop_s": round(best(lambda: course_loop(n), args.repeats), 4),
              "final_sse": net.sses[-1]}
    result["finite_diff_s"] = round(best(
        lambda: finite_difference_gradients(net.config, net.weights), args.repeats), 4)
    t0 = time.perf_counter()
    tf()
    result["tf_import_s"] = round(time.perf_counter() - t0, 2)
    tf_gradients(net.config, net.weights)  # first call traces
    result["tf_check_s"] = round(best(lambda: tf_gradients(net.config, net.weights),
                                      args.repeats), 4)

    from PySide6.QtWidgets import QApplication

    from nngui.gui.lab.panel import LabPanel

    app = QApplication.instance() or QApplication([])
    panel = LabPanel()
    panel.autoCheck.setChecked(False)

    def gui() -> None:
        panel.reset()
        panel.iterate(n)
        app.processEvents()

    result["gui_run_n_s"] = round(best(gui, args.repeats), 4)
    result["machine"] = f"{platform.machine()}, {os.cpu_count()} CPUs"
    print(json.dumps(result))


if __name__ == "__main__":
    main()
