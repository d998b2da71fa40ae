"""The Keras callback of every run: it forwards progress to the ``Observer`` and ends a run on
Stop or a NaN loss.

``Forwarder`` is the callback's state, plain Python: batch losses throttled into bundles (at
most ``1 / flush_interval`` a second), the epoch times and positions, the last finite weights,
and Stop. ``make_callback`` wraps it in a ``keras.callbacks.Callback``. When fit is left
running after Stop (``abandon.fit_or_abandon``), ``detached_result`` makes the run's result
from what the callback recorded.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from nngui.core.platform.runtime import keras
from nngui.core.platform.words import counted
from nngui.core.training.observer import Observer, Probe, RunResult


class Forwarder:
    """Keras callback body: throttles batch losses, checks Stop and NaN."""

    def __init__(self, observer: Observer, stop_event: threading.Event | None,
                 steps_per_epoch: int, flush_interval: float) -> None:
        self.observer = observer
        self.stop_event = stop_event
        self.steps_per_epoch = steps_per_epoch
        self.flush_interval = flush_interval
        self.pending: list[tuple[int, float]] = []
        self.last_flush = 0.0
        self.epoch = 0
        self.prev_step = -1
        self.prev_mean = 0.0
        self.nan_at: tuple[int, int] | None = None
        self.first_loss: float | None = None  # the run's first batch loss: divergence's yardstick
        self.diverged: tuple[float, float] | None = None  # (first loss, loss when it stopped)
        self.stopped = False
        self.epoch_start = 0.0
        self.epoch_times: list[float] = []
        self.epoch_x: list[float] = []  # where each epoch's point goes (partial: < epoch + 1)
        self.partial = 0.0
        self.snapshot: list[np.ndarray] | None = None  # the last weights known to be finite
        self.probes: Sequence[Probe] = ()
        self.model: Any = None  # what probes are called with (the caller's object)
        self.probe_steps: dict[int, int] = {}  # probe position -> step of its last mid-epoch call
        self.lock = threading.Lock()  # the callback's bookkeeping vs. walking away (abandon)
        self.started = False  # a batch has ended: the first compile is over
        self.detached = False  # the run returned while fit still ran (abandon.fit_or_abandon)
        self.in_flight: tuple[int, int] | None = None  # the chunk (first, last batch) running
        self.epoch_logs: list[dict[str, float]] = []  # what on_epoch got, for a detached run
        self.last_logs: Any = None  # the last chunk's logs, what a skipped chunk hands back
        self.real_train_function: Any = None  # set while a stub skips chunks after Stop
        self.controls: Any = None  # controls.Controls: live changes, Pause and Step
        self.whole_epochs = False  # each boundary is an epoch's start (the fast path)

    def boundary(self, epoch: int, batch: int, consume: bool = True) -> None:
        """Before batch ``batch`` of ``epoch`` trains: wait while paused, apply the live
        changes asked for (``controls.Controls.boundary``), in this thread."""
        controls = self.controls
        if controls is None or self.detached:
            return

        def paused(e: int, b: int) -> None:
            if self.pending:  # the curve reaches the batch where the run holds
                pts, self.pending = self.pending, []
                self.emit("on_batches", self.epoch, self.prev_step + 1, pts, {})
            self.emit("on_control", "paused", (e, b, self.whole_epochs))
            self.show_weights()  # a small network's weights, to edit while it is held

        def resumed(seconds: float) -> None:
            self.epoch_start += seconds  # a pause is no part of an epoch's time
            self.emit("on_control", "resumed", seconds)

        controls.boundary(epoch, batch, getattr(self.model, "optimizer", None),
                          self.stop_event, paused, resumed,
                          lambda change, why: self.emit("on_control", "changed", (change, why)),
                          consume, self.steps_per_epoch, self.set_weights)

    def show_weights(self) -> None:
        """A small Dense network's weights as matrices (``on_control("weights", …)``)."""
        from nngui.core.model.dense_weights import matrices, why_not

        if self.model is not None and not why_not(self.model):
            self.emit("on_control", "weights", matrices(self.model))

    def set_weights(self, values: dict) -> None:
        """Weights set by hand while the run is held: set, then every probe sees them."""
        from nngui.core.model.dense_weights import set_weights

        try:
            set_weights(self.model, values)
        except (ValueError, IndexError) as exc:
            self.emit("on_control", "weights_refused", str(exc))
            return
        for probe in self.probes:  # the views show the edited network at once
            self.emit("on_probe", probe.name, self.epoch, probe(self.model))
        self.show_weights()

    def emit(self, name: str, *args: Any) -> None:
        """Call the observer unless the run has returned (then nobody may hear of it)."""
        with self.lock:
            method = None if self.detached else getattr(self.observer, name, None)
            if method is not None:
                method(*args)

    def batch_probes(self, gstep: int) -> None:
        """Call the probes that ask for it (``every_batches`` > 0) mid-epoch, in this thread.

        For small 2-D data an epoch can be thousands of batches; the boundary then moves
        between epoch ends. The epoch's last batch is left to the epoch-end call.
        """
        for i, probe in enumerate(self.probes):
            every = int(getattr(probe, "every_batches", 0) or 0)
            if every <= 0 or gstep % self.steps_per_epoch == 0 or \
                    gstep - self.probe_steps.get(i, 0) < every:
                continue
            self.probe_steps[i] = gstep
            payload = probe(self.model)
            self.emit("on_probe", probe.name, self.epoch, payload)


DIVERGED_FACTOR = 1000.0  # a loss this many times its first value has left the slope
DIVERGED_FLOOR = 10.0  # and is large in itself (a near-zero first loss is no yardstick)


def diverging(first: float | None, loss: float) -> bool:
    """Whether ``loss`` has grown by three orders of magnitude from the run's first loss."""
    return (first is not None and first > 0 and math.isfinite(loss)
            and loss > DIVERGED_FLOOR and loss > DIVERGED_FACTOR * first)


def _all_finite(weights: list[np.ndarray]) -> bool:
    return all(np.isfinite(w).all() for w in weights if np.issubdtype(w.dtype, np.floating))


def rate_in_effect(model: Any) -> float:
    """The optimizer's learning rate now (a schedule's value at this step), NaN without one."""
    lr = getattr(getattr(model, "optimizer", None), "learning_rate", None)
    try:
        return float(np.asarray(lr))
    except (TypeError, ValueError):
        return math.nan


def make_callback(fw: Forwarder) -> Any:
    k = keras()

    class _Callback(k.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            fw.epoch = epoch
            fw.prev_step, fw.prev_mean = -1, 0.0
            fw.epoch_start = time.perf_counter()
            weights = self.model.get_weights()  # restored if the loss blows up
            if _all_finite(weights):  # an update can overflow the weights before the loss
                fw.snapshot = weights

        def on_train_batch_begin(self, batch, logs=None):
            if fw.stop_event is None or not fw.stop_event.is_set():
                fw.boundary(fw.epoch, batch)  # Pause, Step, the live learning rate
            with fw.lock:
                # an epoch's first chunk runs even after Stop (an epoch of no batches would
                # reach the history), unless the run has returned without it
                stop = fw.detached or (fw.stop_event is not None and fw.stop_event.is_set()
                                       and fw.prev_step >= 0)
                if not stop or fw.last_logs is None:
                    fw.in_flight = (batch, min(batch + _chunk(self.model),
                                               fw.steps_per_epoch) - 1)
                    return
                # Stop came after the last chunk's end: Keras calls the train function next
                # whatever a callback says, so it gets a stub that trains nothing
                fw.in_flight = None
                fw.stopped = True
                self.model.stop_training = True
                self.model._should_eval = lambda *a, **k: False
                if fw.real_train_function is None:
                    fw.real_train_function = self.model.train_function
                self.model.train_function = lambda _iterator: fw.last_logs

        def on_train_batch_end(self, batch, logs=None):
            with fw.lock:
                fw.started = True
                skipped, fw.in_flight = fw.in_flight is None, None
                if not skipped:
                    fw.last_logs = logs
                if fw.detached:  # the run has returned: only end fit, and never with NaN
                    self.model.stop_training = True
                    self.model._should_eval = lambda *a, **k: False
                    if not math.isfinite(float((logs or {}).get("loss", 0.0))):
                        fw.nan_at = (fw.epoch, batch)
                    return
            if skipped:  # a stub's "chunk": nothing trained, only the points left to send
                if fw.pending:
                    pts, fw.pending = fw.pending, []
                    fw.emit("on_batches", fw.epoch, fw.prev_step + 1, pts, {})
                return
            logs = {key: float(v) for key, v in (logs or {}).items()}
            mean = logs.get("loss", float("nan"))
            # Keras logs the running mean over the epoch; recover the mean of just the
            # batches since the last call, so the raw trace shows real batch-to-batch noise.
            # Keras numbers the last, partial chunk of an epoch past its end; clamp it.
            batch = min(batch, fw.steps_per_epoch - 1)
            n_prev, n_now = fw.prev_step + 1, batch + 1
            chunk = (mean * n_now - fw.prev_mean * n_prev) / max(n_now - n_prev, 1)
            fw.prev_step, fw.prev_mean = batch, mean
            gstep = fw.epoch * fw.steps_per_epoch + batch + 1
            fw.pending.append((gstep, chunk))
            if fw.first_loss is None and math.isfinite(chunk):
                fw.first_loss = chunk
            if not math.isfinite(mean):
                fw.nan_at = (fw.epoch, batch)
                self.model.stop_training = True
            elif diverging(fw.first_loss, chunk):
                fw.nan_at = (fw.epoch, batch)  # as good as NaN: the same end, the same advice
                fw.diverged = (float(fw.first_loss), chunk)
                self.model.stop_training = True
            elif fw.stop_event is not None and fw.stop_event.is_set():
                fw.stopped = True
                self.model.stop_training = True
                # Keras still validates a stopped epoch, the first time compiling its test
                # step: seconds (25 s seen) of Stop-deaf work for a number nobody asked for
                self.model._should_eval = lambda *a, **k: False
            if not self.model.stop_training:
                fw.batch_probes(gstep)
            now = time.perf_counter()
            if now - fw.last_flush >= fw.flush_interval or self.model.stop_training:
                fw.last_flush = now
                pts, fw.pending = fw.pending, []
                fw.emit("on_batches", fw.epoch, batch + 1, pts, logs)

        def on_test_batch_end(self, batch, logs=None):
            if fw.detached:  # the run has returned without this epoch's validation
                self.model.stop_evaluating = True

        def on_epoch_end(self, epoch, logs=None):
            if fw.pending:
                pts, fw.pending = fw.pending, []
                fw.emit("on_batches", epoch, fw.steps_per_epoch, pts, {})
            last = epoch + 1 >= int(self.params.get("epochs", 0) or 0)
            if fw.stop_event is not None and fw.stop_event.is_set() and not last:
                fw.stopped = True  # between epochs: no next epoch (its iterator, first chunk)
                self.model.stop_training = True
            if fw.nan_at is not None or fw.detached:
                return  # a half epoch that ended in NaN is not a data point
            fw.epoch_times.append(time.perf_counter() - fw.epoch_start)
            done = min(fw.prev_step + 1, fw.steps_per_epoch) / fw.steps_per_epoch
            if fw.stopped and done < 1.0:  # Stop mid-epoch: Keras still ends the epoch
                fw.partial = done
            fw.epoch_x.append(epoch + (fw.partial or 1.0))
            clean = {key: float(v) for key, v in (logs or {}).items()}
            # the rate in effect at the epoch's end (a schedule's callback may have logged it)
            clean.setdefault("learning_rate", rate_in_effect(self.model))
            clean["epoch_time"] = fw.epoch_times[-1]
            clean["epoch"] = fw.epoch_x[-1]
            with fw.lock:
                fw.epoch_logs.append(clean)
            fw.emit("on_epoch", epoch, clean)
            for probe in fw.probes:
                payload = probe(fw.model)  # here, in the thread that owns the model
                fw.emit("on_probe", probe.name, epoch, payload)
            if fw.controls is not None and not last and fw.controls.holds(epoch + 1):
                # paused at the next epoch's start: held here, where Stop ends the run
                # without that epoch (its first chunk would run: on_train_batch_begin)
                fw.boundary(epoch + 1, 0, consume=False)
                if fw.stop_event is not None and fw.stop_event.is_set():
                    fw.stopped = True
                    self.model.stop_training = True

    return _Callback()


def _chunk(model: Any) -> int:
    return max(1, int(getattr(model, "steps_per_execution", 1) or 1))


def detached_result(fw: Forwarder, observer: Observer, initial_epoch: int, target: int,
                    t0: float) -> RunResult:
    """The stopped run's result from what the callback recorded, when fit was left running.

    The chunk in flight is counted as trained (fit's thread still ends it); the epoch it
    belongs to gets a point, with the loss known so far and no validation.
    """
    with fw.lock:
        logs = [dict(d) for d in fw.epoch_logs]
        epoch, in_flight, prev_step = fw.epoch, fw.in_flight, fw.prev_step
        last = dict(fw.last_logs or {}) if prev_step >= 0 else {}
        # on_epoch_end sets a stopped epoch's part before it logs the epoch: a logged epoch
        # keeps what it said (it was once reset here, and a stopped part counted as whole)
        partial = fw.partial
    batches = in_flight[1] + 1 if in_flight is not None else prev_step + 1
    batches = min(batches, fw.steps_per_epoch)
    fw.partial = partial
    if epoch >= initial_epoch + len(logs) and batches > 0:  # an epoch not yet reported
        fw.partial = batches / fw.steps_per_epoch if batches < fw.steps_per_epoch else 0.0
        point = {key: float(v) for key, v in last.items() if not key.startswith("val_")}
        point["loss"] = point.get("loss", math.nan)
        point["epoch_time"] = time.perf_counter() - fw.epoch_start
        point["epoch"] = epoch + (fw.partial or 1.0)
        logs.append(point)
        observer.on_epoch(epoch, dict(point))
    keys = {key for d in logs for key in d}
    history = {key: [d.get(key, math.nan) for d in logs] for key in sorted(keys)}
    done = epochs_done(fw, initial_epoch, len(logs))
    return RunResult("stopped", done, history, time.perf_counter() - t0,
                     stop_message(fw, done, target), partial=fw.partial,
                     target_epochs=target)


def epochs_done(fw: Forwarder, initial_epoch: int, logged: int) -> int:
    """Complete epochs after a run that logged ``logged`` epochs, the last of them a stopped
    part when ``fw.partial`` says so: one count for a run that ended and one walked away from."""
    return initial_epoch + logged - (1 if fw.partial else 0)


def stop_message(fw: Forwarder, done: int, target: int) -> str:
    left = target - done
    rest = f" Continue trains the remaining {counted(left, 'epoch')}." if left > 0 else ""
    if fw.partial:
        batches = round(fw.partial * fw.steps_per_epoch)
        return (f"Stopped in epoch {done + 1} of {target} after {batches:,} of "
                f"{fw.steps_per_epoch:,} batches; {counted(done, 'complete epoch')}, the weights "
                f"learned so far are kept.{rest}")
    return f"Stopped after {counted(done, 'epoch')}; the weights learned so far are kept.{rest}"


