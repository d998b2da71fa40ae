"""Opening model files: Keras' safe mode is what refuses code, and the builder gets only specs it could make."""

from __future__ import annotations

from pathlib import Path

import pytest

from nngui.core.model import saving
from nngui.core.model.saving import ModelFileError, load_model, spec_from_model
from nngui.core.platform.runtime import keras


def _lambda_model():
    k = keras()
    inp = k.Input((2,))
    return k.Model(inp, k.layers.Lambda(lambda t: t * 2)(inp))


def test_a_legacy_h5_model_with_code_is_refused_by_safe_mode(tmp_path: Path) -> None:
    """.h5 files have no config pre-check: the refusal must come from Keras' safe mode."""
    path = tmp_path / "lambda.h5"
    _lambda_model().save(path)
    with pytest.raises(ModelFileError, match="Could not open lambda.h5"):
        load_model(path)


def test_a_keras_model_with_code_is_refused_even_past_the_pre_check(tmp_path: Path,
                                                                    monkeypatch) -> None:
    """The config pre-check names the layer; safe mode stands behind it on its own."""
    path = tmp_path / "lambda.keras"
    _lambda_model().save(path)
    with pytest.raises(ModelFileError, match="carries Python code"):
        load_model(path)
    monkeypatch.setattr(saving, "code_layer_refusal", lambda _path: "")
    with pytest.raises(ModelFileError, match="Could not open lambda.keras"):
        load_model(path)


@pytest.mark.parametrize("rate, editable", [(0.5, True), (0.95, True), (0.99, False),
                                            (1.0, False)])
def test_an_opened_model_becomes_a_spec_only_within_the_builders_ranges(tmp_path: Path,
                                                                          rate, editable):
    """A Dropout of 1 (legal in Keras) opens read-only instead of as a spec validate rejects."""
    k = keras()
    model = k.Sequential([k.Input((4,)), k.layers.Dense(3), k.layers.Dropout(rate),
                          k.layers.Dense(2, activation="softmax")])
    path = tmp_path / "dropout.keras"
    model.save(path)
    spec = spec_from_model(load_model(path))
    if editable:
        assert spec is not None and spec.layers[1].params["rate"] == rate
    else:
        assert spec is None
