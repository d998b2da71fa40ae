"""A model the builder cannot represent (a functional model with a branch) opens read-only:
it still trains, evaluates and draws; .keras and legacy .h5 take the same path."""

from __future__ import annotations

import pytest


def _branchy(path, suffix: str):
    from nngui.core.platform.runtime import keras

    k = keras()
    inp = k.Input((2,))
    a = k.layers.Dense(4, activation="relu")(inp)
    b = k.layers.Dense(4, activation="tanh")(inp)
    out = k.layers.Dense(2, activation="softmax")(k.layers.Add()([a, b]))
    model = k.Model(inp, out, name="branchy")
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    target = path / f"branchy{suffix}"
    model.save(target)
    return target


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_a_branching_model_opens_read_only_and_still_trains(window, qtbot, tmp_path, suffix,
                                                            messages, open_and_wait) -> None:
    window.apply_preset("mlp-2-4-2")
    qtbot.waitUntil(lambda: window.data.dataset.name == "circles", timeout=20000)
    path = _branchy(tmp_path, suffix)
    assert window.open_path(path), messages
    reason = window.work.readOnlyLabel.text()
    assert not window.work.readOnlyLabel.isHidden() and "read-only" in reason and "Add" in reason
    assert window.builder.state.locked and window.work.read_only_reason == reason
    assert window.evaluate._model is window.session.model
    assert window.summary.total_params() == 34  # the model's own layers, not a stand-in
    assert window.summary.item(2, 0).text().endswith("(Add)")
    assert not window.train(restart=True)  # from scratch would lose the branches
    assert messages[-1][1] == "Read-only network"
    cfg = window.builder.config()
    cfg.epochs = 1
    window.builder.set_config(cfg)
    with qtbot.waitSignal(window.training.runFinished, timeout=120000):
        assert window.train()
    assert window.session.epochs_done == 1 and window.builder.state.locked
    qtbot.waitUntil(lambda: not window.tasks.is_held(window.session.model), timeout=60000)
    if suffix == ".keras":  # a project keeps it read-only
        assert window.save_project_to(tmp_path / "p.nngui")
        window.apply_preset("xor-3-4-1")
        assert open_and_wait(window, tmp_path / "p.nngui")
        assert window.work.read_only_reason == reason
    window.apply_preset("xor-3-4-1")  # another network: editable again
    assert window.work.readOnlyLabel.isHidden() and not window.builder.state.locked
