"""The handwriting benchmark's stroke set: replayable, varied, and drawn exactly as the Draw tab reads."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from nngui.core.drawing.samples import SampleStore
from nngui.gui.draw.panel import DrawPanel

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_handwriting.py"


@pytest.fixture(scope="module")
def hw():
    spec = importlib.util.spec_from_file_location("bench_handwriting", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def test_set_is_replayable_and_covers_every_style(hw):
    a, b = hw.make_set(per_digit=12, seed=3), hw.make_set(per_digit=12, seed=3)
    assert a == b  # same seed, same pen paths: a result can be reproduced
    assert a != hw.make_set(per_digit=12, seed=4)
    templates = hw.load_templates()
    assert [d.digit for d in a] == [k for k in range(10) for _ in range(12)]
    for digit, styles in templates.items():
        used = {d.style for d in a if d.digit == digit}
        assert used == set(styles), digit
    # The styles the issue names are in the set.
    for digit, style in ((4, "open"), (4, "closed"), (7, "bar"), (7, "hook"), (9, "curly"),
                         (9, "open-loop"), (1, "flag-base")):
        assert style in templates[digit]
    big = hw.make_set(per_digit=60, seed=0)
    assert {d.pen for d in big} == set(hw.PENS)  # thin, normal and thick pens
    heights = [max(y for s in d.strokes for _, y in s) - min(y for s in d.strokes for _, y in s)
               for d in big]
    assert min(heights) < 0.45 and max(heights) > 0.7  # small and large digits


def test_replay_gives_what_the_draw_tab_reads(qtbot, tmp_path, hw):
    """The benchmark's image is the one the Draw tab hands its model for the same strokes."""
    panel = DrawPanel(SampleStore(tmp_path / "samples"))
    panel.resize(900, 700)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    for drawing in hw.make_set(per_digit=1, seed=1)[::3]:
        x28 = hw.replay(panel.canvas, drawing)
        panel.refresh()
        assert x28.shape == (28, 28) and x28.max() == pytest.approx(1.0)
        np.testing.assert_array_equal(panel.last_x28, x28)
        ys, xs = np.nonzero(panel.canvas.image() > 0.5)
        # the ink lies where the pen path went (canvas units -> 280 px)
        path = np.concatenate([np.asarray(s) for s in drawing.strokes]) * 280
        assert abs(xs.mean() - path[:, 0].mean()) < 25 and abs(ys.mean() - path[:, 1].mean()) < 25


def test_bundled_cnn_reads_most_of_a_slice(qtbot, hw):
    """A guard on the shipped drawing model: ~98% on the full set, at least 90% on a slice."""
    from nngui.core.model.saving import load_model

    drawings = hw.make_set(per_digit=6, seed=11)
    images = hw.render_set(drawings)
    result = hw.score(load_model(hw.BUNDLED_CNN), drawings, images)
    assert result["n"] == 60
    assert result["accuracy"] >= 0.9, result
    assert set(result["per_digit"]) == {str(k) for k in range(10)}
