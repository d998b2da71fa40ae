"""Robustness curves: each disturbance does what it says, and the accuracy is the model's."""

from __future__ import annotations

import numpy as np
import pytest
from digit_strokes import DIGITS, render

from nngui.core.drawing.preprocess import centre_of_mass, to_mnist
from nngui.core.insight import robustness as R


def _digits() -> tuple[np.ndarray, np.ndarray]:
    x = np.stack([to_mnist(render(DIGITS[d], thickness=18)) for d in range(10)])
    return np.concatenate([x, x]), np.concatenate([np.arange(10), np.arange(10)])


def test_level_zero_leaves_the_digits_alone():
    x, _ = _digits()
    for kind in R.LEVELS:
        if kind != "thickness" or 0 in R.LEVELS[kind]:
            np.testing.assert_allclose(R.disturb(x, kind, 0), x, atol=1e-6)


def test_each_disturbance_grows_with_its_level():
    x, _ = _digits()
    for kind, levels in R.LEVELS.items():
        change = [np.abs(R.disturb(x, kind, lv) - x).mean() for lv in levels if lv >= 0]
        assert all(a < b for a, b in zip(change, change[1:], strict=False)), (kind, change)


def test_shift_moves_the_centre_and_rotation_keeps_it():
    x, _ = _digits()
    moved = R.disturb(x, "shift", 3)
    d = [np.hypot(*np.subtract(centre_of_mass(a), centre_of_mass(b))) for a, b in zip(moved, x, strict=True)]
    assert np.allclose(d, 3, atol=0.6)
    turned = R.disturb(x, "rotation", 30)
    d = [np.hypot(*np.subtract(centre_of_mass(a), centre_of_mass(b))) for a, b in zip(turned, x, strict=True)]
    assert max(d) < 3
    assert R.disturb(x, "thickness", 2).sum() > R.disturb(x, "thickness", 1).sum() > x.sum()
    assert R.disturb(x, "thickness", -1).sum() < x.sum()


def test_the_curves_are_the_predictors_accuracy():
    x, y = _digits()
    # a "model" that reads a digit right only while its ink sits where it was
    centres = np.array([centre_of_mass(a) for a in x])

    def predict(batch):
        out = np.zeros((len(batch), 10))
        for i, image in enumerate(batch):
            ok = np.hypot(*np.subtract(centre_of_mass(image), centres[i])) < 1.5
            out[i, y[i] if ok else (y[i] + 1) % 10] = 1
        return out

    curves = R.robustness(predict, x, y, {"shift": (0, 1, 2, 4), "noise": (0, 0.2)})
    assert curves.n == 20
    assert curves.accuracy["shift"] == [1.0, 1.0, 0.0, 0.0]
    assert curves.at("noise", 0) == 1.0


def test_bad_input_is_a_clear_error():
    x, y = _digits()
    with pytest.raises(ValueError, match="as many labels"):
        R.robustness(lambda b: b, x, y[:3])
    with pytest.raises(ValueError, match="unknown disturbance"):
        R.disturb(x, "blur", 1)


def test_stop_is_honoured():
    x, y = _digits()
    with pytest.raises(InterruptedError):
        R.robustness(lambda b: np.zeros((len(b), 10)), x, y, should_stop=lambda: True)
