"""Probes: what a live view needs from a model, computed in the thread that trains it.

``core.training.train.train(..., probes=[...])`` calls each probe with the model after every epoch,
in the training thread, and hands the returned arrays to ``observer.on_probe(name, epoch,
payload)``. The GUI only draws those arrays; it never calls into a model a job holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nngui.core.insight.evaluation import (
    classes_from_probs,
    confusion_matrix,
    constant_tail,
    decision_grid,
    predict_probs,
    with_constants,
)
from nngui.core.network.features import canonical, lift


@dataclass
class ReconstructionProbe:
    """An autoencoder's reconstructions of a few fixed inputs (e.g. one test digit a class)."""

    originals: np.ndarray  # (n, ...) the inputs as the views show them (e.g. 28x28)
    name: str = "reconstructions"

    def __call__(self, model: Any) -> dict[str, np.ndarray]:
        from nngui.core.model.autoencoder import reconstruct

        recon = np.asarray(reconstruct(model, self.originals), dtype=np.float32)
        return {"originals": self.originals, "reconstructions": recon}


# ---- live views of a classifier while it trains ------------------------------------------


def numpy_pass(model: Any, stop: int | None = None) -> Any:
    """The NumPy forward engine over ``model``'s first ``stop`` layers (all by default), with
    the weights they hold now, or None where it cannot run one of them.

    A probe's Keras calls are eager: each layer call costs a millisecond or more of
    TensorFlow's dispatch (several at load 3-4), so the probes of a toy network's run cost
    more than its training (XOR, 150 epochs: ~0.8 s of probes beside ~0.3 s of training).
    The engine computes what Keras computes in inference mode
    (``tests/core/model/test_forward_property.py``)."""
    from nngui.core.model.forward import ForwardPass, Unsupported

    layers = list(getattr(model, "layers", ()))
    if not layers or type(model).__name__ != "Sequential":  # a chain of layers, nothing else
        return None
    try:
        return ForwardPass(layers[:len(layers) if stop is None else stop])
    except Unsupported:
        return None


def model_outputs(model: Any, x: np.ndarray) -> np.ndarray:
    """The model's outputs for ``x`` as float32, in inference mode: the NumPy engine where it
    runs the model, else Keras' (``evaluation.predict_probs``)."""
    engine = numpy_pass(model)
    if engine is not None:
        return engine(x)
    return predict_probs(model, x)


def layer_outputs(model: Any, x: np.ndarray, upto: int | None = None) -> list[np.ndarray]:
    """Each layer's output for ``x`` (inference mode), through layer ``upto`` (default all)."""
    layers = list(model.layers)
    stop = len(layers) if upto is None else upto + 1
    engine = numpy_pass(model, stop)
    if engine is not None:
        return engine.trace(x)[1:]
    h: Any = np.asarray(x, dtype=np.float32)
    outs: list[np.ndarray] = []
    for layer in layers[:stop]:
        h = layer(h, training=False)
        outs.append(np.asarray(h, dtype=np.float32))
    return outs


def _kernel_layers(model: Any) -> list[int]:
    """Indices of the layers that own a 2-D kernel (Dense)."""
    out = []
    for i, layer in enumerate(model.layers):
        kernel = getattr(layer, "kernel", None)
        if kernel is not None and len(kernel.shape) == 2:
            out.append(i)
    return out


def last_hidden_index(model: Any) -> int | None:
    """The layer whose output feeds the last Dense layer (None without a hidden layer)."""
    dense = _kernel_layers(model)
    if not dense or dense[-1] == 0:
        return None
    return dense[-1] - 1


def first_dense(model: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """(kernel (inputs, units), bias (units,)) of the first Dense layer the inputs reach.

    Only weightless layers (Flatten, Dropout, noise) may come before it.
    """
    dense = _kernel_layers(model)
    if not dense or any(model.layers[j].weights for j in range(dense[0])):
        return None
    layer = model.layers[dense[0]]
    kernel = np.asarray(layer.kernel, dtype=np.float32)
    bias = (np.asarray(layer.bias, dtype=np.float32) if getattr(layer, "bias", None) is not None
            else np.zeros(kernel.shape[1], np.float32))
    return kernel, bias


def project_2d(h: np.ndarray, previous: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray, str]:
    """(coords (n, 2), axes (d, 2), method): raw for <= 2 units, else the top-2 PCA plane.

    ``previous`` axes fix each component's sign so the picture does not flip between epochs.
    """
    h = np.asarray(h, dtype=np.float64).reshape(len(h), -1)
    d = h.shape[1]
    if d <= 2:
        coords = np.zeros((len(h), 2))
        coords[:, :d] = h
        return coords, np.eye(d, 2), "raw"
    centred = h - h.mean(axis=0)
    axes = top_components(centred, previous)
    if previous is not None and previous.shape == axes.shape:
        signs = np.sign(np.sum(axes * previous, axis=0))
        axes = axes * np.where(signs == 0, 1.0, signs)
    return centred @ axes, axes, "pca"


def top_components(centred: np.ndarray, start: np.ndarray | None = None,
                   iterations: int = 100) -> np.ndarray:
    """The top-2 principal axes (d, 2) of centred data, by subspace iteration.

    A full SVD of 600x512 activations takes ~0.5 s on a busy CPU; a few dozen products with a
    (d, 2) block take milliseconds, and starting from last epoch's axes they converge at once.
    """
    d = centred.shape[1]
    if start is None or start.shape != (d, 2):
        start = np.random.default_rng(0).standard_normal((d, 2))
    q, _ = np.linalg.qr(start)
    for _ in range(iterations):
        q, _ = np.linalg.qr(centred.T @ (centred @ q))
    # order the two by variance (Rayleigh-Ritz on the 2x2 projected covariance)
    proj = centred @ q
    vals, vecs = np.linalg.eigh(proj.T @ proj)
    return q @ vecs[:, ::-1]


MAP_LAYER_UNITS = 16  # a deeper hidden layer gets activation tiles only when this narrow
MAP_FIRST_UNITS = 32  # the first hidden layer shows at most this many of its units
MAP_TILES = 48  # tiles in all (TensorFlow Playground's most: 6 layers of 8)


def hidden_units(model: Any) -> list[tuple[int, int]]:
    """Per hidden Dense layer: (its index, the index of the layer whose output the next Dense
    reads), so a separate Activation, BatchNormalization or Dropout counts as part of it."""
    dense = _kernel_layers(model)
    return [(d, dense[k + 1] - 1) for k, d in enumerate(dense[:-1])]


def unit_maps(model: Any, points: np.ndarray, shape: tuple[int, int],
              layer_units: int = MAP_LAYER_UNITS, first_units: int = MAP_FIRST_UNITS,
              tiles: int = MAP_TILES) -> list[dict[str, Any]]:
    """Each hidden unit's activation at grid ``points`` as maps (units, *shape), per layer.

    The first hidden layer always gets maps (its first ``first_units``); a deeper one only if
    it has at most ``layer_units`` units and fits in what is left of ``tiles``. One pass of
    the layers up to the deepest chosen one gives every map.
    """
    chosen: list[tuple[int, int, int, int, int]] = []  # (number, dense, output, take, units)
    left = tiles
    for n, (d, out) in enumerate(hidden_units(model)):
        units = int(model.layers[d].kernel.shape[1])
        take = min(units, first_units, left) if n == 0 else \
            (units if units <= min(layer_units, left) else 0)
        if take > 0:
            chosen.append((n + 1, d, out, take, units))
            left -= take
    if not chosen:
        return []
    outs = layer_outputs(model, points, max(c[2] for c in chosen))
    maps = []
    for number, d, out, take, units in chosen:
        h = outs[out]
        if h.shape != (len(points), units):  # a Flatten or Reshape between: no unit per column
            continue
        maps.append({"layer": number, "name": model.layers[d].name, "units": units,
                     "maps": np.ascontiguousarray(h[:, :take].T.reshape(take, *shape))})
    return maps


BOUNDARY_EVERY_BATCHES = 200  # long epochs of 2-D data redraw between epoch ends too


@dataclass
class BoundaryProbe:
    """Class and probability over a grid covering 2-D data, and the first layer's lines."""

    x_train: np.ndarray  # (n, 2) points drawn on top
    y_train: np.ndarray  # (n,) integer labels
    x_test: np.ndarray
    y_test: np.ndarray
    resolution: int = 60
    name: str = "boundary"
    features: tuple[str, ...] = ()  # input features: each grid point is lifted like the data
    every_batches: int = 0  # > 0: also redrawn every this many batches within an epoch
    maps: bool = True  # also each hidden unit's activation over the grid (``unit_maps``)
    const: tuple[float, ...] = ()  # the data's constant columns after x1, x2 (XOR's bias 1)

    def __call__(self, model: Any) -> dict[str, Any]:
        both = np.concatenate([self.x_train, self.x_test])
        xs, ys, classes, prob = decision_grid(model, both, self.resolution, self.features,
                                              predict=model_outputs, const=self.const)
        first = first_dense(model)
        maps: list[dict[str, Any]] = []
        if self.maps:
            gx, gy = np.meshgrid(xs, ys)  # the grid decision_grid used, lifted the same way
            points = lift(np.column_stack([gx.ravel(), gy.ravel()]), self.features)
            maps = unit_maps(model, with_constants(points, self.const), (len(ys), len(xs)))
        units = None
        if first is not None and first[0].shape[0] == 2 + len(self.const):
            kernel, bias = first  # a constant input's weight is part of the line's offset
            units = (kernel[:2], bias + np.asarray(self.const, np.float32) @ kernel[2:])
        return {"xs": xs, "ys": ys, "classes": classes, "prob": prob, "units": units,
                "unit_maps": maps,
                "x_train": self.x_train, "y_train": self.y_train,
                "x_test": self.x_test, "y_test": self.y_test}


@dataclass
class HiddenSpaceProbe:
    """The data as the last hidden layer sees it: raw for 2 units, PCA for more."""

    x: np.ndarray  # inputs as the model reads them
    labels: np.ndarray
    name: str = "hidden"
    _axes: np.ndarray | None = None

    def __call__(self, model: Any) -> dict[str, Any] | None:
        idx = last_hidden_index(model)
        if idx is None:
            return None
        h = layer_outputs(model, self.x, idx)[-1]
        coords, self._axes, method = project_2d(h, self._axes)
        return {"coords": coords.astype(np.float32), "labels": self.labels, "method": method,
                "units": int(np.prod(h.shape[1:])), "layer": model.layers[idx].name,
                "line": output_line(model) if method == "raw" else None}


def output_line(model: Any) -> tuple[np.ndarray, float] | None:
    """(w (2,), b): the output layer's boundary w·h + b = 0 in its inputs' plane, when it reads
    at most 2 hidden values and decides between 2 classes (one sigmoid unit: its own line;
    two softmax units: where their scores tie). None otherwise."""
    dense = _kernel_layers(model)
    if len(dense) < 2:
        return None
    layer = model.layers[dense[-1]]
    kernel = np.asarray(layer.kernel, dtype=np.float64)
    bias = (np.asarray(layer.bias, dtype=np.float64) if getattr(layer, "bias", None) is not None
            else np.zeros(kernel.shape[1]))
    if kernel.shape[0] > 2 or kernel.shape[1] > 2:
        return None
    if kernel.shape[1] == 2:
        w, b = kernel[:, 1] - kernel[:, 0], bias[1] - bias[0]
    else:
        name = getattr(getattr(layer, "activation", None), "__name__", "")
        # a sigmoid unit says class 1 where its sum is > 0; a tanh or linear unit (regression)
        # is no classifier's line
        if name != "sigmoid":
            return None
        w, b = kernel[:, 0], bias[0]
    out = np.zeros(2)
    out[:len(w)] = w
    return out, float(b)


@dataclass
class WeightImagesProbe:
    """The first Dense layer's incoming weights of the first ``count`` units as images."""

    shape: tuple[int, int] = (28, 28)
    count: int = 36
    name: str = "weights"

    def __call__(self, model: Any) -> dict[str, Any] | None:
        first = first_dense(model)
        if first is None or first[0].shape[0] != self.shape[0] * self.shape[1]:
            return None
        kernel = first[0][:, : self.count]
        return {"images": np.ascontiguousarray(kernel.T.reshape(-1, *self.shape)),
                "units": int(first[0].shape[1])}


@dataclass
class ConfusionProbe:
    """The confusion matrix (rows true, columns predicted) over a fixed sample of test data."""

    x: np.ndarray
    labels: np.ndarray
    name: str = "confusion"

    def __call__(self, model: Any) -> dict[str, Any]:
        probs = model_outputs(model, self.x)
        pred, _p = classes_from_probs(probs)
        k = max(2, int(probs.shape[-1]) if probs.ndim > 1 else 2)
        return {"matrix": confusion_matrix(self.labels, pred, k)}


@dataclass
class DeadReluProbe:
    """Per ReLU layer: how many units output 0 for every one of ``x`` (never fire)."""

    x: np.ndarray
    name: str = "dead_relu"

    def __call__(self, model: Any) -> dict[str, Any]:
        relu = [i for i, layer in enumerate(model.layers)
                if getattr(getattr(layer, "activation", None), "__name__", "") == "relu"
                and i not in _kernel_layers(model)[-1:]]
        rows: list[tuple[str, int, int]] = []
        if relu:
            outs = layer_outputs(model, self.x, max(relu))
            for i in relu:
                h = outs[i].reshape(len(self.x), -1, outs[i].shape[-1])  # a conv unit: a channel
                fires = h.max(axis=(0, 1)) > 0
                rows.append((model.layers[i].name, int(np.sum(~fires)), int(fires.size)))
        return {"layers": rows}


@dataclass
class LearningRateProbe:
    """The optimizer's learning rate in effect (schedules and ReduceLROnPlateau change it)."""

    name: str = "learning_rate"

    def __call__(self, model: Any) -> dict[str, float]:
        lr = getattr(getattr(model, "optimizer", None), "learning_rate", None)
        return self.from_epoch({"learning_rate": np.asarray(lr) if lr is not None
                                else float("nan")})

    def from_epoch(self, values: dict[str, Any]) -> dict[str, float]:
        """The payload from the rate training's fast path read after an epoch."""
        return {"lr": float(values["learning_rate"])}


def live_probes(model_input_dim: int, x_train: np.ndarray, y_train: np.ndarray,
                x_test: np.ndarray, y_test: np.ndarray, sample: int = 600,
                seed: int = 0, features: Sequence[str] = ()) -> list[Any]:
    """The probes a classifier's live views use, for inputs of ``model_input_dim`` values.

    ``x_train``/``x_test`` are what the model reads; with input ``features`` (2-D data) that
    is x1, x2 and the features, and the boundary is drawn over the first two columns.
    """
    rng = np.random.default_rng(seed)

    def pick(x: np.ndarray, y: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        idx = np.sort(rng.permutation(len(x))[:n])
        return np.asarray(x[idx], np.float32), np.asarray(y[idx]).astype(np.int64).ravel()

    xt, yt = pick(x_test, y_test, sample)
    probes: list[Any] = [LearningRateProbe(), HiddenSpaceProbe(xt, yt), DeadReluProbe(xt),
                         ConfusionProbe(xt, yt)]
    width = 2 + len(features)
    # 2-D data, or 2-D with constant columns (the course's XOR: x1, x2 and a bias column 1)
    const = () if features or model_input_dim <= 2 or x_train.shape[1:] != (model_input_dim,) \
        else constant_tail(x_train, x_test)
    if (model_input_dim == 2 and x_train.shape[1:] == (width,)) or const:
        xs, ys = pick(x_train, y_train, 800)
        probes.append(BoundaryProbe(xs[:, :2], ys, xt[:, :2], yt,
                                    features=tuple(canonical(features)),
                                    every_batches=BOUNDARY_EVERY_BATCHES,
                                    const=const or ()))
    if model_input_dim == 784:
        probes.append(WeightImagesProbe())
    return probes
