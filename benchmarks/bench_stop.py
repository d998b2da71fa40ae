"""Stop latency at random moments of a run: from Stop pressed to the run returning (JSON).

    PYTHONPATH=. python benchmarks/bench_stop.py [TRIALS] [MAX_DELAY_S]

Each trial trains mnist-784-20-10 on the bundled digits (XLA on, as the app chooses for
>= 1,000 samples) in a worker thread. Trials alternate: a fresh model (its first step
compiles) stopped at a random moment from the start, then the same model continued and
stopped at a random moment after its first batch arrived. Reports the latency overall and
split by whether the first batch had ended (i.e. Stop came during the compile or after it).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import threading
import time

from nngui.core import abandon
from nngui.core.adapt import prepare
from nngui.core.datasets import load_dataset
from nngui.core.presets import get_preset
from nngui.core.training import Observer, RunRequest, Session, run_request


class FirstBatch(Observer):
    def __init__(self) -> None:
        self.at: float | None = None
        self.arrived = threading.Event()

    def on_batches(self, *a) -> None:
        if self.at is None:
            self.at = time.perf_counter()
            self.arrived.set()


def main() -> None:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    max_delay = float(sys.argv[2]) if len(sys.argv) > 2 else 4.0
    rng = random.Random(0)
    preset = get_preset("mnist-784-20-10")
    spec, cfg = preset.spec(), preset.train_config()
    cfg.epochs, cfg.device = 50, "cpu"
    data = prepare(load_dataset("digits"), spec)
    session = Session(spec)
    rows = []
    for i in range(trials):
        if i % 2 == 0:
            session = Session(spec)  # a fresh model: its first step compiles
        stop, obs, box = threading.Event(), FirstBatch(), {}
        request = RunRequest(session, data, cfg)
        worker = threading.Thread(target=lambda r=request, o=obs, s=stop, box=box:
                                  box.setdefault("result", run_request(r.for_next_run(), o, s)))
        t0 = time.perf_counter()
        worker.start()
        if i % 2:  # the continued model: after its first batch (or the run's end)
            while not obs.arrived.wait(0.05) and worker.is_alive():
                pass
            time.sleep(rng.uniform(0.0, 1.0))
        else:
            time.sleep(rng.uniform(0.0, max_delay))
        pressed = time.perf_counter()
        stop.set()
        worker.join()
        latency = time.perf_counter() - pressed
        result = box["result"]
        phase = "after first batch" if obs.at is not None and obs.at < pressed else "compiling"
        rows.append({"fresh_model": i % 2 == 0, "stop_at_s": round(pressed - t0, 2),
                     "phase": phase, "latency_s": round(latency, 3), "reason": result.reason})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        abandon.wait_until_free(session.model)

    def summary(lat: list[float]) -> dict:
        if not lat:
            return {"n": 0}
        lat = sorted(lat)
        return {"n": len(lat), "median_s": round(statistics.median(lat), 3),
                "p90_s": round(lat[int(0.9 * (len(lat) - 1))], 3), "max_s": round(lat[-1], 3)}

    print(json.dumps({
        "all": summary([r["latency_s"] for r in rows]),
        "compiling": summary([r["latency_s"] for r in rows if r["phase"] == "compiling"]),
        "after_first_batch": summary([r["latency_s"] for r in rows
                                      if r["phase"] != "compiling"]),
        "reasons": {k: sum(r["reason"] == k for r in rows) for k in {r["reason"] for r in rows}},
    }))


if __name__ == "__main__":
    main()
