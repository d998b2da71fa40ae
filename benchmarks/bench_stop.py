"""Stop latency at random and at the worst moments of a run: Stop pressed -> run returned (JSON).

    PYTHONPATH=. python benchmarks/bench_stop.py [TRIALS] [MAX_DELAY_S]
        [--preset mnist-784-20-10] [--data digits|mnist] [--batch-size N] [--jit auto|on|off]
        [--at random|epoch-end|validation]

Each trial trains the preset (50 epochs asked) in a worker thread, as the GUI does. Trials
alternate: a fresh model (its first step compiles) stopped at a random moment from the start,
then the same model continued and stopped at a random moment after its first batch arrived.
``--at epoch-end`` instead presses Stop as the first epoch's last chunk begins (with XLA it
compiles the partial last batch), ``--at validation`` as the first validation begins (the test
step compiles): the moments where Keras compiles mid-run. Reports the latency overall and
split by whether the first batch had ended, with the load average and the settings.
``--data mnist`` reads $NNGUI_MNIST (or ../shared/data/mnist.npz).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time

from nngui.core.data.adapt import prepare
from nngui.core.data.datasets import load_dataset
from nngui.core.platform import abandon
from nngui.core.platform.runtime import keras
from nngui.core.training import train as training
from nngui.core.training.observer import Observer
from nngui.core.training.presets import get_preset
from nngui.core.training.session import RunRequest, Session
from nngui.core.training.train import run_request


class FirstBatch(Observer):
    def __init__(self) -> None:
        self.at: float | None = None
        self.arrived = threading.Event()

    def on_batches(self, *a) -> None:
        if self.at is None:
            self.at = time.perf_counter()
            self.arrived.set()


class Trigger:
    """Sets a trial's stop event at a chosen Keras hook (wrapped around nngui's callback)."""

    def __init__(self, at: str) -> None:
        self.at, self.stop, self.pressed = at, threading.Event(), 0.0
        real = training.make_callback

        def make(fw):
            cb, trig = real(fw), self

            class Wrapped(type(cb)):
                def on_train_batch_begin(self, batch, logs=None):
                    last = fw.steps_per_epoch - max(1, int(self.model.steps_per_execution))
                    super().on_train_batch_begin(batch, logs)
                    if trig.at == "epoch-end" and fw.epoch == 0 and batch >= last:
                        trig.press()  # as the chunk starts (a Stop before it skips it)

                def on_test_begin(self, logs=None):
                    if trig.at == "validation":
                        trig.press()

            return Wrapped()

        training.make_callback = make

    def press(self) -> None:
        if not self.stop.is_set():
            self.pressed = time.perf_counter()
            self.stop.set()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("trials", type=int, nargs="?", default=20)
    ap.add_argument("max_delay", type=float, nargs="?", default=4.0)
    ap.add_argument("--preset", default="mnist-784-20-10")
    ap.add_argument("--data", default="digits")
    ap.add_argument("--batch-size", type=int, default=0)
    ap.add_argument("--jit", choices=("auto", "on", "off"), default="auto")
    ap.add_argument("--at", choices=("random", "epoch-end", "validation"), default="random")
    args = ap.parse_args()
    rng = random.Random(0)
    preset = get_preset(args.preset)
    spec, cfg = preset.spec(), preset.train_config()
    cfg.epochs, cfg.device = 50, "cpu"
    cfg.batch_size = args.batch_size or cfg.batch_size
    cfg.jit_compile = {"auto": None, "on": True, "off": False}[args.jit]
    mnist = os.environ.get("NNGUI_MNIST", "../shared/data/mnist.npz")
    data = prepare(load_dataset(args.data, mnist if args.data == "mnist" else None), spec)
    keras()
    session = Session(spec)
    rows = []
    for i in range(args.trials):
        fresh = args.at != "random" or i % 2 == 0
        if fresh:
            session = Session(spec)  # a fresh model: its first step compiles
        trig = Trigger(args.at)
        stop, obs, box = trig.stop, FirstBatch(), {}
        request = RunRequest(session, data, cfg)
        worker = threading.Thread(target=lambda r=request, o=obs, s=stop, box=box:
                                  box.setdefault("result", run_request(r.for_next_run(), o, s)))
        t0 = time.perf_counter()
        worker.start()
        if args.at != "random":
            stop.wait()
        elif not fresh:  # the continued model: after its first batch (or the run's end)
            while not obs.arrived.wait(0.05) and worker.is_alive():
                pass
            time.sleep(rng.uniform(0.0, 1.0))
        else:
            time.sleep(rng.uniform(0.0, args.max_delay))
        trig.press()
        worker.join()
        latency = time.perf_counter() - trig.pressed
        result = box["result"]
        phase = "after first batch" if obs.at is not None and obs.at < trig.pressed else \
            "compiling"
        rows.append({"fresh_model": fresh, "stop_at_s": round(trig.pressed - t0, 2),
                     "phase": phase, "latency_s": round(latency, 3), "reason": result.reason,
                     "busy_after_s": _busy_for(session.model)})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)

    def summary(lat: list[float]) -> dict:
        if not lat:
            return {"n": 0}
        lat = sorted(lat)
        return {"n": len(lat), "median_s": round(statistics.median(lat), 3),
                "p90_s": round(lat[int(0.9 * (len(lat) - 1))], 3), "max_s": round(lat[-1], 3)}

    print(json.dumps({
        "settings": {"preset": args.preset, "data": args.data, "batch_size": cfg.batch_size,
                     "jit": args.jit, "at": args.at, "trials": args.trials},
        "all": summary([r["latency_s"] for r in rows]),
        "compiling": summary([r["latency_s"] for r in rows if r["phase"] == "compiling"]),
        "after_first_batch": summary([r["latency_s"] for r in rows
                                      if r["phase"] != "compiling"]),
        "reasons": {k: sum(r["reason"] == k for r in rows) for k in {r["reason"] for r in rows}},
        "model_busy_after_return_s": summary([r["busy_after_s"] for r in rows]),
        "load_avg_1min": os.getloadavg()[0],
    }))


def _busy_for(model) -> float:
    """How long the model stayed busy after the run returned (a compile or chunk left running)."""
    t = time.perf_counter()
    abandon.wait_until_free(model)
    return round(time.perf_counter() - t, 3)


if __name__ == "__main__":
    main()
