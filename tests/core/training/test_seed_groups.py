"""Seed groups: a band is the mean and spread of the member runs at each epoch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nngui.core.training import seeds

finite = st.floats(-1e3, 1e3, allow_nan=False)


@given(st.lists(st.lists(finite, min_size=1, max_size=12), min_size=1, max_size=6))
def test_a_band_is_the_mean_and_spread_of_its_members(curves):
    histories = [{"epoch": [float(i + 1) for i in range(len(c))], "loss": c} for c in curves]
    b = seeds.band(histories, "loss")
    longest = max(len(c) for c in curves)
    np.testing.assert_array_equal(b.xs, np.arange(1, longest + 1))
    for i in range(longest):
        here = [c[i] for c in curves if i < len(c)]
        assert b.counts[i] == len(here)
        np.testing.assert_allclose(b.mean[i], np.mean(here), rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(b.spread[i], np.std(here), rtol=1e-9, atol=1e-9)
    # mean ± spread, taken apart again: exact up to the rounding of the mean
    np.testing.assert_allclose(b.high - b.low, 2 * b.spread, rtol=1e-9, atol=1e-9)


def test_missing_values_are_left_out_not_counted_as_zero():
    histories = [{"epoch": [1.0, 2.0], "val_loss": [1.0, math.nan]},
                 {"epoch": [1.0, 2.0], "val_loss": [3.0, 4.0]}]
    b = seeds.band(histories, "val_loss")
    assert b.mean.tolist() == [2.0, 4.0] and b.spread.tolist() == [1.0, 0.0]
    assert b.counts.tolist() == [2, 1]


def test_seeds_groups_and_summaries():
    assert seeds.seeds_for(7, 3) == [7, 8, 9]
    assert len(set(seeds.seeds_for(None, 4))) == 4
    with pytest.raises(ValueError, match="1 to 20"):
        seeds.seeds_for(0, 0)
    a, b = seeds.new_group("x"), seeds.new_group("x")
    assert a[seeds.GROUP] != b[seeds.GROUP]
    runs = [{}, {**a}, {**b}, {**a}, {seeds.GROUP: 5}]
    assert seeds.groups(runs) == {a[seeds.GROUP]: [1, 3], b[seeds.GROUP]: [2]}
    text = seeds.final_summary([{"val_accuracy": [0.5, 0.8]}, {"val_accuracy": [0.9]}],
                               "val_accuracy")
    assert text == "val_accuracy 85 % ± 5 % over 2 seeds"


def test_a_sweep_repeated_with_seeds_is_one_group_per_setting():
    out = seeds.repeated([("lr 0.1", "spec-a"), ("lr 1", "spec-b")], 2, 10)
    assert [(label, spec, seed) for label, spec, seed, _g in out] == [
        ("lr 0.1 · seed 10", "spec-a", 10), ("lr 0.1 · seed 11", "spec-a", 11),
        ("lr 1 · seed 10", "spec-b", 10), ("lr 1 · seed 11", "spec-b", 11)]
    ids = [g[seeds.GROUP] for *_rest, g in out]
    assert ids[0] == ids[1] != ids[2] == ids[3]
    assert out[0][3][seeds.GROUP_NAME] == "lr 0.1 · 2 seeds"
