"""Make a drawing (any size, white ink on black) look like an MNIST digit.

MNIST digits were made like this (LeCun et al.): the black-and-white NIST digit was cropped to
its ink, size-normalised to fit a 20x20 box keeping its aspect ratio (anti-aliasing turns the
edges grey), then placed in a 28x28 field so that its centre of mass sits at the centre.
``to_mnist`` repeats that recipe on a drawing:

1. **Crop** to the bounding box of the ink. Pixels below 5% of the brightest pixel count as
   noise (a stray anti-aliased speck or a scanner's grey), not as ink.
2. **Normalise the stroke width** (drawings only differ from MNIST here: a thick brush on a
   small digit gives a blob). The crop is resampled so its longest side is 40 px, the stroke
   width is estimated as 2·area/perimeter of the ink, and the ink is thickened or thinned with
   grey-level morphology towards the range of MNIST's widths (measured on the MNIST test set).
   Widths inside MNIST's normal range are left alone.
3. **Scale** so the longest side is 20 px, keeping the aspect ratio. Shrinking uses an exact
   area (box) filter: each output pixel is the mean of the input area it covers, so thin
   strokes turn grey instead of vanishing or aliasing; enlarging uses bilinear interpolation.
4. **Intensity**: the range of the training data (MNIST bytes / 255): 0 background, and the
   brightest 40% of the ink at 1.0, like MNIST's solid stroke cores (so a blurry scan gets
   the same contrast; for a crisp drawing this is simply "the brightest pixel is 1.0").
5. **Centre** by mass: the 20-px box goes into a 28x28 field shifted by a whole number of pixels
   (rounded, like MNIST) so the intensity-weighted centre lands on pixel (14, 14) — where the
   MNIST digits' centres of mass average out — but never so far that ink would fall off.

An empty drawing gives all zeros. Everything is NumPy (a drawing takes well under a
millisecond), so it can run on every mouse move.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from nngui.core.platform.blas import blas_controller, one_blas_thread

SIZE = 28  # the MNIST field
BOX = 20  # the longest side of the digit inside it
CENTRE = 14.0  # mean centre of mass of the MNIST test digits, in pixel indices
NOISE = 0.05  # fraction of the brightest pixel below which a pixel is not ink
WORK = 2 * BOX  # resolution (longest side) at which the stroke width is normalised
# Stroke width at WORK resolution as stroke_width measures it (2·area/perimeter of the pixels
# at >= half the peak): on the MNIST test set the 5th, 50th and 95th percentiles are 2.5, 3.7
# and 5.9 px. Drawings inside that range are left as they are; others are brought to the
# nearest end of TARGET_RANGE (pushing all the way to the median made thick MNIST digits read
# worse in a round-trip experiment; stopping short of it helped both drawings and MNIST).
WIDTH_RANGE = (2.5, 6.0)
TARGET_RANGE = (3.0, 5.0)
# About 45% of MNIST's ink pixels are above 0.9 (solid stroke cores). Scaling so the 60th
# percentile of the ink becomes 1.0 gives a blurry photo the same look and hardly changes a
# crisp drawing (whose cores are already solid).
SATURATED_QUANTILE = 0.6


def as_gray(image: np.ndarray) -> np.ndarray:
    """Float32 HxW image in [0, 1] from uint8 or float data (RGB(A) is averaged to grey)."""
    a = np.asarray(image)
    if np.issubdtype(a.dtype, np.integer) or a.dtype == bool:
        scale = 1.0 if a.dtype == bool else 255.0
        a = a.astype(np.float32) / np.float32(scale)
    else:
        a = np.nan_to_num(a.astype(np.float32, copy=False))
    if a.ndim == 3:
        a = a[..., :3].mean(axis=-1, dtype=np.float32) if a.shape[-1] >= 3 else a[..., 0]
    if a.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {np.shape(image)}")
    return np.clip(a, 0.0, 1.0)


def ink_bbox(gray: np.ndarray, noise: float = NOISE) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) of the ink, half-open; None when there is no ink."""
    peak = float(gray.max()) if gray.size else 0.0
    if peak <= 1e-6:
        return None
    mask = gray > noise * peak
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def warm_up() -> None:
    """Load what the first drawing needs (~0.2 s), so the first stroke does not stall."""
    from scipy import ndimage  # noqa: F401  (stroke-width normalisation)

    blas_controller()


@lru_cache(maxsize=256)
def _resample_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights: area (box) filter when shrinking, bilinear when enlarging."""
    scale = n_out / n_in
    if scale <= 1.0:
        # Output pixel i covers input span [i/scale, (i+1)/scale); weight = overlap length.
        lo = np.arange(n_out)[:, None] / scale
        hi = lo + 1.0 / scale
        j = np.arange(n_in)[None, :]
        w = np.clip(np.minimum(hi, j + 1.0) - np.maximum(lo, j), 0.0, None)
    else:
        centres = (np.arange(n_out) + 0.5) / scale - 0.5  # in input pixel indices
        centres = np.clip(centres, 0.0, n_in - 1.0)  # edge pixels extend outwards
        d = np.abs(np.arange(n_in)[None, :] - centres[:, None])
        w = np.clip(1.0 - d, 0.0, None)
    w /= w.sum(axis=1, keepdims=True)
    w.setflags(write=False)
    return w.astype(np.float32)


def resize(gray: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resample a 2-D image to height x width (area filter down, bilinear up)."""
    rows = _resample_matrix(gray.shape[0], int(height))
    cols = _resample_matrix(gray.shape[1], int(width))
    return rows @ gray.astype(np.float32, copy=False) @ cols.T


def fit_longest_side(gray: np.ndarray, side: int) -> np.ndarray:
    """Resize so the longest side is ``side`` px, keeping the aspect ratio (>= 1 px each)."""
    h, w = gray.shape
    scale = side / max(h, w)
    return resize(gray, max(1, round(h * scale)), max(1, round(w * scale)))


def stroke_width(gray: np.ndarray) -> float:
    """Mean stroke width in px: 2·area/perimeter of the pixels at >= half the peak."""
    peak = float(gray.max()) if gray.size else 0.0
    if peak <= 0:
        return 0.0
    mask = np.pad(gray >= 0.5 * peak, 1)
    area = int(mask.sum())
    perimeter = int((mask[1:] != mask[:-1]).sum() + (mask[:, 1:] != mask[:, :-1]).sum())
    return 2.0 * area / max(perimeter, 1)


def _grey_morph(gray: np.ndarray, steps: int, grow: bool) -> np.ndarray:
    """Grow (dilate) or shrink (erode) the ink by ``steps`` px with a near-round footprint."""
    from scipy import ndimage  # scipy comes with scikit-learn; imported only when needed

    op = ndimage.grey_dilation if grow else ndimage.grey_erosion
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)
    square = np.ones((3, 3), dtype=bool)
    out = np.pad(gray, steps + 1) if grow else gray
    for i in range(steps):  # alternating cross and square approximates a disk (octagon)
        out = op(out, footprint=cross if i % 2 == 0 else square)
    return out


def normalize_width(gray: np.ndarray) -> np.ndarray:
    """Thicken or thin strokes towards MNIST's width when they are far outside its range."""
    width = stroke_width(gray)
    if width <= 0 or WIDTH_RANGE[0] <= width <= WIDTH_RANGE[1]:
        return gray
    target = float(np.clip(width, *TARGET_RANGE))
    steps = int(round(abs(target - width) / 2.0))  # one step moves each edge by 1 px
    if width > target:
        # Never erode a stroke away entirely: keep at least a third of the estimated width.
        steps = min(steps, max(0, int(width / 3)))
    if steps == 0:
        return gray
    out = _grey_morph(gray, steps, grow=width < target)
    box = ink_bbox(out)
    if box is None:
        return gray
    t, b, left, r = box
    return out[t:b, left:r]


def match_contrast(digit: np.ndarray) -> np.ndarray:
    """Scale so the brightest ~40% of the ink reads 1.0, as in MNIST's solid stroke cores."""
    peak = float(digit.max()) if digit.size else 0.0
    if peak <= 1e-6:
        return np.zeros_like(digit)
    ink = digit[digit > NOISE * peak]
    level = float(np.quantile(ink, SATURATED_QUANTILE))
    return np.clip(digit / max(level, 1e-6), 0.0, 1.0).astype(np.float32)


def centre_of_mass(gray: np.ndarray) -> tuple[float, float]:
    """Intensity-weighted (row, column) centre."""
    total = float(gray.sum())
    if total <= 0:
        return (gray.shape[0] - 1) / 2.0, (gray.shape[1] - 1) / 2.0
    rows = gray.sum(axis=1)
    cols = gray.sum(axis=0)
    return (float(rows @ np.arange(len(rows))) / total,
            float(cols @ np.arange(len(cols))) / total)


def place_by_mass(digit: np.ndarray, size: int = SIZE, centre: float = CENTRE) -> np.ndarray:
    """Put ``digit`` into a size x size field with its centre of mass at (centre, centre)."""
    h, w = digit.shape
    cy, cx = centre_of_mass(digit)
    top = int(np.clip(round(centre - cy), 0, size - h))
    left = int(np.clip(round(centre - cx), 0, size - w))
    out = np.zeros((size, size), dtype=np.float32)
    out[top:top + h, left:left + w] = digit
    return out


def to_mnist(image: np.ndarray, normalize_thickness: bool = True) -> np.ndarray:
    """A 28x28 float32 image in [0, 1] that looks like an MNIST digit (see the module doc)."""
    with one_blas_thread():
        return _to_mnist(as_gray(image), normalize_thickness)


def _to_mnist(gray: np.ndarray, normalize_thickness: bool) -> np.ndarray:
    box = ink_bbox(gray)
    if box is None:
        return np.zeros((SIZE, SIZE), dtype=np.float32)
    t, b, left, r = box
    crop = gray[t:b, left:r]
    if normalize_thickness:
        crop = normalize_width(fit_longest_side(crop, WORK))
    digit = match_contrast(np.clip(fit_longest_side(crop, BOX), 0.0, None))
    if float(digit.max()) <= 0.0:
        return np.zeros((SIZE, SIZE), dtype=np.float32)
    return place_by_mass(digit)


def auto_invert(gray: np.ndarray) -> np.ndarray:
    """Light-on-dark as is; dark-on-light (bright border or median) is inverted."""
    g = as_gray(gray)
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    if float(np.median(border)) > 0.5 or float(np.median(g)) > 0.5:
        return 1.0 - g
    return g


def clean_scan(gray: np.ndarray) -> np.ndarray:
    """A photo or scan as white ink on pure black: auto-invert, remove the background level."""
    g = auto_invert(gray)
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    background = max(float(np.median(border)), float(np.median(g)))
    top = float(g.max())
    if top - background <= 1e-3:
        return np.zeros_like(g)
    return np.clip((g - background) / (top - background), 0.0, 1.0).astype(np.float32)
