"""Every validation rule, each with a spec that just triggers it and a near miss that must not.

Each case was checked by breaking its rule in validate.py (deleting it, or moving its
threshold) and watching the case fail.
"""

from __future__ import annotations

import pytest

from nngui.core.network.spec import LayerSpec, NetworkSpec
from nngui.core.network.validate import DataInfo, check, output_activation

MNIST_FLAT = DataInfo((784,), "classification", 10)
TWO = DataInfo((2,), "classification", 2)
THREE = DataInfo((2,), "classification", 3)
REG = DataInfo((1,), "regression", 0, 1)


def dense(units: int, act: str = "relu", **p) -> LayerSpec:
    return LayerSpec("Dense", {"units": units, "activation": act, **p})


def net(shape, layers, loss="categorical_crossentropy", **kw) -> NetworkSpec:
    return NetworkSpec(shape, layers, loss, **kw)


# (rule, spec, data, level, fragment, layer index or None, near miss: a spec or (spec, data))
CASES = [
    ("no layers", net((2,), []), None, "error", "no layers", None,
     net((2,), [dense(2, "softmax")])),
    ("empty input dimension", net((0,), [dense(2, "softmax")]), None, "error",
     "empty dimension", None, net((1,), [dense(2, "softmax")])),
    ("shape error, once", net((28, 28), [dense(4), dense(4), LayerSpec("Flatten")]), None,
     "error", "add a Flatten layer", 0, net((28, 28), [LayerSpec("Flatten"), dense(4)])),
    ("declared field range", net((2,), [LayerSpec("Dropout", {"rate": 0.96}),
                                        dense(2, "softmax")]), None,
     "error", "Dropout rate must be between 0 and 0.95", 0,
     net((2,), [LayerSpec("Dropout", {"rate": 0.95}), dense(2, "softmax")])),
    ("softmax on one unit", net((2,), [dense(1, "softmax")], "binary_crossentropy"), None,
     "error", "Softmax over a single output", 0,
     net((2,), [dense(1, "sigmoid")], "binary_crossentropy")),
    ("input does not fit the data", net((3,), [dense(2, "softmax")]), TWO, "error",
     "data has shape (2,)", None, net((2,), [dense(2, "softmax")])),
    ("output is not a vector", net((2,), [LayerSpec("Reshape", {"target_shape": (1, 2)}),
                                          LayerSpec("Activation", {"activation": "softmax"})]),
     TWO, "error", "end with Flatten and Dense", 1,
     net((2,), [LayerSpec("Reshape", {"target_shape": (1, 2)}), LayerSpec("Flatten"),
                LayerSpec("Activation", {"activation": "softmax"})])),
    ("classification loss on regression data", net((1,), [dense(1, "linear")]), REG, "error",
     "classification loss", None, net((1,), [dense(1, "linear")], "mse")),
    ("regression target width", net((1,), [dense(2, "linear")], "mse"), REG, "error",
     "1 target value(s)", 0, net((1,), [dense(1, "linear")], "mse")),
    ("bounded regression output", net((1,), [dense(1, "sigmoid")], "mse"), REG, "hint",
     "only reaches values in (0, 1)", None, net((1,), [dense(1, "linear")], "mse")),
    ("one unit, more than 2 classes", net((2,), [dense(1, "sigmoid")], "binary_crossentropy"),
     THREE, "error", "can only separate 2 classes", 0,
     (net((2,), [dense(1, "sigmoid")], "binary_crossentropy"), TWO)),
    ("binary loss, wrong width", net((2,), [dense(2, "sigmoid")], "binary_crossentropy"), THREE,
     "error", "use 3 (one per class) or 1", 0,
     net((2,), [dense(3, "sigmoid")], "binary_crossentropy")),
    ("one unit per class", net((2,), [dense(4, "softmax")]), THREE, "error",
     "set the last Dense layer to 3 units", 0, net((2,), [dense(3, "softmax")])),
    ("softmax with a squared loss", net((2,), [dense(2, "softmax")], "mse"), None, "hint",
     "Softmax output with MSE", None, net((2,), [dense(2, "sigmoid")], "mse")),
    ("classification loss without probabilities", net((2,), [dense(2, "relu")]), None, "hint",
     "expects probabilities", None,
     net((2,), [dense(2, "relu"), LayerSpec("Dropout"),
                LayerSpec("Activation", {"activation": "softmax"})])),
    ("deep saturating stack", net((2,), [dense(4, "tanh")] * 3 + [dense(2, "softmax")]), None,
     "hint", "3 stacked sigmoid/tanh", None,
     net((2,), [dense(4, "tanh")] * 2 + [dense(2, "softmax")])),
    ("symmetric initial weights", net((2,), [dense(4, kernel_initializer="zeros"),
                                             dense(2, "softmax")]), None,
     "hint", "Identical initial weights", 0, net((2,), [dense(4), dense(2, "softmax")])),
    ("autoencoder output size", net((4,), [dense(2), dense(3, "sigmoid")], "mse",
                                    kind="autoencoder", latent_index=0),
     DataInfo((4,), "classification", 10), "error", "as many values as it reads", None,
     net((4,), [dense(2), dense(4, "sigmoid")], "mse", kind="autoencoder", latent_index=0)),
]


@pytest.mark.parametrize("rule, spec, data, level, fragment, layer, near",
                         CASES, ids=[c[0] for c in CASES])
def test_each_rule_fires_and_its_near_miss_does_not(rule, spec, data, level, fragment, layer,
                                                   near):
    hits = [p for p in check(spec, data) if fragment in p.message]
    assert len(hits) == 1, [str(p) for p in check(spec, data)]
    assert hits[0].level == level and hits[0].layer == layer, hits[0]
    near_spec, near_data = near if isinstance(near, tuple) else (near, data)
    assert not [p for p in check(near_spec, near_data) if fragment in p.message], rule


def test_an_autoencoder_is_not_checked_as_a_classifier():
    spec = net((4,), [dense(2), dense(4, "sigmoid")], "mse", kind="autoencoder",
               latent_index=0)
    assert [p for p in check(spec, DataInfo((4,), "classification", 10))
            if p.level == "error"] == []


def test_output_activation_looks_through_dropout_and_noise_only():
    layers = [dense(3, "softmax"), LayerSpec("Dropout"), LayerSpec("GaussianNoise")]
    assert output_activation(net((2,), layers)) == "softmax"
    assert output_activation(net((2,), [*layers, LayerSpec("BatchNormalization")])) == "linear"
    assert output_activation(net((2,), [*layers, LayerSpec("Flatten")])) == "linear"


def test_a_shape_error_is_reported_once_not_for_every_later_layer():
    spec = net((28, 28), [dense(4), dense(4), LayerSpec("Flatten"), dense(10, "softmax")])
    errs = [p for p in check(spec) if p.level == "error"]
    assert len(errs) == 1 and errs[0].layer == 0, [str(p) for p in errs]


@pytest.mark.parametrize("first, second, fragment", [
    (dense(4, kernel_initializer="zeros"), dense(2, "softmax"), "this layer never learns"),
    (dense(4, "tanh", kernel_initializer="zeros"), dense(2, "softmax"),
     "only the next layer's random weights tell them apart"),
    (dense(4, "tanh", kernel_initializer="ones"),
     dense(2, "softmax", kernel_initializer="zeros"), "symmetry is never broken"),
], ids=["relu-zeros", "tanh-zeros-random-next", "both-constant"])
def test_identical_initial_weights_say_what_keras_does_with_them(first, second, fragment):
    hits = [p for p in check(net((2,), [first, second]))
            if p.message.startswith("Identical initial weights")]
    assert len(hits) == 1 and fragment in hits[0].message and hits[0].layer == 0, hits


def test_a_zero_output_layer_is_no_problem():
    """A perceptron or logistic regression starting from zeros learns: each output unit has
    its own target."""
    assert not [p for p in check(net((2,), [dense(4), dense(2, "softmax",
                                                               kernel_initializer="zeros")]))
                if p.message.startswith("Identical")]

