"""The lesson presets reach their lesson's point with the default seed (what the text says)."""

from __future__ import annotations

import pytest

from nngui.core.lessons.checks import accuracy, sse


def _test_acc(s) -> float:
    d = s.prepared()
    return accuracy(s.model, d.x_test, s.data.y_test)


def test_xor_presets(xor_sessions) -> None:
    for name in ("xor-2-2-1", "xor-3-4-1", "perceptron-xor-x1x2"):
        s = xor_sessions[name]
        assert _test_acc(s) == 1.0, name
    d = xor_sessions["xor-2-2-1"].prepared()
    assert sse(xor_sessions["xor-2-2-1"].model, d.x_train, d.y_train) < 0.05
    assert _test_acc(xor_sessions["perceptron-xor"]) <= 0.75


@pytest.mark.parametrize(("preset", "low", "high"), [
    ("xor-2-4-1", 1.0, 1.0),
    ("mlp-2-8-2", 0.95, 1.0),  # the moons bent around
    ("mlp-2-2-2", 0.0, 0.9),  # two units: too few, and the text says so
    ("mlp-2-4-2", 0.97, 1.0),  # the circles wrapped
    ("perceptron-lifted", 0.95, 1.0),
])
def test_2d_presets_reach_their_point(train_preset, preset: str, low: float, high: float
                                      ) -> None:
    acc = _test_acc(train_preset(preset))
    assert low <= acc <= high, (preset, acc)
