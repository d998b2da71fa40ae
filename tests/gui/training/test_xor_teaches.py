"""XOR that teaches: on the 2-column XOR the Watch boundary and the x1·x2 feature work, the
hidden space of 2 units is drawn as it is with the output unit's line, and a wider layer's
PCA says what it cannot show (issue 24)."""

from __future__ import annotations

import numpy as np

from nngui.gui.training.hidden_space import caption, line_in_box


def _train(w, qtbot, preset: str) -> None:
    w.apply_preset(preset)
    qtbot.waitUntil(lambda: w.data.dataset.name == "xor2", timeout=30000)
    with qtbot.waitSignal(w.training.runFinished, timeout=180000):
        assert w.train()


def _show_watch(w, qtbot):
    w.tabs.setCurrentWidget(w.watch)
    live = w.watch.live
    # the latest payloads drawn (not only some earlier epoch's)
    qtbot.waitUntil(lambda: all(name in live._drawn and live._drawn[name]
                                == id(live._latest[name][1]) for name in ("hidden", "boundary")),
                    timeout=20000)
    return live


def test_xor_2_2_1_draws_its_hidden_space_raw_with_the_output_line(window, qtbot):
    w = window
    _train(w, qtbot, "xor-2-2-1")
    live = _show_watch(w, qtbot)
    p = live._latest["hidden"][1]
    assert p["method"] == "raw" and p["units"] == 2 and p["line"] is not None
    title = live.hiddenSpacePlot.getPlotItem().titleLabel.text
    assert "its 2 units" in title and "PCA" not in title
    # the drawn line is the output unit's: it puts the two XOR classes on opposite sides
    (wv, b), c, y = p["line"], p["coords"], p["labels"]
    side = c @ wv + b > 0
    assert np.array_equal(side, y == 1), (side, y)
    xs, ys = live.hiddenExtras.line_data()
    assert len(xs) == 2 and np.allclose(wv[0] * xs + wv[1] * ys + b, 0, atol=1e-6)
    text = live.hiddenExtras.captionLabel.text()
    assert "class 0" in text and "class 1" in text and "the line" in text
    assert not live.hint.isVisible()  # the boundary is drawn for XOR now
    w.tabs.setCurrentWidget(w.evaluate)  # Evaluate's boundary tab works on XOR too
    qtbot.waitUntil(lambda: w.evaluate.tabs.isTabEnabled(2), timeout=30000)


def test_a_wider_hidden_layer_says_what_its_projection_cannot_show(window, qtbot):
    w = window
    _train(w, qtbot, "xor-2-4-1")
    live = _show_watch(w, qtbot)
    p = live._latest["hidden"][1]
    assert p["method"] == "pca" and p["line"] is None
    text = live.hiddenExtras.captionLabel.text()
    assert "PCA of 4 units" in text and "cannot" in text and "in the other 2," in text
    assert live.hiddenExtras.line_data()[0].size == 0


def test_the_x1x2_feature_is_offered_for_xor(window, qtbot):
    w = window
    _train(w, qtbot, "perceptron-xor-x1x2")
    assert w.builder.spec().features == ["x1*x2"]
    assert w.session.history["accuracy"][-1] == 1.0
    live = _show_watch(w, qtbot)
    assert live._latest["hidden"][1] is None  # a perceptron: no hidden space, and it says so


def test_caption_and_line_helpers() -> None:
    assert caption(None) == ""
    xs, ys = line_in_box(np.array([1.0, 1.0]), -1.0, np.array([0.0, 0.0]), np.array([1.0, 1.0]))
    assert np.allclose(np.array(xs) + np.array(ys), 1.0)
    assert line_in_box(np.zeros(2), 1.0, np.zeros(2), np.ones(2)) == ([], [])


def test_the_empty_plots_key_follows_the_presets_validation_split(window, qtbot):
    """Lesson 1's XOR holds nothing out: before its first run the key already says "no
    validation" (it showed an orange "validation" key above plots that never get one)."""
    w = window
    key = w.training.curves.plotKey
    w.apply_preset("xor-2-2-1")
    assert w.builder.config().validation_split == 0
    assert "no validation" in key.text()
    w.apply_preset("mnist-784-20-10")  # a 10 % split ("cancel" to MNIST: its config stays)
    assert w.builder.config().validation_split > 0
    assert "■ validation" in key.text()
