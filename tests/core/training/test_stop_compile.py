"""Stop while the first step compiles: the run ends at once, the model is released unchanged."""

from __future__ import annotations

import threading

import numpy as np

from nngui.core.data.adapt import prepare
from nngui.core.data.datasets import load_dataset
from nngui.core.platform import abandon
from nngui.core.training.observer import Observer
from nngui.core.training.presets import get_preset
from nngui.core.training.session import RunRequest, Session
from nngui.core.training.train import run_request


class StopAtBegin(Observer):
    """Presses Stop as the run begins (before fit: the first step has not compiled)."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event
        self.events: list[str] = []

    def on_begin(self, info) -> None:
        self.events.append("begin")
        self.event.set()

    def on_batches(self, *a) -> None:
        self.events.append("batches")

    def on_epoch(self, *a) -> None:
        self.events.append("epoch")

    def on_end(self, result) -> None:
        self.events.append("end")


def _request(jit: bool) -> RunRequest:
    preset = get_preset("moons-2-16-16-2") if "moons-2-16-16-2" in _names() else \
        get_preset("xor-3-4-1")
    spec, cfg = preset.spec(), preset.train_config()
    cfg.epochs, cfg.jit_compile, cfg.device = 3, jit, "cpu"
    data = prepare(load_dataset(preset.dataset), spec)
    return RunRequest(Session(spec), data, cfg)


def _names() -> set[str]:
    from nngui.core.training.presets import PRESETS

    return set(PRESETS)


def test_stop_during_first_compile_returns_at_once_and_leaves_weights_unchanged():
    request = _request(jit=True)
    model = request.session.ensure_model(request.config.seed)
    before = [w.copy() for w in model.get_weights()]
    threads = threading.active_count()
    event = threading.Event()
    obs = StopAtBegin(event)
    result = run_request(request, obs, event)
    assert result.reason == "stopped" and result.epochs_done == 0
    assert "compiled" in result.message and "unchanged" in result.message
    assert request.session.epochs_done == 0 and request.session.history == {}
    assert obs.events == ["begin", "end"]
    # the compile finishes alone; then the model is free again, with its weights as before
    assert abandon.wait_until_free(model)
    assert not abandon.is_busy(model)
    assert obs.events == ["begin", "end"]  # nothing reported after the run ended
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    assert abandon.join_all(30)
    assert threading.active_count() <= threads + 1  # tf.data may keep one pool thread
    # the session trains normally afterwards, from epoch 0
    again = run_request(request.for_next_run(), Observer(), threading.Event())
    assert again.reason == "finished" and request.session.epochs_done == 3
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights(),
                                                          strict=True))


def test_a_run_waits_for_an_abandoned_compile_and_stop_still_ends_it():
    request = _request(jit=False)
    model = request.session.ensure_model(request.config.seed)
    event = threading.Event()
    assert run_request(request, StopAtBegin(event), event).reason == "stopped"
    pressed = threading.Event()
    pressed.set()  # Stop already pressed: the next run must not wait for the old compile
    result = run_request(request.for_next_run(), Observer(), pressed)
    assert result.reason == "stopped" and result.epochs_done == 0
    assert abandon.wait_until_free(model)
    # the abandoned step left no trace in the optimizer: a 1-epoch run counts only its own
    request.config.epochs = 1
    seen = []

    class Steps(Observer):
        def on_begin(self, info) -> None:
            seen.append(info.steps_per_epoch)

    assert run_request(request, Steps(), threading.Event()).reason == "finished"
    assert int(model.optimizer.iterations.numpy()) == seen[0]


def test_stop_mid_epoch_skips_that_epochs_validation():
    """Keras validates even a stopped epoch (compiling its test step first): Stop skips it."""
    preset = get_preset("mlp-2-2-2")
    spec, cfg = preset.spec(), preset.train_config()
    cfg.epochs, cfg.batch_size, cfg.validation_split, cfg.device = 3, 4, 0.25, "cpu"
    cfg.steps_per_execution = 1  # Keras' fit: the fast path (fast.py) stops between epochs
    request = RunRequest(Session(spec), prepare(load_dataset(preset.dataset), spec), cfg)
    event = threading.Event()

    class StopAtFirstBatch(Observer):
        def on_batches(self, *a) -> None:
            event.set()

    result = run_request(request, StopAtFirstBatch(), event)
    assert result.reason == "stopped" and result.epochs_done == 0 and result.partial
    loss, val = result.history["loss"], result.history.get("val_loss", [])
    assert len(loss) == 1 and not np.isfinite(val).any()  # not validated (absent or NaN)
    again = run_request(request.for_next_run(), Observer(), threading.Event())
    assert again.reason == "finished" and len(again.history["val_loss"]) == 3
    assert np.isfinite(again.history["val_loss"]).all()  # validation is back
