"""Shared fixtures: the real MNIST file from ../shared/data, small seeds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MNIST_CANDIDATES = [
    os.environ.get("NNGUI_TEST_MNIST", ""),
    str(REPO.parent / "shared" / "data" / "mnist.npz"),
    str(Path.home() / ".keras" / "datasets" / "mnist.npz"),
]


def _find_mnist() -> Path | None:
    for c in MNIST_CANDIDATES:
        if c and Path(c).is_file():
            return Path(c)
    return None


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    """Path to the real 60k/10k MNIST file (Keras layout); skips when absent."""
    p = _find_mnist()
    if p is None:
        pytest.skip("MNIST file not found (expected ../shared/data/mnist.npz)")
    return p
