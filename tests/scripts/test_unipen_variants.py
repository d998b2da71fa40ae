"""benchmarks/unipen_variants.py: its readers vote as documented and its variants put back
what they change (a variant that leaked into the next would spoil every later row)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import unipen_variants as V  # noqa: E402


def _taught() -> tuple[np.ndarray, np.ndarray]:
    """Two taught digits of each class, each class's features along its own axis."""
    y = np.repeat(np.arange(10), 2)
    h = np.zeros((20, 128), np.float32)
    h[np.arange(20), y] = 5.0
    h[np.arange(20), 100 + y] = 1.0  # a little of something else, so they are not identical
    return h, y


def test_a_digit_in_the_writers_hand_is_pulled_to_its_taught_class():
    h_taught, y_taught = _taught()
    h = np.zeros((1, 128), np.float32)
    h[0, 3] = 4.0  # looks like the writer's 3s
    p = np.full((1, 10), 0.02, np.float32)
    p[0, 8] = 0.44  # the head is unsure: 8 a little ahead of 3
    p[0, 3] = 0.40
    read = V.readers(p, h, h_taught, y_taught)
    assert read["head"][0] == 8
    for name in ("proto_T0.1_a0.3", "knn1_a0.3", "knn3_a0.5", "imprint_b0.1"):
        assert read[name][0] == 3, name


def test_a_confident_head_outvotes_a_light_blend():
    h_taught, y_taught = _taught()
    h = np.zeros((1, 128), np.float32)
    h[0, 3] = 4.0
    p = np.full((1, 10), 0.001, np.float32)
    p[0, 8] = 0.991
    read = V.readers(p, h, h_taught, y_taught)
    assert read["knn1_a0.3"][0] == 8 and read["proto_T0.1_a0.3"][0] == 8
    # the heavy blend overrides even a sure head (0.4955 against 0.5005): what costs it MNIST
    assert read["knn1_a0.5"][0] == 3


def test_variants_put_the_jitter_back():
    from nngui.core.drawing import augment
    from nngui.core.drawing import finetune as F

    rotate, jitter = augment.ROTATE, F.jitter
    with V.variant("strong") as kwargs:
        assert augment.ROTATE == 15.0 and kwargs == {}
    assert augment.ROTATE == rotate
    x = np.zeros((2, 28, 28), np.float32)
    x[:, 6:22, 12:16] = 1.0
    with V.variant("orig"):
        made = F.jitter(x, 4, np.random.default_rng(0))
        assert made.shape == (8, 28, 28)
        assert np.array_equal(made[3], x[0]) and np.array_equal(made[7], x[1])
        assert not np.array_equal(made[0], x[0])
    assert F.jitter is jitter
    with pytest.raises(RuntimeError), V.variant("strong"):
        raise RuntimeError  # a run that fails half-way still puts the jitter back
    assert augment.ROTATE == rotate and F.jitter is jitter
    with V.variant("fold0") as kwargs:
        assert kwargs == {"holdout_fraction": 0.0}
