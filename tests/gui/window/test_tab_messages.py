"""A tab's message stays on its tab: the bundled autoencoder's "Showing the bundled 2-D
autoencoder…" appeared in the window's status bar while the student was on the Draw tab."""

from __future__ import annotations


def test_the_bundled_autoencoder_is_announced_on_its_tab_not_on_the_draw_tab(window,
                                                                          qtbot) -> None:
    said: list[tuple[str, str]] = []
    window.statusBar().messageChanged.connect(
        lambda text: said.append((window.tabs.tabText(window.tabs.currentIndex()), text)))
    window.tabs.setCurrentWidget(window.pages.draw)
    qtbot.waitUntil(lambda: window.pages.built_page("autoencoder") is not None and
                    window.pages.autoencoder.model is not None, timeout=60000)
    ae = window.pages.autoencoder
    assert ae.modelLabel.text() == "Showing: the bundled 2-D autoencoder"
    assert "train your own" in ae.modelLabel.toolTip()
    assert not [text for _tab, text in said if "autoencoder" in text.lower()], said
    assert window.tabs.currentWidget() is window.pages.draw
    assert "autoencoder" not in window.pages.draw.samples.statusLabel.text().lower()
