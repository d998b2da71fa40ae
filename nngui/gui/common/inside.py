"""Views of what a network sees in one input (``core.insight.inside``): feature maps, filters
and a saliency overlay. The Draw tab and Inspect both show them.

``render`` turns an ``Inside`` into RGB pictures with NumPy only, so a job can call it in its
worker thread; the widgets then only wrap finished pixels (``InsideViews.show``), which keeps
the GUI thread's share of a 10-a-second update to a fraction of a millisecond.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nngui.core.insight.inside import Inside

GAP = 1  # pixels between the tiles of a mosaic
GAP_RGB = (200, 200, 200)
STRONG = np.array([20, 40, 120], np.float32)  # a strong activation (as on Inspect: dark)
POSITIVE = np.array([200, 30, 30], np.float32)  # weights and saliency: red +, blue -
NEGATIVE = np.array([30, 80, 200], np.float32)
WHITE = np.array([255, 255, 255], np.float32)
LEVELS = 255  # shades from white to each colour


def _ramp(end: np.ndarray) -> np.ndarray:
    """(LEVELS + 1, 3) uint8: white to ``end`` in equal steps."""
    t = np.linspace(0.0, 1.0, LEVELS + 1, dtype=np.float32)[:, None]
    return (WHITE + (end - WHITE) * t).astype(np.uint8)


# A picture is built as one shade index per pixel (tiles laid out as indices), then coloured
# by one lookup: a few NumPy calls on whole arrays, which let go of the GIL, instead of
# per-tile Python (the Draw tab renders in a worker while the pen is timed in the GUI thread).
# The last entry of each table is the gap between tiles.
STRENGTH_LUT = np.vstack([_ramp(STRONG), np.array([GAP_RGB], np.uint8)])  # 0 none .. 255 top
SIGNED_LUT = np.vstack([_ramp(NEGATIVE)[::-1], _ramp(POSITIVE)[1:],  # 0 -top, 255 zero,
                        np.array([GAP_RGB], np.uint8)])  # 510 +top
STRENGTH_GAP, SIGNED_GAP = len(STRENGTH_LUT) - 1, len(SIGNED_LUT) - 1


def _columns(n: int) -> int:
    """Tiles per row: 8, or 16 for 33-64 maps, and so on (rows of a wide view stay few)."""
    return max(1, min(n, 8 * max(1, math.ceil(n / 32))))


MIN_TILE = 9  # smaller tiles (3x3 filters, 4x4 maps) are blown up so a 1-pixel gap stays thin


def _grid(tiles: np.ndarray, cols: int | None, fill) -> np.ndarray:
    """(n, h, w, ...) tiles as one (H, W, ...) array, row by row, ``fill`` between them and
    after the last; tiles smaller than ``MIN_TILE`` enlarged by a whole factor first."""
    scale = max(1, math.ceil(MIN_TILE / max(1, min(tiles.shape[1:3]))))
    if scale > 1:
        tiles = tiles.repeat(scale, axis=1).repeat(scale, axis=2)
    n, h, w = tiles.shape[:3]
    rest = tiles.shape[3:]
    cols = _columns(n) if cols is None else cols
    rows = -(-n // cols)
    cells = np.full((rows * cols, h + GAP, w + GAP, *rest), fill, tiles.dtype)
    cells[:n, :h, :w] = tiles
    laid = cells.reshape(rows, cols, h + GAP, w + GAP, *rest).swapaxes(1, 2)
    laid = laid.reshape(rows * (h + GAP), cols * (w + GAP), *rest)
    return laid[:rows * (h + GAP) - GAP, :cols * (w + GAP) - GAP]


def mosaic(tiles: np.ndarray, cols: int | None = None) -> np.ndarray:
    """(n, h, w, 3) uint8 tiles as one picture, row by row, 1-pixel gaps between them; tiles
    smaller than ``MIN_TILE`` are first enlarged by a whole factor (sharp pixels)."""
    return np.ascontiguousarray(_grid(np.asarray(tiles, np.uint8), cols,
                                      np.array(GAP_RGB, np.uint8)))


def _top(a: np.ndarray, top: float | None) -> float:
    top = float(a.max()) if top is None and a.size else (top or 0.0)
    return top if math.isfinite(top) and top > 0 else 0.0


def strength_index(values: np.ndarray, top: float | None = None) -> np.ndarray:
    """|values| as ``STRENGTH_LUT`` rows: 0 (none) to ``LEVELS`` (``top``, default the
    largest |value|)."""
    a = np.abs(np.asarray(values, np.float32))
    top = _top(a, top)
    if top == 0.0:
        return np.zeros(a.shape, np.uint16)
    a *= LEVELS / top
    a += 0.5
    np.minimum(a, LEVELS, out=a)
    return a.astype(np.uint16)


def signed_index(values: np.ndarray, top: float | None = None) -> np.ndarray:
    """Signed values as ``SIGNED_LUT`` rows: 0 (-``top``), ``LEVELS`` (0), 2 ``LEVELS``
    (+``top``); ``top`` defaults to the largest |value|."""
    v = np.array(values, np.float32)
    top = _top(np.abs(v), top)
    if top == 0.0:
        return np.full(v.shape, LEVELS, np.uint16)
    v *= LEVELS / top
    np.clip(v, -LEVELS, LEVELS, out=v)
    v += LEVELS + 0.5
    return v.astype(np.uint16)


def strength_rgb(values: np.ndarray, top: float | None = None) -> np.ndarray:
    """Activations as white (none) to dark blue (``top``, default the largest |value|)."""
    return STRENGTH_LUT.take(strength_index(values, top), axis=0)


def signed_rgb(values: np.ndarray, top: float | None = None) -> np.ndarray:
    """Signed values as blue (negative), white (0) and red (positive), scaled by ``top``."""
    return SIGNED_LUT.take(signed_index(values, top), axis=0)


def strength_mosaic(maps: np.ndarray) -> np.ndarray:
    """``mosaic(strength_rgb(maps))``, coloured after the layout (one lookup)."""
    return STRENGTH_LUT.take(_grid(strength_index(maps), None, STRENGTH_GAP), axis=0)


def signed_mosaic(values: np.ndarray, top: float | None = None) -> np.ndarray:
    """``mosaic(signed_rgb(values, top))``, coloured after the layout (one lookup)."""
    return SIGNED_LUT.take(_grid(signed_index(values, top), None, SIGNED_GAP), axis=0)


def saliency_rgb(image: np.ndarray, saliency: np.ndarray) -> np.ndarray:
    """The input in grey with the saliency over it: red pushed towards the class, blue away."""
    gray = np.clip(np.asarray(image, np.float32), 0, 1)
    base = (255.0 - 170.0 * gray)[..., None] * np.ones(3, np.float32)  # ink: mid grey
    s = np.asarray(saliency, np.float32)
    top = float(np.abs(s).max())
    t = (s / top if top > 0 else np.zeros_like(s))[..., None]
    colour = np.where(t >= 0, POSITIVE, NEGATIVE)
    alpha = np.clip(np.abs(t) * 1.5, 0, 1)  # faint pixels still show
    return (base + (colour - base) * alpha).astype(np.uint8)


@dataclass
class Picture:
    """One finished RGB picture and the line that says what it shows."""

    rgb: np.ndarray  # (h, w, 3) uint8
    caption: str


@dataclass
class Rendered:
    """What ``InsideViews`` shows: pictures ready to wrap, or a sentence instead."""

    maps: list[Picture] = field(default_factory=list)  # per conv/pool layer, or an MLP's units
    maps_title: str = ""
    filters: Picture | None = None
    filters_note: str = ""  # why there are no filters (an MLP)
    saliency: Picture | None = None
    occlusion: Picture | None = None  # the second opinion, where it was computed
    reason: str = ""  # nothing to draw (not an image)
    summary: str = ""  # one line: the prediction the saliency explains


def _image_of(x: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The input as a grey (h, w) picture: channels averaged, scaled into [0, 1]."""
    a = np.asarray(x, np.float32).reshape(*shape, -1).mean(axis=-1)
    lo, hi = float(a.min()), float(a.max())
    return (a - lo) / (hi - lo) if hi > lo and (lo < 0 or hi > 1) else a


def render(inside: Inside, x: np.ndarray, class_names: list[str] | None = None,
           occlusion: np.ndarray | None = None) -> Rendered:
    """Pictures for ``inside`` (of input ``x``), and of its ``occlusion`` map when given:
    NumPy only, safe in a worker thread."""
    if inside.image_shape is None:
        return Rendered(reason=inside.reason)
    names = class_names or []
    target = inside.target
    label = names[target] if target < len(names) else str(target)
    probs = inside.probabilities
    p = float(probs[target]) if probs.size > 1 else (float(probs[0]) if target == 1
                                                     else 1.0 - float(probs[0]))
    out = Rendered(summary=f"It reads {label} ({p:.1%}).")
    if inside.saliency is not None:
        out.saliency = Picture(saliency_rgb(_image_of(x, inside.image_shape), inside.saliency),
                               f"Gradient × input: red pixels pushed towards “{label}”, "
                               "blue away")
    if occlusion is not None:
        out.occlusion = Picture(saliency_rgb(_image_of(x, inside.image_shape), occlusion),
                                f"Occlusion: blanking a red square lowers p(“{label}”), a "
                                "blue one raises it")
    for lay in inside.layers:
        n, h, w = lay.maps.shape
        out.maps.append(Picture(
            strength_mosaic(lay.maps),
            f"{lay.name} ({lay.kind}): {n} map{'s' if n != 1 else ''} of {h}×{w}, "
            "strongest first"))
    if inside.layers:
        out.maps_title = "Feature maps (dark: strong)"
    elif inside.units is not None:
        u = inside.units
        top = float(np.abs(u.images).max())
        out.maps_title = (f"The {len(u.units)} most active of {u.total} units in {u.layer}: "
                          "their incoming weights (red +, blue −)")
        acts = ", ".join(f"#{int(k)} {a:.2f}" for k, a in zip(u.units[:4], u.activations[:4],
                                                               strict=False))
        out.maps.append(Picture(signed_mosaic(u.images, top),
                                f"strongest first: {acts}…" if len(u.units) > 4
                                else f"activations: {acts}"))
    else:
        out.maps_title = "No convolution layer and no first Dense layer reading the image."
    if inside.filters is not None:
        f = inside.filters
        out.filters = Picture(signed_mosaic(f),
                              f"{inside.filters_layer}'s {len(f)} filters, {f.shape[1]}×"
                              f"{f.shape[2]} (red +, blue −)")
    else:
        out.filters_note = ("No convolution layer: each unit of the first layer looks at the "
                            "whole image at once (its weights are shown below).")
    return out


class RgbView(QWidget):
    """An RGB picture scaled to fit with sharp pixels; its height follows its width."""

    def __init__(self, name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        self.rgb: np.ndarray | None = None
        self._image: QImage | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_rgb(self, rgb: np.ndarray | None) -> None:
        """Show ``rgb`` ((h, w, 3) uint8); None shows nothing."""
        self.rgb = None if rgb is None else np.ascontiguousarray(rgb, np.uint8)
        if self.rgb is None:
            self._image = None
        else:
            h, w = self.rgb.shape[:2]
            self._image = QImage(self.rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
        self.updateGeometry()
        self.update()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        if self.rgb is None:
            return 0
        h, w = self.rgb.shape[:2]
        return max(1, round(width * h / w))

    def sizeHint(self) -> QSize:
        return QSize(200, self.heightForWidth(200))

    def target(self) -> QRect:
        """Where the picture is drawn: centred, the aspect kept, within the widget."""
        if self.rgb is None:
            return QRect()
        h, w = self.rgb.shape[:2]
        scale = min(self.width() / w, self.height() / h)
        tw, th = max(1, int(w * scale)), max(1, int(h * scale))
        return QRect((self.width() - tw) // 2, (self.height() - th) // 2, tw, th)

    def paintEvent(self, _event) -> None:
        if self._image is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.drawImage(self.target(), self._image)
        p.end()


def _caption(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: gray")
    return label


class _Maps(QWidget):
    """The feature-map mosaics one under another, each as wide as the scroll area."""

    def __init__(self) -> None:
        super().__init__()
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(2)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.layout_.addWidget(self.title)
        self.rows: list[tuple[QLabel, RgbView]] = []
        self.layout_.addStretch(1)

    def show_pictures(self, title: str, pictures: list[Picture]) -> None:
        self.title.setText(title)
        while len(self.rows) < len(pictures):  # widgets are kept between updates
            caption, view = _caption(), RgbView()
            at = self.layout_.count() - 1
            self.layout_.insertWidget(at, caption)
            self.layout_.insertWidget(at + 1, view)
            self.rows.append((caption, view))
        for k, (caption, view) in enumerate(self.rows):
            shown = k < len(pictures)
            caption.setVisible(shown)
            view.setVisible(shown)
            if shown:
                caption.setText(pictures[k].caption)
                view.set_rgb(pictures[k].rgb)
        self._fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        for _, view in self.rows:
            view.setFixedHeight(view.heightForWidth(max(1, self.width())))


class InsideViews(QWidget):
    """``featureMapsView``, ``filtersView`` and ``saliencyView`` with their captions, or one
    sentence (``insideStatus``) saying why there is nothing to see."""

    def __init__(self, side: int = 150, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rendered: Rendered | None = None
        self.status = QLabel("")
        self.status.setObjectName("insideStatus")
        self.status.setWordWrap(True)
        self.saliencyView = RgbView("saliencyView")
        self.saliencyView.setFixedSize(side, side)
        self.saliencyView.setToolTip("Which pixels pushed the prediction: the gradient of the "
                                     "class's log-probability times each pixel's value")
        self.saliencyCaption = _caption()
        self.saliencyMethod = QComboBox()  # shown where an occlusion map came too (Inspect)
        self.saliencyMethod.setObjectName("saliencyMethodCombo")
        self.saliencyMethod.addItems(["gradient × input", "occlusion"])
        self.saliencyMethod.setToolTip("Gradient × input: how the answer changes with each "
                                       "pixel. Occlusion: how it drops when a 4×4 square is "
                                       "blanked (slower, needs no gradient).")
        self.saliencyMethod.currentIndexChanged.connect(self._show_saliency)
        self.saliencyMethod.setVisible(False)
        self.filtersView = RgbView("filtersView")
        self.filtersView.setToolTip("The first convolution layer's filters: each one is slid "
                                    "over the image to make one of the first layer's maps")
        self.filtersCaption = _caption()
        self.mapsContent = _Maps()
        self.featureMapsView = QScrollArea()
        self.featureMapsView.setObjectName("featureMapsView")
        self.featureMapsView.setWidgetResizable(True)
        self.featureMapsView.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.featureMapsView.setWidget(self.mapsContent)
        self.featureMapsView.setToolTip("What each convolution and pooling layer makes of the "
                                        "input: one small map per channel")

        self.pictures = QWidget()  # hidden while only a sentence is shown
        pictures = QVBoxLayout(self.pictures)
        pictures.setContentsMargins(0, 0, 0, 0)
        upper = QGridLayout()
        upper.setContentsMargins(0, 0, 0, 0)
        upper.addWidget(self.saliencyView, 0, 0)
        upper.addWidget(self.filtersView, 0, 1)
        upper.addWidget(self.saliencyCaption, 1, 0, Qt.AlignmentFlag.AlignTop)
        upper.addWidget(self.filtersCaption, 1, 1, Qt.AlignmentFlag.AlignTop)
        upper.setColumnStretch(1, 1)
        self.saliencyCaption.setFixedWidth(side)
        self.filtersView.setFixedHeight(side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.status, 1)
        head.addWidget(self.saliencyMethod)
        layout.addLayout(head)
        pictures.addLayout(upper)
        pictures.addWidget(self.featureMapsView, 1)
        layout.addWidget(self.pictures, 1)
        layout.addStretch(0)  # the sentence stays at the top when the pictures are hidden
        self.show_reason("")

    def show_reason(self, text: str) -> None:
        """Only a sentence (no model, not an image, draw something first): the views empty."""
        self.rendered = None
        self.status.setText(text)
        for view in (self.saliencyView, self.filtersView):
            view.set_rgb(None)
        self.saliencyCaption.setText("")
        self.saliencyMethod.setVisible(False)
        self.filtersCaption.setText("")
        self.mapsContent.show_pictures("", [])
        self.pictures.setVisible(False)

    def show_rendered(self, rendered: Rendered) -> None:
        """Show a finished ``render`` result."""
        if rendered.reason:
            self.show_reason(rendered.reason)
            self.rendered = rendered
            return
        self.rendered = rendered
        self.pictures.setVisible(True)
        self.status.setText(rendered.summary)
        self.saliencyMethod.setVisible(rendered.occlusion is not None)
        self._show_saliency()
        fil = rendered.filters
        self.filtersView.set_rgb(fil.rgb if fil else None)
        self.filtersCaption.setText(fil.caption if fil else rendered.filters_note)
        self.mapsContent.show_pictures(rendered.maps_title, rendered.maps)

    def _show_saliency(self) -> None:
        r = self.rendered
        occluded = r is not None and r.occlusion is not None and \
            self.saliencyMethod.currentIndex() == 1
        sal = None if r is None else (r.occlusion if occluded else r.saliency)
        self.saliencyView.set_rgb(sal.rgb if sal else None)
        self.saliencyCaption.setText(sal.caption if sal else "")
