"""The key under a network graph fits its width in whole words, whatever the width."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nngui.gui.common.net_graph import NetGraph


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # qtbot: the QApp only
@given(width=st.integers(40, 900), editable=st.booleans())
def test_the_caption_fits_and_never_cuts_a_word(qtbot, width, editable):
    graph = NetGraph()
    graph.set_editable(editable)
    text = graph.caption(width)
    assert graph.fontMetrics().horizontalAdvance(text) <= width
    if width >= 400:
        assert text.startswith("blue: w > 0") and (not editable or "drag" in text)
    if not text.endswith("…"):  # the whole of one of its variants, never a cut word
        assert text.split(" · ")[-1] in ("red: w < 0", "drag an edge up or down to change it",
                                         "drag an edge to change it", "drag to edit"), text
