"""build_for_training builds what Keras' own _symbolic_build builds, without its traces."""

from __future__ import annotations

import numpy as np
import pytest

from nngui.core.model.builder import build_model, compile_model
from nngui.core.model.training_build import _direct, build_for_training
from nngui.core.network.spec import LayerSpec, NetworkSpec

CASES = {  # loss, output units and activation, label array
    "sparse": ("sparse_categorical_crossentropy", 3, "softmax", np.zeros((1,), np.int64)),
    "onehot": ("categorical_crossentropy", 3, "softmax", np.zeros((1, 3), np.float32)),
    "binary": ("binary_crossentropy", 1, "sigmoid", np.zeros((1, 1), np.float32)),
    "mse": ("mse", 2, "linear", np.zeros((1, 2), np.float32)),
    "sse": ("sse", 1, "sigmoid", np.zeros((1, 1), np.float32)),
}


def _model(case: str, optimizer: str):
    loss, units, act, y = CASES[case]
    kind = "regressor" if case == "mse" else "classifier"
    spec = NetworkSpec((4,), [LayerSpec("Dense", {"units": 5, "activation": "relu"}),
                              LayerSpec("Dense", {"units": units, "activation": act})],
                       loss, optimizer, 0.01, kind=kind)
    model = build_model(spec, 0)
    compile_model(model, spec)
    return model, np.zeros((1, 4), np.float32), y


def _built(model) -> dict:
    metrics = model._compile_metrics
    return {
        "metrics": [(type(m).__name__, m.name) for m in metrics.metrics] if metrics else [],
        "metric variables": [(v.path, tuple(v.shape)) for v in model.metrics_variables],
        "loss built": model._compile_loss is None or model._compile_loss.built,
        "metrics built": metrics is None or metrics.built,
        "slots": [(v.path.split("/", 1)[1], tuple(v.shape)) for v in model.optimizer.variables],
    }


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_the_direct_build_builds_what_keras_builds(case, optimizer):
    ours, x, y = _model(case, optimizer)
    assert _direct(ours, y)  # the direct build applies to the builder's networks
    keras_model, _, _ = _model(case, optimizer)
    keras_model._symbolic_build(data_batch=(x, y))
    assert _built(ours) == _built(keras_model)
    assert _built(ours)["metrics"], "the builder's networks have metrics to build"
    # and the built model trains as Keras' (a fit on one batch: no build left to do)
    h1 = ours.fit(np.ones((3, 4), np.float32), np.repeat(y, 3, axis=0), verbose=0).history
    h2 = keras_model.fit(np.ones((3, 4), np.float32), np.repeat(y, 3, axis=0),
                         verbose=0).history
    assert sorted(h1) == sorted(h2)


def test_a_model_with_an_unbuilt_layer_gets_keras_own_build():
    from nngui.core.platform.runtime import keras

    k = keras()
    model = k.Sequential([k.layers.Dense(3, activation="softmax")])  # no input: unbuilt
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x, y = np.zeros((1, 4), np.float32), np.zeros((1,), np.int64)
    assert not _direct(model, y)
    build_for_training(model, x, y)
    assert model.built and model.optimizer.built and model._compile_metrics.built


@pytest.mark.parametrize("y", [np.zeros((1,), np.int64), np.zeros((1, 3), np.float32),
                               np.zeros((1, 1), np.float32)])
def test_a_metric_named_by_a_string_resolves_as_keras_resolves_it(y):
    """'accuracy' becomes Sparse/Categorical/Binary accuracy from the shapes the build sees:
    an opened model's metrics read as its own fit would have them."""
    from nngui.core.platform.runtime import keras

    k = keras()

    def model():
        m = k.Sequential([k.Input((4,)), k.layers.Dense(3, activation="softmax")])
        m.compile(optimizer="sgd", loss="mse" if y.shape == (1, 1) else
                  "categorical_crossentropy" if y.ndim == 2 else
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
        return m

    ours, theirs = model(), model()
    assert _direct(ours, y)
    theirs._symbolic_build(data_batch=(np.zeros((1, 4), np.float32), y))
    assert _built(ours)["metrics"] == _built(theirs)["metrics"]
