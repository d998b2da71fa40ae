"""The function table against Keras: values equal keras.activations/losses, derivatives equal
tf.GradientTape on the same points (a grid, and random points drawn by hypothesis)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nngui.core.layers.functions import (
    ACTIVATIONS,
    LOSSES,
    activation,
    grad_sigmoid,
    saturation_ranges,
    sigmoid,
    softmax,
    softmax_jacobian,
)
from nngui.core.network import catalog
from nngui.core.platform.runtime import keras, tf

# 0 itself is left out: there the one-sided derivatives differ and conventions are arbitrary
GRID = np.concatenate([np.linspace(-8, -0.05, 80), np.linspace(0.05, 8, 80)])
ELEMENTWISE = [
    ("linear", {}), ("sigmoid", {}), ("tanh", {}), ("relu", {}),
    ("leaky_relu", {}), ("leaky_relu", {"alpha": 0.05}), ("elu", {}), ("elu", {"alpha": 0.5}),
    ("gelu", {}), ("gelu", {"approximate": True}),
]


def keras_activation(name: str, params: dict):
    """The Keras function for a catalog activation with our parameter names."""
    k = keras()
    if name == "leaky_relu":
        return lambda x: k.activations.leaky_relu(x, negative_slope=params.get("alpha", 0.2))
    return lambda x: getattr(k.activations, name)(x, **params)


def tape_grad(fn, x: np.ndarray, upstream: np.ndarray | None = None) -> np.ndarray:
    t = tf()
    v = t.Variable(x)
    with t.GradientTape() as tape:
        out = fn(v)
        if upstream is not None:
            out = t.reduce_sum(out * upstream)
    return tape.gradient(out, v).numpy()


def test_names_match_the_catalog():
    assert set(ACTIVATIONS) == set(catalog.ACTIVATIONS)
    assert set(LOSSES) == set(catalog.LOSSES)
    assert activation("identity").name == "linear" and activation("Logistic").name == "sigmoid"


@pytest.mark.parametrize("name, params", ELEMENTWISE)
def test_values_match_keras_activations(name, params):
    # Keras keeps α as a float32 constant, hence 1e-7 rather than 1e-12 in float64
    for dtype, tol in ((np.float64, 1e-7), (np.float32, 1e-6)):
        z = GRID.astype(dtype)
        ours = ACTIVATIONS[name].f(z, **params)
        assert ours.dtype == dtype
        theirs = np.asarray(keras_activation(name, params)(tf().constant(z)))
        np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)


@pytest.mark.parametrize("name, params", ELEMENTWISE)
def test_derivatives_match_gradient_tape_on_a_grid(name, params):
    act = ACTIVATIONS[name]
    ours = act.df(GRID, **params)
    theirs = tape_grad(keras_activation(name, params), GRID)
    # atol 1e-8: TensorFlow's float64 erfc gradient is off by ~5e-9 near z = -0.75 (math.erfc
    # agrees with ours to 1e-16 there); every other activation matches to ~1e-16
    np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-8)
    if act.df_from_a is not None:  # the course's way, f' from the output, agrees too
        np.testing.assert_allclose(act.df_from_a(act.f(GRID, **params), **params), ours,
                                   rtol=1e-9, atol=1e-12)
    assert act.df(GRID.astype(np.float32), **params).dtype == np.float32


@settings(max_examples=25, deadline=None)
@given(z=hnp.arrays(np.float64, 12, elements=st.floats(-20, 20).filter(lambda v: abs(v) > 1e-3)),
       which=st.sampled_from(ELEMENTWISE))
def test_derivatives_match_gradient_tape_at_random_points(z, which):
    name, params = which
    np.testing.assert_allclose(ACTIVATIONS[name].df(z, **params),
                               tape_grad(keras_activation(name, params), z),
                               rtol=1e-7, atol=1e-8)


@settings(max_examples=20, deadline=None)
@given(z=hnp.arrays(np.float64, (3, 4), elements=st.floats(-30, 30)),
       g=hnp.arrays(np.float64, (3, 4), elements=st.floats(-2, 2)))
def test_softmax_vector_and_jacobian_products_match_keras(z, g):
    sm = ACTIVATIONS["softmax"]
    k = keras()
    np.testing.assert_allclose(sm.f(z), np.asarray(k.activations.softmax(tf().constant(z))),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(sm.vjp(z, g), tape_grad(k.activations.softmax, z, g),
                               rtol=1e-9, atol=1e-12)
    jac = softmax_jacobian(z)
    np.testing.assert_allclose(np.einsum("bij,bj->bi", jac, g), sm.vjp(z, g), atol=1e-12)
    np.testing.assert_allclose(np.diagonal(jac, axis1=1, axis2=2), sm.df(z), atol=1e-15)


def test_stable_for_huge_inputs_without_warnings():
    z = np.array([-1e4, -800.0, 0.0, 800.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, params in ELEMENTWISE + [("softmax", {})]:
            assert np.all(np.isfinite(ACTIVATIONS[name].f(z, **params))), name
            assert np.all(np.isfinite(ACTIVATIONS[name].df(z, **params))), name
    np.testing.assert_array_equal(sigmoid(z), [0.0, 0.0, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(softmax(np.array([1000.0, 1000.0])), [0.5, 0.5])
    np.testing.assert_allclose(grad_sigmoid(np.array([0.5, 0.0, 1.0])), [0.25, 0.0, 0.0])
    for loss in LOSSES.values():
        if loss.name == "sparse_categorical_crossentropy":
            y = np.array([0, 1])
        else:
            y = np.array([[1.0, 0.0], [0.0, 1.0]])
        p = np.array([[0.0, 1.0], [1.0, 0.0]])  # the worst possible guesses
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert np.isfinite(loss.value(y, p)) and np.all(np.isfinite(loss.grad(y, p)))


def test_saturation_ranges():
    lo, hi = saturation_ranges("sigmoid")
    assert lo[0] == -6 and hi[1] == 6 and -4.5 < lo[1] < -4.2 and 4.2 < hi[0] < 4.5
    (dead,) = saturation_ranges("relu")
    assert dead[0] == -6 and -0.01 < dead[1] <= 0
    assert saturation_ranges("linear") == []
    assert saturation_ranges("leaky_relu", alpha=0.3) == []
    assert len(saturation_ranges("leaky_relu", alpha=0.01)) == 1
    assert len(saturation_ranges("softmax")) == 2


# --------------------------------------------------------------------------- losses
KERAS_NAMES = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}


def keras_loss_value(name: str, y, p) -> float:
    k = keras()
    if name == "sse":
        return float(tf().reduce_sum((tf().constant(y) - tf().constant(p)) ** 2))
    per = getattr(k.losses, KERAS_NAMES.get(name, name))(tf().constant(y), tf().constant(p))
    return float(np.mean(np.asarray(per)))


def keras_loss_grad(name: str, y, p) -> np.ndarray:
    k = keras()
    if name == "sse":
        return tape_grad(lambda v: tf().reduce_sum((tf().constant(y) - v) ** 2), p)
    fn = getattr(k.losses, KERAS_NAMES.get(name, name))
    return tape_grad(lambda v: tf().reduce_mean(fn(tf().constant(y), v)), p)


def probability_rows(n: int, k: int):
    return hnp.arrays(np.float64, (n, k), elements=st.floats(0.02, 1.0)).map(
        lambda a: a / a.sum(-1, keepdims=True))


@st.composite
def loss_case(draw):
    name = draw(st.sampled_from(sorted(LOSSES)))
    n, k = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    if name in ("categorical_crossentropy", "kl_divergence", "sparse_categorical_crossentropy"):
        k = max(k, 2)
        p = draw(probability_rows(n, k))
        labels = draw(hnp.arrays(np.int64, n, elements=st.integers(0, k - 1)))
        y = labels if name.startswith("sparse") else np.eye(k)[labels]
        if name == "kl_divergence":
            y = draw(probability_rows(n, k))
        return name, y, p
    p = draw(hnp.arrays(np.float64, (n, k), elements=st.floats(0.01, 0.99)))
    y = draw(hnp.arrays(np.float64, (n, k), elements=st.sampled_from([0.0, 1.0])))
    if name in ("mae", "hinge"):  # keep off the kinks, where either one-sided slope is right
        p = np.where(np.abs(p - y) < 1e-3, p + 0.01, p)
    return name, y, p


@settings(max_examples=60, deadline=None)
@given(case=loss_case())
def test_losses_and_gradients_match_keras(case):
    name, y, p = case
    loss = LOSSES[name]
    assert loss.value(y, p) == pytest.approx(keras_loss_value(name, y, p), rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(loss.grad(y, p), keras_loss_grad(name, y, p),
                               rtol=1e-7, atol=1e-10)


def test_sse_equals_the_apps_keras_loss():
    from nngui.core.platform.keras_objects import SumSquaredError

    y, p = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[0.2, 0.7], [0.4, 0.9]])
    assert LOSSES["sse"].value(y, p) == pytest.approx(float(SumSquaredError()(y, p)), rel=1e-6)


def test_course_sse_and_its_gradient():
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    p = np.array([[0.1], [0.8], [0.6], [0.3]])
    assert LOSSES["sse"].value(y, p) == pytest.approx(0.01 + 0.04 + 0.16 + 0.09)
    np.testing.assert_allclose(LOSSES["sse"].grad(y, p), 2 * (p - y))
    np.testing.assert_allclose(LOSSES["mse"].grad(y, p), 2 * (p - y) / 4)
    assert LOSSES["sse"].grad(y, p.astype(np.float32)).dtype == np.float32
    one = LOSSES["binary_crossentropy"]
    assert one.value(1.0, 0.5) == pytest.approx(np.log(2))
    assert one.grad(1.0, 0.25) == pytest.approx(-4.0)
