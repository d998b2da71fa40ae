"""BuilderState: every edit notifies its observers once; a refused edit changes nothing."""

from __future__ import annotations

import pytest

from nngui.core.network import form as bs
from nngui.core.network.form import BuilderLocked, BuilderState
from nngui.core.network.spec import SpecError, TrainConfig
from nngui.core.training.presets import get_preset


@pytest.fixture
def state() -> tuple[BuilderState, list[str]]:
    """The mnist-mlp-512 preset (Dense 512, Dropout, Dense 512, Dropout, Dense 10) and its log."""
    p = get_preset("mnist-mlp-512")
    s = BuilderState(p.spec(), p.train_config())
    seen: list[str] = []
    s.subscribe(seen.append)
    return s, seen


def snapshot(s: BuilderState) -> tuple:
    return s.spec.to_dict(), s.config.to_dict(), s.selected, s.locked


def describe(s: BuilderState) -> list[str]:
    return [lay.describe() for lay in s.spec.layers]


@pytest.mark.parametrize("edit, kind, check", [
    (lambda s: s.set_input_shape((28, 28)), bs.INPUT_SHAPE,
     lambda s: s.spec.input_shape == (28, 28)),
    (lambda s: s.set_loss("mse"), bs.LOSS, lambda s: s.spec.loss == "mse"),
    (lambda s: s.set_optimizer("sgd"), bs.OPTIMIZER,
     lambda s: (s.spec.optimizer, s.spec.lr, s.spec.optimizer_params)
     == ("sgd", 0.01, {"momentum": 0.0, "nesterov": False, "decay": 0.0})),
    (lambda s: s.set_learning_rate(0.05), bs.LEARNING_RATE, lambda s: s.spec.lr == 0.05),
    (lambda s: s.add_layer("Dense"), bs.LAYERS,
     lambda s: describe(s)[1] == "Dense 32 relu" and s.selected == 1),
    (lambda s: s.remove_layer(1), bs.LAYERS,
     lambda s: describe(s)[:2] == ["Dense 512 relu", "Dense 512 relu"] and s.selected == 1),
    (lambda s: s.move_layer(4, -1), bs.LAYERS,
     lambda s: describe(s)[3:] == ["Dense 10 softmax", "Dropout 0.2"] and s.selected == 3),
    (lambda s: s.duplicate_layer(0), bs.LAYERS,
     lambda s: describe(s)[:2] == ["Dense 512 relu"] * 2 and s.selected == 1),
    (lambda s: s.set_layer_param(0, "units", 100), bs.LAYER,
     lambda s: s.spec.layers[0].params["units"] == 100),
    (lambda s: s.set_layer_param(0, "activation", "logistic"), bs.LAYER,
     lambda s: s.spec.layers[0].params["activation"] == "sigmoid"),
    (lambda s: s.set_config_field("epochs", 12), bs.CONFIG, lambda s: s.config.epochs == 12),
    (lambda s: s.set_config_field("seed", None), bs.CONFIG, lambda s: s.config.seed is None),
    (lambda s: s.select(3), bs.SELECTION, lambda s: s.selected == 3),
    (lambda s: s.set_locked(True), bs.LOCKED, lambda s: s.locked),
    (lambda s: s.set_spec(get_preset("mnist-cnn").spec()), bs.SPEC,
     lambda s: s.spec.layers[0].type == "Reshape" and s.selected == 0),
    (lambda s: s.set_config(TrainConfig(epochs=3)), bs.CONFIG, lambda s: s.config.epochs == 3),
])
def test_each_edit_notifies_once_with_its_kind(state, edit, kind, check):
    s, seen = state
    edit(s)
    assert seen == [kind]
    assert check(s)
    assert (kind in bs.SPEC_CHANGES) == (kind not in (bs.CONFIG, bs.SELECTION, bs.LOCKED))


def test_optimizer_param_edit_notifies(state):
    s, seen = state
    s.set_optimizer("sgd")
    s.set_optimizer_param("momentum", 0.9)
    assert seen == [bs.OPTIMIZER, bs.OPTIMIZER_PARAM]
    assert s.spec.optimizer_params["momentum"] == 0.9


@pytest.mark.parametrize("edit", [
    lambda s: s.set_input_shape((28, 0)),
    lambda s: s.set_input_shape(()),
    lambda s: s.set_loss("nope"),
    lambda s: s.set_optimizer("nope"),
    lambda s: s.set_learning_rate(0),
    lambda s: s.set_learning_rate(float("nan")),
    lambda s: s.set_optimizer_param("momentum", 0.5),  # adam has no momentum
    lambda s: s.add_layer("Nope"),
    lambda s: s.add_layer("Dense", 99),
    lambda s: s.remove_layer(5),
    lambda s: s.remove_layer(-1),
    lambda s: s.move_layer(0, -1),
    lambda s: s.move_layer(4, 1),
    lambda s: s.duplicate_layer(7),
    lambda s: s.set_layer_param(0, "units", 0),
    lambda s: s.set_layer_param(0, "units", 2.5),
    lambda s: s.set_layer_param(0, "activation", "wiggle"),
    lambda s: s.set_layer_param(1, "rate", 1.5),
    lambda s: s.set_layer_param(1, "units", 3),  # Dropout has no units
    lambda s: s.set_config_field("epochs", 0),
    lambda s: s.set_config_field("validation_split", 1.0),
    lambda s: s.set_config_field("device", "tpu"),
    lambda s: s.set_config_field("colour", 1),
])
def test_invalid_edits_raise_and_change_nothing(state, edit):
    s, seen = state
    before = snapshot(s)
    with pytest.raises(SpecError):
        edit(s)
    assert snapshot(s) == before
    assert seen == []


def test_locked_refuses_structure_but_not_epochs(state):
    s, seen = state
    s.set_locked(True)
    before = snapshot(s)
    for edit in (lambda: s.add_layer("Dense"), lambda: s.remove_layer(0),
                 lambda: s.set_layer_param(0, "units", 8), lambda: s.set_loss("mse"),
                 lambda: s.set_optimizer("sgd"), lambda: s.set_learning_rate(0.1),
                 lambda: s.set_input_shape((28, 28)),
                 lambda: s.set_config_field("seed", 3)):
        with pytest.raises(BuilderLocked):
            edit()
    assert snapshot(s) == before and seen == [bs.LOCKED]
    s.set_config_field("epochs", 20)
    s.set_config_field("batch_size", 64)
    assert (s.config.epochs, s.config.batch_size) == (20, 64)


def test_unchanged_values_do_not_notify(state):
    s, seen = state
    s.set_loss(s.spec.loss)
    s.set_layer_param(0, "units", 512)
    s.set_config_field("epochs", s.config.epochs)
    s.select(s.selected)
    s.set_locked(False)
    assert seen == []


def test_a_chosen_learning_rate_survives_an_optimizer_change(state):
    s, _seen = state
    s.set_optimizer("sgd")
    assert s.spec.lr == 0.01  # SGD's default, because the user chose none
    s.set_learning_rate(0.05)
    s.set_optimizer("adam")
    assert s.spec.lr == 0.05
    s.set_spec(s.spec)  # a new network forgets the choice
    s.set_optimizer("sgd")
    assert s.spec.lr == 0.01


def test_latent_marker_follows_its_layer():
    from nngui.core.model import autoencoder as ae

    spec = ae.autoencoder_spec([32], 2, name="tiny")
    s = BuilderState(spec)
    marked = s.spec.layers[s.spec.latent_index].describe()
    s.add_layer("Dropout", 0)
    assert s.spec.layers[s.spec.latent_index].describe() == marked
    s.remove_layer(s.spec.latent_index)
    assert s.spec.latent_index is None


def test_spec_and_config_are_copies(state):
    s, seen = state
    spec, cfg = s.spec_copy(), s.config_copy()
    spec.layers[0].params["units"] = 1
    cfg.epochs = 99
    assert s.spec.layers[0].params["units"] == 512 and s.config.epochs != 99
    given = get_preset("mnist-cnn").spec()
    s.set_spec(given)
    given.layers.clear()  # the caller's object is not the state's
    assert s.spec.layers


def test_unsubscribe_stops_notifications(state):
    s, seen = state
    log: list[str] = []
    stop = s.subscribe(log.append)
    s.set_loss("mse")
    stop()
    s.set_loss("mae")
    assert log == [bs.LOSS] and seen == [bs.LOSS, bs.LOSS]
