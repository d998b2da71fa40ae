"""The built-in data nngui makes itself, each data set made by one plain function.

A maker takes a seed and returns ``(x_train, y_train), (x_test, y_test)``: float32 inputs and
int64 class labels (float32 targets for a curve). The app wraps these arrays in a Dataset (see
the registry in :mod:`nngui.core.data.datasets`); an exported script copies the maker's source,
and the functions of this module it calls, so the script makes the very same arrays. Hence a
maker uses only NumPy as ``np`` (scikit-learn and SciPy are imported inside it) and no other
name of this module but its functions.
"""

from __future__ import annotations

import numpy as np


def split_points(x, y, n_train=800):
    """The first 800 points for training, the other 200 for testing."""
    x, y = np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def xor(seed=0):
    """The XOR truth table; the third input is a constant 1 that acts as a bias (no seed)."""
    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return (x, y), (x.copy(), y.copy())  # the test set is the same 4 samples


def xor2(seed=0):
    """The XOR truth table on two inputs (x1, x2), for the main trainer: a Dense layer brings
    its own bias, and with two inputs the boundary, the x1·x2 feature and the hidden space
    can be drawn (no seed)."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return (x, y), (x.copy(), y.copy())  # the test set is the same 4 samples


def moons(seed=0):
    """Two interleaving half circles, 1,000 noisy 2-D points."""
    from sklearn.datasets import make_moons

    return split_points(*make_moons(n_samples=1000, noise=0.2, random_state=seed))


def circles(seed=0):
    """A ring around a core, 1,000 noisy 2-D points."""
    from sklearn.datasets import make_circles

    return split_points(*make_circles(n_samples=1000, noise=0.1, factor=0.5, random_state=seed))


def spiral(seed=0):
    """Two interleaved spiral arms (1.5 turns each), 500 noisy points per arm."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for k in range(2):
        t = rng.uniform(0.05, 1.0, 500)
        theta = t * 3 * np.pi + k * np.pi
        r = 2.5 * t
        pts = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
        xs.append(pts + rng.normal(0.0, 0.2, pts.shape))
        ys.append(np.full(500, k))
    order = rng.permutation(1000)
    return split_points(np.concatenate(xs)[order], np.concatenate(ys)[order])


def blobs(seed=0):
    """Two gaussian blobs around (-1.5, -1.5) and (1.5, 1.5): linearly separable."""
    from sklearn.datasets import make_blobs

    centres = np.array([[-1.5, -1.5], [1.5, 1.5]])
    x, y = make_blobs(n_samples=1000, centers=centres, cluster_std=0.5, random_state=seed)
    # reflect the rare point that lands across the line x0 + x1 = 0 back to its own side
    wrong = x.sum(axis=1) * np.where(y == 1, 1.0, -1.0) < 0
    x[wrong] -= x[wrong].sum(axis=1, keepdims=True)
    return split_points(x, y)


def curve(seed=0):
    """A noisy curve y = sin(2x) + 0.3x + N(0, 0.1) for 1,000 x uniform in [-3, 3]."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3.0, 3.0, size=(1000, 1))
    y = np.sin(2 * x) + 0.3 * x + rng.normal(0.0, 0.1, size=x.shape)
    x, y = x.astype(np.float32), y.astype(np.float32)
    return (x[:800], y[:800]), (x[800:], y[800:])


def digits(seed=0):
    """scikit-learn's 1,797 8x8 digits, scaled /16 and upscaled into 28x28 frames like MNIST."""
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    raw = load_digits()
    small = raw.images.astype(np.float32) / 16.0
    big = np.clip(zoom(small, (1, 2.5, 2.5), order=1), 0.0, 1.0)  # 8x8 -> 20x20
    x = np.zeros((len(big), 28, 28), dtype=np.float32)
    x[:, 4:24, 4:24] = big  # centred in a black 28x28 frame
    y = raw.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=seed, stratify=y)  # 80/20, each digit in proportion
    return (x_train, y_train), (x_test, y_test)
