"""L1/L2 penalties per Dense/Conv2D layer: built as Keras' L1L2, read back, validated, exported."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nngui.core.model.builder import build_model
from nngui.core.model.saving import load_model, save_model, spec_from_model
from nngui.core.network import catalog
from nngui.core.network.form import BuilderState
from nngui.core.network.shapes import total_params
from nngui.core.network.spec import LayerSpec, NetworkSpec, SpecError, dump_json, load_json
from nngui.core.platform.runtime import keras

_penalty = st.one_of(st.just(0.0), st.floats(1e-5, 0.5).map(lambda v: float(f"{v:.3g}")))
_acts = st.sampled_from(["relu", "tanh", "sigmoid", "linear"])


@st.composite
def nets(draw) -> tuple[tuple[int, ...], list[dict]]:
    """(input shape, layers as plain dicts) of a random Dense (or Conv2D + Dense) net."""
    layers: list[dict] = []
    if draw(st.booleans()):
        shape: tuple[int, ...] = (6, 6, 1)
        layers.append({"type": "Conv2D", "filters": draw(st.integers(1, 3)),
                       "kernel_size": draw(st.integers(1, 3)), "activation": draw(_acts),
                       "use_bias": draw(st.booleans()), "l1": draw(_penalty),
                       "l2": draw(_penalty)})
        layers.append({"type": "Flatten"})
    else:
        shape = (draw(st.integers(1, 5)),)
    for _ in range(draw(st.integers(1, 3))):
        layers.append({"type": "Dense", "units": draw(st.integers(1, 6)),
                       "activation": draw(_acts), "use_bias": draw(st.booleans()),
                       "l1": draw(_penalty), "l2": draw(_penalty)})
    return shape, layers


def app_spec(shape: tuple[int, ...], layers: list[dict]) -> NetworkSpec:
    specs = [LayerSpec(d["type"], {k: v for k, v in d.items() if k != "type"}) for d in layers]
    return NetworkSpec(shape, specs, "mse", "sgd")


def hand_built(shape: tuple[int, ...], layers: list[dict]):
    """The same network written directly in Keras, as the course writes it."""
    k = keras()

    def reg(d: dict):
        return k.regularizers.L1L2(l1=d["l1"], l2=d["l2"]) if d["l1"] or d["l2"] else None

    out = [k.Input(shape=shape)]
    for d in layers:
        if d["type"] == "Conv2D":
            out.append(k.layers.Conv2D(d["filters"], d["kernel_size"], activation=d["activation"],
                                       use_bias=d["use_bias"], kernel_regularizer=reg(d)))
        elif d["type"] == "Flatten":
            out.append(k.layers.Flatten())
        else:
            out.append(k.layers.Dense(d["units"], activation=d["activation"],
                                      use_bias=d["use_bias"], kernel_regularizer=reg(d)))
    return k.Sequential(out)


def _config(layer) -> dict:
    cfg = layer.get_config()
    return {key: cfg[key] for key in ("kernel_regularizer", "activation", "use_bias", "units",
                                      "filters", "kernel_size") if key in cfg}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nets(), st.integers(0, 2**16))
def test_app_model_equals_a_hand_built_keras_model(net, seed) -> None:
    shape, layers = net
    spec = app_spec(shape, layers)
    ours, theirs = build_model(spec, 0), hand_built(shape, layers)
    assert [_config(a) for a in ours.layers] == [_config(b) for b in theirs.layers]
    assert total_params(spec) == ours.count_params() == theirs.count_params()
    theirs.set_weights(ours.get_weights())
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(8, *shape)).astype("float32")
    y = rng.normal(size=(8, *ours.output_shape[1:])).astype("float32")
    for m in (ours, theirs):
        m.compile(optimizer="sgd", loss="mse")
    loss_ours = ours.evaluate(x, y, verbose=0)
    loss_theirs = theirs.evaluate(x, y, verbose=0)
    assert loss_ours == pytest.approx(loss_theirs, rel=1e-5, abs=1e-6)
    # and Keras' reported loss is the error plus exactly the declared penalties
    kernels = [w for lay in ours.layers for w in lay.get_weights()[:1]]
    penalty = sum(d["l1"] * np.abs(w).sum() + d["l2"] * np.square(w).sum()
                  for d, w in zip([d for d in layers if d["type"] != "Flatten"], kernels,
                                  strict=True))
    error = float(np.mean(np.square(y - np.asarray(ours(x)))))
    assert loss_ours == pytest.approx(error + penalty, rel=1e-4, abs=1e-5)


def test_penalties_survive_a_saved_model_and_a_spec_file(tmp_path) -> None:
    spec = NetworkSpec((4,), [LayerSpec("Dense", {"units": 3, "l1": 1e-4, "l2": 0.01}),
                              LayerSpec("Dense", {"units": 2, "activation": "softmax"})])
    path = save_model(build_model(spec, 0), tmp_path / "m.keras")
    back = spec_from_model(load_model(path))
    assert back is not None
    assert [lay.to_dict() for lay in back.layers] == [lay.to_dict() for lay in spec.layers]
    again, _ = load_json(dump_json(spec))
    assert again.layers[0].params["l1"] == 1e-4 and again.layers[0].params["l2"] == 0.01
    assert spec.layers[0].describe() == "Dense 3 relu L1 0.0001 L2 0.01"


def test_penalties_do_not_change_the_parameter_count() -> None:
    plain = NetworkSpec((784,), [LayerSpec("Dense", {"units": 16}),
                                 LayerSpec("Dense", {"units": 10, "activation": "softmax"})])
    penalised = plain.copy()
    for lay in penalised.layers:
        lay.params.update(l1=0.001, l2=0.01)
    assert total_params(penalised) == total_params(plain) == 784 * 16 + 16 + 16 * 10 + 10


@pytest.mark.parametrize("value", [-0.1, float("nan"), float("inf"), "0.1", True])
def test_bad_penalties_are_refused_with_a_message(value) -> None:
    doc = {"input_shape": [2], "layers": [{"type": "Dense", "params": {"units": 1,
                                                                        "l2": value}}]}
    with pytest.raises(SpecError, match="l2|L2"):
        NetworkSpec.from_dict(json.loads(json.dumps(doc)) if isinstance(value, str) else doc)
    state = BuilderState(NetworkSpec((2,), [LayerSpec("Dense", {"units": 1})]))
    with pytest.raises(SpecError, match="L2 must"):
        state.set_layer_param(0, "l2", value)
    assert state.spec.layers[0].params["l2"] == 0.0


def test_the_tooltip_says_the_loss_includes_the_penalty() -> None:
    fields = {f.name: f for f in catalog.LAYER_TYPES["Dense"].fields}
    assert "loss shown while training includes" in fields["l1"].help
    assert {"l1", "l2"} <= {f.name for f in catalog.LAYER_TYPES["Conv2D"].fields}


def test_a_bias_regularizer_the_spec_cannot_hold_gives_no_spec() -> None:
    k = keras()
    model = k.Sequential([k.Input(shape=(3,)),
                          k.layers.Dense(2, bias_regularizer=k.regularizers.L2(0.1))])
    assert spec_from_model(model) is None
    model = k.Sequential([k.Input(shape=(3,)),
                          k.layers.Dense(2, kernel_regularizer=k.regularizers.L2(0.1))])
    assert spec_from_model(model).layers[0].params["l2"] == pytest.approx(0.1)
