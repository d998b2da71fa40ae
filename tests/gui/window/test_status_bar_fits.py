"""A long status-bar message is not clipped mid-word under the device label: the bar shows it
cut after a word with "…" and its whole text is the tooltip (a student saw one end in "CPU")."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nngui.gui.window.status_bar import ELLIPSIS, fit_text

LONG = ("Data: sklearn make_circles(noise=0.1, factor=0.5, seed=0); 800 train / 200 test "
        "points; integer class labels used as they are; the network's input features are "
        "x1 and x2, and the output layer has two softmax units for the two classes")


def test_a_long_message_is_cut_at_a_word_and_the_tooltip_holds_it_all(window, qtbot) -> None:
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    bar = window.statusBar()
    bar.showMessage(LONG)
    assert bar.currentMessage() == LONG  # what the window said, whole
    shown = bar.shown_text()
    room = bar.message_rect()
    assert shown.endswith(ELLIPSIS) and LONG.startswith(shown[:-1])
    assert LONG[len(shown) - 1] in " ·,;:–-"  # cut between two words, not inside one
    assert bar.fontMetrics().horizontalAdvance(shown) <= room.width()
    assert room.right() < window.deviceLabel.x()  # never under the device label
    assert bar.toolTip() == LONG
    bar.showMessage("Loaded Two circles")  # short: whole, no tooltip needed
    assert bar.shown_text() == "Loaded Two circles" and bar.toolTip() == ""


words = st.lists(st.text("abcdefghij", min_size=1, max_size=12), min_size=1, max_size=30)


@given(words, st.integers(5, 400))
def test_fit_text_fits_and_cuts_between_words(parts, width) -> None:
    text = " ".join(parts)
    shown = fit_text(text, width, len)  # one pixel a character
    assert len(shown) <= width
    if shown == text:
        return
    assert shown.endswith(ELLIPSIS)
    head = shown[:-1]
    assert text.startswith(head)
    if " " in head or (len(head) < len(parts[0])):  # a word alone too long is cut inside it
        assert len(head) < len(parts[0]) or text[len(head)] == " "
