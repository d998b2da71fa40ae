"""Train/stop cycles in one process: RSS and OS threads per cycle, and Stop latency.

    PYTHONPATH=. python benchmarks/soak_train.py [CYCLES] [mnist|digits]

Each cycle trains a 784-20-10 network in a thread (as the GUI's task runner does), presses
Stop after a few batches, and waits for the run to end. Stop latency is measured once more
with Stop pressed right as the run starts (before/while Keras traces and compiles).
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time

from nngui.core.training.observer import Observer


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def threads() -> int:
    return len(os.listdir("/proc/self/task"))


class StopAfter(Observer):
    """Sets the stop event after ``n`` batch bundles."""

    def __init__(self, stop: threading.Event, n: int) -> None:
        self.stop, self.n = stop, n

    def on_batches(self, *a) -> None:
        self.n -= 1
        if self.n <= 0:
            self.stop.set()


def one_cycle(request_factory, stop_after: int) -> tuple[float, object]:
    from nngui.core.training.train import run_request

    stop = threading.Event()
    out = {}
    worker = threading.Thread(target=lambda: out.setdefault(
        "r", run_request(request_factory(), StopAfter(stop, stop_after), stop)))
    t0 = time.perf_counter()
    worker.start()
    if stop_after == 0:
        stop.set()
        pressed = time.perf_counter()
    worker.join()
    if stop_after == 0:
        return time.perf_counter() - pressed, out["r"]
    return time.perf_counter() - t0, out["r"]


def main(cycles: int, which: str) -> None:
    from nngui.core.data.adapt import prepare
    from nngui.core.data.datasets import load_dataset
    from nngui.core.network.spec import TrainConfig
    from nngui.core.training.presets import get_preset
    from nngui.core.training.session import RunRequest, Session

    spec = get_preset("mnist-784-20-10").spec()
    ds = load_dataset(which, os.environ.get("NNGUI_MNIST"))
    data = prepare(ds, spec)
    jit = {"1": True, "0": False}.get(os.environ.get("SOAK_JIT", ""))
    cfg = TrainConfig(epochs=1, batch_size=32, seed=0, device="cpu", jit_compile=jit)
    session = Session(spec)

    def request():
        return RunRequest(session, data, cfg, restart=os.environ.get("SOAK_RESTART", "1") == "1")

    one_cycle(request, 3)  # warm-up: TensorFlow's one-time allocations
    gc.collect()
    rss0, th0 = rss_mb(), threads()
    print(f"start: RSS {rss0:.0f} MB, threads {th0}", flush=True)
    for i in range(cycles):
        secs, result = one_cycle(request, 3)
        gc.collect()
        print(f"cycle {i + 1}: {secs:.1f} s ({result.reason}), RSS {rss_mb():.0f} MB, "
              f"threads {threads()}", flush=True)
    rss1, th1 = rss_mb(), threads()
    print(f"RSS growth {(rss1 - rss0) / cycles:+.1f} MB/cycle over {cycles} cycles; "
          f"threads {th0} -> {th1}")
    for label, factory in (("restart", request),
                           ("continue", lambda: RunRequest(session, data, cfg))):
        latency, result = one_cycle(factory, 0)
        print(f"Stop pressed at Train ({label}): run ended {latency:.2f} s later "
              f"({result.reason})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10,
         sys.argv[2] if len(sys.argv) > 2 else "mnist")
