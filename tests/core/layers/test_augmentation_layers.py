"""Keras' augmentation layers as layer kinds: held against Keras, identity at inference only."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nngui.core.files.python_export import export_python
from nngui.core.layers.augmentation import AUGMENTATION_KINDS
from nngui.core.layers.kinds import KINDS
from nngui.core.model.builder import build_model
from nngui.core.model.inference import FastPredictor
from nngui.core.model.saving import load_model, save_model, spec_from_model
from nngui.core.network import catalog
from nngui.core.network.shapes import layer_rows, total_params
from nngui.core.network.spec import LayerSpec, NetworkSpec, SpecError, TrainConfig
from nngui.core.network.validate import check, errors

AUG = [kind.key for kind in AUGMENTATION_KINDS]
STRONG = {"RandomRotation": {"factor": 0.2}, "RandomTranslation": {"height_factor": 0.3,
                                                                    "width_factor": 0.3},
          "RandomZoom": {"factor": 0.4}}


def _spec(kind: str, params: dict | None = None) -> NetworkSpec:
    return NetworkSpec((28, 28), [LayerSpec("Reshape", {"target_shape": (28, 28, 1)}),
                                  LayerSpec(kind, dict(params or {})),
                                  LayerSpec("Flatten"),
                                  LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy", name="aug")


def _digits(n: int = 8) -> np.ndarray:
    rng = np.random.default_rng(0)
    x = np.zeros((n, 28, 28), np.float32)
    for i in range(n):  # a bar off-centre: any move, turn or zoom changes it
        r, c = rng.integers(5, 15, 2)
        x[i, r:r + 10, c:c + 3] = 1.0
        x[i, r + 4, c:c + 8] = 0.7
    return x


def test_the_builder_offers_them():
    for key in AUG:
        assert key in catalog.LAYER_TYPES and KINDS[key].identity_at_inference


@pytest.mark.parametrize("kind", AUG)
def test_summary_equals_keras(kind):
    spec = _spec(kind, STRONG[kind])
    rows = layer_rows(spec)
    model = build_model(spec)
    assert [r.error for r in rows if r.error] == []
    assert [layer.name for layer in model.layers] == [r.name for r in rows]
    for layer, row in zip(model.layers, rows, strict=True):
        assert tuple(layer.output.shape[1:]) == row.output_shape
        assert layer.count_params() == row.params
        assert sum(math.prod(w.shape) for w in layer.non_trainable_weights) == row.non_trainable
    assert total_params(spec) == model.count_params()


@pytest.mark.parametrize("kind", AUG)
def test_identity_at_inference_and_a_change_in_training(kind):
    model = build_model(_spec(kind, STRONG[kind]), seed=1)
    layer = model.layers[1]
    x = _digits().reshape(-1, 28, 28, 1)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    trained = np.asarray(layer(x, training=True))
    assert trained.shape == x.shape
    assert np.abs(trained - x).mean() > 0.01  # every batch changes in training
    # the model reads the same through Keras (inference) and nngui's NumPy forward pass
    ref = np.asarray(model(_digits(), training=False))
    ours = FastPredictor(model).predict_batch(_digits())
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", AUG)
def test_they_need_an_image(kind):
    spec = NetworkSpec((784,), [LayerSpec(kind), LayerSpec("Dense", {"units": 10,
                                                                      "activation": "softmax"})],
                       "sparse_categorical_crossentropy")
    problems = [p.message for p in errors(check(spec))]
    assert problems and "image input" in problems[0] and "Reshape" in problems[0]


@pytest.mark.parametrize("kind", AUG)
def test_saved_and_read_back_the_same(kind, tmp_path):
    spec = _spec(kind, STRONG[kind])
    model = build_model(spec)
    back = spec_from_model(load_model(save_model(model, tmp_path / "m.keras")))
    assert back is not None
    assert [(lay.type, lay.params) for lay in back.layers] == \
        [(lay.type, lay.params) for lay in spec.layers]
    again = NetworkSpec.from_dict(spec.to_dict())  # the project file's form
    assert again.layers[1].type == kind and again.layers[1].params == spec.layers[1].params


def test_bad_values_are_refused_by_the_schema():
    with pytest.raises(SpecError, match="factor"):
        NetworkSpec.from_dict(_spec("RandomRotation", {"factor": 3.0}).to_dict())
    with pytest.raises(SpecError, match="fill_mode|Fill"):
        NetworkSpec.from_dict(_spec("RandomZoom", {"factor": 0.1, "fill_mode": "mirror"})
                              .to_dict())


def test_the_corners_fill_with_black_not_mirrored_ink():
    model = build_model(_spec("RandomTranslation", {"height_factor": 0.5, "width_factor": 0.5}),
                        seed=3)
    x = np.ones((16, 28, 28, 1), np.float32)  # all ink: a shift uncovers black
    out = np.asarray(model.layers[1](x, training=True))
    assert (out < 0.5).mean() > 0.05


def test_exported_python_builds_them():
    spec = NetworkSpec((28, 28), [LayerSpec("Reshape", {"target_shape": (28, 28, 1)}),
                                  *[LayerSpec(k, STRONG[k]) for k in AUG],
                                  LayerSpec("Flatten"),
                                  LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy", name="aug")
    text = export_python(spec, TrainConfig(epochs=1), "mnist")
    compile(text, "exported.py", "exec")
    for key in AUG:
        assert f"keras.layers.{key}(" in text
    assert text.count("fill_mode='constant'") == 3


def test_training_runs_with_them():
    from nngui.core.data.adapt import Prepared
    from nngui.core.training.train import train

    spec = NetworkSpec((28, 28), [LayerSpec("Reshape", {"target_shape": (28, 28, 1)}),
                                  *[LayerSpec(k) for k in AUG], LayerSpec("Flatten"),
                                  LayerSpec("Dense", {"units": 10, "activation": "softmax"})],
                       "sparse_categorical_crossentropy", name="aug")
    model = build_model(spec, seed=0)
    x = _digits(64)
    y = np.arange(64) % 10
    data = Prepared(x, y, x[:16], y[:16], y[:16])
    result = train(model, data, spec, TrainConfig(epochs=2, batch_size=16,
                                                  validation_split=0.0), None)
    assert result.reason == "finished", result.message
