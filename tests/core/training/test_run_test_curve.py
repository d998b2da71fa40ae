"""The test curve (measured each epoch on a test subset) is kept in the run list's histories."""

import math
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nngui.core.files.project import Project, load_project, save_project
from nngui.core.files.state import SessionState
from nngui.core.network.spec import NetworkSpec
from nngui.core.training.presets import get_preset
from nngui.core.training.runs import settings_of, with_test_curve


def _same(a, b):
    return len(a) == len(b) and all(x == y or (math.isnan(x) and math.isnan(y))
                                    for x, y in zip(a, b, strict=True))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.booleans(), st.booleans()), min_size=1,
                max_size=6))
def test_each_epoch_keeps_the_test_values_its_own_run_measured(runs):
    """Runs of one session: (epochs, from scratch?, probe sent values?) one after another."""
    session_history: dict[str, list[float]] = {}
    state, key = SessionState(NetworkSpec((2,), [])), object()
    expected: list[float] = []  # test_loss per epoch of the session's history
    value = 0.0
    for epochs, restart, measured in runs:
        if restart:
            session_history, expected = {}, []
        losses = [float(i) for i in range(epochs)]
        session_history.setdefault("loss", []).extend(losses)  # as Session.record does
        points = []
        for _ in range(epochs):
            value += 1.0
            if measured:
                points.append({"loss": value, "accuracy": value / 100})
        expected += [p["loss"] for p in points] or [math.nan] * epochs
        i = state.run_of(key)
        earlier = state.runs[i] if i is not None else None
        hist = with_test_curve(session_history, earlier.history if earlier else {}, epochs,
                               points)
        state.run_ended("run", {}, hist, "finished", key)
        rec = state.runs[state.run_of(key)]
        assert rec.history["loss"] == session_history["loss"]
        if "test_loss" in rec.history:
            assert _same(rec.history["test_loss"], expected)
            assert len(rec.history["test_accuracy"]) == len(expected)
        else:  # never measured since the last restart, nor before
            assert all(math.isnan(v) for v in expected)


def test_a_run_without_a_test_curve_gets_no_test_keys():
    assert with_test_curve({"loss": [1.0, 0.5]}, {}, 2, []) == {"loss": [1.0, 0.5]}


def test_a_project_keeps_the_test_curves_and_their_note(tmp_path: Path):
    spec = get_preset("mlp-2-4-2").spec()
    config = get_preset("mlp-2-4-2").train_config()
    hist = with_test_curve({"loss": [0.7, 0.4, 0.3], "epoch": [1.0, 2.0, 2.5]}, {}, 3,
                           [{"loss": 0.8, "accuracy": 0.5}, {"loss": 0.45, "accuracy": 0.8}])
    assert math.isnan(hist["test_loss"][2])  # a probe value missing: NaN, never a shift
    note = {"test_curve": "test_* curves on a fixed subset of 2,000 of 10,000 test samples"}
    run = {"name": "#1 a", "settings": {**settings_of(spec, config), **note}, "history": hist,
           "reason": "stopped"}
    old = {"name": "#2 old", "settings": settings_of(spec, config),
           "history": {"loss": [0.9]}, "reason": "finished"}  # saved before test curves
    path = save_project(Project(spec, config, "circles", runs=[run, old]), tmp_path / "p.nngui")
    back = load_project(path)
    assert back.runs[0]["settings"]["test_curve"] == note["test_curve"]
    for key in ("test_loss", "test_accuracy", "loss", "epoch"):
        np.testing.assert_array_equal(back.runs[0]["history"][key], hist[key])
    assert back.runs[1]["history"] == {"loss": [0.9]}
