"""The app icon ships in every size the .desktop entry and the window use."""

from __future__ import annotations

from nngui.core.platform.resources import app_icon_files, resources_dir


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


def test_run_app_sets_the_window_icon(qapp, monkeypatch) -> None:
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from nngui.gui import app as app_module

    seen: dict[str, list[QSize]] = {}

    def fake_exec() -> int:  # run_app's event loop: look at the icon, close the window
        seen["sizes"] = QApplication.windowIcon().availableSizes()
        for w in QApplication.topLevelWidgets():
            w.close()
        return 0

    monkeypatch.setattr(qapp, "exec", fake_exec)
    before = QApplication.windowIcon()
    try:
        assert app_module.run_app([]) == 0
    finally:
        QApplication.setWindowIcon(before if not before.isNull() else QIcon())
    assert {s.width() for s in seen["sizes"]} >= {16, 32, 256}
