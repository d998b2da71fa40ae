"""FastPredictor gives model.predict's numbers (its speed is measured by benchmarks/bench_draw.py)."""

from __future__ import annotations

import numpy as np
import pytest

from nngui.core.data.datasets import load_mnist
from nngui.core.model.builder import build_model
from nngui.core.model.inference import FastPredictor, to_probabilities
from nngui.core.platform.runtime import keras
from nngui.core.training.presets import get_preset


@pytest.fixture(scope="module")
def digits(mnist_path) -> np.ndarray:
    return load_mnist(mnist_path).x_test[:20]


def _check_matches(model, x28: np.ndarray, backend: str = "numpy") -> FastPredictor:
    fp = FastPredictor(model)
    assert fp.backend == backend, fp.reason
    ref = model.predict(x28.reshape(len(x28), *fp.input_shape), verbose=0)
    got = fp.predict_batch(x28)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, atol=1e-5, rtol=1e-4)
    return fp


@pytest.mark.parametrize("preset", ["mnist-mlp-512", "mnist-cnn", "mnist-flatten-128-64",
                                    "mnist-784-20-10"])
def test_presets_match_model_predict(preset, digits):
    fp = _check_matches(build_model(get_preset(preset).spec(), seed=1), digits)
    assert np.allclose(fp.predict(digits[0]).sum(), 1.0, atol=1e-5)  # softmax outputs


def test_unusual_layers_match_model_predict(digits):
    k = keras()
    L = k.layers
    k.utils.set_random_seed(3)
    model = k.Sequential([
        k.Input((28, 28, 1)),
        L.Conv2D(8, 5, strides=2, padding="same", activation="tanh"),
        L.BatchNormalization(),
        L.MaxPooling2D(3, strides=2, padding="same"),
        L.Conv2D(6, 3, padding="valid", activation="elu"),
        L.GaussianNoise(0.5),
        L.Flatten(),
        L.Dense(16, activation="gelu"),
        L.LeakyReLU(negative_slope=0.1),
        L.Dropout(0.5),
        L.Dense(12, activation="sigmoid"),
        L.Activation("relu"),
        L.Reshape((3, 4)),
        L.Flatten(),
        L.Dense(10),  # logits: to_probabilities applies softmax
    ])
    bn = model.layers[1]
    rng = np.random.default_rng(0)
    bn.set_weights([rng.uniform(0.5, 1.5, 8), rng.normal(size=8), rng.normal(size=8),
                    rng.uniform(0.5, 2.0, 8)])
    fp = _check_matches(model, digits)
    p = to_probabilities(fp.predict(digits[0]))
    assert p.shape == (10,) and p.sum() == pytest.approx(1.0) and (p > 0).all()


def test_functional_model_falls_back_to_tensorflow(digits):
    k = keras()
    inp = k.Input((784,))
    h = k.layers.Dense(32, activation="relu")(inp)
    out = k.layers.Dense(10, activation="softmax")(k.layers.Add()([h, h]))
    fp = _check_matches(k.Model(inp, out), digits, backend="tensorflow")
    assert "Functional" in fp.reason


def test_refresh_picks_up_new_weights(digits):
    model = build_model(get_preset("mnist-784-20-10").spec(), seed=1)
    fp = FastPredictor(model)
    before = fp.predict(digits[0])
    model.set_weights([w * 0.5 for w in model.get_weights()])
    np.testing.assert_array_equal(fp.predict(digits[0]), before)  # a snapshot until refresh
    fp.refresh()
    np.testing.assert_allclose(fp.predict(digits[0]),
                               model.predict(digits[:1].reshape(1, 784), verbose=0)[0],
                               atol=1e-5)


def test_wrong_input_size_is_explained():
    k = keras()
    model = k.Sequential([k.Input((64,)), k.layers.Dense(10, activation="softmax")])
    with pytest.raises(ValueError, match="64"):
        FastPredictor(model).predict(np.zeros((28, 28), np.float32))


def test_to_probabilities():
    assert to_probabilities(np.array([0.2, 0.8])).tolist() == pytest.approx([0.2, 0.8])
    assert to_probabilities(np.array([0.9])).tolist() == pytest.approx([0.1, 0.9])
    p = to_probabilities(np.array([2.0, -1.0, 0.5]))
    assert p.sum() == pytest.approx(1.0) and p.argmax() == 0
