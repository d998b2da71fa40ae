"""What a trained model gets right and wrong: confusion matrix, mistakes, decision boundary.

Qt-free and TensorFlow-free at import; the model is only called, never built, here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nngui.core.data.adapt import Prepared
from nngui.core.network.features import lift
from nngui.core.network.spec import NetworkSpec

Mistake = tuple[int, int, int, float]  # (test index, true class, predicted class, p(predicted))


def predict_probs(model: Any, x: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """Model outputs for ``x`` as float32 (direct calls in large batches; no compilation)."""
    x = np.asarray(x, dtype=np.float32)
    if len(x) == 0:
        return np.zeros((0, *model.output_shape[1:]), dtype=np.float32)
    chunks = [np.asarray(model(x[i:i + batch_size], training=False), dtype=np.float32)
              for i in range(0, len(x), batch_size)]
    return np.concatenate(chunks)


def classes_from_probs(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(predicted class, its probability) per sample; one output means p(class 1)."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim == 1 or probs.shape[-1] == 1:
        p1 = probs.reshape(len(probs))
        pred = (p1 > 0.5).astype(np.int64)
        return pred, np.where(pred == 1, p1, 1.0 - p1)
    pred = probs.argmax(axis=-1).astype(np.int64)
    return pred, probs[np.arange(len(probs)), pred]


def confusion_matrix(true: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """k×k counts: rows are the true class, columns the predicted class."""
    true = np.asarray(true, dtype=np.int64).ravel()
    pred = np.asarray(pred, dtype=np.int64).ravel()
    k = max(int(k), int(true.max(initial=-1)) + 1, int(pred.max(initial=-1)) + 1)
    return np.bincount(true * k + pred, minlength=k * k).reshape(k, k)


def row_normalised(cm: np.ndarray) -> np.ndarray:
    """Each row divided by its total (rows with no samples stay 0)."""
    cm = np.asarray(cm, dtype=np.float64)
    totals = cm.sum(axis=1, keepdims=True)
    return np.divide(cm, totals, out=np.zeros_like(cm), where=totals > 0)


def mistakes(true: np.ndarray, pred: np.ndarray, probs: np.ndarray,
             limit: int = 60) -> list[Mistake]:
    """The first ``limit`` misclassified samples in test order, with p(predicted class).

    ``probs`` is the model output ((N, k), or (N,)/(N, 1) for one sigmoid output).
    """
    true = np.asarray(true, dtype=np.int64).ravel()
    pred = np.asarray(pred, dtype=np.int64).ravel()
    probs = np.asarray(probs, dtype=np.float64)
    wrong = np.flatnonzero(true != pred)[: max(0, int(limit))]
    out: list[Mistake] = []
    for i in wrong:
        if probs.ndim == 1 or probs.shape[-1] == 1:
            p1 = float(probs.reshape(len(probs))[i])
            p = p1 if pred[i] == 1 else 1.0 - p1
        else:
            p = float(probs[i, pred[i]])
        out.append((int(i), int(true[i]), int(pred[i]), p))
    return out


def cell_samples(true: np.ndarray, pred: np.ndarray, conf: np.ndarray, i: int, j: int,
                 limit: int = 400) -> tuple[list[Mistake], int]:
    """The test samples of confusion cell (true ``i``, predicted ``j``), surest first; and how
    many there are in all (the list stops at ``limit``)."""
    true = np.asarray(true, dtype=np.int64).ravel()
    pred = np.asarray(pred, dtype=np.int64).ravel()
    conf = np.asarray(conf, dtype=np.float64).ravel()
    idx = np.flatnonzero((true == i) & (pred == j))
    idx = idx[np.argsort(-conf[idx], kind="stable")]
    return [(int(k), int(i), int(j), float(conf[k])) for k in idx[:limit]], len(idx)


def grid_axes(x2d: np.ndarray, resolution: int = 200,
              pad: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced x and y coordinates covering the points plus a margin."""
    x2d = np.asarray(x2d, dtype=np.float64)
    lo, hi = x2d.min(axis=0), x2d.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    return (np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))


MAX_CONSTANT_COLUMNS = 8


def constant_tail(*xs: np.ndarray | None) -> tuple[float, ...] | None:
    """The values of the columns after the first two when every row of every ``xs`` holds
    the same value in each (the course's XOR: x1, x2 and a constant 1 that acts as a bias):
    such data is 2-D, and has a decision boundary over (x1, x2). None otherwise."""
    rows = [x for x in xs if x is not None and len(x)]
    if not rows or any(np.ndim(r) != 2 for r in rows) \
            or len({np.shape(r)[1] for r in rows}) != 1 \
            or not 2 < np.shape(rows[0])[1] <= 2 + MAX_CONSTANT_COLUMNS:
        return None  # (shapes first: MNIST's 784 columns are never copied here)
    tail = np.concatenate([np.asarray(r)[:, 2:] for r in rows]).astype(np.float64)
    return tuple(float(v) for v in tail[0]) if np.all(tail == tail[0]) else None


def with_constants(points: np.ndarray, const: Sequence[float] = ()) -> np.ndarray:
    """(n, k) points with the constant columns ``const`` appended to every row."""
    if not len(const):
        return points
    tail = np.broadcast_to(np.asarray(const, np.float32), (len(points), len(const)))
    return np.column_stack([points, tail]).astype(np.float32)


def decision_grid(model: Any, x2d: np.ndarray, resolution: int = 200,
                  features: Sequence[str] = (), predict: Any = None,
                  const: Sequence[float] = ()
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, class_grid, prob_grid) over the data range; grids are indexed [iy, ix].

    With input ``features`` each grid point is lifted as the training data was; ``const``:
    the constant columns the data has after x1, x2 (:func:`constant_tail`), appended to
    each. ``predict`` (model, points) -> outputs replaces ``predict_probs`` (the live probes'
    NumPy engine).
    """
    xs, ys = grid_axes(x2d, resolution)
    gx, gy = np.meshgrid(xs, ys)
    points = with_constants(lift(np.column_stack([gx.ravel(), gy.ravel()]), features), const)
    pred, p = classes_from_probs((predict or predict_probs)(model, points))
    shape = (len(ys), len(xs))
    return xs, ys, pred.reshape(shape), p.reshape(shape).astype(np.float32)


def fit_curve(model: Any, x1d: np.ndarray, resolution: int = 400,
              pad: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """The regressor's output along a fine grid over the 1-D input range."""
    x1d = np.asarray(x1d, dtype=np.float64).ravel()
    lo, hi = float(x1d.min()), float(x1d.max())
    span = hi - lo if hi > lo else 1.0
    xs = np.linspace(lo - pad * span, hi + pad * span, resolution)
    ys = predict_probs(model, xs.reshape(-1, 1).astype(np.float32))
    return xs, ys.reshape(len(xs), -1)[:, 0]


def image_shape(sample_shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """How one sample looks as a picture: (height, width) for a grayscale image, (height,
    width, 3) for a colour one, else None. A flat row of s*s numbers (s >= 4) is an s x s
    grayscale image (MNIST's 784); one of 3*s*s numbers (s >= 8) an s x s colour image, its
    pixels row by row, R G B each (CIFAR-10's 3,072, as the course flattens them)."""
    shape = tuple(int(d) for d in sample_shape)
    if len(shape) == 3 and shape[-1] == 1:
        shape = shape[:2]
    if len(shape) == 2 and min(shape) >= 4:
        return shape[0], shape[1]
    if len(shape) == 3 and shape[-1] == 3 and min(shape[:2]) >= 4:
        return shape
    if len(shape) == 1 and shape[0] >= 16:
        side = math.isqrt(shape[0])
        if side * side == shape[0]:
            return side, side
        side = math.isqrt(shape[0] // 3)
        if side >= 8 and 3 * side * side == shape[0]:
            return side, side, 3
    return None


@dataclass
class EvalReport:
    """Everything the Evaluate panel shows, computed off the GUI thread."""

    metrics: dict[str, float]
    samples: int
    task: str  # "classification", "regression" or "autoencoder"
    confusion: np.ndarray | None = None
    mistakes: list[Mistake] = field(default_factory=list)
    image_shape: tuple[int, ...] | None = None  # (h, w) or (h, w, 3): see image_shape
    grid: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
    curve: tuple[np.ndarray, np.ndarray] | None = None
    # per test sample (classifiers): true class, predicted class, p(predicted class)
    per_sample: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


def evaluate_report(model: Any, data: Prepared, spec: NetworkSpec, num_classes: int,
                    x_raw: np.ndarray | None = None, mistake_limit: int = 60,
                    resolution: int = 200) -> EvalReport:
    """Test metrics, and for classifiers the confusion matrix, mistakes and 2-D boundary."""
    from nngui.core.model.builder import compile_model
    from nngui.core.training.train import evaluate

    if not getattr(model, "compiled", False):
        compile_model(model, spec)
    metrics = evaluate(model, data)
    raw = data.x_test if x_raw is None else np.asarray(x_raw)
    flat = raw.reshape(len(raw), -1)
    task = ("autoencoder" if spec.kind == "autoencoder" else
            "classification" if data.labels_test is not None else "regression")
    report = EvalReport(metrics, len(data.x_test), task)
    if task == "classification":
        probs = predict_probs(model, data.x_test)
        pred, conf = classes_from_probs(probs)
        true = np.asarray(data.labels_test, dtype=np.int64)
        report.per_sample = (true, pred, conf)
        k = max(int(num_classes), 2 if probs.shape[-1] == 1 else probs.shape[-1])
        report.confusion = confusion_matrix(true, pred, k)
        report.mistakes = mistakes(true, pred, probs, mistake_limit)
        report.image_shape = image_shape(raw.shape[1:])
        if flat.shape[1] == 2 and data.x_test.shape[1:] == spec.model_input_shape \
                and spec.input_shape == (2,):
            report.grid = decision_grid(model, flat, resolution, spec.features)
        elif not spec.features and data.x_test.shape[1:] == spec.model_input_shape \
                == (flat.shape[1],) and (const := constant_tail(data.x_train, flat)):
            report.grid = decision_grid(model, flat[:, :2], resolution, const=const)
    elif task == "regression" and flat.shape[1] == 1 and data.x_test.shape[1:] == (1,):
        report.curve = fit_curve(model, flat[:, 0])
    return report
