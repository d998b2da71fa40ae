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


def _writer(seed: int = 0):
    """Random outputs and features for 300 digits and 30 taught digits."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(10, 0.3), 300).astype(np.float32)
    h = np.maximum(rng.normal(size=(300, 128)), 0).astype(np.float32)
    h_taught = np.maximum(rng.normal(size=(30, 128)), 0).astype(np.float32)
    h[:100] = h_taught[np.arange(100) % 30] + 0.1 * np.abs(rng.normal(size=(100, 128)))
    return p, h, h_taught, np.arange(30) % 10


@pytest.mark.parametrize(("k", "a"), [(1, 0.3), (1, 0.5), (3, 0.3), (3, 0.5)])
def test_a_gate_no_digit_passes_is_the_head_and_one_every_digit_passes_is_the_blend(k, a):
    p, h, h_taught, y_taught = _writer()
    blend = V.readers(p, h, h_taught, y_taught)[f"knn{k}_a{a}"]
    head = p.argmax(1)
    assert (blend != head).sum() > 20  # else the two checks below could not tell them apart
    assert np.array_equal(V.gated_knn(p, h, h_taught, y_taught, k, a, tau=1.01), head)
    assert np.array_equal(V.gated_knn(p, h, h_taught, y_taught, k, a, tau=-1.0), blend)
    assert np.array_equal(V.gated_knn(p, h, h_taught, y_taught, k, a, delta=0.0), head)
    assert np.array_equal(V.gated_knn(p, h, h_taught, y_taught, k, a, delta=1.01), blend)


def test_the_similarity_gate_blends_only_digits_like_a_taught_one():
    p, h, h_taught, y_taught = _writer()
    sim = (h / np.linalg.norm(h, axis=1, keepdims=True)) @ (
        h_taught / np.linalg.norm(h_taught, axis=1, keepdims=True)).T
    near = sim.max(1) >= 0.9
    assert 50 < near.sum() < 250  # the first 100 are close to a taught digit, the rest not
    blend, head = V.readers(p, h, h_taught, y_taught)["knn1_a0.5"], p.argmax(1)
    got = V.gated_knn(p, h, h_taught, y_taught, 1, 0.5, tau=0.9)
    assert np.array_equal(got[near], blend[near]) and np.array_equal(got[~near], head[~near])
    assert (blend[near] != head[near]).any() and (blend[~near] != head[~near]).any()
    read = V.readers(p, h, h_taught, y_taught)
    assert np.array_equal(read["gknn1_a0.5_t0.9"], got)


def test_the_margin_gate_leaves_a_sure_head_alone():
    h_taught, y_taught = _taught()
    h = np.zeros((2, 128), np.float32)
    h[:, 3] = 4.0  # both look like the writer's 3s
    p = np.full((2, 10), 0.001, np.float32)
    p[0, 8], p[0, 3] = 0.80, 0.192  # sure: margin 0.61
    p[1, 8], p[1, 3] = 0.60, 0.392  # less sure: margin 0.21
    read = V.readers(p, h, h_taught, y_taught)
    assert list(read["knn1_a0.5"]) == [3, 3]
    assert list(read["gmargin1_a0.5_d0.3"]) == [8, 3]
    assert list(read["gmargin1_a0.5_d0.5"]) == [8, 3]
    assert list(read["gboth1_a0.5_t0.9_d0.3"]) == [8, 3]
    assert list(read["gknn1_a0.5_t0.9"]) == [3, 3]


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
