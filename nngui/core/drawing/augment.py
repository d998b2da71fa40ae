"""Jitter a taught digit into many plausible variants, so ten examples count for more.

A user teaches a handful of digits per class. Training on the same few images over and over
lets the network learn *those images*; the next digit the user draws is never quite the
same. ``jitter`` makes variants of a 28x28 digit the way the same hand varies:

* a small **affine** change about the centre: rotation (±``ROTATE`` degrees), a slant
  (horizontal shear ±``SHEAR``), a different aspect (each axis scaled by up to ±``SCALE``) and
  a shift of up to ``SHIFT`` px;
* an **elastic** wobble: a smooth random displacement field (Gaussian-filtered noise, as in
  Simard et al. 2003) of about ``ELASTIC`` px, bending strokes the way a hand does;
* a different **stroke width**: a third of the variants are thickened (grey dilation), a third
  thinned (half an erosion), a third left as they are.

Every variant then goes through ``preprocess.to_mnist`` again — crop, scale to 20 px, centre
by mass — because that is what the Draw tab does to everything it reads: the network never
sees an off-centre digit, so training on one would teach it nothing it needs.

Pure NumPy/SciPy, deterministic for a given generator; about 0.3 ms a variant.
"""

from __future__ import annotations

import math

import numpy as np

from nngui.core.drawing.preprocess import to_mnist

ROTATE = 10.0  # degrees
SHEAR = 0.2  # horizontal shear (tan of the slant angle)
SCALE = 0.1  # each axis scaled by 1 ± this
SHIFT = 1.0  # px
ELASTIC = 1.2  # px: the typical size of the elastic displacement
ELASTIC_SMOOTH = 4.0  # px: the Gaussian's sigma (larger: smoother, broader bends)

_GRID = np.mgrid[0:28, 0:28].astype(np.float64)  # (2, 28, 28): row and column of each pixel
_CENTRE = 13.5


def _coords(rng: np.random.Generator, elastic: bool) -> np.ndarray:
    """(2, 28, 28) source coordinates of a random affine + elastic warp."""
    from scipy import ndimage

    angle = math.radians(rng.uniform(-ROTATE, ROTATE))
    shear = rng.uniform(-SHEAR, SHEAR)
    sy, sx = 1.0 + rng.uniform(-SCALE, SCALE, 2)
    # output (row, col) -> source (row, col): the inverse of scale, then shear, then rotate
    c, s = math.cos(angle), math.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    shr = np.array([[1.0, 0.0], [shear, 1.0]])  # column moves with row: a slant
    scl = np.diag([1.0 / sy, 1.0 / sx])
    inv = scl @ shr @ rot
    centred = _GRID.reshape(2, -1) - _CENTRE
    src = inv @ centred + _CENTRE + rng.uniform(-SHIFT, SHIFT, (2, 1))
    src = src.reshape(2, 28, 28)
    if elastic:
        field = rng.normal(0.0, 1.0, (2, 28, 28))
        for k in range(2):
            field[k] = ndimage.gaussian_filter(field[k], ELASTIC_SMOOTH, mode="constant")
        rms = float(np.sqrt(np.mean(field ** 2))) or 1.0
        src = src + field * (ELASTIC / rms)
    return src


def _width(image: np.ndarray, mode: int) -> np.ndarray:
    """0: as is; 1: thicker (dilated by one pixel); 2: thinner (half an erosion)."""
    if mode == 0:
        return image
    from scipy import ndimage

    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)
    if mode == 1:
        return ndimage.grey_dilation(image, footprint=cross)
    return 0.5 * (image + ndimage.grey_erosion(image, footprint=cross))


def jitter_one(x28: np.ndarray, rng: np.random.Generator, elastic: bool = True,
               width: bool = True) -> np.ndarray:
    """One variant of a 28x28 digit in [0, 1] (see the module doc), as the Draw tab reads it."""
    from scipy import ndimage

    image = np.asarray(x28, dtype=np.float64).reshape(28, 28)
    warped = ndimage.map_coordinates(image, _coords(rng, elastic), order=1, mode="constant")
    warped = _width(np.clip(warped, 0.0, 1.0), int(rng.integers(3)) if width else 0)
    out = to_mnist(warped.astype(np.float32), normalize_thickness=False)
    return out if out.max() > 0 else np.asarray(x28, np.float32).reshape(28, 28)


def jitter(x: np.ndarray, copies: int, seed: int | np.random.Generator = 0,
           elastic: bool = True, width: bool = True) -> np.ndarray:
    """``copies`` variants of each digit of ``x`` (n, 28, 28): (n * copies, 28, 28) float32,
    sample i's variants at rows ``i * copies .. i * copies + copies - 1``."""
    x = np.asarray(x, dtype=np.float32).reshape(-1, 28, 28)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    out = np.empty((len(x) * int(copies), 28, 28), np.float32)
    k = 0
    for image in x:
        for _ in range(int(copies)):
            out[k] = jitter_one(image, rng, elastic, width)
            k += 1
    return out
