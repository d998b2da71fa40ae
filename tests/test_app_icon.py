"""The app icon ships in every size the .desktop entry and the window use."""

from __future__ import annotations

from nngui.core.resources import app_icon_files, resources_dir


def test_icon_pngs_cover_the_desktop_sizes() -> None:
    sizes = [int(p.stem.rsplit("-", 1)[-1]) for p in app_icon_files()]
    assert sizes == [16, 32, 48, 64, 128, 256]
    assert (resources_dir() / "icons" / "nngui.svg").is_file()


def test_png_sizes_match_their_names(qapp) -> None:
    from PySide6.QtGui import QImage

    for path in app_icon_files():
        size = int(path.stem.rsplit("-", 1)[-1])
        image = QImage(str(path))
        assert (image.width(), image.height()) == (size, size), path.name
