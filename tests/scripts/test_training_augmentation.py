"""The drawing augmentation of scripts/train_bundled_classifier.py (writer hands, drawing styles).

The scripts are not a package: they are imported from ``scripts/`` as the training run does.
Real MNIST digits (the slice shipped with the tests) go through the augmentation; the checks
are on what a label needs: the digit's own ink kept, the writer's slant and aspect where they
were asked for, the Draw tab's 20-px box and centre of mass, determinism per seed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
sys.path.insert(0, str(SCRIPTS))

import stroke_augment as S  # noqa: E402
import writer_augment as W  # noqa: E402


@pytest.fixture(scope="module")
def digits(mnist_path):
    with np.load(mnist_path) as d:
        x, y = d["x_train"][:600], d["y_train"][:600]
    return x.astype(np.float32) / 255.0, y.astype(np.int64)


def _bbox(img: np.ndarray, level: float = 0.3) -> tuple[int, int]:
    """(height, width) of the pixels above ``level``."""
    rows = np.flatnonzero((img > level).any(axis=1))
    cols = np.flatnonzero((img > level).any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def _skew(img: np.ndarray) -> float:
    """d(col)/d(row) of the ink: negative when the top leans right."""
    r, c = np.mgrid[0:img.shape[0], 0:img.shape[1]]
    m = img.sum()
    cr, cc = (img * r).sum() / m, (img * c).sum() / m
    return float((img * (r - cr) * (c - cc)).sum() / (img * (r - cr) ** 2).sum())


def test_writer_augment_is_what_the_draw_tab_feeds_the_model(digits):
    x, y = digits
    out = W.writer_augment(x[:200], np.random.default_rng(3), y[:200])
    assert out.shape == (200, 28, 28) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    for img in out:
        h, w = _bbox(img, 0.0)
        assert max(h, w) <= 20  # the longest side in the 20-px box
        assert max(h, w) >= 19
        r, c = np.mgrid[0:28, 0:28]
        assert abs((img * r).sum() / img.sum() - 14) <= 1.0  # centred by mass
        assert abs((img * c).sum() / img.sum() - 14) <= 1.0


def test_writer_augment_is_deterministic_per_seed(digits):
    x, y = digits
    a = W.writer_augment(x[:50], np.random.default_rng(7), y[:50])
    b = W.writer_augment(x[:50], np.random.default_rng(7), y[:50])
    c = W.writer_augment(x[:50], np.random.default_rng(8), y[:50])
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 0.5


def test_the_writers_slant_replaces_the_digits_own(digits, monkeypatch):
    # Upright MNIST 1s of every slant, given one writer slant: they all lean by that slant,
    # whatever their own was (the own slant is taken out first, not added to).
    x, y = digits
    ones = x[y == 1][:40]
    assert np.std([_skew(i) for i in ones]) > 0.1  # MNIST's 1s lean either way
    monkeypatch.setattr(W, "TURN_SD_DEG", 0.0)
    monkeypatch.setattr(W, "P_ELASTIC", 0.0)
    monkeypatch.setattr(W, "ASPECT", (1.0, 1.0))
    monkeypatch.setattr(W, "MAX_SLANT_DEG", 0.0)

    class OneSlant:
        """A generator whose slant draw (uniform in +-0 here) gives ``slant``."""

        def __init__(self, slant):
            self.slant, self.rng = slant, np.random.default_rng(0)

        def uniform(self, lo, hi, n=None):
            return np.full(n, self.slant) if (lo, hi) == (0.0, 0.0) else \
                self.rng.uniform(lo, hi, n)

        def __getattr__(self, name):
            return getattr(self.rng, name)

    for slant in (-25.0, 0.0, 25.0):
        rng = OneSlant(slant)
        fine, params = W.warp(ones, rng, np.ones(len(ones)))
        np.testing.assert_allclose(params["slant_deg"], slant)
        skews = np.array([_skew(f) for f in fine])
        np.testing.assert_allclose(np.median(skews), -np.tan(np.radians(slant)), atol=0.05)
        assert np.std(skews) < 0.06


def test_squashed_digits_keep_their_width_floor_but_ones_do_not(digits, monkeypatch):
    x, y = digits
    monkeypatch.setattr(W, "MAX_SLANT_DEG", 0.0)
    monkeypatch.setattr(W, "TURN_SD_DEG", 0.0)
    monkeypatch.setattr(W, "P_ELASTIC", 0.0)
    monkeypatch.setattr(W, "ASPECT", (0.3, 0.3))
    fine, params = W.warp(x[:300], np.random.default_rng(1), y[:300])
    for img, label, own, asp in zip(fine, y[:300], x[:300], params["aspect"], strict=True):
        h0, w0 = _bbox(own)
        h, w = _bbox(img)
        assert abs(h - 2 * h0) <= 4  # the height is the digit's (the field is 2x finer)
        if label == 1:
            assert asp == pytest.approx(0.3)
        else:
            assert asp >= 0.3 - 1e-6
            assert w / h >= 0.8 * W.MIN_ASPECT  # loops and bars are not squashed to a line
    narrow = [w / h for img, lab in zip(fine, y[:300], strict=True) if lab != 1
              for h, w in [_bbox(img)]]
    assert np.median(narrow) < 0.45  # yet most are squashed hard


def test_pens_thicken_or_thin_but_keep_the_ink(digits):
    x, y = digits
    fine, _ = W.warp(x[:100], np.random.default_rng(2), y[:100])
    before = fine.copy()
    after = W.pen(fine, np.random.default_rng(5))
    ink0, ink1 = before.sum(axis=(1, 2)), after.sum(axis=(1, 2))
    assert (ink1 > 1.15 * ink0).sum() >= 20  # thicker pens
    assert (ink1 < 0.95 * ink0).sum() >= 3  # thinner pens
    assert (ink1 >= W.MIN_INK_AFTER_THINNING * ink0 - 1e-3).all()


def test_looped_twos_add_a_loop_at_the_lower_left_and_erase_nothing(digits, monkeypatch):
    x, y = digits
    twos = x[y == 2][:30]
    monkeypatch.setattr(S, "P_STYLE", 1.0)
    monkeypatch.setattr(S, "P_ERASE", 0.0)
    out = S.add_styles(twos, np.full(len(twos), 2), np.random.default_rng(4))
    assert (out >= twos - 1e-6).all()  # the 2's own ink is all there
    added = out - twos
    assert (added.sum(axis=(1, 2)) > 1.0).mean() > 0.8
    for a, own in zip(added, twos, strict=True):
        if a.sum() <= 1.0:
            continue
        rows = np.flatnonzero((own > 0.5).any(axis=1))
        cols = np.flatnonzero((own > 0.5).any(axis=0))
        r, c = np.mgrid[0:28, 0:28]
        ar, ac = (a * r).sum() / a.sum(), (a * c).sum() / a.sum()
        assert ar > (rows[0] + rows[-1]) / 2  # in the lower half
        assert ac < (cols[0] + cols[-1]) / 2  # on the left


def test_flags_on_ones_go_down_left_and_are_steeper_than_a_sevens_bar(digits, monkeypatch):
    x, y = digits
    ones = x[y == 1][:30]
    monkeypatch.setattr(S, "P_STYLE_ONE", 1.0)
    monkeypatch.setattr(S, "ONE_KINDS", (1.0, 0.0, 0.0))  # a flag only
    out = S.add_styles(ones, np.ones(len(ones), dtype=np.int64), np.random.default_rng(6))
    assert (out >= ones - 1e-6).all()
    lengths = []
    for o, own in zip(out, ones, strict=True):
        added = (o - own) > 0.5
        if added.sum() < 4:
            continue
        r, c = np.nonzero(added)
        top = np.flatnonzero((own > 0.5).any(axis=1))[0]
        assert r.mean() < top + 0.5 * (np.flatnonzero((own > 0.5).any(axis=1))[-1] - top)
        slope = np.polyfit(c.astype(float), r.astype(float), 1)[0]  # rows per column
        assert slope < -0.3  # down to the left, 17+ degrees (drawn at 25-60 on thin strokes)
        lengths.append(c.max() - c.min())
    assert len(lengths) >= 20 and max(lengths) >= 9  # long European up-strokes too
