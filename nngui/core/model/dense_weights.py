"""A small network's Dense weights as matrices, read and set one entry at a time.

Each Dense layer is one (n_in + 1, n_out) matrix: the kernel, then the bias as the row of a
constant "1" input. A network is *small* enough to edit by hand when it is Dense layers only
(Dropout and other layers without weights between them) with at most ``MAX_HIDDEN`` hidden
units and ``MAX_INPUTS`` inputs. Whoever calls these holds the model (a job, or the training
thread while a run is paused).
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_HIDDEN = 64  # hidden units in all
MAX_INPUTS = 16  # inputs: more edges than anyone drags

Key = tuple[int, int, int]  # (dense layer, from unit (n_in: the bias), to unit)


def dense_layers(model: Any) -> list[Any]:
    """The model's layers that have weights, if all are Dense; else ValueError (why)."""
    out = []
    for layer in model.layers:
        if not layer.weights:
            continue
        if type(layer).__name__ != "Dense":
            raise ValueError(f"only networks of Dense layers can be edited here "
                             f"({layer.name} is a {type(layer).__name__})")
        out.append(layer)
    if not out:
        raise ValueError("this network has no weights to edit")
    return out


def why_not(model: Any) -> str:
    """Why the model's weights cannot be edited by hand here ('' when they can)."""
    try:
        layers = dense_layers(model)
    except ValueError as exc:
        return f"Weights can be edited for small networks: {exc}."
    inputs = int(layers[0].kernel.shape[0])
    hidden = sum(int(layer.kernel.shape[1]) for layer in layers[:-1])
    if inputs > MAX_INPUTS:
        return (f"Weights can be edited for small networks: this one reads {inputs} inputs "
                f"(at most {MAX_INPUTS}).")
    if hidden > MAX_HIDDEN:
        return (f"Weights can be edited for small networks: this one has {hidden} hidden "
                f"units (at most {MAX_HIDDEN}).")
    return ""


def matrices(model: Any) -> list[np.ndarray]:
    """Each Dense layer's weights as one (n_in + 1, n_out) matrix: the kernel, then the bias
    (zeros for a layer without one)."""
    out = []
    for layer in dense_layers(model):
        kernel = np.asarray(layer.kernel.numpy(), np.float64)
        bias = np.asarray(layer.bias.numpy(), np.float64) if layer.use_bias else \
            np.zeros(kernel.shape[1])
        out.append(np.vstack([kernel, bias[None, :]]))
    return out


def set_weights(model: Any, values: dict[Key, float]) -> None:
    """Assign each (layer, i, j) = value (i = n_in: the bias of unit j)."""
    layers = dense_layers(model)
    for (index, i, j), value in sorted(values.items()):
        layer = layers[index]
        n_in = int(layer.kernel.shape[0])
        if i == n_in:
            if not layer.use_bias:
                raise ValueError(f"{layer.name} has no bias")
            var, where = layer.bias, (j,)
        else:
            var, where = layer.kernel, (i, j)
        now = np.array(var.numpy())
        now[where] = value
        var.assign(now)
