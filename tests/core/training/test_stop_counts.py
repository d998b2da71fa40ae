"""Where a Stop lands decides nothing the user is told: a run walked away from (detached)
reports the epochs and the stopped part that the same run would have reported had it ended.

No threads race here: the run's Keras callback is driven by a small imitation of Keras' fit
loop with a stand-in model, and at a chosen moment of it the run "walks away"
(``detached_result``), as ``abandon.fit_or_abandon`` does when fit stays deaf to Stop. The same
loop run to its end gives what the run returns normally (``train``: ``epochs_done`` of the
epochs logged, ``stop_message``).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nngui.core.training.observer import Observer
from nngui.core.training.progress import (
    Forwarder,
    detached_result,
    epochs_done,
    make_callback,
    stop_message,
)

SPE, CHUNK, EPOCHS = 10, 2, 3  # 10 batches an epoch, 2 a compiled call, 3 epochs asked


class Model:
    """What the callback touches of a Keras model."""

    steps_per_execution = CHUNK

    def __init__(self) -> None:
        self.stop_training = False
        self.train_function = lambda _iterator: {"accuracy": 0.8, "loss": 0.5}

    def get_weights(self):
        return [np.zeros(3, np.float32)]

    def _should_eval(self, *_a, **_k) -> bool:  # the callback replaces it after Stop
        return True


class Probe:
    """An epoch-end probe: a moment at which fit can be deaf to Stop (a slow probe)."""

    name = "probe"

    def __init__(self, hook) -> None:
        self.hook = hook

    def __call__(self, model):
        self.hook(("probing", None))


def fit(hook) -> Forwarder:
    """Keras' fit loop as far as the callback sees it; ``hook(moment)`` at every moment a
    Stop (or walking away) can land. ``hook`` gets the Forwarder and the Stop event first."""
    stop = threading.Event()
    fw = Forwarder(Observer(), stop, SPE, flush_interval=0.0)
    model = Model()
    fw.model, fw.probes = model, (Probe(hook),)
    cb = make_callback(fw)
    cb.set_model(model)
    cb.set_params({"epochs": EPOCHS, "steps": SPE})
    hook(("start", fw, stop))
    for epoch in range(EPOCHS):
        cb.on_epoch_begin(epoch)
        for begin in range(0, SPE, CHUNK):
            end = min(begin + CHUNK, SPE) - 1
            hook(("between", (epoch, begin)))
            cb.on_train_batch_begin(begin)
            hook(("in flight", (epoch, begin)))
            logs = model.train_function(None)
            cb.on_train_batch_end(end, logs)
            hook(("ended", (epoch, end)))
            if model.stop_training:
                break
        logs = {"accuracy": 0.8, "loss": 0.5}
        if model._should_eval(epoch):
            hook(("validating", epoch))
            logs.update(val_accuracy=0.7, val_loss=0.6)
        cb.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    return fw


def _told(done: int, fw: Forwarder, xs: list[float]) -> tuple:
    return done, round(fw.partial, 6), stop_message(fw, done, EPOCHS), [round(x, 6) for x in xs]


def run(stop_at: tuple, leave_at: str | None) -> tuple:
    """What the user is told when Stop lands at ``stop_at`` and the run walks away at the
    first moment of kind ``leave_at`` from then on, or else at the stopped epoch's probe (the
    moment always comes); None: fit ends normally."""
    state: dict = {"stopped": False}

    def hook(moment) -> None:
        if moment[0] == "start":
            state["fw"], state["stop"] = moment[1], moment[2]
            return
        if moment == stop_at:
            state["stop"].set()
            state["stopped"] = True
        if leave_at is not None and state["stopped"] and "told" not in state and \
                moment[0] in (leave_at, "probing"):
            fw = state["fw"]
            with fw.lock:
                fw.detached = True  # what fit_or_abandon does when it walks away
            result = detached_result(fw, Observer(), 0, EPOCHS, 0.0)
            assert result.epochs_done == epochs_done(fw, 0, len(result.history["loss"]))
            state["told"] = _told(result.epochs_done, fw, result.history["epoch"])

    fw = fit(hook)
    if leave_at is None:  # train(): the epochs the callback logged
        return _told(epochs_done(fw, 0, len(fw.epoch_times)), fw, fw.epoch_x)
    assert "told" in state, "the run never walked away"
    return state["told"]


# (where Stop lands, what the user must be told: complete epochs, the stopped part)
STOPS = [
    (("ended", (1, 3)), 1, 0.4),  # mid-epoch 2, after a chunk: the next one is skipped
    (("between", (1, 4)), 1, 0.4),  # the same, as the next chunk was about to start
    (("in flight", (1, 4)), 1, 0.6),  # while a chunk runs: that chunk counts
    (("in flight", (1, 8)), 2, 0.0),  # in the epoch's last chunk: a whole epoch
    (("validating", 1), 2, 0.0),  # all batches done, while validating: a whole epoch
]
LEAVES = ["between", "in flight", "ended", "validating", "probing"]


@pytest.mark.parametrize("stop_at, done, partial", STOPS)
def test_a_run_that_ends_normally_says(stop_at, done, partial):
    told = run(stop_at, None)
    assert told[:2] == (done, partial)
    if partial:
        assert f"Stopped in epoch {done + 1} of 3 after {round(partial * SPE)} of 10" in told[2]
    else:
        assert told[2].startswith(f"Stopped after {done} epoch{'' if done == 1 else 's'}")


@pytest.mark.parametrize("leave_at", LEAVES)
@pytest.mark.parametrize("stop_at, done, partial", STOPS)
def test_walking_away_at_any_moment_after_stop_says_the_same(stop_at, done, partial,
                                                              leave_at):
    """Walked away from at the moment of Stop or at any later one (a chunk still running,
    validation compiling, a slow probe after the stopped part was logged), the run reports
    what it reports when fit ends: the same epochs, stopped part, message and x positions."""
    assert run(stop_at, leave_at) == run(stop_at, None)


def test_the_stopped_part_logged_before_a_slow_probe_is_not_counted_whole():
    """The case that said "Stopped after 1 epoch(s)" (then Continue reported 2) where the
    same steps otherwise said "Stopped in epoch 1 … 1,536 of 6,750"."""
    told = run(("ended", (0, 5)), "probing")
    assert told[:2] == (0, 0.6) and told[2].startswith("Stopped in epoch 1 of 3 after 6 of 10")
    assert told[3] == [0.6]
