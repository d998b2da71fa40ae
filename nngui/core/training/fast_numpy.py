"""Small dense networks trained in NumPy: the fast path's call without TensorFlow's executor.

A step of a small dense network is a handful of matrix products: at 784-100-10 and batch 32
it is ~200 µs of arithmetic in NumPy, against ~285 µs for the same step as one
``tf.while_loop`` and ~3 ms for a step of Keras' ``fit`` on the 2-core development machine
(``docs/performance.md``), and there is nothing to trace or compile before the first one. So
for the networks written here (``why_not``: Dense, Flatten, LeakyReLU and Activation layers in
a Sequential, float32, the losses, metrics and optimizers the builder makes, no penalty, no
dropout, no clipping) ``NumpyLoop`` stands in for ``fast._Loop``: the same call (``k`` epochs
in the batch orders drawn from the same tf.data shuffle), the same outputs (each step's
running mean loss, each epoch's logs, validation and probe evaluations, NaN and divergence
found at the step), on **the model's own variables**: they are read at the start of each
call and written back at its end, the optimizer's slots and step count included, so Continue,
saving, the probes and Keras' own path see exactly what a Keras-trained model would have.

The arithmetic is Keras' own, written out: a softmax or sigmoid output read by a
cross-entropy is differentiated through its logits (as Keras' TensorFlow backend does through
``_keras_logits``); Adam is TensorFlow's ``ResourceApplyAdam`` formula (``builder._fused_adam``),
SGD with (live, ``controls.make_live``) momentum and Nesterov, RMSprop as in
``keras.optimizers``; the loss tracker and metrics are Keras' means (the loss weighted by each
batch's size). ``tests/core/training/test_fast_path.py`` holds the weights and logs equal to
``fit``'s over random networks, data, batch sizes and seeds.

Inputs that are zero in every training sample (MNIST's blank border pixels: 111 of 784 in
its first 10,000 digits) leave the steps altogether where that changes nothing Keras computes
(``numpy_compact.py``): the first product, its gradient and the optimizer's passes get ~14 %
shorter there.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nngui.core.platform.blas import one_blas_thread
from nngui.core.training import numpy_compact
from nngui.core.training.numpy_compact import Compact
from nngui.core.training.numpy_net import arith, why_not
from nngui.core.training.numpy_optimizer import Flat, NumpyOptimizer
from nngui.core.training.progress import DIVERGED_FACTOR, DIVERGED_FLOOR

__all__ = ["NumpyLoop", "why_not"]


class NumpyLoop:
    """``fast._Loop``'s call for a model ``why_not`` accepts, in NumPy.

    ``snaps`` hold the weights at the start of the last epoch that began finite (what NaN
    puts back); ``backup`` the weights and optimizer state at the start of the last call
    (what a run that walked away from the call puts back), copied from the buffers that call
    read rather than read from TensorFlow again (~0.3 ms a variable).
    """

    numpy = True
    xla = False
    ORDER_ELEMENTS = 4096  # sample indices an element of the orders' pipeline holds, at most

    def __init__(self, model: Any, n: int, bs: int, capacity: int, val: tuple[int, int],
                 evals: tuple[tuple[int, int], ...]) -> None:
        self.arith = arith(model)
        self.vars = self.arith.variables
        self.opt = NumpyOptimizer(model.optimizer, self.vars)
        shapes = [tuple(v.shape) for v in self.vars]
        self.w, self.g = Flat(shapes), Flat(shapes)  # the weights and a step's gradient
        self.model, self.capacity, self.bs = model, capacity, bs
        self.val_batch = val[1]
        self.eval_batches = tuple(b for _, b in evals)
        self.full, self.rem = divmod(n, bs)
        self.spe = self.full + (self.rem > 0)
        self.keys = sorted(["loss", *(key for key, _ in self.arith.metrics)])
        self.snaps: list[np.ndarray] = []
        self.snap_ok = False
        self.backup: tuple[np.ndarray, tuple] | None = None
        self._arrays: dict[int, tuple[Any, np.ndarray]] = {}
        # each eager read of the pipeline costs a TensorFlow call (~0.3-3 ms with the window
        # drawing beside it): XOR's 150 epochs were 150 reads, now one
        self.orders_per_pull = int(max(1, self.ORDER_ELEMENTS // max(n, 1)))
        self._pending: list[np.ndarray] = []  # orders read and not yet trained on
        self.synced = False  # the buffers hold what the model's variables hold
        # inputs blank in every training sample drop out of the steps (numpy_compact.py):
        # only where nothing but Flatten comes before the first Dense layer
        self.can_compact = all(op[0] == "flatten"
                               for op in self.arith.ops[:self.arith.first_dense])
        self.compact: Compact | None = None  # the last call's, where it skipped inputs

    # what fast.run asks of a loop

    def pull(self, iterator: Any, k: Any) -> np.ndarray:
        """The next ``k`` epochs' batch orders, one row each, read eagerly (the compiled
        puller ``fast._puller`` traces ~0.45 s a shape and process) from a pipeline whose
        elements hold ``orders_per_pull`` epochs each (``fast.run`` batches it so)."""
        k = int(k)
        while len(self._pending) < k:
            self._pending.extend(np.asarray(next(iterator)))
        got, self._pending = self._pending[:k], self._pending[k:]
        return np.stack(got)

    def warm(self, x_t: Any) -> None:
        """What a first call finds out about its training inputs, found ahead (the window
        prepares a run: ``prebuild.py``): which are blank, and the columns left (~10 ms at
        9,000 MNIST digits)."""
        self._steps_on(x_t, np.asarray(x_t).astype(np.float32, copy=False))

    def begin_run(self) -> None:
        self.snap_ok = False
        self.synced = False
        self._pending = []
        self._arrays.clear()

    def snapshot(self) -> list[np.ndarray] | None:
        """The weights at the start of the last epoch that began finite, in the order of
        ``model.weights`` (None: none did)."""
        if not self.snap_ok:
            return None
        at = {id(v): i for i, v in enumerate(self.vars)}
        return [self.snaps[at[id(v)]].copy() for v in self.model.weights]

    def put_weights(self, values: list[np.ndarray]) -> None:
        """``model.weights`` set to ``values`` (in that order)."""
        self.synced = False
        for var, value in zip(self.model.weights, values, strict=True):
            var.assign(value)

    def undo_call(self) -> None:
        self.synced = False
        if self.backup is None:
            return
        self.w.buffer[...] = self.backup[0]
        self.w.store(self.vars)
        self.opt.restore(self.backup[1])
        self.opt.write()

    # the data, as NumPy arrays (once a run)

    def _array(self, t: Any, labels: bool) -> np.ndarray:
        got = self._arrays.get(id(t))
        if got is not None and got[0] is t:
            return got[1]
        a = np.asarray(t)  # a tensor's memory, not a copy (``.numpy()`` copies)
        a = self.arith.labels(a) if labels else a.astype(np.float32, copy=False)
        self._arrays[id(t)] = (t, a)
        return a

    def _steps_on(self, x_t: Any, x: np.ndarray) -> tuple[tuple, np.ndarray]:
        """(the buffers this call's steps train, the training inputs they read): the full
        ones, or a ``Compact`` without the inputs blank in every sample (numpy_compact.py)
        and the inputs without those columns (both kept while the data and rows are)."""
        full = (self.w, self.g, None)
        if not self.can_compact:
            return full, x
        kernel = self.w.views[0]
        rows = numpy_compact.plan(numpy_compact.live_of(x_t, x), kernel,
                                  [flat.views[0] for flat in self.opt.slots.values()])
        if rows is None:
            return full, x
        c = self.compact
        if c is None or not np.array_equal(c.rows, rows):
            c = self.compact = Compact(self.w, rows, list(self.opt.slots))
        c.gather(self.w, self.opt.buffers())
        return (c.w, c.g, c.slots), numpy_compact.columns(x_t, x, rows)

    def _evaluate(self, w: list[np.ndarray], x: np.ndarray, y: np.ndarray, batch: int
                  ) -> dict[str, float]:
        """fit's validation: the loss tracker weights each batch's loss by its size."""
        ar = self.arith
        _, head = ar.forward(w, x)
        per = ar.sample_losses(head, y)
        starts = np.arange(0, len(per), batch)
        sizes = np.diff(np.append(starts, len(per)))
        sums = np.add.reduceat(per.astype(np.float64), starts)
        batch_losses = sums if ar.loss == "sse" else sums / sizes
        got = {"loss": float((batch_losses * sizes).sum() / sizes.sum())}
        out = ar.output(head)
        for key, kind in ar.metrics:
            got[key] = float(ar.metric_values(kind, out, y).mean())
        return got

    def _epoch(self, bufs: tuple, x: np.ndarray, y: np.ndarray, perm: np.ndarray,
               means: np.ndarray, first: float) -> tuple[dict[str, float], float, int]:
        """One epoch's steps in the order ``perm``, each step's running mean loss written
        to ``means``: (the epoch's logs, the first finite batch loss, the step at which the
        loss became NaN or diverged, -1 if none did). ``bufs``: the weights, gradient (both
        ``Flat``) and optimizer slots (None: its own) the steps train."""
        ar, opt, bs = self.arith, self.opt, self.bs
        wf, gf, slots = bufs
        w, wbuf, gv, gbuf = wf.views, wf.buffer, gf.views, gf.buffer
        scale = opt.grad_scale
        total = count = prev = 0.0
        sums = {key: 0.0 for key, _ in ar.metrics}
        counts = dict.fromkeys(sums, 0)
        bad_step = -1
        for s in range(self.spe):
            idx = perm[s * bs:s * bs + bs]
            xb, yb = x[idx], y[idx]
            kept, head = ar.forward(w, xb)
            per, out, g = ar.step_parts(head, yb)
            if scale != 1:  # the optimizer takes the gradient scaled (numpy_optimizer.py)
                g *= scale
            size = len(idx)
            batch = float(np.add.reduce(per))  # the batch's loss: SSE's sum, else the mean
            total += (batch if ar.loss == "sse" else batch / size) * size
            count += size
            for key, kind in ar.metrics:
                values = ar.metric_values(kind, out, yb)
                sums[key] += float(values.sum())
                counts[key] += values.size
            ar.grads(w, kept, g, gv)
            opt.apply(wbuf, gbuf, slots)
            mean = total / count
            value = mean * (s + 1) - prev * s  # the batch's own loss (progress.py)
            if math.isnan(first) and math.isfinite(value):
                first = value
            means[s] = prev = mean
            if not math.isfinite(mean) or (  # progress.diverging
                    first > 0 and math.isfinite(value) and value > DIVERGED_FLOOR
                    and value > DIVERGED_FACTOR * first):
                bad_step = s
                break
        logs = {"loss": total / count, **{key: sums[key] / max(counts[key], 1)
                                          for key in sums}}
        return logs, first, bad_step

    def __call__(self, perms: Any, k: Any, x: Any, y: Any, val_xy: tuple, eval_xy: tuple,
                 first: Any) -> dict[str, Any]:
        cap = self.capacity
        perms = np.asarray(perms.numpy() if hasattr(perms, "numpy") else perms)
        k, first = int(k), float(first)
        x_t, x, y = x, self._array(x, False), self._array(y, True)
        val = (self._array(val_xy[0], False), self._array(val_xy[1], True)) if val_xy else ()
        evs = [(self._array(ex, False), self._array(ey, True)) for ex, ey in eval_xy]
        if not self.synced:  # within a run, the last call's end wrote what the buffers hold
            self.w.load(self.vars)
        w = self.w.views
        self.opt.read(slots=not self.synced)
        self.backup = (self.w.buffer.copy(), self.opt.state())
        bufs, x_fit = self._steps_on(x_t, x)
        compact = self.compact if bufs[0] is not self.w else None
        steps = np.zeros((cap, self.spe), np.float32)
        logs = {key: np.zeros(cap, np.float32) for key in self.keys}
        vals = {key: np.zeros(cap, np.float32) for key in self.keys} if val else {}
        evals = tuple({key: np.zeros(cap, np.float32) for key in self.keys} for _ in evs)
        lrs = np.zeros(cap, np.float32)
        bad_step, e = -1, 0
        try:  # BLAS on one thread: two spin beside TensorFlow's pools (blas.py), 20-40x slower
            with np.errstate(all="ignore"), one_blas_thread():  # overflow: NaN, found
                while e < k and bad_step < 0:
                    if np.isfinite(self.w.buffer).all():
                        self.snaps, self.snap_ok = [a.copy() for a in w], True
                    got, first, bad_step = self._epoch(bufs, x_fit, y, perms[e], steps[e],
                                                       first)
                    if compact is not None:  # validation, snapshots: the full weights
                        compact.put_weights(self.w)
                    for key, value in got.items():
                        logs[key][e] = value
                    if val:
                        for key, value in self._evaluate(w, *val, self.val_batch).items():
                            vals[key][e] = value
                    for (ex, ey), batch, ta in zip(evs, self.eval_batches, evals, strict=True):
                        for key, value in self._evaluate(w, ex, ey, batch).items():
                            ta[key][e] = value
                    lrs[e] = self.opt.lr
                    e += 1
        finally:  # the model holds what was trained (a KeyboardInterrupt included)
            self.synced = False
            if compact is not None:
                compact.put_all(self.w, self.opt.buffers())
            self.w.store(self.vars)
            self.opt.write()
            self.synced = True
        return {"epochs": e, "bad": bad_step >= 0, "bad_step": bad_step, "first": first,
                "steps": steps.reshape(-1), "lr": lrs, "logs": logs, "val": vals,
                "evals": evals}
