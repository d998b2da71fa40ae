"""nngui trains Keras' Dropout layers with a cheaper mask that behaves as Keras' dropout.

``fast_dropout.masked`` draws 16 random bits per activation instead of a float32 uniform.
Held here: every element is either dropped or scaled by exactly ``1 / keep``; the dropped
fraction is the rate (to the 1/65536 grid) over random rates and shapes, odd sizes
included; neighbouring elements (the two halves of one random word) are independent; the
gradient is the mask; a seed replays its masks; XLA compiles it; ``training.train`` uses it
and the saved model is a plain Keras ``Dropout``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nngui.core.model import fast_dropout
from nngui.core.model.builder import build_model
from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig
from nngui.core.platform.runtime import keras, tf
from nngui.core.training.train import train


def _draw(shape: tuple[int, ...], rate: float, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(seed).uniform(0.5, 2.0, size=shape).astype(np.float32)
    gen = keras().random.SeedGenerator(seed)
    return x, fast_dropout.masked(tf().constant(x), rate, gen).numpy()


def _grid(rate: float) -> tuple[float, float]:
    """(the realised drop probability, the scale of a kept element)."""
    t = round(rate * 65536)
    return t / 65536, 65536 / (65536 - t)


@settings(max_examples=25, deadline=None)
@given(rate=st.floats(0.01, 0.95), rows=st.integers(1, 300), cols=st.integers(1, 700),
       seed=st.integers(0, 2**31 - 1))
def test_each_element_is_dropped_or_scaled_and_the_rate_holds(rate, rows, cols, seed):
    x, y = _draw((rows, cols), rate, seed)
    p, scale = _grid(rate)
    assert abs(p - rate) <= 0.5 / 65536
    dropped = y == 0
    np.testing.assert_allclose(y[~dropped], x[~dropped] * np.float32(scale), rtol=1e-6)
    n = x.size
    sd = math.sqrt(p * (1 - p) / n)
    assert abs(dropped.mean() - p) <= 6 * sd + 1 / n, (dropped.mean(), p, n)


def test_large_draw_matches_the_rate_and_keeps_the_mean():
    x, y = _draw((512, 1024), 0.2)  # 524,288 activations
    p, _ = _grid(0.2)
    sd = math.sqrt(p * (1 - p) / x.size)
    assert abs((y == 0).mean() - p) < 5 * sd
    # unbiased: E[y] = x, so the mean ratio over kept and dropped is 1
    assert abs((y / x).mean() - 1.0) < 5 * math.sqrt(p / (1 - p) / x.size)


def test_neighbours_are_independent():
    """Two neighbouring activations share one 32-bit random word: its halves must not agree."""
    x, y = _draw((256, 2048), 0.5, seed=7)
    d = (y == 0).reshape(-1)
    pairs = d[0::2] & d[1::2]  # the two halves of each word
    sd = math.sqrt(0.25 * 0.75 / pairs.size)
    assert abs(pairs.mean() - 0.25) < 6 * sd
    rows = (y == 0)
    both = (rows[:-1] & rows[1:]).mean()  # the same column in neighbouring rows
    assert abs(both - 0.25) < 6 * math.sqrt(0.25 * 0.75 / rows[:-1].size)


def test_gradient_is_the_mask():
    t = tf()
    x = t.constant(np.random.default_rng(0).normal(size=(64, 33)).astype(np.float32))
    gen = keras().random.SeedGenerator(3)
    with t.GradientTape() as tape:
        tape.watch(x)
        y = fast_dropout.masked(x, 0.3, gen)
        loss = t.reduce_sum(y * 2.0)
    g = tape.gradient(loss, x).numpy()
    _, scale = _grid(0.3)
    mask = np.where(y.numpy() == 0, 0.0, scale).astype(np.float32)
    np.testing.assert_allclose(g, 2.0 * mask, rtol=1e-6)


def test_a_seed_replays_its_masks_and_each_call_draws_a_new_one():
    gen_a, gen_b = keras().random.SeedGenerator(11), keras().random.SeedGenerator(11)
    x = tf().ones((50, 40))
    a1, a2 = fast_dropout.masked(x, 0.4, gen_a), fast_dropout.masked(x, 0.4, gen_a)
    b1 = fast_dropout.masked(x, 0.4, gen_b)
    np.testing.assert_array_equal(a1.numpy(), b1.numpy())
    assert (a1.numpy() != a2.numpy()).any()


def _net(rate: float) -> NetworkSpec:
    return NetworkSpec((6,), [LayerSpec("Dense", {"units": 16, "activation": "relu"}),
                              LayerSpec("Dropout", {"rate": rate}),
                              LayerSpec("Dense", {"units": 3, "activation": "softmax"})],
                       "sparse_categorical_crossentropy", "adam", 0.01)


def test_model_layers_get_it_only_where_it_is_safe():
    k = keras()
    model = k.Sequential([k.Input((6,)), k.layers.Dense(8), k.layers.Dropout(0.5),
                          k.layers.Dropout(0.001), k.layers.Dropout(0.5, noise_shape=(1, 8)),
                          k.layers.GaussianDropout(0.3)])
    assert fast_dropout.use_fast_dropout(model) == 1
    assert fast_dropout.use_fast_dropout(model) == 1  # idempotent
    fast, tiny, shaped, gauss = model.layers[1:]
    assert "call" in vars(fast) and not any("call" in vars(la) for la in (tiny, shaped, gauss))
    x = tf().constant(np.random.default_rng(0).normal(size=(200, 8)).astype(np.float32))
    np.testing.assert_array_equal(fast(x, training=False).numpy(), x.numpy())  # inference
    y = fast(x, training=True).numpy()
    assert 0.4 < (y == 0).mean() < 0.6
    np.testing.assert_allclose(y[y != 0], 2.0 * x.numpy()[y != 0], rtol=1e-6)


def test_xla_compiles_it():
    t = tf()
    gen = keras().random.SeedGenerator(5)

    @t.function(jit_compile=True)
    def step(x):
        return fast_dropout.masked(x, 0.25, gen)

    y = step(t.ones((128, 301))).numpy()  # an odd size: the half-word is cut off
    assert set(np.unique(y)) <= {0.0, np.float32(_grid(0.25)[1])}
    assert abs((y == 0).mean() - 0.25) < 0.02


def test_train_uses_it_and_saves_a_plain_dropout(tmp_path):
    from nngui.core.data.adapt import Prepared
    from nngui.core.model.saving import load_model, save_model

    spec = _net(rate=0.5)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0).astype(np.int64)
    data = Prepared(x, y, x[:50], y[:50], y[:50])
    model = build_model(spec, 0)
    result = train(model, data, spec, TrainConfig(epochs=3, batch_size=32, seed=0))
    assert result.ok, result.message
    drop = model.layers[1]
    assert type(drop) is keras().layers.Dropout and "call" in vars(drop)
    path = save_model(model, tmp_path / "m.keras")
    again = load_model(path)
    assert type(again.layers[1]) is keras().layers.Dropout
    assert "call" not in vars(again.layers[1])  # a plain Keras layer in the file
    assert again.layers[1].get_config() == {**drop.get_config()}
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


if __name__ == "__main__":
    pytest.main([__file__])
