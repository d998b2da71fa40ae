"""Lesson texts in the panel: paragraphs flow, code lines stay lines."""

from nngui.gui.lessons.panel import flow


def test_flow_joins_paragraph_lines_and_keeps_code_lines() -> None:
    text = "\nSave it once:\n  a = 1\n  b = 2\nthen open\nit.\n\nNext paragraph.\n"
    assert flow(text) == "Save it once:\n    a = 1\n    b = 2\nthen open it.\n\nNext paragraph."
    assert flow("one\ntwo") == "one two"
