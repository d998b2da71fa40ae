"""``InsideReader``'s answers from the NumPy engine, for the Draw tab: no TensorFlow call.

``NumpyInside`` copies a Sequential model's weights once (in the thread that owns the model)
and then reads inputs in any one thread with NumPy alone: the feature maps are the conv and
pool layers' outputs of the NumPy forward pass (``ForwardPass.trace``), the saliency is
gradient × input through ``backward.InputGradient``. Given the trace the Draw tab's own
stroke already made (``FastPredictor.predict_traced``), a read runs no forward pass at all:
only the gradient and the sorting of the maps.

Why: a TensorFlow read, even compiled, wakes TensorFlow's pool threads on both of the
machine's cores while the pen's next stroke is read in the GUI thread
(``benchmarks/bench_draw.py --inside``, docs/performance.md). What it returns equals
``InsideReader`` (a Keras sub-model and ``tf.GradientTape``) to float32 rounding:
``tests/core/insight/test_inside_numpy.py``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nngui.core.insight.inside import (
    TOP_UNITS,
    Inside,
    TopUnits,
    filters_of,
    image_shape,
    is_softmax,
    map_layers,
    not_an_image,
    order_maps,
    predicted_class,
)
from nngui.core.insight.probes import first_dense
from nngui.core.model.backward import InputGradient
from nngui.core.model.forward import ForwardPass, Unsupported
from nngui.core.model.inference import model_input_shape

__all__ = ["NumpyInside", "Unsupported"]

LOG_EPSILON = 1e-7  # as ``class_score``: log(p + 1e-7)


class NumpyInside:
    """Feature maps, filters and saliency (or an MLP's top units) for one input at a time,
    in NumPy; ``Unsupported`` (at construction) for a model the engine cannot run."""

    def __init__(self, model: Any) -> None:
        if type(model).__name__ != "Sequential":
            raise Unsupported(f"model class {type(model).__name__}")
        self.input_shape = model_input_shape(model)
        self.image = image_shape(self.input_shape)
        self.forward = ForwardPass(model.layers)
        self.gradient = InputGradient(model.layers) if self.image is not None else None
        self.softmax = is_softmax(model)
        self.maps = map_layers(model)
        self.names = [(layer.name, type(layer).__name__) for layer in model.layers]
        self.filters = filters_of(model)
        self.units: tuple[int, str, np.ndarray] | None = None  # (layer index, name, kernel)
        first = first_dense(model)
        if not self.maps and self.image is not None and first is not None \
                and first[0].shape[0] == self.image[0] * self.image[1]:
            index = next(i for i, lay in enumerate(model.layers)
                         if getattr(lay, "kernel", None) is not None)
            self.units = index, model.layers[index].name, first[0]

    def read(self, x: np.ndarray, target: int | None = None, count: int = TOP_UNITS,
             trace: list[np.ndarray] | None = None) -> Inside:
        """Everything for one input (any layout holding the model's values), explaining
        ``target`` (default: the predicted class). ``trace``: this engine's
        ``ForwardPass.trace`` of the same input with the same weights, when the caller has it
        (no forward pass then)."""
        x = np.asarray(x, np.float32)
        if x.size != math.prod(self.input_shape):
            raise ValueError(f"The network reads {math.prod(self.input_shape)} values per "
                             f"sample, this input has {x.size}.")
        x = x.reshape(1, *self.input_shape)
        if trace is None or len(trace) != len(self.names) + 1 or trace[0].shape != x.shape:
            trace = self.forward.trace(x)
        x = trace[0]
        probs = np.asarray(trace[-1], np.float32).reshape(-1)
        chosen = predicted_class(probs) if target is None else int(target)
        if self.image is None or self.gradient is None:
            return Inside(None, probs, chosen, reason=not_an_image(self.input_shape))
        grad = self.gradient(trace, self._score_gradient(trace[-1], chosen))
        saliency = (grad * x).reshape(*self.image, -1).sum(axis=-1)  # channels summed
        layers = [order_maps(i, *self.names[i], trace[i + 1][0]) for i in self.maps]
        inside = Inside(self.image, probs, chosen, layers, saliency=saliency)
        if self.filters is not None:
            inside.filters, inside.filters_layer = self.filters
        if self.units is not None:
            inside.units = self._top_units(trace, count)
        return inside

    def _score_gradient(self, out: np.ndarray, chosen: int) -> np.ndarray:
        """∂ score / ∂ output, the score as ``class_score``'s: log(p + ε) of the chosen class
        for a softmax, the output itself otherwise (a sigmoid's p(1))."""
        flat = np.asarray(out, np.float32).reshape(len(out), -1)
        g = np.zeros_like(flat)
        pick = min(chosen, flat.shape[1] - 1)
        if self.softmax:
            g[:, pick] = 1.0 / (flat[:, pick] + np.float32(LOG_EPSILON))
        else:
            g[:, pick] = 1.0
        return g.reshape(out.shape)

    def _top_units(self, trace: list[np.ndarray], count: int) -> TopUnits:
        """As ``inside.top_units``, the activations read from the trace."""
        index, name, kernel = self.units
        a = np.asarray(trace[index + 1], np.float32).reshape(-1)
        order = np.argsort(-a, kind="stable")[:count]
        images = kernel[:, order].T.reshape(-1, *self.image)
        return TopUnits(name, order, a[order], np.ascontiguousarray(images),
                        int(kernel.shape[1]))

