"""The menus: layer types and their fields, activations, losses, optimizers, initializers.

Everything the builder panel offers is declared here as plain data, so the GUI generates its
forms from it and the Keras builder and validation read the same source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    """One editable parameter of a layer or optimizer."""

    name: str
    kind: str  # "int", "float", "bool", "choice", "shape"
    default: Any
    label: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    help: str = ""
    # Only shown when another field has one of these values, e.g. alpha for leaky_relu.
    visible_when: tuple[str, tuple[Any, ...]] | None = None

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


ACTIVATIONS: dict[str, str] = {
    "linear": "Identity σ(z) = z",
    "sigmoid": "Logistic σ(z) = 1 / (1 + e^-z)",
    "tanh": "Hyperbolic tangent",
    "relu": "ReLU max(0, z)",
    "leaky_relu": "Leaky ReLU max(αz, z)",
    "softmax": "Softmax: exp(z) / Σ exp(z_j), outputs sum to 1",
    "elu": "ELU",
    "gelu": "GELU",
}
ACTIVATION_ALIASES = {"identity": "linear", "logistic": "sigmoid", "none": "linear"}

INITIALIZERS: dict[str, str] = {
    "glorot_uniform": "Glorot (Xavier) uniform — Keras' default",
    "glorot_normal": "Glorot (Xavier) normal",
    "he_normal": "He normal — good for ReLU",
    "he_uniform": "He uniform",
    "lecun_uniform": "LeCun uniform",
    "uniform": "Uniform in [-0.05, 0.05]",
    "normal": "Normal, σ = 0.05",
    "zeros": "All zeros (a classic mistake: every unit learns the same)",
    "ones": "All ones",
}


@dataclass(frozen=True)
class LossInfo:
    title: str
    targets: str  # "onehot", "integer", "binary", "any"
    classification: bool
    help: str = ""


LOSSES: dict[str, LossInfo] = {
    "sse": LossInfo("Sum of squared errors (SSE)", "any", False,
                    "Σ (y - ŷ)² over the outputs; the course's XOR example uses it."),
    "mse": LossInfo("Mean squared error (MSE)", "any", False),
    "mae": LossInfo("Mean absolute error (MAE)", "any", False),
    "binary_crossentropy": LossInfo("Binary cross-entropy", "binary", True,
                                    "One sigmoid output per binary label."),
    "categorical_crossentropy": LossInfo("Categorical cross-entropy (one-hot labels)",
                                         "onehot", True),
    "sparse_categorical_crossentropy": LossInfo(
        "Categorical cross-entropy (integer labels)", "integer", True),
    "kl_divergence": LossInfo("Kullback-Leibler divergence", "onehot", True),
    "hinge": LossInfo("Hinge (labels mapped to -1/+1)", "onehot", True),
}


@dataclass(frozen=True)
class OptimizerInfo:
    title: str
    default_lr: float
    fields: tuple[Field, ...] = ()


OPTIMIZERS: dict[str, OptimizerInfo] = {
    "sgd": OptimizerInfo("SGD", 0.01, (
        Field("momentum", "float", 0.0, minimum=0.0, maximum=0.999, step=0.05),
        Field("nesterov", "bool", False, label="Nesterov"),
    )),
    "adam": OptimizerInfo("Adam", 0.001),
    "rmsprop": OptimizerInfo("RMSprop", 0.001),
    "adagrad": OptimizerInfo("AdaGrad", 0.01),
    "adadelta": OptimizerInfo("AdaDelta", 1.0),
}

_ACT = tuple(ACTIVATIONS)
_INIT = tuple(INITIALIZERS)
_ALPHA = Field("alpha", "float", 0.2, label="α (leaky slope)", minimum=0.0, maximum=1.0,
               step=0.01, visible_when=("activation", ("leaky_relu",)))


@dataclass(frozen=True)
class LayerType:
    title: str
    fields: tuple[Field, ...]
    help: str = ""


LAYER_TYPES: dict[str, LayerType] = {
    "Dense": LayerType("Dense (fully connected)", (
        Field("units", "int", 32, minimum=1, maximum=100_000),
        Field("activation", "choice", "relu", choices=_ACT),
        _ALPHA,
        Field("kernel_initializer", "choice", "glorot_uniform", label="Initializer",
              choices=_INIT),
        Field("use_bias", "bool", True, label="Use bias"),
    ), "Every input connects to every unit: (inputs + 1) × units parameters."),
    "Dropout": LayerType("Dropout", (
        Field("rate", "float", 0.2, minimum=0.0, maximum=0.95, step=0.05),
    ), "Randomly zeroes a fraction of activations while training; nothing at test time."),
    "Activation": LayerType("Activation", (
        Field("activation", "choice", "relu", choices=_ACT),
        _ALPHA,
    )),
    "Flatten": LayerType("Flatten", (), "Turns an image (28×28) into a vector (784)."),
    "Reshape": LayerType("Reshape", (
        Field("target_shape", "shape", (28, 28, 1), label="Target shape"),
    )),
    "Conv2D": LayerType("Conv2D (convolution)", (
        Field("filters", "int", 32, minimum=1, maximum=4096),
        Field("kernel_size", "int", 3, minimum=1, maximum=15),
        Field("strides", "int", 1, minimum=1, maximum=8),
        Field("padding", "choice", "valid", choices=("valid", "same")),
        Field("activation", "choice", "relu", choices=_ACT),
        _ALPHA,
        Field("kernel_initializer", "choice", "glorot_uniform", label="Initializer",
              choices=_INIT),
        Field("use_bias", "bool", True, label="Use bias"),
    )),
    "MaxPooling2D": LayerType("MaxPooling2D", (
        Field("pool_size", "int", 2, minimum=1, maximum=8),
        Field("padding", "choice", "valid", choices=("valid", "same")),
    )),
    "GaussianNoise": LayerType("GaussianNoise (training only)", (
        Field("stddev", "float", 0.3, minimum=0.0, maximum=5.0, step=0.05),
    ), "Adds noise to its input while training: a denoising autoencoder's first layer."),
}


def layer_defaults(layer_type: str) -> dict[str, Any]:
    """Default parameter values for a layer type."""
    return {f.name: f.default for f in LAYER_TYPES[layer_type].fields}


def optimizer_defaults(name: str) -> dict[str, Any]:
    """Default extra parameters (beyond learning rate) for an optimizer."""
    return {f.name: f.default for f in OPTIMIZERS[name].fields}


def canonical_activation(name: str) -> str:
    """Map user spellings (identity, logistic) to catalog names."""
    key = name.strip().lower()
    return ACTIVATION_ALIASES.get(key, key)

