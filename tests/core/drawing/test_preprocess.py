"""Drawings become MNIST-like 28x28 images whatever their size, place and stroke width."""

from __future__ import annotations

import numpy as np
import pytest
from digit_strokes import DIGITS, quick_model, render
from scipy import ndimage

from nngui.core.drawing import preprocess as P


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_empty_and_noise_only_drawings_give_zeros():
    assert not P.to_mnist(np.zeros((280, 280), np.float32)).any()
    assert not P.to_mnist(np.zeros((50, 80), np.uint8)).any()
    out = P.to_mnist(np.zeros((1, 1)))
    assert out.shape == (28, 28) and out.dtype == np.float32


def test_output_looks_like_mnist():
    img = P.to_mnist(render(DIGITS[2]))
    assert img.shape == (28, 28) and img.dtype == np.float32
    assert img.min() == 0.0 and img.max() == pytest.approx(1.0)
    rows = np.flatnonzero(img.max(axis=1) > 0.05)
    cols = np.flatnonzero(img.max(axis=0) > 0.05)
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (19, 20, 21)  # the 20-px box
    cy, cx = P.centre_of_mass(img)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    # A tall digit keeps its aspect ratio: narrower than it is high.
    assert cols[-1] - cols[0] < rows[-1] - rows[0]


def _shift_corr(a: np.ndarray, b: np.ndarray) -> float:
    """Best correlation over shifts of up to one pixel (MNIST centring rounds to whole px)."""
    return max(_corr(np.roll(a, (dy, dx), axis=(0, 1)), b)
               for dy in (-1, 0, 1) for dx in (-1, 0, 1))


def _shift_mad(a: np.ndarray, b: np.ndarray) -> float:
    """Smallest mean absolute difference over shifts of up to one pixel."""
    return min(float(np.abs(np.roll(a, (dy, dx), axis=(0, 1)) - b).mean())
               for dy in (-1, 0, 1) for dx in (-1, 0, 1))


REFERENCE = dict(box=(0.25, 0.15, 0.5, 0.7), thickness=18)
SAME_LOOK = [  # (x, y, w, h) on a 280 canvas, brush px
    dict(box=(0.05, 0.05, 0.18, 0.25), thickness=7),  # small, top-left corner
    dict(box=(0.6, 0.55, 0.25, 0.38), thickness=10),  # small, bottom-right
    dict(box=(0.02, 0.01, 0.65, 0.98), thickness=26),  # fills the canvas
    dict(box=(0.3, 0.2, 0.45, 0.62), thickness=6),  # hair-thin pen: thickened
    dict(box=(0.3, 0.2, 0.45, 0.62), thickness=10),  # thin pen
]
BOLD = [  # bold strokes (MNIST has bold digits too: they stay bolder, yet similar)
    dict(box=(0.2, 0.2, 0.42, 0.6), thickness=34),
    dict(box=(0.2, 0.2, 0.42, 0.6), thickness=26),
]


@pytest.mark.parametrize("digit", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
def test_size_position_and_thickness_give_nearly_the_same_image(digit):
    ref = P.to_mnist(render(DIGITS[digit], **REFERENCE))
    for v in SAME_LOOK:
        out = P.to_mnist(render(DIGITS[digit], **v))
        assert _shift_corr(out, ref) > 0.85, (digit, v, _shift_corr(out, ref))
        assert _shift_mad(out, ref) < 0.05, (digit, v, _shift_mad(out, ref))
    for v in BOLD:
        out = P.to_mnist(render(DIGITS[digit], **v))
        assert _shift_corr(out, ref) > 0.75, (digit, v, _shift_corr(out, ref))
        assert _shift_mad(out, ref) < 0.1, (digit, v, _shift_mad(out, ref))


@pytest.mark.slow
def test_a_network_reads_every_variant_the_same(full_mnist_path):
    # needs the ~98 % reader of the full training set: the slice's 92 % one misreads 7 of
    # these 80 drawings, which would be the model's fault, not the preprocessing's
    model, _, _ = quick_model(full_mnist_path)
    images = [P.to_mnist(render(DIGITS[d], **v)) for d in range(10)
              for v in [REFERENCE, *SAME_LOOK, *BOLD]]
    pred = model.predict(np.stack(images).reshape(-1, 784), verbose=0).argmax(axis=1)
    expected = np.repeat(np.arange(10), 1 + len(SAME_LOOK) + len(BOLD))
    assert np.array_equal(pred, expected), pred.reshape(10, -1)


def test_other_canvas_sizes_and_dtypes_agree():
    big = render(DIGITS[5], size=600)
    small = render(DIGITS[5], size=120, thickness=18 * 120 / 280)
    ref = P.to_mnist(big)
    assert _shift_corr(P.to_mnist(small), ref) > 0.9
    as_bytes = (big * 255).astype(np.uint8)
    assert np.abs(P.to_mnist(as_bytes) - ref).max() < 0.02
    rgb = np.repeat(as_bytes[..., None], 3, axis=2)
    assert np.abs(P.to_mnist(rgb) - ref).max() < 0.02


def test_contrast_is_matched_to_mnist_whatever_the_pen_or_scan():
    """Faint pencil and blurry photos get MNIST's contrast: ~40 % of the ink solid at 1.0."""
    crisp = P.to_mnist(render(DIGITS[4]))
    faint = P.to_mnist(0.3 * render(DIGITS[4]))
    np.testing.assert_allclose(faint, crisp, atol=0.02)  # a light pen is not a fainter digit
    blurry = P.to_mnist(ndimage.gaussian_filter(render(DIGITS[4]), 12))
    ink = blurry[blurry > P.NOISE]
    solid = float(np.mean(ink >= 0.999))
    # MNIST: about 45 % of ink pixels above 0.9; the scaling aims at the brightest 40 %
    assert 0.3 <= solid <= 0.5, solid
    assert blurry.max() == pytest.approx(1.0)


def test_faint_speck_is_not_ink():
    img = render(DIGITS[7])
    img[2, 2] = 0.03  # far from the digit, below the noise threshold
    assert np.array_equal(P.to_mnist(img), P.to_mnist(render(DIGITS[7])))


def test_resize_is_an_area_average_when_shrinking():
    a = np.zeros((10, 10), np.float32)
    a[:, :5] = 1.0
    out = P.resize(a, 2, 2)
    assert np.allclose(out, [[1, 0], [1, 0]])
    stripes = np.tile([1.0, 0.0], 50).astype(np.float32)[None].repeat(4, axis=0)
    assert np.allclose(P.resize(stripes, 4, 10), 0.5, atol=1e-5)  # no aliasing


def test_auto_invert_and_clean_scan():
    ink = render(DIGITS[3], size=120, thickness=8)
    paper = 0.85 - 0.8 * ink  # dark ink on grey-white paper
    assert np.allclose(P.auto_invert(ink), ink)
    assert np.allclose(P.auto_invert(paper), 1 - paper)
    cleaned = P.clean_scan(paper)
    assert cleaned.min() == 0.0 and cleaned.max() == pytest.approx(1.0)
    assert _corr(P.to_mnist(cleaned), P.to_mnist(ink)) > 0.95


def _render_large(img28: np.ndarray, thicken: int, scale: float, pos: np.ndarray) -> np.ndarray:
    """An MNIST digit upsampled (bilinear), thickened or thinned, placed on a 420 px canvas."""
    side = int(28 * scale)
    big = P.resize(img28, side, side)
    if thicken:
        r = abs(thicken)
        disk = np.hypot(*np.mgrid[-r:r + 1, -r:r + 1]) <= r
        op = ndimage.grey_dilation if thicken > 0 else ndimage.grey_erosion
        big = op(big, footprint=disk)
    canvas = np.zeros((420, 420), np.float32)
    y, x = (pos * (420 - side)).astype(int)
    canvas[y:y + side, x:x + side] = big
    return canvas


@pytest.mark.slow
def test_mnist_digits_rendered_large_stay_correct(full_mnist_path):
    """1,000 MNIST test digits drawn big, thicker or thinner, anywhere: still read right."""
    model, _, ds = quick_model(full_mnist_path)  # the same ~98 % reader as above
    x, y = ds.x_test[:1000], ds.y_test[:1000]
    before = model.predict(x.reshape(-1, 784), verbose=0).argmax(axis=1)
    rng = np.random.default_rng(0)
    thick = [-3, 0, 3, 6]  # at 10x scale: about -0.3 to +0.6 MNIST pixels per edge
    rendered = np.stack([
        P.to_mnist(_render_large(im, thick[i % 4] * s // 10, s, rng.random(2)))
        for i, (im, s) in enumerate(zip(x, rng.integers(7, 15, len(x)), strict=True))])
    after = model.predict(rendered.reshape(-1, 784), verbose=0).argmax(axis=1)
    ok = before == y
    stays = float(np.mean(after[ok] == y[ok]))
    assert stays >= 0.98, f"only {stays:.1%} of correctly read digits survive"
    assert float(np.mean(after == y)) >= float(np.mean(ok)) - 0.015


def test_bundled_classifiers_read_rendered_mnist(mnist_path):
    """The app's own pretrained classifiers, when present, read drawings made from MNIST."""
    from pathlib import Path

    from nngui.core.model.inference import FastPredictor
    from nngui.core.model.saving import load_model

    models = Path(__file__).resolve().parents[3] / "nngui" / "resources" / "models"
    predictors = [FastPredictor(load_model(p)) for p in sorted(models.glob("*.keras"))]
    predictors = [fp for fp in predictors
                  if fp.predict(np.zeros((28, 28), np.float32)).size == 10]
    if not predictors:
        pytest.skip("no bundled classifier in nngui/resources/models")
    from nngui.core.data.datasets import load_mnist

    ds = load_mnist(mnist_path)
    x, y = ds.x_test[:300], ds.y_test[:300]
    rng = np.random.default_rng(1)
    rendered = np.stack([P.to_mnist(_render_large(im, 0, 10, rng.random(2))) for im in x])
    for fp in predictors:
        ok = fp.predict_batch(x).argmax(axis=1) == y
        after = fp.predict_batch(rendered).argmax(axis=1) == y
        assert after[ok].mean() >= 0.98
