"""The menus: layer types and their fields, activations, losses, optimizers, initializers.

Everything the builder panel offers is declared as plain data, so the GUI generates its forms
from it and the Keras builder and validation read the same source of truth. Layer types and
their fields live in the layer registry (:mod:`nngui.core.layers.kinds`), activations in the one
activation table (:mod:`nngui.core.layers.functions`); this module presents them as menus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nngui.core.layers import functions, initializers
from nngui.core.layers import kinds as layers
from nngui.core.layers.base import LayerKind
from nngui.core.layers.fields import Field

__all__ = ["ACTIVATIONS", "INITIALIZERS", "LAYER_TYPES", "LOSSES", "OPTIMIZERS", "Field"]

# Menu text per activation, from the one activation table (which also holds the NumPy code).
ACTIVATIONS: dict[str, str] = {name: f"{a.title}: {a.formula}"
                               for name, a in functions.ACTIVATIONS.items()}
ACTIVATION_ALIASES = functions.ACTIVATION_ALIASES

INITIALIZERS: dict[str, str] = initializers.INITIALIZERS


@dataclass(frozen=True)
class LossInfo:
    title: str
    targets: str  # "onehot", "integer", "binary", "any"
    classification: bool
    help: str = ""
    short: str = ""  # the builder's combo: fits a narrow window (the title is its tooltip)

    @property
    def label(self) -> str:
        """The short name where one is set, else the title."""
        return self.short or self.title


LOSSES: dict[str, LossInfo] = {
    "sse": LossInfo("Sum of squared errors (SSE)", "any", False,
                    "Σ (y - ŷ)² over the outputs; the course's XOR example uses it.", "SSE"),
    "mse": LossInfo("Mean squared error (MSE)", "any", False, short="MSE"),
    "mae": LossInfo("Mean absolute error (MAE)", "any", False, short="MAE"),
    "binary_crossentropy": LossInfo("Binary cross-entropy", "binary", True,
                                    "One sigmoid output per binary label.", "Binary CE"),
    "categorical_crossentropy": LossInfo("Categorical cross-entropy (one-hot labels)",
                                         "onehot", True, short="Categorical CE"),
    "sparse_categorical_crossentropy": LossInfo(
        "Categorical cross-entropy (integer labels)", "integer", True,
        short="Categorical CE (int)"),
    "kl_divergence": LossInfo("Kullback-Leibler divergence", "onehot", True,
                              short="KL divergence"),
    "hinge": LossInfo("Hinge (labels mapped to -1/+1)", "onehot", True, short="Hinge"),
}


@dataclass(frozen=True)
class OptimizerInfo:
    title: str
    default_lr: float
    fields: tuple[Field, ...] = ()


# The course's SGD(lr, decay=...): Keras 3 dropped ``decay``; builder.make_optimizer gives the
# same lr / (1 + decay * t) per batch as InverseTimeDecay, for every optimizer.
DECAY = Field("decay", "float", 0.0, label="Decay", minimum=0.0, maximum=1.0, step=1e-6,
              help="The course's SGD(lr, decay=…): after t batches the learning rate is "
                   "lr / (1 + decay · t) (Keras' InverseTimeDecay, per batch). 0: off. Not "
                   "together with an LR schedule or reduce-on-plateau.")

OPTIMIZERS: dict[str, OptimizerInfo] = {
    "sgd": OptimizerInfo("SGD", 0.01, (
        Field("momentum", "float", 0.0, minimum=0.0, maximum=0.999, step=0.05),
        Field("nesterov", "bool", False, label="Nesterov"),
        DECAY,
    )),
    "adam": OptimizerInfo("Adam", 0.001, (DECAY,)),
    "rmsprop": OptimizerInfo("RMSprop", 0.001, (DECAY,)),
    "adagrad": OptimizerInfo("AdaGrad", 0.01, (DECAY,)),
    "adadelta": OptimizerInfo("AdaDelta", 1.0, (DECAY,)),
}

# The layer types of the "Add layer" menu, in menu order: each entry has .title, .help and
# .fields (see LayerKind, which also knows its shapes, Keras form and NumPy step).
LAYER_TYPES: dict[str, LayerKind] = layers.KINDS


def layer_defaults(layer_type: str) -> dict[str, Any]:
    """Default parameter values for a layer type."""
    return LAYER_TYPES[layer_type].defaults()


def optimizer_defaults(name: str) -> dict[str, Any]:
    """Default extra parameters (beyond learning rate) for an optimizer."""
    return {f.name: f.default for f in OPTIMIZERS[name].fields}


def canonical_activation(name: str) -> str:
    """Map user spellings (identity, logistic) to catalog names."""
    key = name.strip().lower()
    return ACTIVATION_ALIASES.get(key, key)

