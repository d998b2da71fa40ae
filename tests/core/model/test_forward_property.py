"""The NumPy forward engine (live drawing) equals Keras on random convolutional networks."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nngui.core.model.forward import ForwardPass
from nngui.core.platform.runtime import keras

ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear", "elu"]


@st.composite
def conv_nets(draw):
    """(input shape, layer recipes) for a small channels-last conv net."""
    shape = (draw(st.integers(4, 12)), draw(st.integers(4, 12)), draw(st.integers(1, 3)))
    recipes = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            recipes.append(("conv", draw(st.integers(1, 6)), draw(st.integers(1, 4)),
                            draw(st.integers(1, 3)), draw(st.sampled_from(["valid", "same"])),
                            draw(st.sampled_from(ACTIVATIONS)), draw(st.booleans())))
        else:
            recipes.append(("pool", draw(st.integers(1, 3)), draw(st.integers(1, 3)),
                            draw(st.sampled_from(["valid", "same"]))))
    return shape, recipes, draw(st.integers(2, 12)), draw(st.integers(0, 2**31 - 1))


def _build(shape, recipes, units, seed):
    k = keras()
    L = k.layers
    layers = [k.Input(shape)]
    for r in recipes:
        if r[0] == "conv":
            _, filters, size, stride, padding, act, bias = r
            layers.append(L.Conv2D(filters, size, strides=stride, padding=padding,
                                   activation=act, use_bias=bias,
                                   bias_initializer="random_normal"))
        else:
            _, size, stride, padding = r
            layers.append(L.MaxPooling2D(size, strides=stride, padding=padding))
    layers += [L.Flatten(), L.Dense(units, activation="softmax")]
    k.utils.set_random_seed(seed % 10_000)
    try:
        return k.Sequential(layers)
    except ValueError:  # a window larger than its input: Keras refuses the net
        return None


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(conv_nets(), st.integers(1, 3))
def test_numpy_forward_equals_keras_on_random_conv_nets(net, batch):
    model = _build(*net)
    assume(model is not None)
    x = np.random.default_rng(net[3]).random((batch, *net[0]), dtype=np.float32)
    want = np.asarray(model(x, training=False))
    got = ForwardPass(model.layers)(x)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
