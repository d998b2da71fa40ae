"""Train a Keras model with a plain-Python observer: live metrics, Stop, NaN detection.

``train`` runs keras ``fit`` with one callback that forwards per-batch losses in throttled
bundles (at most ``1 / flush_interval`` a second), per-epoch logs, probe results and the end of
the run to an ``Observer``. Stop is a ``threading.Event``: the run ends at the next batch
boundary and keeps the weights. The GUI's task runner and the CLI both use this same function.
Small runs (``fast.py``: up to 10,000 samples and 100,000 parameters, no Keras callbacks) take
a fast path instead: many whole epochs per compiled call of the model's own training step,
reported epoch by epoch as fit's callback would, with the same updates; Stop then ends the
run between calls (~0.1 s apart).

Probes are how a view sees inside a model *while it trains*: each probe is a plain callable
``probe(model) -> arrays`` that ``train`` calls after every epoch **in the training thread**
(the thread that owns the model), handing its result to ``observer.on_probe``. The GUI never
calls into a model a job holds; it only draws the arrays probes send. On the fast path a
probe runs between calls on a time budget, unless it takes its values from each epoch
(``observer.Probe``).

This module is the run itself (``train``, and ``run_request`` for a ``RunRequest``), how it
compiles the model (``choose_compile``) and the evaluation after it. Its parts live beside it:
``observer`` (what a run reports: ``RunInfo``, ``Observer``, ``RunResult``), ``session`` (what
it is asked: ``Session``, ``RunRequest``), ``pipeline`` (the tf.data batches) and ``progress``
(the Keras callback that reports, stops and catches NaN).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from nngui.core.data.adapt import Prepared
from nngui.core.model.training_build import build_for_training
from nngui.core.network.shapes import forward_macs
from nngui.core.network.spec import NetworkSpec, TrainConfig
from nngui.core.platform import abandon, runtime
from nngui.core.platform.runtime import keras
from nngui.core.platform.words import counted
from nngui.core.training import fast
from nngui.core.training.controls import (
    NAMES,
    Controls,
    can_set,
    make_live,
    make_plain,
)
from nngui.core.training.controls import apply as apply_change
from nngui.core.training.controls import read as read_value
from nngui.core.training.observer import Observer, Probe, RunInfo, RunResult
from nngui.core.training.pipeline import EVAL_BATCH, as_tensors, epoch_batches, validation_batch
from nngui.core.training.progress import Forwarder, detached_result, make_callback, stop_message
from nngui.core.training.session import RunRequest


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


def seed_run(seed: int) -> None:
    """``keras.utils.set_random_seed(seed)``, but TensorFlow's seed only where it differs.

    Setting TensorFlow's global seed clears its kernel cache, so every compiled function
    (this model's training step, the window's predictors) is instantiated anew at its next
    call: 0.4-0.45 s for the XOR net's training call on 2 cores, on every run. A model is
    built with the seed its first run trains with (``build_model``), so that run finds it
    set; the shuffles' seeds derive from it alone (``pipeline.epoch_batches``). Dropout and
    noise layers draw from their own generators, seeded when the model was built.
    """
    import random

    tf = runtime.tf()
    if tf.compat.v1.random.get_seed(1)[0] != seed:
        keras().utils.set_random_seed(seed)
        return
    random.seed(seed)
    np.random.seed(seed)


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


def compile_for_run(model: Any, spec: NetworkSpec, spe: int, jit: bool,
                    compile_model: bool = True) -> bool:
    """Compile ``model`` for a run with ``spe`` steps a call (``jit``: XLA) unless it already
    is; True when it was compiled here (a fresh optimizer). ``train`` and ``prebuild.warm_up``
    both call it, so a prepared model's compiled call is the one the run uses.

    Compile once per model and settings: a fresh compile makes a fresh tf.function that
    retraces (seconds of Stop-deaf work) and whose graphs pile up run after run.
    """
    from nngui.core.model.builder import compile_model as _compile
    from nngui.core.model.fast_dropout import use_fast_dropout

    key = (spec.loss, spec.optimizer, spec.lr, tuple(sorted(spec.optimizer_params.items())),
           spe, jit)
    use_fast_dropout(model)  # before the train function's first trace
    compiled_now = compile_model and getattr(model, "_nngui_compiled", None) != key
    if compiled_now:
        _compile(model, spec, steps_per_execution=spe, jit_compile=jit)
        if jit:
            _test_function_without_xla(model)
        model._nngui_compiled = key
    if make_live(getattr(model, "optimizer", None)):  # momentum a variable the step reads
        model.train_function = None  # a step traced before read the float: trace it anew
        model.__dict__.pop("_nngui_fast", None)
    return compiled_now


def train(model: Any, data: Prepared, spec: NetworkSpec, config: TrainConfig,
          observer: Observer | None = None, stop_event: threading.Event | None = None,
          initial_epoch: int = 0, flush_interval: float = 0.05,
          compile_model: bool = True, probes: Sequence[Probe] = (),
          controls: Controls | None = None,
          carry: dict[str, float] | None = None) -> RunResult:
    """Train ``model`` on ``data``; returns how the run ended. Never raises for training errors.

    ``probes`` are called with ``model`` after every complete or stopped epoch, in this thread
    (on the fast path for small data, after its compiled calls: ``fast.py``). ``controls``
    (``controls.Controls``) pause, step and change the learning rate and momentum between
    compiled calls, from another thread. ``carry`` (``Session.start_values``: the values a
    session's live changes left while the builder's optimizer settings are unchanged) is set
    on the optimizer whenever the model is compiled here (an opened project's model, a new
    batch size's steps a call): it trains on with the rate and momentum its last run left, as
    an uncompiled Continue does, instead of the builder's.
    """
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
    compiled_now = compile_for_run(model, spec, spe, jit, compile_model)
    if compiled_now:  # a fresh optimizer: the session's live values, where they hold
        for name, value in (carry or {}).items():
            apply_change(model.optimizer, name, value)  # a schedule's rate: left as it is
    if controls is not None and getattr(model, "optimizer", None) is not None:
        # what the run starts with, read from the optimizer: the Train tab's LR box shows it
        # (a builder's rate changed after a live change, an opened model's carried values)
        opt = model.optimizer
        observer.on_control("values", {name: read_value(opt, name) for name in NAMES
                                       if not can_set(opt, name)})
    from nngui.core.training.callbacks import early_stop_note, make_callbacks

    options = make_callbacks(config, spec, target)  # before ours: our logs then include them
    evals = sum(getattr(p, "eval_data", None) is not None for p in probes)
    how = fast.plan(spec, config, model, n_fit, n_val, copies, options, spe, evals)
    fw = Forwarder(observer, stop_event, steps_per_epoch, flush_interval)
    fw.probes, fw.model, fw.controls = tuple(probes), model, controls
    fw.whole_epochs = how is not None
    history: dict[str, list[float]] = {}
    observer.on_begin(RunInfo(config.epochs, initial_epoch, steps_per_epoch, spe,
                              how.xla if how else jit, n_fit, n_val))
    t0 = time.perf_counter()
    seed = None if config.seed is None else int(config.seed) + initial_epoch
    if seed is not None:
        seed_run(seed)  # the batch order (pipeline.py) follows TensorFlow's global seed
    # Keras' validation_split takes the last samples, before any shuffling: the same here.
    x_fit, y_fit = as_tensors(data, "fit", n_fit, data.x_train[:n_fit], data.y_train[:n_fit])
    val = as_tensors(data, "val", n_fit, data.x_train[n_fit:], data.y_train[n_fit:]) \
        if n_val else None
    val_batch = validation_batch(spec, config.batch_size)
    try:
        def fit() -> Any:
            if how is not None:  # small data: whole epochs per compiled call (fast.py)
                return fast.run(model, fw, how, x_fit, y_fit, val, val_batch, config, seed,
                                initial_epoch, target)
            if copies == 1:  # the optimizer's slots made eagerly, not inside the first trace
                build_before_fit(model, x_fit[:1], y_fit[:1])
            try:
                return model.fit(epoch_batches(x_fit, y_fit, config.batch_size, seed, device),
                                 epochs=target, initial_epoch=initial_epoch,
                                 validation_data=val, shuffle=False, verbose=0,
                                 validation_batch_size=val_batch,
                                 callbacks=[*options, make_callback(fw)])
            finally:
                model.__dict__.pop("_should_eval", None)  # validation back for the next run
                if fw.real_train_function is not None:  # the stub that skipped chunks
                    model.train_function = fw.real_train_function

        # with a Stop button, fit runs where a Stop during the first compile can leave it
        try:
            h = fit() if stop_event is None else \
                abandon.fit_or_abandon(fit, model, fw, stop_event)
        finally:
            make_plain(getattr(model, "optimizer", None))  # the config saves what it is now
        if h is None:
            result = RunResult("stopped", initial_epoch, {}, time.perf_counter() - t0,
                               "Stopped while the model was being compiled, before the first "
                               "batch; the weights are unchanged.", target_epochs=target)
            observer.on_end(result)
            return result
        if h is abandon.DETACHED:
            result = detached_result(fw, observer, initial_epoch, target, t0)
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
        if "learning_rate" not in history:  # the rate each epoch ended with (saved, plotted)
            with fw.lock:
                history["learning_rate"] = [d.get("learning_rate", math.nan)
                                            for d in fw.epoch_logs]
    complete = len(fw.epoch_times) - (1 if fw.partial else 0)
    done = initial_epoch + complete
    seconds = time.perf_counter() - t0
    if fw.nan_at is not None:
        for key in list(history):  # drop the partial, NaN epoch
            history[key] = history[key][: len(fw.epoch_times)]
        e, b = fw.nan_at
        kept = ("the weights from the start of that epoch were kept" if fw.diverged
                else "the last weights that were finite were kept")
        if fw.snapshot is not None:
            model.set_weights(fw.snapshot)
        else:
            kept = "no finite weights were left to keep: train from scratch"
        what = (f"The loss grew from {fw.diverged[0]:.3g} to {fw.diverged[1]:.3g}"
                if fw.diverged else "The loss became NaN/inf")
        msg = (f"{what} at epoch {e + 1}, batch {b + 1}, so training stopped "
               f"and {kept}. The learning rate ({spec.lr:g}) is probably too high for "
               f"{spec.optimizer}: try {spec.lr / 10:g}; also check the data for extreme "
               f"values.")
        result = RunResult("nan", done, history, seconds, msg, target_epochs=target)
    elif fw.stopped:
        result = RunResult("stopped", done, history, seconds, stop_message(fw, done, target),
                           partial=fw.partial, target_epochs=target)
    else:
        # early stopping ends a run short of its target: that run is over, not resumable
        result = RunResult("finished", done, history, seconds,
                           f"{trained_text(initial_epoch, done)}{early_stop_note(options)}",
                           target_epochs=done if early_stop_note(options) else target)
    observer.on_end(result)
    return result


def trained_text(initial_epoch: int, done: int) -> str:
    """What a finished run trained: "Trained 3 epochs." from scratch, "Trained epochs 4–5
    (5 in all)." for a Continue (whose time the status line gives: this run's, not all)."""
    if initial_epoch <= 0:
        return f"Trained {counted(done, 'epoch')}."
    which = f"epoch {done}" if done == initial_epoch + 1 else \
        f"epochs {initial_epoch + 1}–{done}"
    return f"Trained {which} ({done} in all)."


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


def run_request(request: RunRequest, observer: Observer,
                stop_event: threading.Event | None = None) -> RunResult:
    """Build the session's model if needed and train it: the whole of one run, in one thread."""
    session, config = request.session, request.config
    with runtime.device_scope(config.device) as dev:
        built_for = getattr(session.model, "_nngui_replicas", 1)
        if session.model is not None and not request.restart and built_for != runtime.replicas():
            # a model's variables live where it was built: mirrored or not cannot change later
            where = "all GPUs" if built_for > 1 else "one device"
            return RunResult("error", session.epochs_done, {}, 0.0,
                             f"This network was built to train on {where}; press Restart to "
                             f"rebuild it for the device now chosen ({config.device}).")
        shelf = request.prebuilt
        if shelf is not None:  # a preparation in flight builds and seeds: wait for it
            shelf.wait(stop_event, observer.on_status)
            if session.model is None:  # prepared for this network and seed: trained as is
                prepared = shelf.take(session.spec, config.seed, stop_event)
                if prepared is not None:
                    session.adopt(prepared, config.seed)
        if session.model is None or request.restart:
            observer.on_status("Building the model…")
        try:
            # a restart keeps the same model where it can (no new trace: reinit.py), not
            # across a change of device count (its variables live where it was built)
            model = session.ensure_model(config.seed, request.restart,
                                         reuse=built_for == runtime.replicas() == 1)
            model._nngui_replicas = runtime.replicas()  # what the check above reads next run
        except Exception as exc:
            msg = f"Could not build the network: {exc.__class__.__name__}: {exc}"
            return RunResult("error", session.epochs_done, {}, 0.0, msg)
        observer.on_status(f"Training on {'all GPUs' if dev == 'all' else dev.upper()}…")
        controls = request.controls
        result = train(model, request.data, session.spec, config, observer, stop_event,
                       initial_epoch=session.epochs_done, probes=request.probes,
                       controls=controls, carry=session.start_values())
    session.record(result, controls.changes if controls is not None else ())
    return result


def build_before_fit(model: Any, x: Any, y: Any) -> None:
    """Keras' build of the metrics and the optimizer's slots, done now, eagerly (~0.01 s,
    ``model.training_build``; ~0.3 s inside the first trace of fit's train function). A head start only: the method is
    Keras' private one, so a Keras without it (or one that refuses) leaves the build to fit."""
    if getattr(model, "_symbolic_build", None) is None:
        return
    try:
        build_for_training(model, x, y)
    except (TypeError, ValueError, AttributeError):  # another signature: fit builds as before
        pass
