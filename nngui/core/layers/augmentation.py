"""Keras' own augmentation layers as layer kinds: random rotation, shift and zoom.

Put first in a network (after a Reshape to an image), each changes every training batch a
little differently, so the network sees more variety than the data holds; at inference
(``training=False``: evaluation, prediction, the Draw tab) Keras passes the input through
unchanged, so they are ``identity_at_inference`` and their NumPy step is the identity.

They hold no weights (only a random seed's state, which Keras counts as no parameter). Empty
corners are filled with black (``fill_mode="constant"``, 0), what an MNIST digit's
background is; Keras' own default, "reflect", would mirror ink into them.
(GaussianNoise, the fourth training-only kind, is in ``kinds``; Keras' RandomContrast is
left out: on a digit, mostly black, it hardly changes anything.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nngui.core.layers.base import LayerKind, Params, Shape, Unsupported, image_shape
from nngui.core.layers.fields import Field

FILL_MODES = ("constant", "reflect", "nearest", "wrap")
_FILL = Field("fill_mode", "choice", "constant", label="Fill",
              choices=FILL_MODES, help="What fills the corners an image's move uncovers.")


def _symmetric(value: Any, what: str) -> float:
    """f from Keras' (-f, f) or f; Unsupported for a one-sided range."""
    if isinstance(value, list | tuple):
        low, high = (float(v) for v in value)
        if abs(low + high) > 1e-9:
            raise Unsupported(f"{what} with a one-sided range {tuple(value)}")
        return abs(high)
    return abs(float(value))


def _plain(cfg: Params, key: str) -> None:
    if cfg.get("data_format", "channels_last") != "channels_last":
        raise Unsupported(f"{key} with channels_first")
    if cfg.get("interpolation", "bilinear") != "bilinear":
        raise Unsupported(f"{key} with {cfg.get('interpolation')} interpolation")
    if float(cfg.get("fill_value", 0.0)) != 0.0:
        raise Unsupported(f"{key} filling with {cfg.get('fill_value')}")
    if cfg.get("fill_mode", "constant") not in FILL_MODES:
        raise Unsupported(f"{key} with fill mode {cfg.get('fill_mode')}")


class _Augmentation(LayerKind):
    identity_at_inference = True

    def output(self, p: Params, shape: Shape) -> tuple[Shape, int]:
        return image_shape(self.key, shape), 0


class RandomRotation(_Augmentation):
    key, title = "RandomRotation", "RandomRotation (training only)"
    help = ("Turns each training image by a random angle up to ± factor × 360°; "
            "nothing at test time.")
    fields = (Field("factor", "float", 0.03, label="Factor (× 360°)", minimum=0.0,
                    maximum=0.5, step=0.01, help="0.03 turns up to about ±11°."), _FILL)
    keras_classes = ("RandomRotation",)

    def describe(self, p: Params) -> str:
        return f"RandomRotation ±{float(p['factor']) * 360:.0f}°"

    def build(self, k: Any, p: Params, names: Iterator[str]) -> list[Any]:
        return [k.layers.RandomRotation(float(p["factor"]), fill_mode=p["fill_mode"],
                                        fill_value=0.0, name=next(names))]

    def read(self, layer: Any, cfg: Params, out: list[tuple[str, Params]]) -> None:
        _plain(cfg, self.key)
        out.append((self.key, {"factor": _symmetric(cfg["factor"], self.key),
                               "fill_mode": cfg.get("fill_mode", "constant")}))


class RandomTranslation(_Augmentation):
    key, title = "RandomTranslation", "RandomTranslation (training only)"
    help = ("Shifts each training image by up to ± factor of its height and width; "
            "nothing at test time.")
    fields = (Field("height_factor", "float", 0.1, label="Height factor", minimum=0.0,
                    maximum=1.0, step=0.01, help="0.1 of 28 px: up to ±2.8 px up or down."),
              Field("width_factor", "float", 0.1, label="Width factor", minimum=0.0,
                    maximum=1.0, step=0.01), _FILL)
    keras_classes = ("RandomTranslation",)

    def describe(self, p: Params) -> str:
        return f"RandomTranslation ±{p['height_factor']:g}×{p['width_factor']:g}"

    def build(self, k: Any, p: Params, names: Iterator[str]) -> list[Any]:
        return [k.layers.RandomTranslation(float(p["height_factor"]), float(p["width_factor"]),
                                           fill_mode=p["fill_mode"], fill_value=0.0,
                                           name=next(names))]

    def read(self, layer: Any, cfg: Params, out: list[tuple[str, Params]]) -> None:
        _plain(cfg, self.key)
        out.append((self.key, {"height_factor": _symmetric(cfg["height_factor"], self.key),
                               "width_factor": _symmetric(cfg["width_factor"], self.key),
                               "fill_mode": cfg.get("fill_mode", "constant")}))


class RandomZoom(_Augmentation):
    key, title = "RandomZoom", "RandomZoom (training only)"
    help = ("Zooms each training image in or out by up to ± factor (the same for height and "
            "width); nothing at test time.")
    fields = (Field("factor", "float", 0.1, label="Factor", minimum=0.0, maximum=0.9,
                    step=0.01, help="0.1: between 10 % larger and 10 % smaller."), _FILL)
    keras_classes = ("RandomZoom",)

    def describe(self, p: Params) -> str:
        return f"RandomZoom ±{p['factor']:g}"

    def build(self, k: Any, p: Params, names: Iterator[str]) -> list[Any]:
        f = float(p["factor"])
        return [k.layers.RandomZoom((-f, f), None, fill_mode=p["fill_mode"], fill_value=0.0,
                                    name=next(names))]

    def read(self, layer: Any, cfg: Params, out: list[tuple[str, Params]]) -> None:
        _plain(cfg, self.key)
        f = _symmetric(cfg["height_factor"], self.key)
        if cfg.get("width_factor") is not None and \
                _symmetric(cfg["width_factor"], self.key) != f:
            raise Unsupported("RandomZoom with a different width factor")
        out.append((self.key, {"factor": f, "fill_mode": cfg.get("fill_mode", "constant")}))


AUGMENTATION_KINDS = (RandomRotation(), RandomTranslation(), RandomZoom())
