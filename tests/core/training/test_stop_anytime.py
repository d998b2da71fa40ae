"""Stop takes effect at any moment: no chunk starts after it, and a Stop-deaf fit is left behind.

Keras calls the train function after every ``on_train_batch_begin`` whatever a callback says,
and compiles mid-run (the first validation's test step, XLA for a new batch shape). The run
therefore skips any chunk that would start after Stop, and walks away (detaches) from a fit
that does not reach its next boundary within ``abandon.STOP_GRACE_S``.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nngui.core.data.adapt import prepare
from nngui.core.data.datasets import load_dataset
from nngui.core.network.spec import TrainConfig
from nngui.core.platform import abandon
from nngui.core.training.observer import Observer
from nngui.core.training.presets import get_preset
from nngui.core.training.session import RunRequest, Session
from nngui.core.training.train import run_request


@pytest.fixture(scope="module")
def digits():
    spec = get_preset("mnist-784-20-10").spec()
    return spec, prepare(load_dataset("digits"), spec)


class StopAtFirstBundle(Observer):
    """Presses Stop while the first chunk's points are delivered (after its Stop check)."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop, self.batches, self.ends = stop, [], []

    def on_batches(self, epoch, step, points, logs) -> None:
        self.batches.extend(points)
        self.stop.set()

    def on_end(self, result) -> None:
        self.ends.append(result)


def test_no_chunk_trains_after_stop_and_continue_trains_again(digits):
    spec, data = digits
    session = Session(spec)
    cfg = TrainConfig(epochs=2, batch_size=32, seed=0, device="cpu", steps_per_execution=3,
                      jit_compile=False)
    stop = threading.Event()
    obs = StopAtFirstBundle(stop)
    result = run_request(RunRequest(session, data, cfg), obs, stop)
    model = session.model
    assert result.reason == "stopped" and result.epochs_done == 0
    # Stop came during the first chunk's report: that chunk (3 steps) and nothing after it
    assert int(model.optimizer.iterations.numpy()) == 3
    assert [p[0] for p in obs.batches] == [3]
    steps = int(np.ceil(int(len(data.x_train) * 0.9) / 32))
    assert round(result.partial * steps) == 3
    # the skipped chunk's stub is gone: Continue trains whole epochs again
    again = run_request(RunRequest(session, data, cfg).for_next_run(), Observer(),
                        threading.Event())
    assert again.reason == "finished" and again.epochs_done == 2
    assert int(model.optimizer.iterations.numpy()) == 3 + 2 * steps


class BlockingProbe:
    """An epoch-end probe that blocks until released: fit deaf to Stop (like a compile)."""

    name = "blocking"

    def __init__(self) -> None:
        self.entered, self.release = threading.Event(), threading.Event()

    def __call__(self, model):
        self.entered.set()
        assert self.release.wait(120)
        return None


def test_a_fit_deaf_to_stop_is_left_behind_busy_and_ends_alone(digits):
    spec, data = digits
    session = Session(spec)
    cfg = TrainConfig(epochs=3, batch_size=64, seed=0, device="cpu", jit_compile=False)
    probe = BlockingProbe()
    stop, box = threading.Event(), {}

    class Events(Observer):
        def __init__(self) -> None:
            self.log = []

        def on_epoch(self, epoch, logs) -> None:
            self.log.append(("epoch", epoch))

        def on_probe(self, name, epoch, payload) -> None:
            self.log.append(("probe", epoch))

        def on_end(self, result) -> None:
            self.log.append(("end", result.reason))

    obs = Events()
    request = RunRequest(session, data, cfg, probes=[probe])
    worker = threading.Thread(target=lambda: box.setdefault("r", run_request(request, obs,
                                                                             stop)))
    worker.start()
    try:
        assert probe.entered.wait(120)
        stop.set()
        worker.join(60)
        returned = not worker.is_alive()
        busy = abandon.is_busy(session.model)
    finally:
        probe.release.set()
        worker.join()
    assert returned, "the run waited for a fit that could not hear Stop"
    assert busy  # until the left-behind fit ended, nobody may touch the model
    result = box["r"]
    assert result.reason == "stopped" and result.epochs_done == 1 and not result.partial
    assert len(result.history["loss"]) == 1 and np.isfinite(result.history["loss"]).all()
    assert session.epochs_done == 1 and session.target_epochs == 3
    assert abandon.wait_until_free(session.model)
    assert obs.log == [("epoch", 0), ("end", "stopped")]  # nothing heard after the end
    # the left-behind fit trained nothing more: the epoch's batches only
    steps = int(np.ceil(int(len(data.x_train) * 0.9) / 64))
    assert int(session.model.optimizer.iterations.numpy()) == steps
    again = run_request(request.for_next_run(), Observer(), threading.Event())
    assert again.reason == "finished" and session.epochs_done == 3
