"""Train a Keras model with a plain-Python observer: live metrics, Stop, NaN detection.

``train`` runs keras ``fit`` with one callback that forwards per-batch losses in throttled
bundles (at most ``1 / flush_interval`` a second), per-epoch logs, probe results and the end of
the run to an ``Observer``. Stop is a ``threading.Event``: the run ends at the next batch
boundary and keeps the weights. The GUI's task runner and the CLI both use this same function.

Probes are how a view sees inside a model *while it trains*: each probe is a plain callable
``probe(model) -> arrays`` that ``train`` calls after every epoch **in the training thread**
(the thread that owns the model), handing its result to ``observer.on_probe``. The GUI never
calls into a model a job holds; it only draws the arrays probes send.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from nngui.core.data.adapt import Prepared
from nngui.core.network.shapes import forward_macs, layer_rows
from nngui.core.network.spec import NetworkSpec, TrainConfig
from nngui.core.platform import abandon, buffers, runtime
from nngui.core.platform.runtime import keras


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
    epochs_done: int  # complete epochs trained, counting earlier runs
    history: dict[str, list[float]]  # per-epoch values; "epoch" holds each entry's x position
    seconds: float
    message: str = ""
    partial: float = 0.0  # fraction of an interrupted epoch that was trained (Stop mid-epoch)
    target_epochs: int = 0  # the epoch count this run was asked to reach

    @property
    def ok(self) -> bool:
        return self.reason in ("finished", "stopped")


class Observer:
    """Receives training progress; every method is optional. Called from the training thread."""

    def on_begin(self, info: RunInfo) -> None: ...

    def on_batches(self, epoch: int, step: int, points: list[tuple[int, float]],
                   logs: dict[str, float]) -> None:
        """``points`` are (global step, loss of the batches since the previous point)."""

    def on_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        """``logs["epoch"]`` is where the point belongs: epoch + 1, or less for a partial one."""

    def on_probe(self, name: str, epoch: int, payload: Any) -> None:
        """A probe's arrays after ``epoch`` (computed in the training thread)."""

    def on_status(self, text: str) -> None:
        """A short note ("Building the model…")."""

    def on_end(self, result: RunResult) -> None: ...


class EventObserver(Observer):
    """Turns every observer call into ``emit(kind, payload)``: one channel for a task runner."""

    def __init__(self, emit: Callable[[tuple], None]) -> None:
        self.emit = emit

    def on_begin(self, info: RunInfo) -> None:
        self.emit(("begin", info))

    def on_batches(self, epoch: int, step: int, points: list[tuple[int, float]],
                   logs: dict[str, float]) -> None:
        self.emit(("batches", epoch, step, points, logs))

    def on_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        self.emit(("epoch", epoch, logs))

    def on_probe(self, name: str, epoch: int, payload: Any) -> None:
        self.emit(("probe", name, epoch, payload))

    def on_status(self, text: str) -> None:
        self.emit(("status", text))


class Probe(Protocol):
    """Computes arrays from the model after an epoch, in the training thread."""

    name: str

    def __call__(self, model: Any) -> Any: ...


def choose_compile(spec: NetworkSpec, config: TrainConfig, n_train: int) -> tuple[int, bool]:
    """steps_per_execution and jit_compile for this model.

    Small batches on CPU spend most of their time in per-step Python/dispatch overhead;
    running several steps per compiled call (and XLA-fusing them) removes it. We size the
    chunk so one call does about 2 GMAC of work (~30-60 ms on 2 cores): the live curve still
    gets ~20 points a second while the overhead all but vanishes.
    """
    steps = config.steps_per_execution
    if steps <= 0:
        per_step = 3 * forward_macs(spec) * config.batch_size  # forward + backward
        steps = int(max(1, min(64, 2e9 // max(per_step, 1))))
    steps_per_epoch = max(1, math.ceil(n_train / config.batch_size))
    if config.steps_per_execution <= 0:
        # at least ~20 curve points per epoch, even for tiny networks on small data
        steps = min(steps, max(1, steps_per_epoch // 20))
    steps = max(1, min(steps, steps_per_epoch))
    jit = config.jit_compile
    if jit is None:
        # XLA's CPU convolutions and pooling skip oneDNN: 10-15x slower an epoch for mnist-cnn
        images = any(layer.type.endswith("2D") for layer in spec.layers)
        jit = not images and 3 * forward_macs(spec) * n_train * config.epochs >= XLA_MIN_RUN_MACS
    return steps, bool(jit)


# XLA's compile costs seconds at the start of a run and saves at most ~20% of a later epoch,
# so it can pay only over a long run. Measured on 2 cores, 512-512 MLP, batch 128 (1.1e11 MAC
# an epoch): the first epoch 3.5-5 s longer with XLA; later epochs 0.9 s shorter in one run,
# equal in an alternated 3 + 3 (README, Performance); XLA kept ~1.2 cores busy where
# TensorFlow's own kernels keep ~1.7. So only runs of >= ~5 such epochs use it.
XLA_MIN_RUN_MACS = 5e11


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


def _all_finite(weights: list[np.ndarray]) -> bool:
    return all(np.isfinite(w).all() for w in weights if np.issubdtype(w.dtype, np.floating))


def _make_callback(fw: _Forwarder) -> Any:
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
            if not math.isfinite(mean):
                fw.nan_at = (fw.epoch, batch)
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
            clean["epoch_time"] = fw.epoch_times[-1]
            clean["epoch"] = fw.epoch_x[-1]
            with fw.lock:
                fw.epoch_logs.append(clean)
            fw.emit("on_epoch", epoch, clean)
            for probe in fw.probes:
                payload = probe(fw.model)  # here, in the thread that owns the model
                fw.emit("on_probe", probe.name, epoch, payload)

    return _Callback()


EVAL_BATCH = 512  # forward-only passes (validation, evaluation): large batches, few steps


def validation_batch(spec: NetworkSpec, batch_size: int) -> int:
    """Batch size for the validation pass: up to EVAL_BATCH, while its largest activation
    stays <= 64 MB.

    Validation only runs the forward pass, and at the training batch size it pays the
    per-step cost for little work: 6,000 MNIST samples at batch 32 took 0.18 s an epoch,
    at 512 0.05 s (512-512 MLP, 2 cores). The loss and metrics are means weighted by batch
    size, so they are the same (to float rounding) at any batch size.
    """
    per_sample = max([math.prod(row.output_shape) for row in layer_rows(spec)
                      if row.output_shape] + [math.prod(spec.model_input_shape), 1])
    return max(batch_size, min(EVAL_BATCH, (1 << 24) // per_sample))


def _chunk(model: Any) -> int:
    return max(1, int(getattr(model, "steps_per_execution", 1) or 1))


def epoch_batches(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int | None,
                  device: str = "cpu") -> Any:
    """A tf.data pipeline of shuffled batches: a new order every epoch, the same run to run.

    Keras' own shuffling of arrays draws each epoch's order from an op whose seed is fixed by
    ``set_random_seed``, so a seeded run replays one order every epoch. Here the indices are
    shuffled by ``Dataset.shuffle(seed=..., reshuffle_each_iteration=True)``: deterministic
    for a seed, different per epoch. Batches are gathered from one copy of the arrays.

    Training on the CPU (``device`` "cpu"), the pipeline runs on one thread of its own with a
    fixed prefetch, and tf.data's autotuning is off: a gather of one batch takes microseconds
    against milliseconds for a step. With autotuning (parallel map, AUTOTUNE prefetch) about
    one epoch in four ran at half speed on 2 cores: the same CPU time a step, twice the wall
    time (``pipeline_options``). On a GPU the CPU has nothing else to do, and tf.data tunes.
    """
    tf = runtime.tf()
    n = len(x)
    data = tf.data.Dataset.from_tensors((x, y)).repeat()
    order = tf.data.Dataset.range(n).shuffle(n, seed=seed, reshuffle_each_iteration=True)
    batches = tf.data.Dataset.zip((order.batch(batch_size), data))

    def gather(i: Any, d: Any) -> tuple:
        return tf.gather(d[0], i), tf.gather(d[1], i)

    if device != "cpu":
        return batches.map(gather, num_parallel_calls=tf.data.AUTOTUNE) \
            .prefetch(tf.data.AUTOTUNE)
    return batches.map(gather).prefetch(PREFETCH).with_options(pipeline_options())


PREFETCH = 4  # batches gathered ahead of the step that needs them


def pipeline_options() -> Any:
    """tf.data options for the training batches: no autotuning, one private thread."""
    opts = runtime.tf().data.Options()
    opts.autotune.enabled = False
    opts.threading.private_threadpool_size = 1
    return opts


def _as_tensors(data: Prepared, part: str, n_fit: int, x: np.ndarray, y: np.ndarray) -> tuple:
    """(x, y) as TensorFlow tensors made once per data set and split, not once per run.

    A tf.data pipeline built from NumPy arrays copies them into a new constant every run;
    the tensors are kept on the Prepared instead, sharing its buffers where they can
    (``buffers.tensor``).
    """
    cache = data.__dict__.setdefault("_tensors", {})
    source = (n_fit, id(data.x_train), id(data.y_train), data.x_train.shape, data.y_train.shape)
    for old in [k for k in cache if k[1:] != source]:  # another split or replaced arrays
        del cache[old]
    key = (part, *source)
    if key not in cache:
        cache[key] = (buffers.tensor(x), buffers.tensor(y))
    return cache[key]


def _test_function_without_xla(model: Any) -> None:
    """Validation and evaluation run TensorFlow's own kernels even when training uses XLA.

    They run a few large batches (``EVAL_BATCH``) an epoch, where XLA saves nothing, while
    compiling the test step with XLA added 0.4 s to the first validation and 0.2 s more to
    the evaluation after training (512-512 MLP, 2 cores).
    """
    was = model.jit_compile
    model.jit_compile = False
    try:
        model.make_test_function()
    finally:
        model.jit_compile = was


def train(model: Any, data: Prepared, spec: NetworkSpec, config: TrainConfig,
          observer: Observer | None = None, stop_event: threading.Event | None = None,
          initial_epoch: int = 0, flush_interval: float = 0.05,
          compile_model: bool = True, probes: Sequence[Probe] = ()) -> RunResult:
    """Train ``model`` on ``data``; returns how the run ended. Never raises for training errors.

    ``probes`` are called with ``model`` after every complete or stopped epoch, in this thread.
    """
    from nngui.core.model.builder import compile_model as _compile
    from nngui.core.model.fast_dropout import use_fast_dropout

    observer = observer or Observer()
    copies = runtime.replicas()
    if copies > 1:  # "all GPUs": every replica takes batch_size samples of each step
        config = replace(config, batch_size=config.batch_size * copies)
    n = len(data.x_train)
    n_val = int(n * config.validation_split)
    n_fit = n - n_val
    steps_per_epoch = max(1, math.ceil(n_fit / config.batch_size))
    spe, jit = choose_compile(spec, config, n_fit)
    device = "all" if copies > 1 else runtime.resolve_device(config.device)
    target = initial_epoch + config.epochs
    from nngui.core.training.callbacks import option_conflict

    conflict = option_conflict(config, spec)
    if conflict:  # a schedule cannot set the rate of an optimizer whose rate is a schedule
        result = RunResult("error", initial_epoch, {}, 0.0, conflict, target_epochs=target)
        observer.on_end(result)
        return result
    abandon.wait_until_free(model, stop_event)  # a Stop-abandoned compile may still run
    if stop_event is not None and stop_event.is_set():  # Stop pressed before anything began
        result = RunResult("stopped", initial_epoch, {}, 0.0, "Stopped before training began; "
                           "the weights are unchanged.", target_epochs=target)
        observer.on_end(result)
        return result
    # Compile once per model and settings: a fresh compile makes a fresh tf.function that
    # retraces (seconds of Stop-deaf work) and whose graphs pile up run after run.
    key = (spec.loss, spec.optimizer, spec.lr, tuple(sorted(spec.optimizer_params.items())),
           spe, jit)
    use_fast_dropout(model)  # before the train function's first trace
    if compile_model and getattr(model, "_nngui_compiled", None) != key:
        _compile(model, spec, steps_per_execution=spe, jit_compile=jit)
        if jit:
            _test_function_without_xla(model)
        model._nngui_compiled = key
    fw = _Forwarder(observer, stop_event, steps_per_epoch, flush_interval)
    fw.probes, fw.model = tuple(probes), model
    history: dict[str, list[float]] = {}
    observer.on_begin(RunInfo(config.epochs, initial_epoch, steps_per_epoch, spe, jit,
                              n_fit, n_val))
    t0 = time.perf_counter()
    k = keras()
    seed = None if config.seed is None else int(config.seed) + initial_epoch
    if seed is not None:
        k.utils.set_random_seed(seed)  # dropout and noise layers; the order comes from below
    # Keras' validation_split takes the last samples, before any shuffling: the same here.
    x_fit, y_fit = _as_tensors(data, "fit", n_fit, data.x_train[:n_fit], data.y_train[:n_fit])
    val = _as_tensors(data, "val", n_fit, data.x_train[n_fit:], data.y_train[n_fit:]) \
        if n_val else None
    from nngui.core.training.callbacks import early_stop_note, make_callbacks

    options = make_callbacks(config, spec, target)  # before ours: our logs then include them
    try:
        def fit() -> Any:
            try:
                return model.fit(epoch_batches(x_fit, y_fit, config.batch_size, seed, device),
                                 epochs=target, initial_epoch=initial_epoch,
                                 validation_data=val, shuffle=False, verbose=0,
                                 validation_batch_size=validation_batch(spec, config.batch_size),
                                 callbacks=[*options, _make_callback(fw)])
            finally:
                model.__dict__.pop("_should_eval", None)  # validation back for the next run
                if fw.real_train_function is not None:  # the stub that skipped chunks
                    model.train_function = fw.real_train_function

        # with a Stop button, fit runs where a Stop during the first compile can leave it
        h = fit() if stop_event is None else abandon.fit_or_abandon(fit, model, fw, stop_event)
        if h is None:
            result = RunResult("stopped", initial_epoch, {}, time.perf_counter() - t0,
                               "Stopped while the model was being compiled, before the first "
                               "batch; the weights are unchanged.", target_epochs=target)
            observer.on_end(result)
            return result
        if h is abandon.DETACHED:
            result = _detached_result(fw, observer, initial_epoch, target, t0)
            observer.on_end(result)
            return result
        history = {key: [float(v) for v in vals] for key, vals in h.history.items()}
        n_epochs = len(history.get("loss", []))
        for vals in history.values():  # a stopped epoch has no validation: NaN, not a shift
            vals.extend([math.nan] * (n_epochs - len(vals)))
    except Exception as exc:  # bad shapes, out of memory: the user gets a message, not a crash
        result = RunResult("error", initial_epoch + len(fw.epoch_times), history,
                           time.perf_counter() - t0, _explain_error(exc),
                           target_epochs=target)
        observer.on_end(result)
        return result
    if fw.epoch_times:
        history["epoch_time"] = list(fw.epoch_times)
        history["epoch"] = list(fw.epoch_x)
    complete = len(fw.epoch_times) - (1 if fw.partial else 0)
    done = initial_epoch + complete
    seconds = time.perf_counter() - t0
    if fw.nan_at is not None:
        for key in list(history):  # drop the partial, NaN epoch
            history[key] = history[key][: len(fw.epoch_times)]
        e, b = fw.nan_at
        kept = "the last weights that were finite were kept"
        if fw.snapshot is not None:
            model.set_weights(fw.snapshot)
        else:
            kept = "no finite weights were left to keep: train from scratch"
        msg = (f"The loss became NaN/inf at epoch {e + 1}, batch {b + 1}, so training stopped "
               f"and {kept}. The learning rate ({spec.lr:g}) is probably too high for "
               f"{spec.optimizer}: try {spec.lr / 10:g}; also check the data for extreme "
               f"values.")
        result = RunResult("nan", done, history, seconds, msg, target_epochs=target)
    elif fw.stopped:
        result = RunResult("stopped", done, history, seconds, _stop_message(fw, done, target),
                           partial=fw.partial, target_epochs=target)
    else:
        # early stopping ends a run short of its target: that run is over, not resumable
        result = RunResult("finished", done, history, seconds,
                           f"Trained {done} epoch(s).{early_stop_note(options)}",
                           target_epochs=done if early_stop_note(options) else target)
    observer.on_end(result)
    return result


def _detached_result(fw: _Forwarder, observer: Observer, initial_epoch: int, target: int,
                     t0: float) -> RunResult:
    """The stopped run's result from what the callback recorded, when fit was left running.

    The chunk in flight is counted as trained (fit's thread still ends it); the epoch it
    belongs to gets a point, with the loss known so far and no validation.
    """
    with fw.lock:
        logs = [dict(d) for d in fw.epoch_logs]
        epoch, in_flight, prev_step = fw.epoch, fw.in_flight, fw.prev_step
        last = dict(fw.last_logs or {}) if prev_step >= 0 else {}
    batches = in_flight[1] + 1 if in_flight is not None else prev_step + 1
    batches = min(batches, fw.steps_per_epoch)
    fw.partial = 0.0
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
    done = initial_epoch + len(logs) - (1 if fw.partial else 0)
    return RunResult("stopped", done, history, time.perf_counter() - t0,
                     _stop_message(fw, done, target), partial=fw.partial,
                     target_epochs=target)


def _stop_message(fw: _Forwarder, done: int, target: int) -> str:
    left = target - done
    rest = f" Continue trains the remaining {left} epoch(s)." if left > 0 else ""
    if fw.partial:
        batches = round(fw.partial * fw.steps_per_epoch)
        return (f"Stopped in epoch {done + 1} of {target} after {batches:,} of "
                f"{fw.steps_per_epoch:,} batches; {done} complete epoch(s), the weights "
                f"learned so far are kept.{rest}")
    return f"Stopped after {done} epoch(s); the weights learned so far are kept.{rest}"


def _explain_error(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else exc.__class__.__name__
    if "OOM" in str(exc) or isinstance(exc, MemoryError):
        return "Out of memory: use a smaller batch size or a smaller network."
    return f"Training failed: {exc.__class__.__name__}: {first[:300]}"


def evaluate(model: Any, data: Prepared, batch_size: int = EVAL_BATCH) -> dict[str, float]:
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
    epochs_done: int = 0  # complete epochs
    history: dict[str, list[float]] = field(default_factory=dict)
    target_epochs: int = 0  # what the last run was asked to reach (Stop leaves some undone)

    def ensure_model(self, seed: int | None, restart: bool = False) -> Any:
        from nngui.core.model.builder import build_model

        if self.model is None or restart:
            self.model = build_model(self.spec, seed)
            self.epochs_done = 0
            self.target_epochs = 0
            self.history = {}
        return self.model

    def epochs_for_next_run(self, asked: int, restart: bool = False) -> int:
        """The epochs a press of Train runs: the rest of a stopped run, else ``asked``."""
        left = self.target_epochs - self.epochs_done
        return left if (left > 0 and not restart and self.model is not None) else asked

    def record(self, result: RunResult) -> None:
        start = self.epochs_done
        self.epochs_done = result.epochs_done
        self.target_epochs = result.target_epochs
        n = len(result.history.get("loss", []))
        for key, vals in result.history.items():
            self.history.setdefault(key, []).extend(vals)
        if "epoch" not in result.history and n:  # a history from before positions were kept
            self.history.setdefault("epoch", []).extend(float(start + i + 1) for i in range(n))


@dataclass
class RunRequest:
    """What one press of Train (or a fine-tune) asks for: the session, its data and settings."""

    session: Session
    data: Prepared
    config: TrainConfig
    restart: bool = False
    probes: Sequence[Probe] = ()

    def for_next_run(self) -> RunRequest:
        """The same request with the epochs Continue should run (the rest of a stopped run)."""
        epochs = self.session.epochs_for_next_run(self.config.epochs, self.restart)
        return replace(self, config=replace(self.config, epochs=epochs))


def run_request(request: RunRequest, observer: Observer,
                stop_event: threading.Event | None = None) -> RunResult:
    """Build the session's model if needed and train it: the whole of one run, in one thread."""
    session, config = request.session, request.config
    with runtime.device_scope(config.device) as dev:
        observer.on_status("Building the model…")
        built_for = getattr(session.model, "_nngui_replicas", 1)
        if session.model is not None and not request.restart and built_for != runtime.replicas():
            # a model's variables live where it was built: mirrored or not cannot change later
            where = "all GPUs" if built_for > 1 else "one device"
            return RunResult("error", session.epochs_done, {}, 0.0,
                             f"This network was built to train on {where}; press Restart to "
                             f"rebuild it for the device now chosen ({config.device}).")
        try:
            model = session.ensure_model(config.seed, request.restart)
            model._nngui_replicas = runtime.replicas()  # what the check above reads next run
        except Exception as exc:
            msg = f"Could not build the network: {exc.__class__.__name__}: {exc}"
            return RunResult("error", session.epochs_done, {}, 0.0, msg)
        observer.on_status(f"Training on {'all GPUs' if dev == 'all' else dev.upper()}…")
        result = train(model, request.data, session.spec, config, observer, stop_event,
                       initial_epoch=session.epochs_done, probes=request.probes)
    session.record(result)
    return result
