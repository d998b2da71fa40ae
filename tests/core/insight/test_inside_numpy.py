"""The NumPy reader of the Draw tab (``NumpyInside``) gives what a Keras sub-model and a
``tf.GradientTape`` give: feature maps strongest first, filters, gradient × input, an MLP's top
units; from its own forward pass or from the trace of the stroke's."""

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from keras_truths import conv_net, sub_outputs, tape_saliency
from keras_truths import conv_nets as conv_nets_of

from nngui.core.insight.inside import InsideReader
from nngui.core.insight.inside_numpy import NumpyInside, Unsupported
from nngui.core.model.inference import FastPredictor
from nngui.core.platform.runtime import keras

SETTINGS = settings(max_examples=8, deadline=None, phases=[Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow])


def _conv_net(*args, **kwargs):
    """The tests' CNNs, with a Dropout the engine must see through (inactive)."""
    return conv_net(*args, **kwargs, dropout=0.2)


conv_nets = conv_nets_of(["relu", "tanh", "linear", "gelu"])


@SETTINGS
@given(net=conv_nets, data_seed=st.integers(0, 10_000), explain=st.integers(-1, 4),
       traced=st.booleans())
def test_maps_filters_and_saliency_equal_keras_and_a_tape(net, data_seed, explain, traced):
    if not net["softmax"]:
        net = {**net, "out": 1}
    model = _conv_net(**net)
    x = np.random.default_rng(data_seed).uniform(size=(1, net["side"], net["side"],
                                                       net["channels"])).astype(np.float32)
    reader = NumpyInside(model)
    trace = FastPredictor(model).predict_traced(x[0])[1] if traced else None
    target = None if explain < 0 or not net["softmax"] else explain % net["out"]
    inside = reader.read(x, target, trace=trace)

    out = np.asarray(model(x, training=False)).reshape(-1)
    expected_target = (int(np.argmax(out)) if target is None else target) if net["softmax"] \
        else int(out[0] >= 0.5)
    assert inside.target == expected_target
    np.testing.assert_allclose(inside.probabilities, out, rtol=1e-4, atol=1e-6)
    ref = tape_saliency(model, x, expected_target if net["softmax"] else 0,
                         net["softmax"]).sum(axis=-1)
    assert inside.saliency.shape == (net["side"], net["side"])
    np.testing.assert_allclose(inside.saliency, ref, rtol=1e-3,
                               atol=1e-5 * max(1.0, float(np.abs(ref).max())))

    wanted = [i for i, lay in enumerate(model.layers)
              if type(lay).__name__ in ("Conv2D", "MaxPooling2D")]
    assert [m.index for m in inside.layers] == wanted
    for got, ref_map in zip(inside.layers, sub_outputs(model, wanted, x), strict=True):
        ref_map = ref_map[0]
        assert got.name == model.layers[got.index].name
        assert got.kind == type(model.layers[got.index]).__name__
        assert sorted(got.channels.tolist()) == list(range(ref_map.shape[-1]))
        np.testing.assert_allclose(got.maps, ref_map.transpose(2, 0, 1)[got.channels],
                                   rtol=1e-4, atol=1e-5)
        assert np.all(np.diff(got.strength) <= 1e-6), "strongest first"
    first = next(lay for lay in model.layers if type(lay).__name__ == "Conv2D")
    np.testing.assert_allclose(inside.filters, np.asarray(first.kernel).sum(axis=2)
                               .transpose(2, 0, 1), rtol=1e-6)


def test_it_reads_what_tensorflows_reader_reads_on_the_bundled_cnn():
    from nngui.core.model.saving import load_model
    from nngui.core.platform.resources import bundled_model

    model = load_model(bundled_model("mnist_cnn"))
    x = np.zeros((28, 28), np.float32)
    x[5:23, 12:16] = 1.0
    x[5:8, 9:19] = 0.6
    # No two equal inked pixels: flat ink makes exact ties in a pooling window, and which of
    # the maxima TensorFlow's MaxPoolGrad sends the gradient to is its kernel's choice
    # (oneDNN's differs from Eigen's: 71 saliency values changed with TensorFlow's build).
    x += 1e-3 * np.random.default_rng(0).random((28, 28)).astype(np.float32) * (x > 0)
    got, want = NumpyInside(model).read(x), InsideReader(model).read(x)
    assert got.target == want.target
    np.testing.assert_allclose(got.probabilities, want.probabilities, atol=1e-5)
    np.testing.assert_allclose(got.saliency, want.saliency,
                               atol=1e-4 * float(np.abs(want.saliency).max()))
    for a, b in zip(got.layers, want.layers, strict=True):
        assert (a.index, a.name, a.kind) == (b.index, b.name, b.kind)
        np.testing.assert_allclose(a.maps, b.maps, atol=1e-4)


def test_a_trace_given_is_used_and_a_wrong_one_is_not():
    model = _conv_net(3, 8, 1, [(4, 3)], True, "relu", 3, True)
    reader = NumpyInside(model)
    x = np.random.default_rng(2).uniform(size=(8, 8)).astype(np.float32)
    trace = reader.forward.trace(x.reshape(1, 8, 8, 1))
    doctored = [t.copy() for t in trace]
    doctored[1][...] = 7.0  # the first conv layer's maps, as a caller's trace said
    assert np.all(reader.read(x, trace=doctored).layers[0].maps == 7.0)
    # a trace of another length or input shape is not this network's: it reads afresh
    for wrong in (trace[:-1], [trace[0].reshape(1, 64)] + trace[1:]):
        np.testing.assert_array_equal(reader.read(x, trace=wrong).layers[0].maps,
                                      reader.read(x).layers[0].maps)


def test_an_mlp_shows_its_most_active_first_layer_units_and_their_weights():
    k = keras()
    k.utils.set_random_seed(0)
    model = k.Sequential([k.Input((784,)), k.layers.Dense(20, activation="relu"),
                          k.layers.Dense(10, activation="softmax")])
    x = np.random.default_rng(0).uniform(size=(28, 28)).astype(np.float32)
    inside = NumpyInside(model).read(x, count=6)
    assert inside.layers == [] and inside.filters is None
    acts = sub_outputs(model, [0], x.reshape(1, 784))[0][0]
    units = inside.units
    assert units.total == 20 and units.layer == model.layers[0].name
    np.testing.assert_array_equal(units.units, np.argsort(-acts, kind="stable")[:6])
    np.testing.assert_allclose(units.activations, acts[units.units], rtol=1e-5, atol=1e-6)
    kernel = np.asarray(model.layers[0].kernel)
    for unit, image in zip(units.units, units.images, strict=True):
        np.testing.assert_array_equal(image, kernel[:, unit].reshape(28, 28))
    ref = tape_saliency(model, x.reshape(1, 784), inside.target, True).reshape(28, 28)
    np.testing.assert_allclose(inside.saliency, ref, rtol=1e-3, atol=1e-6)


def test_a_net_that_reads_two_numbers_says_so():
    k = keras()
    model = k.Sequential([k.Input((2,)), k.layers.Dense(4, activation="tanh"),
                          k.layers.Dense(2, activation="softmax")])
    inside = NumpyInside(model).read(np.array([0.3, -0.2], np.float32))
    assert inside.image_shape is None and inside.saliency is None and inside.layers == []
    assert "reads 2 numbers, not an image" in inside.reason
    np.testing.assert_allclose(inside.probabilities,
                               np.asarray(model(np.array([[0.3, -0.2]]))).reshape(-1),
                               rtol=1e-5)


def test_wrong_sized_input_is_one_clear_sentence():
    model = _conv_net(0, 6, 1, [(2, 3)], False, "relu", 2, True)
    with pytest.raises(ValueError, match="reads 36 values per sample, this input has 35"):
        NumpyInside(model).read(np.zeros(35, np.float32))


def test_a_model_the_engine_cannot_run_is_unsupported():
    k = keras()
    inputs = k.Input((6, 6, 1))
    functional = k.Model(inputs, k.layers.Dense(2)(k.layers.Flatten()(inputs)))
    pooled = k.Sequential([k.Input((6, 6, 1)), k.layers.AveragePooling2D(2),
                           k.layers.Flatten(), k.layers.Dense(2)])
    for model in (functional, pooled):
        with pytest.raises(Unsupported):
            NumpyInside(model)
