"""Train a Keras model with a plain-Python observer: live metrics, Stop, NaN detection.

``train`` runs keras ``fit`` with one callback that forwards per-batch losses in throttled
bundles (at most ``1 / flush_interval`` a second), per-epoch logs, and the end of the run to an
``Observer``. Stop is a ``threading.Event``: the run ends at the next batch boundary and keeps
the weights. The GUI's worker thread and the CLI both use this same function.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .adapt import Prepared
from .runtime import keras
from .shapes import layer_rows
from .spec import NetworkSpec, TrainConfig


@dataclass
class RunInfo:
    epochs: int  # epochs in this run
    initial_epoch: int  # epochs already trained before this run
    steps_per_epoch: int
    steps_per_execution: int
    jit_compile: bool
    n_train: int
    n_val: int


@dataclass
class RunResult:
    reason: str  # "finished", "stopped", "nan" or "error"
    epochs_done: int  # total epochs trained, counting earlier runs
    history: dict[str, list[float]]
    seconds: float
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.reason in ("finished", "stopped")


class Observer:
    """Receives training progress; every method is optional. Called from the training thread."""

    def on_begin(self, info: RunInfo) -> None: ...

    def on_batches(self, epoch: int, step: int, points: list[tuple[int, float]],
                   logs: dict[str, float]) -> None:
        """``points`` are (global step, loss of the batches since the previous point)."""

    def on_epoch(self, epoch: int, logs: dict[str, float]) -> None: ...

    def on_end(self, result: RunResult) -> None: ...


def estimate_macs(spec: NetworkSpec) -> int:
    """Multiply-accumulates per sample of a forward pass (dense and conv layers)."""
    total = 0
    for row in layer_rows(spec):
        if row.type == "Conv2D" and row.output_shape:
            total += row.params * row.output_shape[0] * row.output_shape[1]
        else:
            total += row.params
    return total


def choose_compile(spec: NetworkSpec, config: TrainConfig, n_train: int) -> tuple[int, bool]:
    """steps_per_execution and jit_compile for this model.

    Small batches on CPU spend most of their time in per-step Python/dispatch overhead;
    running several steps per compiled call (and XLA-fusing them) removes it. We size the
    chunk so one call does about 2 GMAC of work (~30-60 ms on 2 cores): the live curve still
    gets ~20 points a second while the overhead all but vanishes.
    """
    steps = config.steps_per_execution
    if steps <= 0:
        per_step = 3 * estimate_macs(spec) * config.batch_size  # forward + backward
        steps = int(max(1, min(64, 2e9 // max(per_step, 1))))
    steps_per_epoch = max(1, math.ceil(n_train / config.batch_size))
    if config.steps_per_execution <= 0:
        # at least ~20 curve points per epoch, even for tiny networks on small data
        steps = min(steps, max(1, steps_per_epoch // 20))
    steps = max(1, min(steps, steps_per_epoch))
    jit = config.jit_compile
    if jit is None:
        # XLA pays off for dense nets; compile time dominates for tiny toy data.
        jit = n_train >= 1000
    return steps, bool(jit)


class _Forwarder:
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
        self.stopped = False
        self.epoch_start = 0.0
        self.epoch_times: list[float] = []
        self.snapshot: list[np.ndarray] | None = None


def _make_callback(fw: _Forwarder) -> Any:
    k = keras()

    class _Callback(k.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            fw.epoch = epoch
            fw.prev_step, fw.prev_mean = -1, 0.0
            fw.epoch_start = time.perf_counter()
            fw.snapshot = self.model.get_weights()  # restored if the loss blows up

        def on_train_batch_end(self, batch, logs=None):
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
            if not math.isfinite(mean):
                fw.nan_at = (fw.epoch, batch)
                self.model.stop_training = True
            elif fw.stop_event is not None and fw.stop_event.is_set():
                fw.stopped = True
                self.model.stop_training = True
            now = time.perf_counter()
            if now - fw.last_flush >= fw.flush_interval or self.model.stop_training:
                fw.last_flush = now
                pts, fw.pending = fw.pending, []
                fw.observer.on_batches(fw.epoch, batch + 1, pts, logs)

        def on_epoch_end(self, epoch, logs=None):
            if fw.pending:
                pts, fw.pending = fw.pending, []
                fw.observer.on_batches(epoch, fw.steps_per_epoch, pts, {})
            if fw.nan_at is not None:
                return  # a half epoch that ended in NaN is not a data point
            fw.epoch_times.append(time.perf_counter() - fw.epoch_start)
            clean = {key: float(v) for key, v in (logs or {}).items()}
            clean["epoch_time"] = fw.epoch_times[-1]
            fw.observer.on_epoch(epoch, clean)

    return _Callback()


def train(model: Any, data: Prepared, spec: NetworkSpec, config: TrainConfig,
          observer: Observer | None = None, stop_event: threading.Event | None = None,
          initial_epoch: int = 0, flush_interval: float = 0.05,
          compile_model: bool = True) -> RunResult:
    """Train ``model`` on ``data``; returns how the run ended. Never raises for training errors."""
    from .builder import compile_model as _compile

    observer = observer or Observer()
    n = len(data.x_train)
    n_val = int(n * config.validation_split)
    steps_per_epoch = max(1, math.ceil((n - n_val) / config.batch_size))
    spe, jit = choose_compile(spec, config, n - n_val)
    if compile_model:
        _compile(model, spec, steps_per_execution=spe, jit_compile=jit)
    fw = _Forwarder(observer, stop_event, steps_per_epoch, flush_interval)
    history: dict[str, list[float]] = {}
    observer.on_begin(RunInfo(config.epochs, initial_epoch, steps_per_epoch, spe, jit,
                              n - n_val, n_val))
    t0 = time.perf_counter()
    k = keras()
    if config.seed is not None:
        k.utils.set_random_seed(int(config.seed) + initial_epoch)
    try:
        h = model.fit(data.x_train, data.y_train, batch_size=config.batch_size,
                      epochs=initial_epoch + config.epochs, initial_epoch=initial_epoch,
                      validation_split=config.validation_split, verbose=0,
                      callbacks=[_make_callback(fw)])
        history = {key: [float(v) for v in vals] for key, vals in h.history.items()}
    except Exception as exc:  # bad shapes, out of memory: the user gets a message, not a crash
        result = RunResult("error", initial_epoch + len(fw.epoch_times), history,
                           time.perf_counter() - t0, _explain_error(exc))
        observer.on_end(result)
        return result
    if fw.epoch_times:
        history["epoch_time"] = list(fw.epoch_times)
    done = initial_epoch + len(fw.epoch_times)
    seconds = time.perf_counter() - t0
    if fw.nan_at is not None:
        if fw.snapshot is not None:
            model.set_weights(fw.snapshot)
        for key in list(history):  # drop the partial, NaN epoch
            history[key] = history[key][: len(fw.epoch_times)]
        e, b = fw.nan_at
        msg = (f"The loss became NaN/inf at epoch {e + 1}, batch {b + 1}, so training stopped "
               f"and the weights from the start of that epoch were kept. The learning rate "
               f"({spec.lr:g}) is probably too high for {spec.optimizer}: try {spec.lr / 10:g}; "
               f"also check the data for extreme values.")
        result = RunResult("nan", done, history, seconds, msg)
    elif fw.stopped:
        result = RunResult("stopped", done, history, seconds,
                           f"Stopped after {done} epoch(s); the weights learned so far are kept.")
    else:
        result = RunResult("finished", done, history, seconds, f"Trained {done} epoch(s).")
    observer.on_end(result)
    return result


def _explain_error(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else exc.__class__.__name__
    if "OOM" in str(exc) or isinstance(exc, MemoryError):
        return "Out of memory: use a smaller batch size or a smaller network."
    return f"Training failed: {exc.__class__.__name__}: {first[:300]}"


def evaluate(model: Any, data: Prepared, batch_size: int = 512) -> dict[str, float]:
    """Test-set loss and metrics, as a dict (e.g. {'loss': 0.07, 'accuracy': 0.981})."""
    res = model.evaluate(data.x_test, data.y_test, batch_size=batch_size, verbose=0,
                         return_dict=True)
    return {key: float(v) for key, v in res.items()}


def predict_classes(model: Any, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """Predicted class per sample (argmax, or threshold 0.5 for a single output)."""
    probs = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    if probs.shape[-1] == 1:
        return (probs[:, 0] > 0.5).astype(np.int64)
    return probs.argmax(axis=-1)


@dataclass
class Session:
    """A model and its history across runs: what Continue and Restart act on."""

    spec: NetworkSpec
    model: Any = None
    epochs_done: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)

    def ensure_model(self, seed: int | None, restart: bool = False) -> Any:
        from .builder import build_model

        if self.model is None or restart:
            self.model = build_model(self.spec, seed)
            self.epochs_done = 0
            self.history = {}
        return self.model

    def record(self, result: RunResult) -> None:
        self.epochs_done = result.epochs_done
        for key, vals in result.history.items():
            self.history.setdefault(key, []).extend(vals)
