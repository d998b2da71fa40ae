"""Per-layer weight histograms, gradient norms and a test-set curve: probes for live views.

Like every probe (see ``core.insight.probes``) these are called with the model after each epoch in
the training thread; they return plain NumPy arrays and floats for the GUI to draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nngui.core.platform import runtime

HIST_BINS = 40
TEST_CURVE_LIMIT = 2000  # samples: enough for a smooth curve, cheap next to an epoch
EVAL_SUBSET_BATCH = 500


def weighted_layers(model: Any) -> list[tuple[str, list[Any]]]:
    """(layer name, its trainable variables) for every layer that has some, in order."""
    return [(layer.name, list(layer.trainable_weights)) for layer in model.layers
            if layer.trainable_weights]


def flat_weights(variables: list[Any]) -> np.ndarray:
    """All values of ``variables`` (kernel and bias together) as one float64 vector."""
    return np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in variables])


def histogram_edges(values: np.ndarray, bins: int = HIST_BINS) -> np.ndarray:
    """Bin edges for a layer, fixed at the first epoch: symmetric, with room to grow 1.5x."""
    top = float(np.max(np.abs(values))) if values.size else 0.0
    top = 1.5 * top if top > 0 else 1.0
    return np.linspace(-top, top, bins + 1)


def fixed_histogram(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts over ``edges``; values outside them go to the first or last bin (none lost)."""
    clipped = np.clip(values, edges[0], edges[-1])
    return np.histogram(clipped, bins=edges)[0].astype(np.int64)


def numpy_gradients(model: Any, x: np.ndarray, y: np.ndarray) -> dict[int, np.ndarray] | None:
    """{id(variable): the gradient of the compiled loss on (x, y)} in NumPy, for a network
    NumPy's training loop covers (``training.numpy_net.why_not``: dense, no dropout or
    penalty, so inference mode changes nothing), else None. The same arithmetic as that loop's
    steps; an eager tape costs ~0.1-0.3 s a call on the 2-core machine under load, most of a
    toy network's probes."""
    from nngui.core.training.numpy_net import arith, why_not

    if why_not(model):
        return None
    ar = arith(model)
    variables = ar.variables
    if {id(v) for v in variables} != {id(v) for _, vs in weighted_layers(model) for v in vs}:
        return None
    w = [np.asarray(v.numpy(), np.float32) for v in variables]
    kept, head = ar.forward(w, np.asarray(x, np.float32))
    with np.errstate(all="ignore"):
        _, _, g = ar.step_parts(head, ar.labels(y))
        out = [np.empty_like(a) for a in w]
        ar.grads(w, kept, g, out)
    return {id(v): grad for v, grad in zip(variables, out, strict=True)}


def gradient_norms(model: Any, x: np.ndarray, y: np.ndarray) -> list[float]:
    """Per weighted layer: the L2 norm of the loss gradient over all its variables.

    One batch, inference mode (no dropout, batch-norm statistics untouched), the compiled loss
    including regularisation penalties, as Keras' own training step computes it.
    """
    layers = weighted_layers(model)
    if getattr(model, "loss", None) is None:  # not compiled yet: no loss to differentiate
        return [float("nan")] * len(layers)
    grads = numpy_gradients(model, x, y)
    if grads is not None:
        return [float(np.sqrt(sum(float(np.square(grads[id(v)], dtype=np.float64).sum())
                                  for v in vs))) for _, vs in layers]
    tf = runtime.tf()
    variables = [v for _, vs in layers for v in vs]
    xt, yt = tf.convert_to_tensor(x), tf.convert_to_tensor(y)
    with tf.GradientTape() as tape:
        pred = model(xt, training=False)
        loss = model.compute_loss(x=xt, y=yt, y_pred=pred, training=False)
    grads = tape.gradient(loss, variables)
    norms: list[float] = []
    start = 0
    for _, vs in layers:
        part = grads[start: start + len(vs)]
        start += len(vs)
        total = sum(float(tf.reduce_sum(tf.square(g))) for g in part if g is not None)
        norms.append(float(np.sqrt(total)))
    return norms


@dataclass
class WeightStatsProbe:
    """Per weighted layer: a weight histogram (bins fixed at the first call) and a grad norm."""

    x: np.ndarray  # one small batch, as the model reads it
    y: np.ndarray
    bins: int = HIST_BINS
    name: str = "weight_stats"
    _edges: dict[str, np.ndarray] = field(default_factory=dict)

    def __call__(self, model: Any) -> dict[str, Any] | None:
        layers = weighted_layers(model)
        if not layers:
            return None
        names, edges, counts = [], [], []
        for lname, vs in layers:
            values = flat_weights(vs)
            if lname not in self._edges:
                self._edges[lname] = histogram_edges(values, self.bins)
            names.append(lname)
            edges.append(self._edges[lname])
            counts.append(fixed_histogram(values, self._edges[lname]))
        try:
            norms = gradient_norms(model, self.x, self.y)
        except Exception:  # a live view must never end the run it watches: show no norms
            norms = [float("nan")] * len(names)
        return {"layers": names, "edges": edges, "counts": counts, "grad_norms": norms}


@dataclass
class EvalSubsetProbe:
    """Loss and metrics on a fixed subset of the test set (at most ``TEST_CURVE_LIMIT``)."""

    x: np.ndarray
    y: np.ndarray
    total: int = 0  # the whole test set's size, for the legend ("2,000 of 10,000")
    name: str = "test_curve"
    _batches: Any = field(default=None, repr=False, compare=False)

    def __call__(self, model: Any) -> dict[str, Any]:
        # evaluate() on arrays builds and traces a tf.data pipeline every call: 60 ms of a
        # 90 ms probe after each MNIST epoch (2 cores, quiet), 290 ms of 300 on a busy machine
        if self._batches is None:
            tf = runtime.tf()
            self._batches = tf.data.Dataset.from_tensor_slices(
                (self.x, self.y)).batch(EVAL_SUBSET_BATCH)
        res = model.evaluate(self._batches, verbose=0, return_dict=True)
        return self.from_epoch({"eval": res})

    @property
    def eval_data(self) -> tuple[np.ndarray, np.ndarray, int]:
        """What training's fast path evaluates after every epoch for ``from_epoch``."""
        return self.x, self.y, EVAL_SUBSET_BATCH

    def from_epoch(self, values: dict[str, Any]) -> dict[str, Any]:
        """The payload from an epoch's evaluation of ``eval_data`` (``values["eval"]``)."""
        return {"logs": {k: float(v) for k, v in values["eval"].items()},
                "n": int(len(self.x)), "total": int(self.total or len(self.x))}


def stats_probes(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray,
                 y_test: np.ndarray, seed: int = 0, batch: int = 64) -> list[Any]:
    """The weight-statistics probe (one fixed training batch) and the test-curve probe."""
    rng = np.random.default_rng(seed)
    out: list[Any] = []
    if len(x_train):
        idx = np.sort(rng.permutation(len(x_train))[:batch])
        out.append(WeightStatsProbe(np.asarray(x_train[idx]), np.asarray(y_train[idx])))
    if len(x_test):
        idx = np.sort(rng.permutation(len(x_test))[:TEST_CURVE_LIMIT])
        out.append(EvalSubsetProbe(np.asarray(x_test[idx]), np.asarray(y_test[idx]),
                                  len(x_test)))
    return out
