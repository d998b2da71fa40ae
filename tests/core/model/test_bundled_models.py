"""The pretrained models nngui ships (nngui/resources/models): present, plain, and accurate.

The files are produced by scripts/train_bundled_classifier.py (see the README next to them);
these tests check the shipped files themselves on real MNIST test digits: the 2,000 of the
slice shipped with the tests (always), and all 10,000 of the full file (where it is present).
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import numpy as np
import pytest

from nngui.core.model.saving import spec_from_model
from nngui.core.platform.runtime import keras

# file name -> (input shape, minimum accuracy on MNIST test images, loss in the spec); on all
# 10,000 the CNN reads 99.52 % and the MLP 98.68 %, on the slice's 2,000 99.50 % and 98.40 %
BUNDLED = {
    "mnist_cnn.keras": ((28, 28), 0.993, "sparse_categorical_crossentropy"),
    "mnist_mlp.keras": ((784,), 0.98, "categorical_crossentropy"),
}
# Layers and activations nngui's NumPy forward pass understands.
PLAIN_LAYERS = {"InputLayer", "Reshape", "Conv2D", "MaxPooling2D", "Flatten", "Dropout",
                "Dense", "Activation"}
PLAIN_ACTIVATIONS = {"relu", "softmax", "linear"}


def models_dir():
    return importlib.resources.files("nngui").joinpath("resources", "models")


def bundled_path(name: str) -> Path:
    return Path(str(models_dir().joinpath(name)))


@pytest.fixture(scope="module", params=["slice", "full"])
def mnist_test(request):
    """The test digits of the shipped slice (2,000) or of the full file (10,000; may skip)."""
    path = request.getfixturevalue("mnist_path" if request.param == "slice" else
                                   "full_mnist_path")
    with np.load(path) as d:
        x, y = d["x_test"], d["y_test"]
    assert x.shape == ((2000, 28, 28) if request.param == "slice" else (10000, 28, 28))
    return x.astype(np.float32) / 255.0, y.astype(np.int64)


_loaded: dict[str, object] = {}


def load(name: str):
    if name not in _loaded:
        path = bundled_path(name)
        assert path.is_file(), f"bundled model {name} is missing (run the command in " \
                               "nngui/resources/models/README.md)"
        _loaded[name] = keras().saving.load_model(path)
    return _loaded[name]


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_file_is_package_data(name):
    # Found through importlib.resources (as the app and the frozen build look them up), with
    # no __init__.py needed in resources/.
    names = {p.name for p in models_dir().iterdir()}
    assert name in names
    assert bundled_path(name).stat().st_size < 10 * 2**20


def test_cnn_is_small():
    assert bundled_path("mnist_cnn.keras").stat().st_size < 5 * 2**20


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_model_shapes_and_layers(name):
    shape, _, loss = BUNDLED[name]
    model = load(name)
    assert tuple(model.inputs[0].shape[1:]) == shape
    assert tuple(model.outputs[0].shape[1:]) == (10,)
    for layer in model.layers:
        assert type(layer).__name__ in PLAIN_LAYERS, layer
        act = layer.get_config().get("activation")
        if act is not None:
            assert act in PLAIN_ACTIVATIONS, (layer.name, act)
    assert model.layers[-1].get_config()["activation"] == "softmax"
    # The app can turn it back into an editable spec with the right loss (for fine-tuning).
    spec = spec_from_model(model)
    assert spec is not None
    assert spec.loss == loss
    assert tuple(spec.input_shape) == shape


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_model_accuracy_on_real_mnist_test_set(name, mnist_test):
    shape, minimum, _ = BUNDLED[name]
    x, y = mnist_test
    model = load(name)
    probs = model.predict(x.reshape((-1, *shape)), batch_size=1000, verbose=0)
    assert probs.shape == (len(y), 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    acc = float((probs.argmax(axis=1) == y).mean())
    assert acc >= minimum, f"{name}: {acc:.4f} < {minimum}"
