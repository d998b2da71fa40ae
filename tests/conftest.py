"""Shared fixtures: real MNIST (a slice shipped with the tests, and the full file), small seeds.

``mnist_path`` is the slice in ``tests/data/mnist-slice/mnist.npz``: 8,000 training and 2,000
test digits drawn class-balanced from the real MNIST by ``tests/data/make_mnist_slice.py``. It
is in the repository, so every test that only needs real handwritten digits runs on every
checkout, on the same digits, in seconds. ``full_mnist_path`` is the real 60k/10k file, for the
few checks whose claim is about the full set (accuracy on all 10,000 test digits, the
issue bars); it skips when the file is absent, or when ``NNGUI_TEST_NO_FULL_MNIST=1`` hides it
(to see what a fresh clone runs).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MNIST_SLICE = REPO / "tests" / "data" / "mnist-slice" / "mnist.npz"
NO_FULL_MNIST_ENV = "NNGUI_TEST_NO_FULL_MNIST"
FULL_MNIST_CANDIDATES = [
    os.environ.get("NNGUI_TEST_MNIST", ""),
    str(REPO.parent / "shared" / "data" / "mnist.npz"),
    str(Path.home() / ".keras" / "datasets" / "mnist.npz"),
]


def _full_mnist_hidden() -> bool:
    return os.environ.get(NO_FULL_MNIST_ENV, "").strip() not in ("", "0")


def _find_full_mnist() -> Path | None:
    """The full MNIST file, or None when there is none or NNGUI_TEST_NO_FULL_MNIST hides it."""
    if _full_mnist_hidden():
        return None
    for c in FULL_MNIST_CANDIDATES:
        if c and Path(c).is_file():
            return Path(c)
    return None


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    """The MNIST slice shipped with the tests (Keras layout, 8,000/2,000 digits); never skips."""
    assert MNIST_SLICE.is_file(), (
        f"{MNIST_SLICE} is missing: it is part of the repository (regenerate it with "
        "python tests/data/make_mnist_slice.py PATH/TO/mnist.npz)")
    return MNIST_SLICE


@pytest.fixture(scope="session")
def full_mnist_path() -> Path:
    """The real 60k/10k MNIST file (Keras layout); skips when absent or hidden."""
    p = _find_full_mnist()
    if p is None:
        pytest.skip(f"full MNIST file hidden by {NO_FULL_MNIST_ENV}=1" if _full_mnist_hidden()
                    else "full MNIST file not found (expected ../shared/data/mnist.npz or "
                    "$NNGUI_TEST_MNIST)")
    return p
