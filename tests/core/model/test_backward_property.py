"""The NumPy engine's input gradient (the Draw tab's saliency) equals ``tf.GradientTape`` on
random small networks: convolutions (any padding and stride, every activation of the table),
max pools (overlapping, 'same'), a separate activation layer, batch normalisation, dropout,
and softmax, sigmoid or linear outputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nngui.core.model.backward import InputGradient, Unsupported
from nngui.core.model.forward import ForwardPass
from nngui.core.platform.runtime import keras, tf

ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear", "elu", "gelu", "leaky_relu", "softmax"]


@st.composite
def nets(draw):
    """(input shape, layer recipes, output, seed) for a small channels-last network."""
    shape = (draw(st.integers(4, 10)), draw(st.integers(4, 10)), draw(st.integers(1, 3)))
    recipes = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["conv", "conv", "pool", "act", "norm"]))
        if kind == "conv":
            recipes.append(("conv", draw(st.integers(1, 5)), draw(st.integers(1, 3)),
                            draw(st.integers(1, 2)), draw(st.sampled_from(["valid", "same"])),
                            draw(st.sampled_from(ACTIVATIONS[:-1])), draw(st.booleans())))
        elif kind == "pool":
            recipes.append(("pool", draw(st.integers(2, 3)), draw(st.integers(1, 3)),
                            draw(st.sampled_from(["valid", "same"]))))
        elif kind == "act":
            recipes.append(("act", draw(st.sampled_from(["LeakyReLU", "ReLU", "tanh"]))))
        else:
            recipes.append(("norm",))
    out = draw(st.sampled_from(["softmax", "sigmoid", "linear"]))
    return shape, recipes, out, draw(st.integers(0, 9_999))


def _build(shape, recipes, out, seed):
    k = keras()
    L = k.layers
    k.utils.set_random_seed(seed)
    layers = [k.Input(shape)]
    for r in recipes:
        if r[0] == "conv":
            _, filters, size, stride, padding, act, bias = r
            layers.append(L.Conv2D(filters, size, strides=stride, padding=padding,
                                   activation=act, use_bias=bias,
                                   bias_initializer="random_normal"))
        elif r[0] == "pool":
            _, size, stride, padding = r
            layers.append(L.MaxPooling2D(size, strides=stride, padding=padding))
        elif r[0] == "act":
            layers.append(L.LeakyReLU(0.1) if r[1] == "LeakyReLU" else
                          L.ReLU() if r[1] == "ReLU" else L.Activation(r[1]))
        else:
            layers.append(L.BatchNormalization(moving_mean_initializer="random_normal",
                                               moving_variance_initializer="ones",
                                               gamma_initializer="random_normal"))
    layers += [L.Flatten(), L.Dropout(0.3), L.Dense(6, activation="relu"),
               L.Dense(1 if out == "sigmoid" else 4, activation=out)]
    try:
        return k.Sequential(layers)
    except ValueError:  # a window larger than its input: Keras refuses the net
        return None


def _tape(model, x, g):
    """∂ Σ(output · g) / ∂ input, straight from a GradientTape around ``model(x)``."""
    xt = tf().constant(x)
    with tf().GradientTape() as tape:
        tape.watch(xt)
        score = tf().reduce_sum(model(xt, training=False) * g)
    return np.asarray(tape.gradient(score, xt))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(nets(), st.integers(1, 2))
def test_the_input_gradient_equals_a_gradient_tape(net, batch):
    model = _build(*net)
    assume(model is not None)
    rng = np.random.default_rng(net[3])
    x = rng.normal(size=(batch, *net[0])).astype(np.float32)
    trace = ForwardPass(model.layers).trace(x)
    assert len(trace) == len(model.layers) + 1
    np.testing.assert_allclose(trace[-1], np.asarray(model(x, training=False)),
                               rtol=1e-4, atol=1e-5)
    g = rng.normal(size=trace[-1].shape).astype(np.float32)
    got = InputGradient(model.layers)(trace, g)
    want = _tape(model, x, g)
    assert got.shape == x.shape and got.dtype == np.float32
    scale = max(1e-3, float(np.abs(want).max()))
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=2e-4 * scale)


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_every_activation_of_the_table_in_a_conv_and_a_dense_layer(act):
    k = keras()
    k.utils.set_random_seed(5)
    model = k.Sequential([k.Input((7, 7, 2)), k.layers.Conv2D(3, 3, activation=act),
                          k.layers.MaxPooling2D(2, padding="same"), k.layers.Flatten(),
                          k.layers.Dense(5, activation=act),
                          k.layers.Dense(3, activation="softmax")])
    x = np.random.default_rng(1).normal(size=(2, 7, 7, 2)).astype(np.float32)
    g = np.random.default_rng(2).normal(size=(2, 3)).astype(np.float32)
    got = InputGradient(model.layers)(ForwardPass(model.layers).trace(x), g)
    want = _tape(model, x, g)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=2e-4 * float(np.abs(want).max()))


def test_a_max_pool_sends_a_tie_to_the_first_largest_value_as_tensorflow():
    k = keras()
    model = k.Sequential([k.Input((4, 4, 1)), k.layers.MaxPooling2D(2), k.layers.Flatten()])
    x = np.zeros((1, 4, 4, 1), np.float32)
    x[0, 0, 1] = x[0, 1, 0] = 1.0  # two equal maxima in the first window
    g = np.arange(1, 5, dtype=np.float32)[None]
    got = InputGradient(model.layers)(ForwardPass(model.layers).trace(x), g)
    np.testing.assert_array_equal(got, _tape(model, x, g))
    assert got[0, 0, 1, 0] == 1.0 and got[0, 1, 0, 0] == 0.0


def test_a_layer_without_a_rule_is_unsupported():
    k = keras()
    model = k.Sequential([k.Input((6, 6, 1)), k.layers.AveragePooling2D(2),
                          k.layers.Flatten(), k.layers.Dense(2)])
    with pytest.raises(Unsupported):
        InputGradient(model.layers)


def test_a_trace_of_another_network_is_refused():
    k = keras()
    model = k.Sequential([k.Input((3,)), k.layers.Dense(2)])
    with pytest.raises(ValueError, match="a trace of 1 layers has 2 arrays, not 3"):
        InputGradient(model.layers)([np.zeros((1, 3))] * 3, np.zeros((1, 2)))
