"""The small Dense classifiers the training tests build: a few hidden layers, dropout or not,
each optimizer with its parameters (shared by the reinit and prebuild property tests)."""

from __future__ import annotations

from nngui.core.network.spec import LayerSpec, NetworkSpec

OPTIMIZERS = {"sgd": {"momentum": 0.0, "nesterov": False},
              "sgd-momentum": {"momentum": 0.9, "nesterov": True},
              "adam": {}, "rmsprop": {}, "adagrad": {}, "adadelta": {}}


def small_spec(hidden: list[tuple[int, str]], dropout: float, optimizer: str,
               inputs: int = 3) -> NetworkSpec:
    """``inputs`` → the ``hidden`` (units, activation) layers, each followed by a Dropout of
    ``dropout`` when it is not 0 → 3 softmax units; ``optimizer`` a key of OPTIMIZERS."""
    layers = []
    for width, activation in hidden:
        layers.append(LayerSpec("Dense", {"units": width, "activation": activation}))
        if dropout:
            layers.append(LayerSpec("Dropout", {"rate": dropout}))
    layers.append(LayerSpec("Dense", {"units": 3, "activation": "softmax"}))
    name = optimizer.split("-")[0]
    return NetworkSpec((inputs,), layers, "sparse_categorical_crossentropy", name, 0.05,
                       optimizer_params=dict(OPTIMIZERS[optimizer]))
