"""Weight initializers: the menu, the Keras objects, and reading a Keras layer's back."""

from __future__ import annotations

from typing import Any

INITIALIZERS: dict[str, str] = {
    "glorot_uniform": "Glorot (Xavier) uniform — Keras' default",
    "glorot_normal": "Glorot (Xavier) normal",
    "he_normal": "He normal — good for ReLU",
    "he_uniform": "He uniform",
    "lecun_uniform": "LeCun uniform",
    "uniform": "Uniform in [-0.05, 0.05]",
    "normal": "Normal, σ = 0.05",
    "zeros": "All zeros (a classic mistake: every unit learns the same)",
    "ones": "All ones",
}
_INIT_CLASSES = {"GlorotUniform": "glorot_uniform", "GlorotNormal": "glorot_normal",
                 "HeNormal": "he_normal", "HeUniform": "he_uniform",
                 "LecunUniform": "lecun_uniform", "Zeros": "zeros", "Ones": "ones",
                 "RandomUniform": "uniform", "RandomNormal": "normal"}


def make_initializer(name: str) -> Any:
    """Keras initializer for a catalog name ('uniform' and 'normal' use ±0.05 / σ 0.05)."""
    from nngui.core.platform.runtime import keras

    init = keras().initializers
    if name == "uniform":
        return init.RandomUniform(-0.05, 0.05)
    if name == "normal":
        return init.RandomNormal(0.0, 0.05)
    return init.get(name)


def initializer_name(init: Any) -> str:
    """The menu name of a Keras initializer (object or config dict); Glorot if unknown."""
    cfg = init if isinstance(init, dict) else {"class_name": type(init).__name__}
    return _INIT_CLASSES.get(cfg.get("class_name", ""), "glorot_uniform")
