"""Files shipped inside the package: pretrained models and icons."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

BUNDLED_MODELS = {
    "mnist_cnn": "MNIST CNN for drawings (bundled)",
    "mnist_mlp": "MNIST 784-512-512-10 MLP (bundled)",
    "autoencoder_2d": "Autoencoder with a 2-D latent space (bundled)",
}


def resources_dir() -> Path:
    """The package's resources folder (works installed, editable and frozen)."""
    return Path(str(importlib.resources.files("nngui").joinpath("resources")))


def bundled_model(name: str) -> Path | None:
    """Path of a bundled ``NAME.keras`` model, or None if this install lacks it."""
    path = resources_dir() / "models" / f"{name}.keras"
    return path if path.is_file() else None


def app_icon_files() -> list[Path]:
    """The app icon's PNGs, smallest first (empty if this install lacks them)."""
    icons = resources_dir() / "icons"
    return sorted(icons.glob("nngui-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[-1]))
