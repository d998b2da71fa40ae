"""The MNIST slice shipped with the tests: real, balanced, small, and read as MNIST by the app."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

from nngui.core.data import datasets as D
from nngui.core.data.files import load_user_file

SCRIPT = Path(__file__).resolve().parent / "data" / "make_mnist_slice.py"
KEYS = ("x_train", "y_train", "x_test", "y_test")


@pytest.fixture(scope="module")
def arrays(mnist_path: Path) -> dict[str, np.ndarray]:
    with np.load(mnist_path, allow_pickle=False) as f:
        assert sorted(f.files) == sorted(KEYS)  # Keras layout, nothing else
        return {k: f[k] for k in KEYS}


def test_the_slice_is_small_balanced_keras_layout(mnist_path: Path, arrays) -> None:
    assert mnist_path.name == "mnist.npz"  # the name the app's file loader recognises
    assert mnist_path.stat().st_size < 3 * 2**20
    assert arrays["x_train"].shape == (8000, 28, 28) and arrays["x_test"].shape == (2000, 28, 28)
    assert all(a.dtype == np.uint8 for a in arrays.values())
    assert np.bincount(arrays["y_train"], minlength=10).tolist() == [800] * 10
    assert np.bincount(arrays["y_test"], minlength=10).tolist() == [200] * 10
    assert arrays["x_train"].max() == arrays["x_test"].max() == 255


@pytest.mark.parametrize("how", ["load_mnist", "load_dataset", "load_user_file"])
def test_every_app_loader_reads_the_slice_as_mnist(mnist_path: Path, arrays, how: str) -> None:
    """--dataset mnist --data PATH, $NNGUI_MNIST, and File -> Load file all accept it whole."""
    ds = {"load_mnist": lambda: D.load_mnist(mnist_path, allow_download=False),
          "load_dataset": lambda: D.load_dataset("mnist", mnist_path),
          "load_user_file": lambda: load_user_file(mnist_path)}[how]()
    assert ds.name == "mnist" and ds.num_classes == 10 and ds.input_shape == (28, 28)
    np.testing.assert_array_equal(ds.x_test, arrays["x_test"].astype(np.float32) / 255)
    np.testing.assert_array_equal(ds.y_train, arrays["y_train"])


def test_the_slice_is_what_the_script_draws_from_the_full_file(full_mnist_path: Path,
                                                               arrays) -> None:
    make_slice = runpy.run_path(str(SCRIPT))["make_slice"]
    with np.load(full_mnist_path) as f:
        full = {k: f[k] for k in KEYS}
    for key, want in make_slice(full).items():
        np.testing.assert_array_equal(arrays[key], want, err_msg=key)
