"""Hypothesis strategies for small random sessions (shared by the core and window tests)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from nngui.core.files.state import FINISHED, IDLE, STOPPED, ModelRef, SessionState, Training
from nngui.core.lab.backprop import LabNet
from nngui.core.lab.state import lab_state
from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig
from nngui.core.training.presets import PRESETS
from nngui.core.training.runs import RunRecord, settings_of

FLOATS = st.floats(0.0, 5.0, allow_nan=False, width=32) | st.just(math.nan)
PRESET_NAMES = sorted(PRESETS)


@st.composite
def networks(draw) -> tuple[NetworkSpec, TrainConfig, str | None]:
    """A tiny MLP on 2-D points, or a preset (named), with small training settings."""
    if draw(st.booleans()):
        name = draw(st.sampled_from(["xor-3-4-1", "mlp-2-4-2", "perceptron-2d"]))
        p = PRESETS[name]
        return p.spec(), p.train_config(), name
    hidden = draw(st.lists(st.integers(1, 6), min_size=0, max_size=2))
    act = draw(st.sampled_from(["relu", "tanh", "sigmoid"]))
    layers = [LayerSpec("Dense", {"units": u, "activation": act}) for u in hidden]
    layers.append(LayerSpec("Dense", {"units": 2, "activation": "softmax"}))
    spec = NetworkSpec((2,), layers, "sparse_categorical_crossentropy",
                       draw(st.sampled_from(["adam", "sgd"])),
                       draw(st.sampled_from([0.1, 0.01, 0.003])),
                       name=draw(st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)))
    config = TrainConfig(epochs=draw(st.integers(1, 9)), batch_size=draw(st.sampled_from(
        [16, 32, 64])), validation_split=draw(st.sampled_from([0.0, 0.1, 0.2])))
    return spec, config, None


@st.composite
def histories(draw, epochs: int, stopped_part: bool) -> dict[str, list[float]]:
    """A run's curves over ``epochs`` epochs (a stopped epoch's part last: no validation)."""
    n = epochs + stopped_part
    xs = [float(e + 1) for e in range(epochs)] + ([epochs + 0.5] if stopped_part else [])
    h = {"loss": draw(st.lists(FLOATS, min_size=n, max_size=n)),
         "accuracy": draw(st.lists(st.floats(0, 1, width=32), min_size=n, max_size=n)),
         "epoch": xs}
    if draw(st.booleans()):
        val = draw(st.lists(FLOATS, min_size=n, max_size=n))
        if stopped_part:
            val[-1] = math.nan
        h["val_loss"] = val
    return h


@st.composite
def sessions(draw, models: bool = False) -> SessionState:
    """A small random session: a network, runs (finished, stopped, continued), samples,
    lab steps, a training status; ``models``: role references as a window keeps them."""
    spec, config, preset = draw(networks())
    runs = []
    for i in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["finished", "stopped", "continued"]))
        epochs = draw(st.integers(1, 4))
        reason = "stopped" if kind == "stopped" else "finished"
        name = f"#{i + 1} {spec.name}" + (" (continued)" if kind == "continued" else "")
        runs.append(RunRecord(name, settings_of(spec, config),
                              draw(histories(epochs, kind == "stopped")), reason))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    samples = [{"id": f"{i:013d}-abcdef{i:02d}", "label": int(rng.integers(0, 10)),
                "created": 1e9 + i, "image": rng.integers(0, 256, (28, 28), dtype=np.uint8)}
               for i in range(draw(st.integers(0, 3)))]
    lab = None
    if draw(st.booleans()):
        net = LabNet()
        net.configure(hidden=draw(st.integers(1, 3)), activation="tanh", lr=0.5)
        net.iterate(draw(st.integers(0, 4)))
        lab = lab_state(net)
    phase = draw(st.sampled_from([IDLE, FINISHED, STOPPED]))
    message = {IDLE: "", FINISHED: "Finished 3 epochs.", STOPPED: "Stopped after 2 epochs."}
    refs = {}
    if models:
        if draw(st.booleans()):
            refs["drawing"] = ModelRef("Bundled: MNIST reader", "bundled")
        if draw(st.booleans()):
            refs["autoencoder"] = ModelRef("the bundled 2-D autoencoder", "bundled")
    return SessionState(spec, config, preset, draw(st.sampled_from(["xor", "circles"])),
                        None, 0, {}, runs, samples, lab, refs,
                        Training(phase, draw(st.integers(0, 9)), message[phase],
                                 draw(st.booleans())))


def rich_session() -> SessionState:
    """One session with a bit of everything: every kind of run, samples, lab steps, models,
    a stopped status (the round trip's fixed example: random ones may all be small)."""
    p = PRESETS["xor-3-4-1"]
    spec, config = p.spec(), p.train_config()
    nan = math.nan
    runs = [RunRecord("#1 xor", settings_of(spec, config),
                      {"loss": [0.7, 0.5], "val_loss": [0.8, 0.6], "epoch": [1.0, 2.0]},
                      "finished"),
            RunRecord("#2 xor", settings_of(spec, config),
                      {"loss": [0.7, 0.6], "val_loss": [0.8, nan], "epoch": [1.0, 1.5]},
                      "stopped"),
            RunRecord("#2 xor (continued)", settings_of(spec, config),
                      {"loss": [0.7, 0.6, 0.4], "val_loss": [0.8, nan, 0.5],
                       "epoch": [1.0, 1.5, 2.0]}, "finished")]
    rng = np.random.default_rng(7)
    samples = [{"id": f"{i:013d}-abcdef{i:02d}", "label": i, "created": 1e9 + i,
                "image": rng.integers(0, 256, (28, 28), dtype=np.uint8)} for i in range(3)]
    net = LabNet()
    net.configure(hidden=2, activation="tanh", lr=0.5)
    net.iterate(3)
    return SessionState(spec, config, "xor-3-4-1", "xor", None, 0, {}, runs, samples,
                        lab_state(net), {"drawing": ModelRef("Bundled: reader", "bundled"),
                                         "autoencoder": ModelRef("the bundled 2-D "
                                                                 "autoencoder", "bundled")},
                        Training(STOPPED, 2, "Stopped after 2 epochs.", True))
