"""Render nngui/resources/icons/nngui.svg to the PNG sizes desktops ask for (and a .ico).

Run from the repository root after editing the SVG:

    QT_QPA_PLATFORM=offscreen python packaging/make_icons.py

Qt renders the SVG (QSvgRenderer), so the PNGs are reproducible with the app's own
dependencies; no Inkscape or Pillow needed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "nngui" / "resources" / "icons"
SIZES = (16, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """The SVG drawn into a transparent size x size image."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    renderer = QSvgRenderer(str(ICONS / "nngui.svg"))
    if not renderer.isValid():
        print(f"cannot read {ICONS / 'nngui.svg'}", file=sys.stderr)
        return 1
    for size in SIZES:
        out = ICONS / f"nngui-{size}.png"
        if not render(renderer, size).save(str(out), "PNG"):
            print(f"cannot write {out}", file=sys.stderr)
            return 1
        print(out)
    # Windows exe icon (packaging/nngui.spec picks it up); Qt's ico plugin writes one (uncompressed) size, so keep it small.
    ico = ICONS / "nngui.ico"
    if render(renderer, 64).save(str(ico), "ICO"):
        print(ico)
    return 0


if __name__ == "__main__":
    sys.exit(main())
