"""Jittered copies of a taught digit: varied, still the same digit, as the Draw tab reads it."""

from __future__ import annotations

import numpy as np
from digit_strokes import DIGITS, render

from nngui.core.drawing import augment as A
from nngui.core.drawing.preprocess import centre_of_mass, to_mnist


def _digit(d: int = 7) -> np.ndarray:
    return to_mnist(render(DIGITS[d], thickness=18))


def test_copies_come_in_order_and_repeat_with_the_seed():
    x = np.stack([_digit(1), _digit(7)])
    out = A.jitter(x, 5, seed=3)
    assert out.shape == (10, 28, 28) and out.dtype == np.float32
    np.testing.assert_array_equal(out, A.jitter(x, 5, seed=3))
    assert not np.array_equal(out, A.jitter(x, 5, seed=4))
    # sample i's copies are rows i*5 .. i*5+4: each nearer its own digit than the other one
    for i, own in enumerate(x):
        other = x[1 - i]
        for v in out[i * 5:(i + 1) * 5]:
            assert np.abs(v - own).sum() < np.abs(v - other).sum()


def test_every_copy_differs_and_looks_like_what_the_draw_tab_reads():
    x = _digit(4)
    out = A.jitter(x[None], 12, seed=0)
    for v in out:
        assert not np.allclose(v, x, atol=0.05)  # a real change, not the same image
        assert 0.0 <= v.min() and v.max() == 1.0  # contrast as to_mnist makes it
        cy, cx = centre_of_mass(v)
        assert abs(cy - 14) <= 1.0 and abs(cx - 14) <= 1.0  # centred by mass, like a drawing
    flat = out.reshape(len(out), -1)
    assert len({v.tobytes() for v in flat}) == len(out)  # no two copies alike


def test_width_change_thickens_and_thins():
    x = _digit(0).astype(np.float64)
    assert A._width(x, 1).sum() > x.sum() * 1.2
    assert A._width(x, 2).sum() < x.sum() * 0.9
    np.testing.assert_array_equal(A._width(x, 0), x)


def test_warp_stays_small():
    # with no elastic part, a pixel moves by at most rotation + slant + scale + shift
    rng = np.random.default_rng(0)
    for _ in range(50):
        src = A._coords(rng, elastic=False)
        moved = np.abs(src - A._GRID).max()
        corner = 13.5 * (np.sin(np.radians(A.ROTATE)) + A.SHEAR + 2 * A.SCALE) + 2 * A.SHIFT
        assert moved <= corner


def test_an_empty_result_falls_back_to_the_original():
    x = np.zeros((28, 28), np.float32)
    x[0, 0] = 1.0  # one corner pixel: a warp can push it out of the field
    out = A.jitter(x[None], 20, seed=1)
    assert all(v.max() > 0 for v in out)
