"""Make tests/data/mnist-slice/mnist.npz: a small, class-balanced slice of the real MNIST.

The tests that only need real handwritten digits read this slice, so they run on every
checkout (the full 11 MB file is not in the repository) and train in seconds. It is a valid
Keras-layout ``mnist.npz`` (x_train, y_train, x_test, y_test; uint8), named ``mnist.npz`` like
the real file, so it goes through the app's own MNIST loader. Training digits come only from
the full training set and test digits only from the full test set, so the split stays honest.

Regenerate (byte-for-byte the same arrays) with, from the repository root:

    python tests/data/make_mnist_slice.py [path/to/full/mnist.npz]

The default source is $NNGUI_TEST_MNIST, else ../shared/data/mnist.npz beside the repository.
``tests/test_mnist_slice.py`` checks that the shipped file is what this script makes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SLICE = HERE / "mnist-slice" / "mnist.npz"
TRAIN_PER_CLASS = 800  # 8,000 training digits
TEST_PER_CLASS = 200  # 2,000 test digits
SEED = 20240611


def pick(y: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``per_class`` random rows of each digit, in their original file order."""
    chosen = [rng.choice(np.flatnonzero(y == d), size=per_class, replace=False)
              for d in range(10)]
    return np.sort(np.concatenate(chosen))


def make_slice(full: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The slice's four arrays, drawn from the full MNIST arrays (always the same draw)."""
    rng = np.random.default_rng(SEED)
    tr = pick(full["y_train"], TRAIN_PER_CLASS, rng)
    te = pick(full["y_test"], TEST_PER_CLASS, rng)
    return {"x_train": full["x_train"][tr], "y_train": full["y_train"][tr],
            "x_test": full["x_test"][te], "y_test": full["y_test"][te]}


def default_source() -> Path:
    env = os.environ.get("NNGUI_TEST_MNIST", "")
    return Path(env) if env else HERE.parents[2] / "shared" / "data" / "mnist.npz"


def main(argv: list[str]) -> int:
    src = Path(argv[0]) if argv else default_source()
    if not src.is_file():
        print(f"No full MNIST file at {src}; pass the path of mnist.npz.", file=sys.stderr)
        return 1
    with np.load(src) as f:
        full = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    if full["x_train"].shape != (60000, 28, 28) or full["x_test"].shape != (10000, 28, 28):
        print(f"{src} is not the full 60k/10k MNIST file.", file=sys.stderr)
        return 1
    part = make_slice(full)
    SLICE.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(SLICE, **part)
    print(f"wrote {SLICE} ({SLICE.stat().st_size / 2**20:.2f} MiB): "
          f"{len(part['y_train'])} training and {len(part['y_test'])} test digits")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
