"""Cost beside parameters: multiply-adds counted from the built Keras model's own kernels and
output shapes, and the time per epoch read from the run history."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from nngui.core.model.builder import build_model
from nngui.core.network.spec import LayerSpec, NetworkSpec
from nngui.core.training.cost import (
    count_text,
    epoch_seconds,
    multiply_adds,
    seconds_text,
)


def _keras_multiply_adds(model) -> int:
    """Each kernel weight once per output position; BatchNormalization once per value."""
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        out = [int(v) for v in layer.output.shape[1:]]
        if kind in ("Dense", "Conv2D"):
            total += int(np.prod(layer.kernel.shape)) * math.prod(out[:-1])
        elif kind == "BatchNormalization":
            total += math.prod(out)
    return total


@settings(max_examples=8, deadline=None, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.too_slow])
@given(convs=st.lists(st.tuples(st.integers(1, 8), st.sampled_from([1, 3, 5]),
                                st.sampled_from(["valid", "same"]), st.booleans(),
                                st.booleans()), max_size=3),
       pool=st.booleans(), norm=st.booleans(), dense=st.lists(st.integers(1, 30), max_size=2),
       bias=st.booleans())
def test_multiply_adds_are_the_keras_models_kernel_uses(convs, pool, norm, dense, bias):
    layers = [LayerSpec("Reshape", {"target_shape": (12, 12, 1)})]
    for filters, size, padding, conv_bias, norm_after in convs:
        layers.append(LayerSpec("Conv2D", {"filters": filters, "kernel_size": size,
                                           "padding": padding, "use_bias": conv_bias}))
        if norm_after:
            layers.append(LayerSpec("BatchNormalization", {}))
    if pool:
        layers.append(LayerSpec("MaxPooling2D", {}))
    layers.append(LayerSpec("Flatten", {}))
    if norm:
        layers.append(LayerSpec("BatchNormalization", {}))
    layers += [LayerSpec("Dense", {"units": u, "use_bias": bias}) for u in dense]
    layers.append(LayerSpec("Dense", {"units": 3, "activation": "softmax"}))
    spec = NetworkSpec((144,), layers, "sparse_categorical_crossentropy")
    assert multiply_adds(spec) == _keras_multiply_adds(build_model(spec, seed=0))


def test_the_784_20_10_mlp_by_hand():
    spec = NetworkSpec((784,), [LayerSpec("Dense", {"units": 20}),
                                LayerSpec("Dense", {"units": 10, "activation": "softmax"})])
    assert multiply_adds(spec) == 784 * 20 + 20 * 10


def test_a_network_whose_shapes_fail_has_no_count():
    spec = NetworkSpec((4,), [LayerSpec("Conv2D", {})])
    assert multiply_adds(spec) is None


def test_epoch_seconds_is_the_median_of_the_latest_whole_epochs():
    assert epoch_seconds({}) is None
    assert epoch_seconds({"epoch": [1.0], "loss": [0.5]}) is None
    h = {"epoch": [1.0, 2.0, 2.4, 3.0], "epoch_time": [9.0, 2.0, 0.5, 4.0]}
    assert epoch_seconds(h) == 4.0  # 2.4 is a stopped epoch's part; median of 9, 2, 4
    h = {"epoch": [float(i) for i in range(1, 16)], "epoch_time": [100.0] * 5 +
         [1.0, 2.0, float("nan"), 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]}
    assert epoch_seconds(h) == 5.0  # the last 10 whole epochs, NaN left out
    assert epoch_seconds({"epoch_time": [1.0, 3.0]}) == 2.0  # an older file: no positions


@pytest.mark.parametrize(("n", "text"), [(15_880, "15,880"), (12_345_678, "12.3 M"),
                                         (2_500_000_000, "2.5 G")])
def test_count_text(n, text):
    assert count_text(n) == text


@pytest.mark.parametrize(("s", "text"), [(0.0004, "0.4 ms"), (0.0021, "2.1 ms"),
                                         (0.056, "56 ms"), (0.423, "0.42 s"), (3.46, "3.5 s"), (42.0, "42 s"),
                                         (300.0, "5.0 min")])
def test_seconds_text(s, text):
    assert seconds_text(s) == text
