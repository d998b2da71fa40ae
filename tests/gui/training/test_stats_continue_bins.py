"""Each run's weight-statistics probe fixes its bins at its first epoch (1.5x the largest
weight then), so a Continue's probe bins anew. The Weights · gradients heat map drew every kept
epoch over the newest bins: the epochs before a Continue were stretched to the new range (after
5 epochs of MNIST and a Continue, epochs 1-5 spread to ±2.2 where epochs 6-15 stopped at ±1.5,
as if the weights had shrunk). They are counted again in the new bins."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from nngui.gui.training.stats import StatsPanel, rebin


def _payload(top: float, counts: list[int]) -> dict:
    return {"layers": ["dense"], "edges": [np.linspace(-top, top, len(counts) + 1)],
            "counts": [np.asarray(counts)], "grad_norms": [0.5]}


def test_the_epochs_before_a_continue_are_counted_in_its_bins(qtbot) -> None:
    panel = StatsPanel()
    qtbot.addWidget(panel)
    panel.show_probe("weight_stats", 0, _payload(1.0, [10, 0, 0, 10]))  # weights near ±0.75
    panel.show_probe("weight_stats", 1, _payload(1.0, [10, 0, 0, 10]))
    panel.show_probe("weight_stats", 2, _payload(2.0, [0, 10, 10, 0]))  # the Continue's bins
    assert panel.epochs == [0, 1, 2]
    heat = panel.heat_image(0)
    # ±0.75 lies in (-1, 0) and (0, 1) of the new bins, not in their outer ones (±1.5 to 2)
    assert heat.tolist() == [[0, 10, 10, 0]] * 3
    assert np.array_equal(panel.edges[0], np.linspace(-2, 2, 5))


def test_rebin_moves_counts_into_the_new_bins() -> None:
    edges = np.linspace(-1, 1, 5)
    assert rebin([1, 2, 3, 4], edges, edges).tolist() == [1, 2, 3, 4]
    assert rebin([4, 0, 0, 4], edges, np.linspace(-2, 2, 5)).tolist() == [0, 4, 4, 0]
    # a narrower range: what lies beyond it goes to the outer bins, none lost
    assert rebin([4, 0, 0, 4], edges, np.linspace(-0.5, 0.5, 3)).tolist() == [4, 4]


@given(st.lists(st.integers(0, 1000), min_size=2, max_size=30),
       st.floats(0.01, 10), st.floats(0.01, 10), st.floats(-1, 1))
def test_rebin_keeps_every_count(counts, old, new, shift) -> None:
    edges = np.linspace(-old, old, len(counts) + 1)
    out = rebin(counts, edges, np.linspace(-new + shift, new + shift, 21))
    assert len(out) == 20 and (out >= -1e-9).all()
    assert abs(out.sum() - sum(counts)) <= 1e-6 * max(1, sum(counts))
