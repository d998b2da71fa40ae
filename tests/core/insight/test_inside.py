"""Inside a CNN: feature maps, filters, saliency, occlusion and an MLP's top units, each
checked against an independent Keras computation (a sub-model, a direct GradientTape)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from keras_truths import conv_net, sub_outputs, tape_saliency
from keras_truths import conv_nets as conv_nets_of

from nngui.core.insight.inside import (
    InsideReader,
    image_shape,
    look_inside,
    occlusion,
)
from nngui.core.platform.runtime import keras

# each example builds and traces a network (~1 s): no shrinking, a failure shows as found
SETTINGS = settings(max_examples=5, deadline=None, phases=[Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow])


conv_nets = conv_nets_of(["relu", "tanh", "linear"])


@SETTINGS
@given(net=conv_nets, data_seed=st.integers(0, 10_000))
def test_feature_maps_are_the_sub_models_outputs_strongest_first(net, data_seed):
    if not net["softmax"]:
        net = {**net, "out": 1}
    model = conv_net(**net)
    x = np.random.default_rng(data_seed).normal(size=(1, net["side"], net["side"],
                                                      net["channels"])).astype(np.float32)
    inside = InsideReader(model).read(x)
    wanted = [i for i, lay in enumerate(model.layers)
              if type(lay).__name__ in ("Conv2D", "MaxPooling2D")]
    assert [m.index for m in inside.layers] == wanted
    for got, ref in zip(inside.layers, sub_outputs(model, wanted, x), strict=True):
        ref = ref[0]  # (h, w, c)
        assert sorted(got.channels.tolist()) == list(range(ref.shape[-1]))
        np.testing.assert_allclose(got.maps, ref.transpose(2, 0, 1)[got.channels],
                                   rtol=1e-4, atol=1e-5)
        strength = np.abs(ref).mean(axis=(0, 1))[got.channels]
        np.testing.assert_allclose(got.strength, strength, rtol=1e-4, atol=1e-6)
        assert np.all(np.diff(got.strength) <= 1e-6), "strongest first"
    first = next(lay for lay in model.layers if type(lay).__name__ == "Conv2D")
    kernel = np.asarray(first.kernel)
    np.testing.assert_allclose(inside.filters, kernel.sum(axis=2).transpose(2, 0, 1),
                               rtol=1e-6)
    assert inside.filters_layer == first.name


@SETTINGS
@given(net=conv_nets, data_seed=st.integers(0, 10_000), explain=st.integers(-1, 4))
def test_saliency_is_gradient_times_input_from_a_tape(net, data_seed, explain):
    if not net["softmax"]:
        net = {**net, "out": 1}
    model = conv_net(**net)
    x = np.random.default_rng(data_seed).uniform(size=(1, net["side"], net["side"],
                                                       net["channels"])).astype(np.float32)
    out = np.asarray(model(x, training=False)).reshape(-1)
    target = None if explain < 0 or not net["softmax"] else explain % net["out"]
    inside = InsideReader(model).read(x, target)
    expected_target = (int(np.argmax(out)) if target is None else target) if net["softmax"] \
        else int(out[0] >= 0.5)
    assert inside.target == expected_target
    np.testing.assert_allclose(inside.probabilities, out, rtol=1e-5, atol=1e-6)
    ref = tape_saliency(model, x, expected_target if net["softmax"] else 0,
                         net["softmax"]).sum(axis=-1)  # the input's channels summed
    assert inside.saliency.shape == (net["side"], net["side"])
    np.testing.assert_allclose(inside.saliency, ref, rtol=1e-3, atol=1e-5)


def test_a_reader_reused_on_new_inputs_gives_what_a_fresh_one_does():
    model = conv_net(3, 8, 1, [(4, 3), (3, 3)], True, "relu", 3, True)
    reader = InsideReader(model)
    rng = np.random.default_rng(1)
    for _ in range(3):
        x = rng.uniform(size=(8, 8)).astype(np.float32)  # any layout holding 64 values
        again, fresh = reader.read(x), look_inside(model, x)
        np.testing.assert_allclose(again.saliency, fresh.saliency, rtol=1e-5, atol=1e-7)
        for a, b in zip(again.layers, fresh.layers, strict=True):
            np.testing.assert_array_equal(a.channels, b.channels)


def test_an_mlp_shows_its_most_active_first_layer_units_and_their_weights():
    k = keras()
    k.utils.set_random_seed(0)
    model = k.Sequential([k.Input((28, 28)), k.layers.Flatten(),
                          k.layers.Dense(20, activation="relu"),
                          k.layers.Dense(10, activation="softmax")])
    x = np.random.default_rng(0).uniform(size=(1, 28, 28)).astype(np.float32)
    inside = look_inside(model, x, count=6)
    assert inside.layers == [] and inside.filters is None
    acts = sub_outputs(model, [1], x)[0][0]
    units = inside.units
    assert units.total == 20 and units.layer == model.layers[1].name
    np.testing.assert_array_equal(units.units, np.argsort(-acts, kind="stable")[:6])
    np.testing.assert_allclose(units.activations, acts[units.units], rtol=1e-5, atol=1e-6)
    kernel = np.asarray(model.layers[1].kernel)
    for unit, image in zip(units.units, units.images, strict=True):
        np.testing.assert_array_equal(image, kernel[:, unit].reshape(28, 28))
    ref = tape_saliency(model, x, inside.target, True)
    np.testing.assert_allclose(inside.saliency, ref, rtol=1e-3, atol=1e-6)


def test_a_net_that_reads_two_numbers_says_so():
    k = keras()
    model = k.Sequential([k.Input((2,)), k.layers.Dense(4, activation="tanh"),
                          k.layers.Dense(2, activation="softmax")])
    inside = look_inside(model, np.array([0.3, -0.2], np.float32))
    assert inside.image_shape is None and inside.saliency is None and inside.layers == []
    assert "reads 2 numbers, not an image" in inside.reason
    assert inside.probabilities.shape == (2,)
    with pytest.raises(ValueError, match="not an image"):
        occlusion(model, np.zeros(2, np.float32))


def test_wrong_sized_input_is_one_clear_sentence():
    model = conv_net(0, 6, 1, [(2, 3)], False, "relu", 2, True)
    with pytest.raises(ValueError, match="reads 36 values per sample, this input has 35"):
        look_inside(model, np.zeros(35, np.float32))


@pytest.mark.parametrize(("shape", "image"), [((784,), (28, 28)), ((28, 28), (28, 28)),
                                              ((28, 28, 1), (28, 28)), ((64,), (8, 8)),
                                              ((2,), None), ((10,), None), ((9,), None)])
def test_image_shape(shape, image):
    assert image_shape(shape) == image


@settings(max_examples=4, deadline=None, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 1000), side=st.integers(5, 9), patch=st.integers(1, 4))
def test_occlusion_is_the_drop_when_each_square_is_blanked(seed, side, patch):
    model = conv_net(seed, side, 1, [(3, 3)], False, "tanh", 3, True)
    x = np.random.default_rng(seed).uniform(size=(side, side)).astype(np.float32)
    got = occlusion(model, x, patch=patch, batch=5)
    base = np.asarray(model(x.reshape(1, side, side, 1))).reshape(-1)
    c = int(np.argmax(base))
    for r in range(0, side, patch):
        for col in range(0, side, patch):
            v = x.copy()
            v[r:r + patch, col:col + patch] = 0
            p = np.asarray(model(v.reshape(1, side, side, 1))).reshape(-1)[c]
            np.testing.assert_allclose(got[r:r + patch, col:col + patch], base[c] - p,
                                       rtol=1e-4, atol=1e-6)
