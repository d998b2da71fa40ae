"""A whole writer's hand on MNIST digits: slant, aspect, pen, jitter, then the Draw tab's recipe.

Used by ``train_bundled_classifier.py`` for a share of every epoch's augmented samples. People
keep one slant and one width-to-height ratio for all their digits, and those reach far past
what MNIST (or a small rotation and shear) covers: a hand slanting 30 degrees, digits squashed
to a third of their height or stretched wider than tall, drawn with a thin or a thick pen.
The Draw tab then crops the drawing to its ink, scales its longest side to 20 px and centres
it by mass (``nngui.core.drawing.preprocess.to_mnist``), so a squashed 2 reaches the model as
a tall, thin 2, not as a small one. This module makes the same thing from an MNIST digit:

1. **Warp** the digit about its centre of mass into a 2x finer field (56x56, so nothing is cut
   off and no detail is lost): width scaled by ``ASPECT`` (0.3-1.25 of the height), slant
   (horizontal shear) up to +-``MAX_SLANT_DEG``, a small turn, bilinear resampling;
2. **Jitter the whole hand** (half of them): a smooth random displacement field (elastic
   distortion, Simard et al.) at the finer scale;
3. **Pen** after the warp, as a pen draws the squashed path with its own round nib: a thicker
   pen (grey dilation with a disc of radius 1-4 fine pixels), a thinner one (erosion, radius
   1, skipped where it would erase most of the ink) or the digit's own;
4. **``to_mnist``**: the Draw tab's own preprocessing (crop, stroke-width normalisation,
   20-px box, contrast, centre of mass), so training sees what the Draw tab feeds the model.

Everything is generated from each MNIST digit's own pixels and random numbers drawn here. No
value, shape or style comes from the handwriting benchmarks' stroke templates
(``benchmarks/data/handwriting_templates.json``) or from their writers' code: the ranges are
those of people's handwriting as the issue describes it (slant up to about +-30 degrees,
digits from a third as wide as tall to wider than tall, thin to thick pens), so the benchmark
writers stay unseen and their scores stay a fair, held-out test.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's nngui

from nngui.core.drawing.preprocess import to_mnist  # noqa: E402  (after the path)

SIZE = 28
ZOOM = 2  # fine pixels per MNIST pixel in the warped field
FIELD = SIZE * ZOOM
ASPECT = (0.3, 1.25)  # width scale relative to height (uniform)
MIN_ASPECT = 0.28  # a squashed digit (not a 1) stays at least this wide for its height, so
# its loops and bars survive: an already narrow MNIST digit is squashed less
MAX_SLANT_DEG = 32.0  # horizontal shear angle, uniform in +-this
TURN_SD_DEG = 4.0  # a small rotation of the whole digit (normal)
P_ELASTIC = 0.5
ELASTIC_SIGMA = 4.0 * ZOOM
ELASTIC_ALPHA = (8.0 * ZOOM, 20.0 * ZOOM)
PEN_WEIGHTS = (0.4, 0.45, 0.15)  # own pen, thicker (disc radius 1-4 fine px), thinner (1)
MAX_PEN_RADIUS = 3
MIN_INK_AFTER_THINNING = 0.45


def _disc(radius: int) -> np.ndarray:
    r = np.arange(-radius, radius + 1)
    return (r[:, None] ** 2 + r[None, :] ** 2) <= radius * radius + radius * 0.5


_DISCS = {r: _disc(r) for r in range(1, MAX_PEN_RADIUS + 1)}


def _centres_of_mass(x: np.ndarray) -> np.ndarray:
    mass = x.sum(axis=(1, 2))
    safe = np.where(mass > 0, mass, 1.0)
    idx = np.arange(x.shape[1], dtype=np.float32)
    cy = (x.sum(axis=2) @ idx) / safe
    cx = (x.sum(axis=1) @ idx) / safe
    out = np.stack([cy, cx], axis=1)
    out[mass <= 0] = (SIZE - 1) / 2
    return out.astype(np.float32)


def _upright_aspect(x: np.ndarray, com: np.ndarray, skew: np.ndarray) -> np.ndarray:
    """(N,) ink width / height (pixels above 0.3) once the digit's own slant is taken out."""
    out = np.ones(len(x), dtype=np.float32)
    for i, img in enumerate(x):
        r, c = np.nonzero(img > 0.3)
        if len(r) < 2:
            continue
        c = c - skew[i] * (r - com[i, 0])
        out[i] = (c.max() - c.min() + 1) / (r.max() - r.min() + 1)
    return out


def _skew(x: np.ndarray, com: np.ndarray) -> np.ndarray:
    """(N,) the digit's own slant as d(col)/d(row) of its ink (second moments), clipped."""
    idx = np.arange(SIZE, dtype=np.float32)
    dr = idx[None, :, None] - com[:, 0, None, None]
    dc = idx[None, None, :] - com[:, 1, None, None]
    mu11 = (x * dr * dc).sum(axis=(1, 2))
    mu02 = (x * dr * dr).sum(axis=(1, 2))
    return np.clip(mu11 / np.maximum(mu02, 1e-6), -1.0, 1.0).astype(np.float32)


def warp(x: np.ndarray, rng: np.random.Generator, y: np.ndarray | None = None
         ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(N, 56, 56) fine-field images of x (N, 28, 28) with a writer's slant, aspect, turn, jitter.

    With labels ``y``, digits other than 1 are squashed no narrower than ``MIN_ASPECT``
    (ink width / height, measured upright). Also returns the parameters drawn (``aspect``, ``slant_deg``, ``turn_deg``, ``elastic``).
    """
    n = len(x)
    com = _centres_of_mass(x)
    skew = _skew(x, com)
    aspect = rng.uniform(*ASPECT, n).astype(np.float32)
    if y is not None:
        floor = np.where(np.asarray(y) == 1, 0.0, MIN_ASPECT / _upright_aspect(x, com, skew))
        aspect = np.maximum(aspect, np.minimum(floor, 1.0)).astype(np.float32)  # never widened
    slant_deg = rng.uniform(-MAX_SLANT_DEG, MAX_SLANT_DEG, n).astype(np.float32)
    turn_deg = rng.normal(0.0, TURN_SD_DEG, n).astype(np.float32)
    elastic = rng.random(n) < P_ELASTIC

    yy, xx = np.meshgrid(np.arange(FIELD, dtype=np.float32), np.arange(FIELD, dtype=np.float32),
                         indexing="ij")
    oy = np.broadcast_to(yy, (n, FIELD, FIELD)).copy()
    ox = np.broadcast_to(xx, (n, FIELD, FIELD)).copy()
    k = int(elastic.sum())
    if k:
        alpha = rng.uniform(*ELASTIC_ALPHA, k).astype(np.float32)[:, None, None]
        for grid in (oy, ox):
            field = rng.uniform(-1.0, 1.0, (k, FIELD, FIELD)).astype(np.float32)
            field = ndimage.gaussian_filter(field, sigma=(0, ELASTIC_SIGMA, ELASTIC_SIGMA),
                                            mode="constant")
            grid[elastic] += alpha * field

    # Forward map (source -> fine field), about the centre of mass, in (row, col):
    #   upright: col -= skew * row (the MNIST writer's own slant taken out, so slants do
    #   not add up past the writer's); squash: col *= aspect; slant: col -= tan(slant) * row (top leans right when > 0);
    #   turn: rotate by turn; zoom by ZOOM; the centre of mass goes to the field's centre.
    # Sampling needs the inverse, applied to every output pixel.
    centre = (FIELD - 1) / 2
    dy = (oy - centre) / ZOOM
    dx = (ox - centre) / ZOOM
    t = np.deg2rad(turn_deg)[:, None, None]
    c, s = np.cos(t), np.sin(t)
    ry = c * dy + s * dx  # un-turn
    rx = -s * dy + c * dx
    rx = rx + np.tan(np.deg2rad(slant_deg))[:, None, None] * ry  # un-slant
    rx = rx / aspect[:, None, None]  # un-squash
    rx = rx + skew[:, None, None] * ry  # the digit's own slant back
    sy = ry + com[:, 0, None, None]
    sx = rx + com[:, 1, None, None]
    idx = np.broadcast_to(np.arange(n, dtype=np.float32)[:, None, None], (n, FIELD, FIELD))
    out = ndimage.map_coordinates(x, np.stack([idx, sy, sx]), order=1, mode="constant",
                                  cval=0.0, prefilter=False).astype(np.float32)
    return out, {"aspect": aspect, "slant_deg": slant_deg, "turn_deg": turn_deg,
                 "elastic": elastic}


def pen(fine: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A thicker, thinner or the same pen on each fine-field image (in place; returned)."""
    kind = rng.choice(3, size=len(fine), p=PEN_WEIGHTS)
    radius = rng.integers(1, MAX_PEN_RADIUS + 1, size=len(fine))
    for i in np.flatnonzero(kind == 1):
        fine[i] = ndimage.grey_dilation(fine[i], footprint=_DISCS[int(radius[i])])
    for i in np.flatnonzero(kind == 2):
        thin = ndimage.grey_erosion(fine[i], footprint=_DISCS[1])
        if thin.sum() >= MIN_INK_AFTER_THINNING * fine[i].sum():
            fine[i] = thin
    return fine


def writer_augment(x: np.ndarray, rng: np.random.Generator, y: np.ndarray | None = None
                   ) -> np.ndarray:
    """(N, 28, 28) float32: each digit of x in a random writer's hand, as the Draw tab reads it."""
    if len(x) == 0:
        return np.zeros((0, SIZE, SIZE), dtype=np.float32)
    fine, _ = warp(np.asarray(x, dtype=np.float32), rng, y)
    fine = pen(fine, rng)
    return np.stack([to_mnist(np.clip(f, 0.0, 1.0)) for f in fine]).astype(np.float32)
