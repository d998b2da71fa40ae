"""Long sessions stay flat: Train/Stop cycles neither recompile nor copy the data each run.

The slow soak runs repeated Train/Stop cycles in one process (as the GUI does, each run in a
worker thread) and holds the OS thread count and the RSS growth per cycle.
"""

from __future__ import annotations

import gc
import os
import threading

import numpy as np
import pytest

from nngui.core.data.adapt import prepare
from nngui.core.data.datasets import load_dataset
from nngui.core.model import builder
from nngui.core.network.spec import TrainConfig
from nngui.core.training.observer import Observer
from nngui.core.training.presets import get_preset
from nngui.core.training.session import RunRequest, Session
from nngui.core.training.train import run_request, train


class StopAfter(Observer):
    def __init__(self, stop: threading.Event, bundles: int) -> None:
        self.stop, self.left = stop, bundles

    def on_batches(self, *a) -> None:
        self.left -= 1
        if self.left <= 0:
            self.stop.set()


@pytest.fixture(scope="module")
def digits():
    spec = get_preset("mnist-784-20-10").spec()
    return spec, prepare(load_dataset("digits"), spec)


def test_continue_does_not_recompile_or_copy_the_data(digits, monkeypatch):
    spec, data = digits
    compiles = []
    real = builder.compile_model
    monkeypatch.setattr(builder, "compile_model",
                        lambda *a, **kw: (compiles.append(1), real(*a, **kw))[1])
    session = Session(spec)
    cfg = TrainConfig(epochs=1, batch_size=64, seed=0, device="cpu", jit_compile=False)
    for _ in range(3):
        assert run_request(RunRequest(session, data, cfg), Observer()).ok
    assert len(compiles) == 1  # a recompile per run retraced and leaked its graphs
    tensors = dict(data._tensors)
    assert run_request(RunRequest(session, data, cfg), Observer()).ok
    assert all(data._tensors[k] is v for k, v in tensors.items())  # no new copy of the data
    # another optimizer setting does recompile
    session.spec.optimizer_params = {}
    session.spec.learning_rate = 0.01
    assert run_request(RunRequest(session, data, cfg), Observer()).ok
    assert len(compiles) == 2


def test_stop_pressed_before_the_run_returns_at_once_unchanged(digits):
    spec, data = digits
    model = builder.build_model(spec, 0)
    before = [w.copy() for w in model.get_weights()]
    stop = threading.Event()
    stop.set()
    result = train(model, data, spec, TrainConfig(epochs=3, device="cpu"), stop_event=stop)
    assert result.reason == "stopped" and result.epochs_done == 0
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


CYCLES = 30


@pytest.mark.slow
def test_train_stop_cycles_keep_threads_and_memory_flat(digits):
    """30 Train/Stop cycles on the digits set: threads back to start, RSS slope < 5 MB/cycle."""
    spec, data = digits
    session = Session(spec)
    cfg = TrainConfig(epochs=2, batch_size=32, seed=0, device="cpu")

    def cycle() -> None:
        stop = threading.Event()
        worker = threading.Thread(target=run_request, args=(
            RunRequest(session, data, cfg), StopAfter(stop, 2), stop))
        worker.start()
        worker.join()

    for _ in range(3):  # warm-up: TensorFlow's one-time allocations
        cycle()
    gc.collect()
    threads0 = _threads()
    rss = []
    for _ in range(CYCLES):
        cycle()
        gc.collect()
        rss.append(_rss_mb())
    slope = float(np.polyfit(np.arange(CYCLES), rss, 1)[0])
    assert _threads() <= threads0
    assert slope < 5.0, f"RSS grows {slope:.1f} MB per cycle: {rss}"
