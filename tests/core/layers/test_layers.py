"""The layer registry and the NumPy forward engine, held equal to Keras.

BatchNormalization is the kind added through the registry alone: it must reach the menus,
the shapes, Keras, the read-back of a saved model and the NumPy forward pass.
"""

from __future__ import annotations

import numpy as np
import pytest

from nngui.core.layers import kinds as layers
from nngui.core.layers.base import Unsupported
from nngui.core.layers.fields import Field
from nngui.core.layers.numpy_ops import activation_fn
from nngui.core.model import autoencoder as ae
from nngui.core.model.builder import build_model
from nngui.core.model.forward import ForwardPass
from nngui.core.model.inference import FastPredictor
from nngui.core.model.saving import load_model, save_model, spec_from_model
from nngui.core.network import catalog
from nngui.core.network.shapes import layer_rows, non_trainable_params, total_params
from nngui.core.network.spec import LayerSpec, NetworkSpec
from nngui.core.network.validate import check, errors
from nngui.core.platform.runtime import keras

# The whole float32 range that matters, tails included: the old tables parted from Keras there.
Z = np.concatenate([np.linspace(-100, 100, 2001), np.linspace(-3, 3, 601)]).astype(np.float32)


@pytest.mark.parametrize("name", list(catalog.ACTIVATIONS))
def test_engine_activations_equal_keras_over_the_whole_range(name):
    k = keras()
    z = Z.reshape(-1, 2)  # softmax works over the last axis, like in a Dense layer
    ours = activation_fn(name)(z)
    ref = np.asarray(getattr(k.activations, name)(z))
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, ref, rtol=5e-5, atol=1e-30)


def test_leaky_relu_layer_slope_reaches_the_engine():
    k = keras()
    layer = k.layers.LeakyReLU(negative_slope=0.07)
    step = layers.kind_of(layer).step(layer)
    np.testing.assert_allclose(step(Z[None]), np.asarray(layer(Z[None])), rtol=1e-6)


def _bn_spec(center: bool = True, scale: bool = True) -> NetworkSpec:
    return NetworkSpec((28, 28), [
        LayerSpec("Reshape", {"target_shape": (28, 28, 1)}),
        LayerSpec("Conv2D", {"filters": 4, "kernel_size": 3, "strides": 2}),
        LayerSpec("BatchNormalization", {"center": center, "scale": scale, "epsilon": 0.01}),
        LayerSpec("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}),
        LayerSpec("Flatten"),
        LayerSpec("Dense", {"units": 8, "activation": "linear", "use_bias": False}),
        LayerSpec("BatchNormalization", {"momentum": 0.9}),
        LayerSpec("Activation", {"activation": "gelu"}),
        LayerSpec("Dense", {"units": 10, "activation": "softmax"}),
    ], "sparse_categorical_crossentropy")


def _randomise_norms(model) -> None:
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            layer.set_weights([rng.uniform(0.5, 2.0, w.shape).astype(np.float32)
                               for w in layer.get_weights()])


@pytest.mark.parametrize("center, scale", [(True, True), (False, True), (False, False)])
def test_batchnorm_shapes_and_counts_equal_keras(center, scale):
    spec = _bn_spec(center, scale)
    model = build_model(spec, seed=0)
    rows = layer_rows(spec)
    assert [lay.name for lay in model.layers] == [r.name for r in rows]
    for layer, row in zip(model.layers, rows, strict=True):
        assert tuple(layer.output.shape[1:]) == row.output_shape, layer.name
        assert layer.count_params() == row.params, layer.name
    assert total_params(spec) == model.count_params()
    assert rows[2].params == 4 * (2 + center + scale)
    frozen = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    assert non_trainable_params(spec) == frozen == 2 * 4 + 2 * 8


def test_batchnorm_runs_in_numpy_like_keras_and_reads_back(tmp_path):
    spec = _bn_spec()
    model = build_model(spec, seed=0)
    _randomise_norms(model)
    x = np.random.default_rng(1).uniform(0, 1, (5, 28, 28)).astype(np.float32)
    fp = FastPredictor(model)
    assert fp.backend == "numpy", fp.reason
    np.testing.assert_allclose(fp.predict_batch(x), np.asarray(model(x, training=False)),
                               rtol=1e-4, atol=1e-6)
    again = spec_from_model(load_model(save_model(model, tmp_path / "bn.keras")))
    assert again is not None
    assert [lay.to_dict() for lay in again.layers] == [lay.to_dict() for lay in spec.layers]


def test_batchnorm_is_in_the_menu_with_its_fields():
    kind = catalog.LAYER_TYPES["BatchNormalization"]
    assert [f.name for f in kind.fields] == ["momentum", "epsilon", "center", "scale"]
    assert kind.help and kind.title
    layer = LayerSpec("BatchNormalization")
    assert layer.params == {"momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True}
    assert layer.describe() == "BatchNormalization momentum 0.99"


def test_every_kind_declares_what_the_app_asks_of_it():
    for key, kind in catalog.LAYER_TYPES.items():
        assert kind.key == key and kind.title and kind.help, key
        assert kind.keras_classes, key
        spec = LayerSpec(key)
        assert spec.describe().startswith(key)
        for f in kind.fields:
            assert f.problem(f.default) == "", (key, f.name)


def test_dense_autoencoder_halves_match_keras_with_batchnorm():
    spec = ae.autoencoder_spec([16], 2, input_dim=64)
    spec.layers.insert(2, LayerSpec("BatchNormalization"))  # after the bottleneck
    model = build_model(spec, seed=0)
    _randomise_norms(model)
    z = np.random.default_rng(2).normal(size=(7, 2)).astype(np.float32)
    np.testing.assert_allclose(ae.FastDecoder(model, spec)(z), ae.decode(model, spec, z),
                               rtol=1e-4, atol=1e-6)
    x = np.random.default_rng(3).uniform(0, 1, (7, 64)).astype(np.float32)
    np.testing.assert_allclose(ae.FastEncoder(model, spec)(x), ae.encode(model, spec, x),
                               rtol=1e-4, atol=1e-6)


def test_layers_the_engine_cannot_run_are_named():
    k = keras()
    with pytest.raises(Unsupported, match="Add"):
        ForwardPass([k.layers.Add()])
    dense = k.layers.Dense(3, activation="swish")
    dense.build((None, 2))
    with pytest.raises(ValueError, match="activation silu"):  # the GUI catches ValueError
        ForwardPass([dense])


def test_models_with_unreadable_layers_give_no_spec():
    k = keras()
    for layer in (k.layers.Dense(3, activation="swish"), k.layers.Conv2D(2, (3, 1)),
                  k.layers.MaxPooling2D((2, 1)), k.layers.ReLU(max_value=6.0)):
        shape = (8, 8, 1) if "Pool" in type(layer).__name__ or "Conv" in type(layer).__name__ \
            else (4,)
        model = k.Sequential([k.Input(shape), layer])
        assert spec_from_model(model) is None, layer


def test_field_problems_name_the_rule():
    units = Field("units", "int", 32, minimum=1, maximum=100)
    assert units.problem(32) == ""
    assert "between 1 and 100" in units.problem(0)
    assert "whole number" in units.problem(2.5)
    assert "number" in units.problem("x") and "number" in units.problem(True)
    assert "at least 0" in Field("s", "float", 0.3, minimum=0.0).problem(-1.0)
    assert "one of a, b" in Field("c", "choice", "a", choices=("a", "b")).problem("z")
    assert "true or false" in Field("b", "bool", True).problem(1)
    assert "at least 1" in Field("t", "shape", (2,)).problem((3, 0))


@pytest.mark.parametrize("layer, fragment", [
    (LayerSpec("Dropout", {"rate": 1.2}), "Dropout rate must be between 0 and 0.95"),
    (LayerSpec("Dense", {"units": 0}), "Dense units must be between 1"),
    (LayerSpec("Dense", {"units": 4, "activation": "swishy"}), "Dense activation must be one of"),
    (LayerSpec("Conv2D", {"padding": "full"}), "Conv2D padding must be one of valid, same"),
    (LayerSpec("BatchNormalization", {"epsilon": 0.0}), "BatchNormalization epsilon must be"),
    (LayerSpec("Dense", {"units": 4, "activation": "leaky_relu", "alpha": -1.0}), "α"),
])
def test_declared_field_ranges_are_validation_errors(layer, fragment):
    spec = NetworkSpec((4,), [LayerSpec("Reshape", {"target_shape": (2, 2, 1)}), layer])
    if layer.type in ("Dense", "Dropout"):
        spec = NetworkSpec((4,), [layer])
    msgs = [str(p) for p in errors(check(spec))]
    assert any(fragment in m for m in msgs), msgs


def test_a_hidden_field_is_not_checked():
    # α only matters (and is only shown) for leaky_relu; a stale value must not block training
    spec = NetworkSpec((4,), [LayerSpec("Dense", {"units": 4, "activation": "relu",
                                                  "alpha": -1.0})], "mse")
    assert errors(check(spec)) == []


def test_forward_macs_count_dense_weights_once_and_conv_kernels_per_position():
    """What training sizes its compiled chunks by (steps_per_execution)."""
    from nngui.core.network.shapes import forward_macs
    from nngui.core.training.presets import PRESETS

    assert forward_macs(PRESETS["mnist-784-20-10"].spec()) == 15_910  # weights + biases
    assert forward_macs(PRESETS["mnist-mlp-512"].spec()) == 669_706
    cnn = PRESETS["mnist-cnn"].spec()
    assert forward_macs(cnn) > 10 * total_params(cnn)  # convolutions reuse their weights
