"""Small data in whole epochs: many epochs per compiled call instead of Keras' ``fit``.

Keras spends ~0.25 s per epoch outside the training step on a busy 2-core machine (the epoch
iterator, callbacks, the validation's own iterator, probes), which is all of an epoch of XOR
or of 800 moons points. For small runs (``plan``) ``run`` instead calls one ``tf.function``
that trains several epochs: the data resident as tensors, each batch gathered by index, and
**the model's own** ``train_step`` (Keras' loss, gradients, optimizer update and metrics),
then the validation with the model's ``test_step`` at fit's validation batch size, each
probe's evaluation set (``Probe.eval_data``) and the learning rate. It returns every epoch's
logs and every step's running loss as arrays, which are handed to the ``Observer`` epoch by
epoch as fit's callback would: the same curves, history, epoch positions, Stop between
epochs, NaN and divergence ends with the same weights kept, ``initial_epoch`` for Continue.

The same numbers as ``fit``: each epoch's batch order is drawn from the very tf.data shuffle
``pipeline.epoch_batches`` uses (``pipeline.epoch_orders``: the same seed, one new order per
epoch), the last batch is the partial one, the metrics are reset at each epoch start as fit
does and read after the last batch; the validation resets them again and reads them after
its last batch (``tests/core/training/test_fast_path.py`` holds the weights equal to fit's).

A call is sized to ~``CHUNK_S`` of training (its first call to one epoch: it compiles), so
Stop waits at most that long and the curves move several times a second. Live controls
(``controls.Controls``) act between calls: a learning rate or momentum change lands on the
first batch of the next call (at most ~``CHUNK_S`` later, at an epoch's start), Pause holds
before a call, and Step trains a call of one epoch (an epoch is the smallest call here). Probes without a
``from_epoch`` (pictures: boundary, hidden space, weight histograms) run after a call when
``PROBE_SHARE`` of the time since the last ones allows, and always after the last; probes
with one get their epoch's values from the call itself, every epoch. With picture probes a
call holds at most ~1/``FRAMES`` of the run's epochs (at least 4): XOR's pictures came only
at epochs 1, 5, 21, 85 and 150; its probes cost 3-8 ms a round in NumPy.

Two engines make the call. A small dense network on the CPU with ``jit_compile`` left to
choose is trained in NumPy (``fast_numpy.NumpyLoop``: Keras' arithmetic written out, on the
model's own variables, nothing to trace); any other model by ``_Loop``, one ``tf.function``
over the model's own ``train_step``. Both return the same outputs as NumPy arrays.

XLA: an epoch's training steps compile to one XLA program when that pays (``use_xla``): a
step then costs ~7 µs instead of ~250 µs in TensorFlow's executor, against ~1.5-3 s to
compile. Batches keep static shapes for it (full batches in a loop, the partial one apart);
without XLA one loop takes them all, the partial one last (one trace of ``train_step``
instead of two: a smaller first call). The validation and evaluations stay outside XLA
(a few batches an epoch), in one loop each.

Not on this path (``plan`` says why; ``train`` then runs Keras' ``fit`` as before): more than
``MAX_SAMPLES`` training samples or ``MAX_PARAMS`` parameters; an explicit
``steps_per_execution`` (a chunk of batches is asked for, not of epochs); the "all GPUs"
strategy; early stopping, reduce-LR-on-plateau, LR schedules and checkpoints (Keras
callbacks that act between epochs); a model without Keras' ``train_step``.
"""

from __future__ import annotations

import math
import time
from types import SimpleNamespace
from typing import Any

import numpy as np

from nngui.core.model.training_build import build_for_training
from nngui.core.network.spec import TrainConfig
from nngui.core.platform import runtime
from nngui.core.training import fast_numpy
from nngui.core.training.fast_numpy import NumpyLoop
from nngui.core.training.fast_plan import (  # noqa: F401  (the path a run takes, asked here)
    MAX_PARAMS,
    MAX_SAMPLES,
    Plan,
    plan,
    use_xla,
    why_not,
)
from nngui.core.training.pipeline import epoch_orders, pipeline_options
from nngui.core.training.progress import DIVERGED_FACTOR, DIVERGED_FLOOR, Forwarder, diverging

CHUNK_S = 0.12  # seconds of training a compiled call aims at (the first call: one epoch)
PROBE_SHARE = 1 / 3  # picture probes take at most this share of the wall time
FRAMES = 25  # with picture probes, calls of at most ~1/FRAMES of a run's epochs (at least 4)
MAX_CHUNK_ELEMENTS = 1 << 20  # epochs x samples of batch order one call receives
PREFETCH_ELEMENTS = 1 << 16  # epochs x samples of batch order drawn ahead

# ---- the compiled call -----------------------------------------------------------------


class _Loop:
    """One model's compiled multi-epoch call and the variables it keeps (cached per model).

    ``snaps`` hold the weights at the start of the last epoch that began finite (what NaN
    puts back); ``backups`` the weights and optimizer state at the start of the last call
    (what a run that walked away from the call puts back).
    """

    def __init__(self, model: Any, xla: bool, n: int, bs: int, capacity: int,
                 val: tuple[int, int], evals: tuple[tuple[int, int], ...]) -> None:
        tf = runtime.tf()
        self.model, self.capacity, self.xla = model, capacity, xla
        self.full, self.rem = divmod(n, bs)
        self.spe = self.full + (self.rem > 0)
        self.weights = list(model.weights)
        self.state = self.weights + list(model.optimizer.variables)
        floating = [w for w in self.weights if tf.as_dtype(w.dtype).is_floating]
        self.snaps = [tf.Variable(tf.zeros(w.shape, w.dtype), trainable=False)
                      for w in self.weights]
        self.snap_ok = tf.Variable(False, trainable=False)
        self.backups = [tf.Variable(tf.zeros(v.shape, v.dtype), trainable=False)
                        for v in self.state]
        tracker = [m for m in model.metrics if m.name == "loss"]
        spe, full, rem, cap = self.spe, self.full, self.rem, capacity

        def running_loss() -> Any:
            if tracker:
                return tf.cast(tracker[0].result(), tf.float32)
            return tf.cast(model.get_metrics_result()["loss"], tf.float32)

        def results() -> dict[str, Any]:
            return {k: tf.cast(v, tf.float32) for k, v in model.get_metrics_result().items()}

        def evaluate(x: Any, y: Any, batch: int, size: int) -> dict[str, Any]:
            """fit's validation (and ``model.evaluate``): reset, batches in order, read.

            One loop whose last batch is the partial one: one trace of ``test_step``, not
            two (this part of the call never runs under XLA, so shapes may vary)."""
            model.reset_metrics()

            def body(i: Any) -> tuple:
                start = i * batch
                model.test_step((x[start:start + batch], y[start:start + batch]))
                return (i + 1,)

            tf.while_loop(lambda i: i < math.ceil(size / batch), body, (tf.constant(0),))
            return results()

        def steps(perm: Any, x: Any, y: Any, first: Any) -> tuple:
            """One epoch's training steps in the given order (XLA's part of a call):
            (each step's running mean loss, NaN/divergence seen, at which step, first loss)."""
            means = tf.TensorArray(tf.float32, size=spe, element_shape=[])

            def step(s: Any, start: Any, size: int, carry: tuple) -> tuple:
                bad, bad_step, first, prev, means = carry
                idx = tf.slice(perm, [start], [size])
                model.train_step((tf.gather(x, idx), tf.gather(y, idx)))
                mean = running_loss()
                sf = tf.cast(s, tf.float32)
                value = mean * (sf + 1.0) - prev * sf  # the batch's own loss (progress.py)
                first = tf.where(tf.math.is_nan(first) & tf.math.is_finite(value), value,
                                 first)
                blown = (~tf.math.is_finite(mean)) | (  # progress.diverging, in the graph
                    (first > 0) & tf.math.is_finite(value) & (value > DIVERGED_FLOOR)
                    & (value > DIVERGED_FACTOR * first))
                return (bad | blown, tf.where(blown & ~bad, s, bad_step), first, mean,
                        means.write(s, mean))

            carry = (tf.constant(False), tf.constant(-1), first, tf.constant(0.0), means)
            if not xla:  # one loop, its last batch the partial one: one trace of train_step
                out = tf.while_loop(
                    lambda s, b, *_: (s < spe) & ~b,
                    lambda s, *c: (s + 1, *step(s, s * bs, tf.minimum(bs, n - s * bs), c)),
                    (tf.constant(0), *carry))
                bad, bad_step, first, _, means = out[1:]
                return means.stack(), bad, bad_step, first
            if full:
                out = tf.while_loop(lambda s, b, *_: (s < full) & ~b,
                                    lambda s, *c: (s + 1, *step(s, s * bs, bs, c)),
                                    (tf.constant(0), *carry))
                carry = out[1:]
            if rem:
                carry = tf.cond(carry[0], lambda: carry,
                                lambda: step(tf.constant(full), full * bs, rem, carry))
            bad, bad_step, first, _, means = carry
            return means.stack(), bad, bad_step, first

        # XLA compiles only the steps: the validation and the probes' evaluations run a few
        # batches an epoch, and compiling them too took ~1.5-2.5 s more (circles, 2 cores).
        steps = tf.function(steps, jit_compile=xla, autograph=False)

        def chunk(perms: Any, k: Any, x: Any, y: Any, val_xy: tuple, eval_xy: tuple,
                  first: Any) -> dict[str, Any]:
            for b, v in zip(self.backups, self.state, strict=True):
                b.assign(v.value if hasattr(v, "value") else v)
            keys = sorted(results())

            def array(shape: list[int] | None = None) -> Any:
                return tf.TensorArray(tf.float32, size=cap, element_shape=shape or [])

            logs0 = {key: array() for key in keys}
            vals0 = {key: array() for key in keys} if val_xy else {}
            evals0 = tuple({key: array() for key in keys} for _ in eval_xy)

            def epoch(e: Any, carry: tuple) -> tuple:
                bad, bad_step, first, steps_ta, logs, vals, evs, lrs = carry
                finite = tf.reduce_all(tf.stack(
                    [tf.reduce_all(tf.math.is_finite(w.value)) for w in floating]
                    or [tf.constant(True)]))

                def snapshot() -> Any:
                    for snap, w in zip(self.snaps, self.weights, strict=True):
                        snap.assign(w.value)
                    self.snap_ok.assign(True)
                    return tf.constant(True)

                tf.cond(finite, snapshot, lambda: tf.constant(False))
                model.reset_metrics()
                means, bad, bad_step, first = steps(tf.gather(perms, e), x, y, first)
                steps_ta = steps_ta.write(e, means)
                done = results()
                logs = {k_: ta.write(e, done[k_]) for k_, ta in logs.items()}
                if val_xy:
                    got = evaluate(*val_xy, val[1], val[0])
                    vals = {k_: ta.write(e, got[k_]) for k_, ta in vals.items()}
                new_evs = []
                for (ex, ey), (size, batch), tas in zip(eval_xy, evals, evs, strict=True):
                    got = evaluate(ex, ey, batch, size)
                    new_evs.append({k_: ta.write(e, got[k_]) for k_, ta in tas.items()})
                lr = model.optimizer.learning_rate
                lrs = lrs.write(e, tf.cast(tf.convert_to_tensor(lr), tf.float32))
                return (bad, bad_step, first, steps_ta, logs, vals, tuple(new_evs), lrs)

            carry0 = (tf.constant(False), tf.constant(-1), first, array([spe]), logs0, vals0,
                      evals0, array())
            out = tf.while_loop(lambda e, c: (e < k) & ~c[0],
                                lambda e, c: (e + 1, epoch(e, c)), (tf.constant(0), carry0))
            e, (bad, bad_step, first, steps_ta, logs, vals, evs, lrs) = out
            return {"epochs": e, "bad": bad, "bad_step": bad_step, "first": first,
                    "steps": tf.reshape(steps_ta.stack(), [-1]), "lr": lrs.stack(),
                    "logs": {k_: ta.stack() for k_, ta in logs.items()},
                    "val": {k_: ta.stack() for k_, ta in vals.items()},
                    "evals": tuple({k_: ta.stack() for k_, ta in d.items()} for d in evs)}

        self.call = tf.function(chunk, autograph=False, reduce_retracing=True)
        self.pull: Any = None  # _puller's, set by _loop

    numpy = False

    def __call__(self, perms: Any, k: Any, x: Any, y: Any, val_xy: tuple, eval_xy: tuple,
                 first: Any) -> dict[str, Any]:
        """``k`` epochs in the orders ``perms``; every output as NumPy (``NumpyLoop``'s too)."""
        tf = runtime.tf()
        out = self.call(perms, tf.constant(int(k)), x, y, val_xy, eval_xy,
                        tf.constant(float(first), tf.float32))
        return tf.nest.map_structure(lambda t: t.numpy(), out)

    def begin_run(self) -> None:
        self.snap_ok.assign(False)

    def snapshot(self) -> list[np.ndarray] | None:
        """The weights at the start of the last epoch that began finite (None: none did)."""
        return [s.numpy() for s in self.snaps] if bool(self.snap_ok.numpy()) else None

    def put_weights(self, values: list[Any]) -> None:
        self.restore(self.weights, values)

    def undo_call(self) -> None:
        """The model's variables as they were before the last call."""
        self.restore(self.state, [b.numpy() for b in self.backups])

    def restore(self, variables: list[Any], values: list[Any]) -> None:
        for v, value in zip(variables, values, strict=True):
            v.assign(value)


_PULLERS: dict[tuple[int, int], Any] = {}


def _puller(n: int, capacity: int) -> Any:
    """``pull(iterator, k)``: the next ``k`` epochs' orders as rows of a (capacity, n) tensor
    (one compiled call per chunk, not ``k`` eager ones; shared by every model)."""
    if (n, capacity) not in _PULLERS:
        tf = runtime.tf()

        @tf.function(autograph=False)
        def pull(iterator: Any, k: Any) -> Any:
            ta = tf.TensorArray(tf.int64, size=capacity, element_shape=[n])
            _, ta = tf.while_loop(lambda i, t: i < k,
                                  lambda i, t: (i + 1, t.write(i, iterator.get_next())),
                                  (tf.constant(0), ta))
            return ta.stack()

        _PULLERS[(n, capacity)] = pull
    return _PULLERS[(n, capacity)]


def _loop(model: Any, how: Plan, n: int, bs: int, val: tuple[int, int],
          evals: tuple[tuple[int, int], ...]) -> _Loop | NumpyLoop:
    """The model's call for these shapes, made once (a new compile makes it anew): NumPy's
    where the plan says so and the built model still qualifies, else the compiled one."""
    capacity = int(max(1, min(256, MAX_CHUNK_ELEMENTS // max(n, 1))))
    numpy = how.numpy and not fast_numpy.why_not(model)  # its metrics are built now
    key = (getattr(model, "_nngui_compiled", None), id(model.optimizer), how.xla, numpy, n,
           bs, val, evals, capacity)
    cache = model.__dict__.setdefault("_nngui_fast", {})
    if key not in cache:
        cache.clear()  # another compile or other shapes: the old graphs go
        cache[key] = NumpyLoop(model, n, bs, capacity, val, evals) if numpy else \
            _Loop(model, how.xla, n, bs, capacity, val, evals)
        if not numpy:  # NumPy's loop reads the orders eagerly: nothing to trace
            cache[key].pull = _puller(n, capacity)
    return cache[key]


# ---- a run -----------------------------------------------------------------------------


def _setup(model: Any, how: Plan, x: Any, y: Any, val: tuple | None, val_batch: int,
           config: TrainConfig, probes: Any) -> tuple[list, tuple, _Loop | NumpyLoop]:
    """The probes evaluated in the call, their data as tensors, and the model's loop."""
    tf = runtime.tf()
    n_val = int(val[0].shape[0]) if val is not None else 0
    eval_probes = [p for p in probes if getattr(p, "eval_data", None) is not None
                   and callable(getattr(p, "from_epoch", None))]
    eval_xy = tuple((tf.convert_to_tensor(np.asarray(p.eval_data[0])),
                     tf.convert_to_tensor(np.asarray(p.eval_data[1]))) for p in eval_probes)
    eval_shape = tuple((int(len(p.eval_data[0])), int(p.eval_data[2])) for p in eval_probes)
    build_for_training(model, x[:1], y[:1])  # metrics and optimizer built now
    loop = _loop(model, how, int(x.shape[0]), config.batch_size, (n_val, val_batch),
                 eval_shape)
    return eval_probes, eval_xy, loop


def warm(model: Any, how: Plan, x: Any, y: Any, val: tuple | None, val_batch: int,
         config: TrainConfig, probes: Any) -> None:
    """Trace, optimise (and XLA-compile) the call ``run`` makes, by one real call of one
    epoch: it trains, so the caller puts every variable back after (``prebuild.py``). Its
    batch order comes from a pipeline of its own with an explicit seed: no generator a run
    reads is drawn from. NumPy's call has nothing to trace: it looks at the data instead."""
    tf = runtime.tf()
    _, eval_xy, loop = _setup(model, how, x, y, val, val_batch, config, probes)
    if loop.numpy:
        return loop.warm(x)
    seed = 0 if config.seed is None else int(config.seed)
    orders = iter(epoch_orders(int(x.shape[0]), seed).take(1).with_options(pipeline_options()))
    perms = loop.pull(orders, tf.constant(1))  # the puller's trace, shared by every model
    loop(perms, 1, x, y, val or (), eval_xy, math.nan)  # it ran: every part is compiled


def run(model: Any, fw: Forwarder, how: Plan, x: Any, y: Any, val: tuple | None,
        val_batch: int, config: TrainConfig, seed: int | None, initial_epoch: int,
        target: int) -> Any:
    """Train ``model`` from ``initial_epoch`` to ``target`` through the fast path.

    Reports to ``fw`` as the Keras callback does and returns an object with ``history``
    (fit's ``History``: each complete epoch's logs). Stops between calls on Stop, and at the
    step whose loss is NaN/inf or diverges (``fw.nan_at``, ``fw.snapshot``).
    """
    tf = runtime.tf()
    n = int(x.shape[0])
    eval_probes, eval_xy, loop = _setup(model, how, x, y, val, val_batch, config, fw.probes)
    spe = loop.spe
    # The orders come from tf.data's shuffle, ~1 µs a sample and two orders an epoch (the
    # one fit skips too): ~15 ms an epoch at 9,000 samples, more than training 720 moons
    # points. They are drawn ahead on tf.data's thread while a call trains.
    ahead = int(max(1, min(loop.capacity, PREFETCH_ELEMENTS // max(n, 1))))
    orders = epoch_orders(n, seed).take(target - initial_epoch)
    if loop.numpy:  # NumPy's loop reads them eagerly: a few epochs an element (``pull``)
        orders = orders.batch(loop.orders_per_pull)
        ahead = max(1, ahead // loop.orders_per_pull)
    orders = iter(orders.prefetch(ahead).with_options(pipeline_options()))
    loop.begin_run()
    history: dict[str, list[float]] = {}
    first = math.nan
    epoch = initial_epoch
    k = 1  # the first call compiles: one epoch, so Stop and the first points come soon
    per_epoch = None
    probes_done, probe_cost = -math.inf, 0.0
    pictures = any(not callable(getattr(p, "from_epoch", None)) for p in fw.probes)
    most = max(4, math.ceil((target - initial_epoch) / FRAMES)) if pictures else loop.capacity
    fw.prev_step = -1
    while epoch < target:
        fw.boundary(epoch, 0)  # Pause, Step and live changes land between calls
        if fw.stop_event is not None and fw.stop_event.is_set() and epoch > initial_epoch:
            fw.stopped = True  # Stop while paused: no call after it
            break
        held = fw.controls is not None and fw.controls.paused
        k = min(1 if held else k, target - epoch, loop.capacity, most)  # a Step: one epoch
        t0 = time.perf_counter()
        perms = loop.pull(orders, tf.constant(k))
        out = loop(perms, k, x, y, val or (), eval_xy, first)
        seconds = time.perf_counter() - t0
        done = int(out["epochs"]) - bool(out["bad"])  # complete epochs in this call
        with fw.lock:
            if fw.detached:  # the run has returned without this call: undo it
                loop.undo_call()
                return SimpleNamespace(history=history)
            records = _records(out, done, epoch, seconds, val is not None)
            fw.epoch_logs.extend(dict(r) for r in records)
            fw.started = True
            if records:
                fw.epoch, fw.prev_step, fw.last_logs = epoch + done - 1, spe - 1, records[-1]
        first = float(out["first"])
        if math.isfinite(first):
            fw.first_loss = first
        last = epoch + done - 1
        bad_epoch = epoch + done if out["bad"] else None
        points = _points(out["steps"], epoch, done, spe, how.group,
                         int(out["bad_step"]) if out["bad"] else None)
        if points:
            at = bad_epoch if bad_epoch is not None else last
            step = int(out["bad_step"]) + 1 if bad_epoch is not None else spe
            ran = int(out["epochs"]) - 1  # the call's last epoch, a NaN one included
            fw.emit("on_batches", at, step, points,
                    {key: float(v[ran]) for key, v in sorted(out["logs"].items())})
        for i, rec in enumerate(records):
            e = epoch + i
            rec["learning_rate"] = float(out["lr"][i])  # as fit's callback logs it
            fw.epoch_times.append(rec["epoch_time"])
            fw.epoch_x.append(rec["epoch"])
            for key, value in rec.items():
                if key not in ("epoch_time", "epoch"):
                    history.setdefault(key, []).append(value)
            fw.emit("on_epoch", e, rec)
            values = {"learning_rate": float(out["lr"][i])}
            evals = {id(p): logs for p, logs in zip(eval_probes, out["evals"], strict=True)}
            for probe in fw.probes:  # in their order, as after an epoch of fit
                if not callable(getattr(probe, "from_epoch", None)):
                    continue
                logs = evals.get(id(probe))
                got = values if logs is None else \
                    {**values, "eval": {key: float(v[i]) for key, v in sorted(logs.items())}}
                fw.emit("on_probe", probe.name, e, probe.from_epoch(got))
        if bad_epoch is not None:
            for key in _record_keys(out, val is not None):  # fit's keys, if none complete
                history.setdefault(key, [])
            fw.nan_at = (bad_epoch, int(out["bad_step"]))
            value = _batch_value(out["steps"], done, spe, int(out["bad_step"]))
            if math.isfinite(value) and fw.first_loss is not None and \
                    diverging(fw.first_loss, value):
                fw.diverged = (float(fw.first_loss), value)
            snapshot = loop.snapshot()
            if snapshot is not None:
                fw.snapshot = snapshot
                loop.put_weights(snapshot)  # the probes below see those
        epoch += done
        stopping = fw.stop_event is not None and fw.stop_event.is_set() and epoch < target
        end = bad_epoch is not None or stopping or epoch >= target
        now = time.perf_counter()
        if records and (end or now - probes_done >= probe_cost / PROBE_SHARE - probe_cost):
            for probe in fw.probes:
                if callable(getattr(probe, "from_epoch", None)):
                    continue
                payload = probe(model)  # here, in the thread that owns the model
                fw.emit("on_probe", probe.name, last, payload)
            probes_done = time.perf_counter()
            probe_cost = probes_done - now
        if bad_epoch is not None:
            break
        if stopping:
            fw.stopped = True
            break
        if per_epoch is None:
            per_epoch, k = math.inf, 4  # the first call's time was mostly its compile
        else:
            per_epoch = seconds / max(done, 1)
            k = int(max(1, min(4 * k, CHUNK_S / max(per_epoch, 1e-6))))
    opt = getattr(model, "optimizer", None)
    if opt is not None and hasattr(opt, "finalize_variable_values"):
        opt.finalize_variable_values(model.trainable_weights)  # as fit ends
    return SimpleNamespace(history=history)


def _record_keys(out: dict, validated: bool) -> list[str]:
    """The epoch logs' keys as fit names them: the metrics, then ``val_`` ones."""
    keys = sorted(out["logs"])
    return keys + [f"val_{key}" for key in sorted(out["val"])] if validated else keys


def _records(out: dict, done: int, epoch: int, seconds: float, validated: bool
             ) -> list[dict[str, float]]:
    """Each complete epoch's logs as the callback reports them (fit's keys, time, position)."""
    records = []
    for i in range(done):
        rec = {key: float(v[i]) for key, v in sorted(out["logs"].items())}
        if validated:
            rec.update({f"val_{key}": float(v[i]) for key, v in sorted(out["val"].items())})
        rec["epoch_time"] = seconds / done
        rec["epoch"] = float(epoch + i + 1)
        records.append(rec)
    return records


def _batch_value(steps: np.ndarray, e: int, spe: int, s: int) -> float:
    """The loss of batch ``s`` of the call's epoch ``e`` alone, from the running means."""
    mean = float(steps[e * spe + s])
    prev = float(steps[e * spe + s - 1]) if s > 0 else 0.0
    return mean * (s + 1) - prev * s


def _points(steps: np.ndarray, epoch: int, done: int, spe: int, group: int,
            bad_step: int | None) -> list[tuple[int, float]]:
    """The live curve's (global step, loss since the previous point), as the callback makes
    them from Keras' running mean at the end of every ``group`` steps of an epoch."""
    points = []
    epochs = done + (bad_step is not None)
    for i in range(epochs):
        last = spe - 1 if i < done else int(bad_step)
        ends = list(range(group - 1, last, group)) + [last]
        prev_step, prev_mean = -1, 0.0
        for b in ends:
            mean = float(steps[i * spe + b])
            chunk = (mean * (b + 1) - prev_mean * (prev_step + 1)) / max(b - prev_step, 1)
            points.append(((epoch + i) * spe + b + 1, chunk))
            prev_step, prev_mean = b, mean
    return points
