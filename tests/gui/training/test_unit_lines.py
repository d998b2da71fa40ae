"""The first-layer lines drawn over the boundary: the ones in the box, never a far-off one."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nngui.gui.training.live_geometry import unit_lines

XS = np.linspace(-1.5, 2.5, 50)
YS = np.linspace(-1.0, 1.5, 40)


def _crosses_box(w1: float, w2: float, b: float) -> bool:
    """Whether w1·x + w2·y + b changes sign over the box's corners (the line enters it)."""
    values = [w1 * x + w2 * y + b for x in (XS[0], XS[-1]) for y in (YS[0], YS[-1])]
    return min(values) <= 0 <= max(values)


def test_a_unit_with_tiny_weights_draws_no_far_off_line() -> None:
    # w ≈ 1e-30 and b = 1: the line lies near 1e30, which overflowed pyqtgraph's range cast
    px, py = unit_lines(np.array([[1e-30], [2e-30]]), np.array([1.0]), XS, YS)
    assert len(px) == len(py) == 0


@settings(max_examples=200, deadline=None)
@given(st.floats(-5, 5), st.floats(-5, 5), st.floats(-5, 5))
def test_every_line_through_the_box_is_drawn_and_lies_on_its_unit(w1, w2, b) -> None:
    px, py = unit_lines(np.array([[w1], [w2]]), np.array([b]), XS, YS)
    if (w1, w2) != (0.0, 0.0) and _crosses_box(w1, w2, b):
        assert len(px) == 2  # one segment, its two ends
    if len(px):
        assert np.all(np.isfinite(px)) and np.all(np.isfinite(py))
        np.testing.assert_allclose(w1 * px + w2 * py + b, 0, atol=1e-6 * (1 + abs(b)))
