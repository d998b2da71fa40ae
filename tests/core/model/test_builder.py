"""The spec really reaches Keras: counts, names, activations, losses, optimizers, initializers."""

import numpy as np
import pytest

from nngui.core.model.builder import build_model, compile_model, make_loss, make_optimizer
from nngui.core.network import catalog
from nngui.core.network.shapes import layer_rows
from nngui.core.network.spec import LayerSpec, NetworkSpec
from nngui.core.training import presets


@pytest.mark.parametrize("name", list(presets.PRESETS))
def test_preset_summary_equals_keras(name):
    spec = presets.get_preset(name).spec()
    model = build_model(spec, seed=0)
    rows = layer_rows(spec)
    assert model.count_params() == sum(r.params for r in rows)
    assert [layer.name for layer in model.layers] == [r.name for r in rows]
    for layer, row in zip(model.layers, rows, strict=False):
        assert tuple(layer.output.shape[1:]) == row.output_shape, layer.name
        assert layer.count_params() == row.params, layer.name


def _dense_model(**params):
    spec = NetworkSpec((4,), [LayerSpec("Dense", {"units": 3, **params})], "mse")
    return spec, build_model(spec, seed=1)


@pytest.mark.parametrize("act", [a for a in catalog.ACTIVATIONS if a != "leaky_relu"])
def test_each_activation_reaches_keras(act):
    _, model = _dense_model(activation=act)
    x = np.linspace(-2, 2, 8, dtype="float32").reshape(2, 4)
    w, b = model.layers[0].get_weights()
    z = x @ w + b
    ref = {
        "linear": z, "sigmoid": 1 / (1 + np.exp(-z)), "tanh": np.tanh(z),
        "relu": np.maximum(z, 0), "elu": np.where(z > 0, z, np.exp(z) - 1),
        "softmax": np.exp(z) / np.exp(z).sum(-1, keepdims=True),
    }
    out = np.asarray(model(x))
    if act in ref:
        np.testing.assert_allclose(out, ref[act], rtol=1e-5, atol=1e-6)
    else:
        assert model.layers[0].get_config()["activation"] == act


def test_leaky_relu_uses_the_chosen_alpha():
    _, model = _dense_model(activation="leaky_relu", alpha=0.1)
    assert type(model.layers[1]).__name__ == "LeakyReLU"
    x = -np.ones((1, 4), "float32")
    w, b = model.layers[0].get_weights()
    z = x @ w + b
    np.testing.assert_allclose(np.asarray(model(x)), np.where(z > 0, z, 0.1 * z), rtol=1e-5)


@pytest.mark.parametrize("init", list(catalog.INITIALIZERS))
def test_each_initializer_reaches_keras(init):
    spec = NetworkSpec((400,), [LayerSpec("Dense", {"units": 300, "kernel_initializer": init})])
    w = build_model(spec, seed=0).layers[0].get_weights()[0]
    if init == "zeros":
        assert np.all(w == 0)
    elif init == "ones":
        assert np.all(w == 1)
    elif init == "uniform":
        assert w.min() >= -0.05 and w.max() <= 0.05 and w.std() > 0.02
    elif init == "normal":
        assert abs(w.std() - 0.05) < 0.005
    else:
        fan_in, fan_out = 400, 300
        std = {"glorot_uniform": np.sqrt(2 / (fan_in + fan_out)),
               "glorot_normal": np.sqrt(2 / (fan_in + fan_out)),
               "he_normal": np.sqrt(2 / fan_in), "he_uniform": np.sqrt(2 / fan_in),
               "lecun_uniform": np.sqrt(1 / fan_in)}[init]
        assert abs(w.std() - std) / std < 0.15, (init, w.std(), std)


@pytest.mark.parametrize("loss", list(catalog.LOSSES))
def test_each_loss_reaches_keras_and_computes_the_right_value(loss):
    spec = NetworkSpec((2,), [LayerSpec("Dense", {"units": 3, "activation": "softmax"})], loss)
    fn = make_loss(spec)
    y = np.array([[0, 1, 0], [1, 0, 0]], "float32")
    p = np.array([[0.2, 0.7, 0.1], [0.5, 0.3, 0.2]], "float32")
    got = float(fn(np.argmax(y, -1) if loss == "sparse_categorical_crossentropy" else y, p))
    eps = 1e-7
    ref = {
        "sse": ((y - p) ** 2).sum(),
        "mse": ((y - p) ** 2).mean(),
        "mae": np.abs(y - p).mean(),
        "binary_crossentropy": -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(),
        "categorical_crossentropy": -(y * np.log(p)).sum(-1).mean(),
        "sparse_categorical_crossentropy": -(y * np.log(p)).sum(-1).mean(),
        "kl_divergence": (y * np.log(np.clip(y, eps, 1) / p)).sum(-1).mean(),
        "hinge": np.maximum(1 - (2 * y - 1) * p, 0).mean(),
    }[loss]
    assert got == pytest.approx(ref, rel=1e-4, abs=1e-5)


@pytest.mark.parametrize("name", list(catalog.OPTIMIZERS))
def test_each_optimizer_reaches_keras_with_its_learning_rate(name):
    spec = NetworkSpec((2,), [LayerSpec("Dense", {"units": 1})], "mse", name, 0.0123,
                       optimizer_params={"momentum": 0.5, "nesterov": True})
    opt = make_optimizer(spec)
    assert type(opt).__name__.lower() == name
    assert float(opt.learning_rate) == pytest.approx(0.0123)
    if name == "sgd":
        assert opt.momentum == pytest.approx(0.5) and opt.nesterov is True
    model = compile_model(build_model(spec, 0), spec)
    assert model.optimizer is not None and type(model.optimizer).__name__.lower() == name
