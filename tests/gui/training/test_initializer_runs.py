"""Runs that differ only in their initializer are told apart: the course compares
initializers (uniform, lecun_uniform, normal, zero, one, glorot_*), and two runs of the
moons MLP, one with glorot_uniform and one with zeros, were both "mlp_2_8_2 · adam lr 0.05"
with the same settings in their tooltips."""

from __future__ import annotations

from nngui.core.training.presets import get_preset
from nngui.core.training.runs import init_note, initializers_of, settings_of


def test_a_runs_settings_and_name_say_its_initializer():
    spec = get_preset("mlp-2-8-2").spec()
    config = get_preset("mlp-2-8-2").train_config()
    assert initializers_of(spec) == "glorot_uniform" and init_note(spec) == ""
    assert settings_of(spec, config)["initializer"] == "glorot_uniform"
    spec.layers[0].params["kernel_initializer"] = "zeros"
    assert initializers_of(spec) == "zeros, glorot_uniform"
    assert init_note(spec) == " · zeros, glorot_uniform init"
    assert settings_of(spec, config)["initializer"] == "zeros, glorot_uniform"
    assert settings_of(spec, config)["loss"] == spec.loss


def test_two_runs_with_different_initializers_have_different_names(window, qtbot):
    from dataclasses import replace

    w = window
    w.apply_preset("xor-2-4-1")
    qtbot.waitUntil(lambda: w.data.dataset is not None and w.data.dataset.name == "xor2",
                    timeout=20000)
    w.builder.set_config(replace(w.builder.config(), epochs=2))
    for init in ("glorot_uniform", "he_normal"):
        spec = w.builder.spec()
        for lay in spec.layers:
            lay.params["kernel_initializer"] = init
        w.builder.set_spec(spec)
        with qtbot.waitSignal(w.training.runFinished, timeout=60000):
            assert w.train(True)
        qtbot.waitUntil(lambda: not w.tasks.is_held(w.session.model), timeout=60000)
    names = [r.name for r in w.projects.state.runs]
    assert len(names) == 2 and names[0] != names[1], names
    assert names[1].endswith("· he_normal init") and "init" not in names[0]
    assert [r.settings["initializer"] for r in w.projects.state.runs] == \
        ["glorot_uniform", "he_normal"]
