"""Drawing styles MNIST under-represents, added to MNIST digits for training the drawing CNN.

Used by ``train_bundled_classifier.py``. Every change is made on the 28x28 MNIST image of the
digit itself, relative to where its ink is, so nothing here comes from the stroke templates
the handwriting benchmark draws (``benchmarks/data/handwriting_templates.json``): the
benchmark stays a fair, unseen test.

* 7: a bar across the stem (continental 7) or a hook down from the bar's left end;
* 1 (on half of them): a flag down-left from the top, short or a long European up-stroke
  (3-9 px across, 25-60 degrees below the horizontal, so never as flat as a 7's bar), and/or
  a base under the foot;
* 9: a tail that curls back to the left under the loop;
* 2: a small loop where the diagonal meets the base (a looped 2);
* 4 and 9: a small piece of the upper ink erased (opens a closed 4's triangle or a 9's loop,
  as a quickly drawn digit often is);
* any digit: a stronger slant (horizontal shear) and a thin-pen variant are in ``augment``.

Strokes are drawn as anti-aliased capsules (distance to a segment), width 1.6-3.2 px, at the
brightness of the digit's own ink.
"""

from __future__ import annotations

import numpy as np

SIZE = 28
_YY, _XX = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)

P_STYLE = 0.35  # share of the augmented 1s, 2s, 4s, 7s and 9s that get a style change
P_STYLE_ONE = 0.5  # for 1s (a flag or a base): many people write them so
ONE_KINDS = (0.45, 0.15, 0.4)  # a 1 gets a flag, a base, or both
FLAG_LENGTH = (3.0, 9.0)  # px across (a 20-px digit)
FLAG_ANGLE_DEG = (25.0, 60.0)  # below the horizontal: a 7's bar is flatter
P_ERASE = 0.25  # share of the augmented 4s and 9s with a small piece of upper ink erased


def draw_polyline(img: np.ndarray, pts: list[tuple[float, float]], width: float,
                  level: float = 1.0) -> None:
    """Draw an anti-aliased polyline ((x, y) in pixels) of ``width`` px onto img, in place."""
    dist = np.full(img.shape, np.inf, dtype=np.float32)
    for (x0, y0), (x1, y1) in zip(pts[:-1], pts[1:], strict=True):
        dx, dy = x1 - x0, y1 - y0
        t = ((_XX - x0) * dx + (_YY - y0) * dy) / max(dx * dx + dy * dy, 1e-9)
        t = np.clip(t, 0.0, 1.0)
        np.minimum(dist, np.hypot(_XX - (x0 + t * dx), _YY - (y0 + t * dy)), out=dist)
    ink = np.clip(width / 2.0 - dist + 0.5, 0.0, 1.0) * level
    np.maximum(img, ink, out=img)


def _ink(img: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    rows, cols = np.nonzero(img > 0.5)
    return (rows, cols) if len(rows) >= 8 else None


def _seven(img: np.ndarray, rng: np.random.Generator, w: float) -> None:
    rows, cols = _ink(img)
    top, bottom = rows.min(), rows.max()
    if rng.random() < 0.6:  # a bar across the stem, a little below the middle
        r = int(round(top + rng.uniform(0.45, 0.6) * (bottom - top)))
        at = cols[rows == r] if (rows == r).any() else cols
        c = float(at.mean())
        half = rng.uniform(3.0, 5.5)
        tilt = rng.uniform(-1.0, 1.0)
        draw_polyline(img, [(c - half, r + tilt), (c + half, r - tilt)], w)
    else:  # a hook down from the left end of the top bar
        band = rows <= top + 2
        x0 = float(cols[band].min())
        y0 = float(rows[band][cols[band].argmin()])
        draw_polyline(img, [(x0 + 0.5, y0), (x0 - rng.uniform(0, 1.5),
                                             y0 + rng.uniform(3.0, 6.0))], w)


def _one(img: np.ndarray, rng: np.random.Generator, w: float) -> None:
    rows, cols = _ink(img)
    top, bottom = rows.min(), rows.max()
    kind = rng.choice(3, p=ONE_KINDS)  # serif, base, both
    if kind in (0, 2):
        # A short flag or a long European up-stroke; always steeper than a 7's bar.
        xt = float(cols[rows == top].mean())
        dx = rng.uniform(*FLAG_LENGTH)
        dy = min(dx * np.tan(np.radians(rng.uniform(*FLAG_ANGLE_DEG))), 0.5 * (bottom - top))
        draw_polyline(img, [(xt, top), (xt - dx, top + dy)], w)
    if kind in (1, 2):
        xb = float(cols[rows == bottom].mean())
        half = rng.uniform(3.0, 5.5)
        draw_polyline(img, [(xb - half, bottom + 0.5), (xb + half, bottom + 0.5)], w)


def _nine_tail(img: np.ndarray, rng: np.random.Generator, w: float) -> None:
    rows, cols = _ink(img)
    bottom = rows.max()
    xb = float(cols[rows == bottom].mean())
    span = rng.uniform(4.0, 7.0)
    lift = rng.uniform(1.0, 3.5)
    draw_polyline(img, [(xb, bottom), (xb - span * 0.5, bottom + 0.8), (xb - span, bottom - lift)],
                  w)


def _two_loop(img: np.ndarray, rng: np.random.Generator, w: float) -> None:
    """A small loop at the lower-left corner, where a 2's diagonal turns into its base."""
    rows, cols = _ink(img)
    top, bottom = rows.min(), rows.max()
    low = rows >= bottom - 0.2 * (bottom - top)
    c0 = float(cols[low].min())
    r0 = float(rows[low][cols[low].argmin()])
    rad = rng.uniform(1.5, 2.8)
    cy, cx = r0 - rad * rng.uniform(0.6, 1.0), c0 + rad * rng.uniform(0.2, 0.8)
    a = np.linspace(0.0, 2.0 * np.pi, 17)
    draw_polyline(img, list(zip((cx + rad * np.cos(a)).tolist(), (cy + rad * np.sin(a)).tolist(),
                                strict=True)), w * 0.8)


def _erase_upper(img: np.ndarray, rng: np.random.Generator) -> None:
    rows, cols = _ink(img)
    top, bottom = rows.min(), rows.max()
    upper = rows <= top + 0.35 * (bottom - top)
    i = rng.integers(int(upper.sum()))
    r, c = rows[upper][i], cols[upper][i]
    gap = np.hypot(_YY - r, _XX - c) < rng.uniform(1.5, 2.5)
    img[gap] = 0.0


def add_styles(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Copies of x (N, 28, 28) with drawing styles added to some 1s, 2s, 4s, 7s and 9s."""
    out = x.copy()
    for i in np.flatnonzero(np.isin(y, (1, 2, 4, 7, 9))):
        img = out[i]
        if _ink(img) is None:
            continue
        w = rng.uniform(1.6, 3.2)
        label = int(y[i])
        if label in (4, 9) and rng.random() < P_ERASE:
            _erase_upper(img, rng)
        if rng.random() >= (P_STYLE_ONE if label == 1 else P_STYLE) or _ink(img) is None:
            continue
        if label == 7:
            _seven(img, rng, w)
        elif label == 1:
            _one(img, rng, w)
        elif label == 9:
            _nine_tail(img, rng, w)
        elif label == 2:
            _two_loop(img, rng, w)
    return out
