"""Per-unit activation maps: each tile is its hidden unit's output on the boundary grid."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nngui.core.data.datasets import load_dataset
from nngui.core.insight.probes import (
    MAP_FIRST_UNITS,
    MAP_LAYER_UNITS,
    MAP_TILES,
    BoundaryProbe,
    unit_maps,
)
from nngui.core.model.builder import build_model
from nngui.core.network.features import lift
from nngui.core.network.spec import LayerSpec, NetworkSpec
from nngui.core.platform.runtime import keras
from nngui.core.training.presets import _dense


@pytest.fixture(scope="module")
def moons():
    return load_dataset("moons")


def _grid_points(out, features=()):
    gx, gy = np.meshgrid(out["xs"], out["ys"])
    return lift(np.column_stack([gx.ravel(), gy.ravel()]), features)


def _sub_outputs(model, indices, x):
    """Outputs of ``model.layers[i]`` for each i from one Keras sub-model (an independent path)."""
    sub = keras().Model(model.inputs, [model.layers[i].output for i in indices])
    out = sub.predict(x, verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(widths=st.lists(st.integers(1, 40), min_size=1, max_size=4),
       act=st.sampled_from(["tanh", "relu", "sigmoid", "linear"]),
       features=st.sampled_from([(), ("x1^2", "x2^2"), ("x1*x2", "sin(x1)")]),
       seed=st.integers(0, 1000))
def test_each_map_is_its_units_output_on_the_grid(moons, widths, act, features, seed):
    spec = NetworkSpec((2,), [_dense(w, act) for w in widths] + [_dense(2, "softmax")],
                       features=list(features))
    model = build_model(spec, seed)
    x = lift(moons.x_train[:80], features)
    probe = BoundaryProbe(moons.x_train[:80], moons.y_train[:80], moons.x_test[:20],
                          moons.y_test[:20], resolution=13, features=features)
    out = probe(model)
    pts = _grid_points(out, features)
    assert pts.shape[1] == x.shape[1]
    hidden = _sub_outputs(model, range(len(widths)), pts)
    # which layers get tiles: the first always (up to MAP_TILES units), smaller ones after it
    left, expected = MAP_TILES, []
    for n, w in enumerate(widths):
        take = min(w, MAP_FIRST_UNITS) if n == 0 else \
            (w if w <= min(MAP_LAYER_UNITS, left) else 0)
        if take:
            expected.append((n + 1, take))
            left -= take
    got = out["unit_maps"]
    assert [(m["layer"], len(m["maps"])) for m in got] == expected
    for m in got:
        h = hidden[m["layer"] - 1]
        assert m["units"] == widths[m["layer"] - 1]
        assert m["maps"].shape == (len(m["maps"]), 13, 13)
        for u, grid in enumerate(m["maps"]):
            np.testing.assert_allclose(grid.ravel(), h[:, u], atol=1e-5)


def test_a_separate_activation_layer_is_part_of_the_unit():
    layers = [_dense(3, "linear"), LayerSpec("Activation", {"activation": "relu"}),
              _dense(2, "softmax")]
    model = build_model(NetworkSpec((2,), layers), 4)
    pts = np.random.default_rng(0).normal(size=(30, 2)).astype(np.float32)
    (m,) = unit_maps(model, pts, (5, 6))
    relu = _sub_outputs(model, [1], pts)[0]
    assert relu.min() == 0.0  # the activation, not the Dense layer's linear output
    np.testing.assert_allclose(m["maps"].reshape(3, -1).T, relu, atol=1e-6)


def test_many_units_are_capped_and_a_perceptron_has_no_hidden_maps():
    widths = [40, 8, 30, 16, 12]
    wide = build_model(NetworkSpec((2,), [_dense(u) for u in widths] + [_dense(1, "sigmoid")],
                                   "binary_crossentropy"), 0)
    pts = np.zeros((4, 2), np.float32)
    maps = unit_maps(wide, pts, (2, 2))
    # 32 of the first 40, all 8 of the next; 30 is too wide, and then 16 would pass 48 in all
    assert (MAP_FIRST_UNITS, MAP_TILES) == (32, 48)
    assert [(m["layer"], len(m["maps"]), m["units"]) for m in maps] == [(1, 32, 40), (2, 8, 8)]
    perceptron = build_model(NetworkSpec((2,), [_dense(1, "sigmoid")], "binary_crossentropy"), 0)
    assert unit_maps(perceptron, pts, (2, 2)) == []
