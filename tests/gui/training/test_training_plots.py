"""The training plots are reset and labelled for each run: never a stale range or title."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nngui.core.data.adapt import Prepared
from nngui.core.network.spec import LayerSpec, NetworkSpec, TrainConfig
from nngui.core.training.session import RunRequest, Session
from nngui.gui.training.curves import TRAIN_COLOR, VAL_COLOR, epoch_tick_step, metric_range
from nngui.gui.training.panel import TrainingPanel

TIMEOUT = 120_000


def dense(units: int, activation: str) -> LayerSpec:
    return LayerSpec("Dense", {"units": units, "activation": activation})


CLASSIFIER = NetworkSpec((2,), [dense(8, "tanh"), dense(2, "softmax")],
                         "sparse_categorical_crossentropy")
AUTOENCODER = NetworkSpec((4,), [dense(2, "relu"), dense(4, "sigmoid")], "mse",
                          kind="autoencoder")


@pytest.fixture(scope="module")
def blobs() -> Prepared:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    return Prepared(x[:200], y[:200], x[200:], y[200:], y[200:].copy())


@pytest.fixture(scope="module")
def codes() -> Prepared:
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(256, 4)).astype(np.float32)
    return Prepared(x[:200], x[:200], x[200:], x[200:], None)


@pytest.fixture
def panel(qtbot) -> TrainingPanel:
    p = TrainingPanel()
    qtbot.addWidget(p)
    p.resize(900, 420)
    p.show()
    yield p
    p.shutdown()


def _config(epochs: int) -> TrainConfig:
    return TrainConfig(epochs=epochs, seed=0, device="cpu", batch_size=32, jit_compile=False,
                       steps_per_execution=2)


def _train(qtbot, panel, spec, data, epochs=2):
    with qtbot.waitSignal(panel.runFinished, timeout=TIMEOUT) as done:
        assert panel.start(RunRequest(Session(spec), data, _config(epochs))) is not None
        _assert_titled(panel, "mae" if spec.kind == "autoencoder" else "accuracy")
    assert done.args[0].ok
    return done.args[0]


def _titles(panel) -> tuple[str, str]:
    acc = panel.accuracyPlot.getPlotItem()
    return acc.titleLabel.text, acc.getAxis("left").labelText


def _assert_titled(panel, metric: str) -> None:
    title, label = _titles(panel)
    if metric == "accuracy":
        assert title == "Accuracy" and label == "accuracy (%)"
    else:
        assert title == "Error (MAE)"
        assert label == "mean absolute error"


def _ranges(plot) -> tuple[tuple[float, float], tuple[float, float]]:
    (x0, x1), (y0, y1) = plot.getPlotItem().getViewBox().viewRange()
    return (x0, x1), (y0, y1)


def _curve(plot, name):
    for item in plot.getPlotItem().listDataItems():
        if item.name() == name:
            x, _ = item.getData()
            return [] if x is None else list(x)
    raise KeyError(name)


def test_empty_plots_are_titled_for_the_network_and_never_minus_30_to_30(panel):
    panel.reset(CLASSIFIER)
    _assert_titled(panel, "accuracy")
    (x0, x1), (y0, y1) = _ranges(panel.accuracyPlot)
    assert -0.5 < x0 <= 0 and 4 < x1 < 6  # epochs 0..5 until a run says how many
    assert -3 < y0 <= 0 and 99 < y1 < 103  # percent
    (x0, x1), _ = _ranges(panel.lossPlot)
    assert x0 > -1 and x1 < 6

    panel.reset(AUTOENCODER)
    _assert_titled(panel, "mae")
    _, (y0, y1) = _ranges(panel.accuracyPlot)
    assert y1 < 1.1  # not a percentage axis


def test_each_run_is_plotted_from_scratch_with_its_own_title_and_range(qtbot, panel, blobs,
                                                                       codes):
    _train(qtbot, panel, CLASSIFIER, blobs, epochs=3)
    assert _curve(panel.accuracyPlot, "train") == [1.0, 2.0, 3.0]
    (_, x1), (_, y1) = _ranges(panel.accuracyPlot)
    assert y1 > 40 and 2.9 < x1 < 3.2

    panel.reset(AUTOENCODER)  # the window built a new network: nothing of the old run stays
    _assert_titled(panel, "mae")
    assert _curve(panel.accuracyPlot, "train") == [] and _curve(panel.lossPlot, "batch loss") == []
    _, (_, y1) = _ranges(panel.accuracyPlot)
    assert y1 < 1.1

    _train(qtbot, panel, AUTOENCODER, codes, epochs=2)  # titled before its first epoch
    _assert_titled(panel, "mae")
    assert _curve(panel.accuracyPlot, "train") == [1.0, 2.0]
    (_, x1), (_, y1) = _ranges(panel.accuracyPlot)
    assert y1 < 5 and 1.9 < x1 < 2.2  # MAE of [0, 1] values; epochs 0..2

    _train(qtbot, panel, CLASSIFIER, blobs, epochs=2)  # a new session: no autoencoder left
    _assert_titled(panel, "accuracy")
    assert _curve(panel.accuracyPlot, "train") == [1.0, 2.0]


def test_train_has_one_colour_in_both_plots_and_no_legend_covers_the_curves(panel):
    def colour(plot, name):
        for item in plot.getPlotItem().listDataItems():
            if item.name() == name:
                return item.opts["pen"].color().getRgb()[:3]
        raise KeyError(name)

    assert colour(panel.lossPlot, "train loss (epoch)") == colour(panel.accuracyPlot, "train") \
        == TRAIN_COLOR
    assert colour(panel.lossPlot, "validation loss") == colour(panel.accuracyPlot,
                                                                "validation") == VAL_COLOR
    for plot in (panel.lossPlot, panel.accuracyPlot):
        assert plot.getPlotItem().legend is None  # the key is above the plots
    key = panel.curves.plotKey.text()
    for name, rgb in (("train", TRAIN_COLOR), ("validation", VAL_COLOR)):
        assert "#{:02x}{:02x}{:02x}'>".format(*rgb) + f"● {name}" in key or \
            "#{:02x}{:02x}{:02x}'>".format(*rgb) + f"■ {name}" in key


def test_log_scale_toggle_for_the_loss(panel):
    item = panel.lossPlot.getPlotItem()
    assert not item.ctrl.logYCheck.isChecked()
    panel.logScaleBox.setChecked(True)
    assert item.ctrl.logYCheck.isChecked()
    panel.logScaleBox.setChecked(False)
    assert not item.ctrl.logYCheck.isChecked()


@given(st.floats(1, 5000), st.integers(60, 2000))
def test_epoch_ticks_are_whole_and_never_run_together(last, width):
    step = epoch_tick_step(last, width)
    assert step in {m * 10 ** k for k in range(5) for m in (1, 2, 5)}
    labels = max(1.0, last) / step
    assert labels <= max(2, width // 36)  # at least 36 px between two labels
    if step > 1:  # and no sparser than needed
        smaller = [s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if s < step][-1]
        assert max(1.0, last) / smaller > max(2, width // 36)


def test_unchanged_epoch_curves_are_not_set_again(qtbot, panel, blobs):
    """Between epochs only the batch curve moves: re-setting the epoch curves repainted the
    accuracy plot on every redraw (20 a second)."""
    _train(qtbot, panel, CLASSIFIER, blobs, epochs=2)
    curves = panel.curves
    calls = []
    for item in (curves._train_metric, curves._val_metric, curves._epoch_loss):
        original = item.setData
        item.setData = lambda *a, _o=original, **k: (calls.append(1), _o(*a, **k))
    for _ in range(3):
        curves._dirty = True
        curves.redraw()
    assert calls == []
    curves.add_epoch(2, {"loss": 0.5, "accuracy": 0.5})  # no validation: that curve stays
    curves.redraw()
    assert len(calls) == 2 and _curve(panel.accuracyPlot, "train") == [1.0, 2.0, 3.0]


def test_no_axis_in_the_window_rescales_its_numbers(window):
    """A loss of 0.2 reads 0.2, never "loss (x0.001)" with ticks at 150-400."""
    import pyqtgraph as pg

    window.build_all_pages()
    axes = [item for view in window.findChildren(pg.GraphicsView)
            for item in view.scene().items() if isinstance(item, pg.AxisItem)]
    assert len(axes) > 20
    assert [axis for axis in axes if axis.autoSIPrefix] == []
    fresh = pg.PlotWidget()  # a plot made later, by any page
    fresh.plot([0, 1, 2], [0.0002, 0.0003, 0.0001])
    assert fresh.getAxis("left").labelString().count("x0.") == 0
    assert fresh.getAxis("left").autoSIPrefix is False


def test_a_reopened_stopped_run_draws_its_validation_without_a_gap(panel):
    """The stopped part of epoch 3 has no validation (NaN): skipped, as the live run drew it."""
    curves = panel.curves
    curves.load_history({"epoch": [1.0, 2.0, 2.5, 3.0], "loss": [0.9, 0.6, 0.55, 0.5],
                         "val_loss": [0.7, 0.5, float("nan"), 0.4]})
    curves.redraw()
    assert _curve(panel.lossPlot, "validation loss") == [1.0, 2.0, 3.0]
    assert _curve(panel.lossPlot, "train loss (epoch)") == [1.0, 2.0, 2.5, 3.0]


def test_redrawing_the_plots_after_a_run_keeps_its_final_status_and_progress(qtbot, panel,
                                                                              blobs):
    """A resize or the log-scale box redraws the curves only: the run's last words stay (they
    once went back to the live "Training · loss …" and an "ETA 0:00")."""
    _train(qtbot, panel, CLASSIFIER, blobs, epochs=2)
    status, progress = panel.trainingStatus.text(), panel.trainingProgress.format()
    assert "took" in status and progress.endswith("done")
    panel.resize(1000, 480)
    qtbot.waitUntil(lambda: panel.width() == 1000)
    panel.logScaleBox.setChecked(True)
    assert panel.trainingStatus.text() == status
    assert panel.trainingProgress.format() == progress


def test_the_metric_plot_waits_a_turn_during_a_run_and_not_after_it(qtbot, panel):
    """At an epoch's end the metric plot paints a turn after the loss plot; the run's last
    redraw (not live) draws it at once, so its last point is there when runFinished comes."""
    curves = panel.curves
    curves.add_epoch(0, {"loss": 0.5, "accuracy": 0.8})
    curves.redraw(live=True)
    assert _curve(panel.lossPlot, "train loss (epoch)") == [1.0]
    assert _curve(panel.accuracyPlot, "train") == []  # its turn comes later
    curves.redraw()
    assert _curve(panel.accuracyPlot, "train") == [1.0]
    qtbot.wait(50)  # the late turn changes nothing
    assert _curve(panel.accuracyPlot, "train") == [1.0]


@given(st.lists(st.floats(0, 100), max_size=12))
def test_the_accuracy_axis_shows_every_point_and_stays_a_percentage(values):
    """One point, or equal ones, once got an axis from ~47 to ~147 % (pyqtgraph's auto range
    kept the empty plot's span of 100 around them)."""
    low, high = metric_range(values, percent=True)
    assert 0.0 <= low < high <= 100.0
    assert high - low >= 5.0 - 1e-9  # never a 0.001 % sliver
    if values:
        assert low <= min(values) and max(values) <= high


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=12))
def test_an_error_axis_shows_every_point_and_never_goes_negative(values):
    low, high = metric_range(values, percent=False)
    assert 0.0 <= low <= min(values) and max(values) <= high and low < high


def test_an_epoch_curve_marks_its_points_only_while_they_are_apart(panel):
    """A few epochs: a mark on each; a thousand (a long session reopened): a line only. A
    thousand 7 px marks were one smear and most of the loss plot's first paint."""
    curves = panel.curves
    few = {"epoch": [1.0, 2.0, 3.0], "loss": [0.9, 0.6, 0.5], "val_loss": [0.8, 0.7, 0.6]}
    curves.load_history(few)
    curves.redraw()
    item = next(i for i in panel.lossPlot.getPlotItem().listDataItems()
                if i.name() == "train loss (epoch)")
    assert item.opts["symbol"] == "o"
    n = 1000
    curves.load_history({"epoch": [float(e) for e in range(1, n + 1)],
                         "loss": list(np.linspace(1.0, 0.1, n)),
                         "val_loss": list(np.linspace(1.1, 0.2, n))})
    curves.redraw()
    assert item.opts["symbol"] is None
    assert _curve(panel.lossPlot, "train loss (epoch)") == [float(e) for e in range(1, n + 1)]
    curves.load_history(few)  # the next project is short again: marked again
    curves.redraw()
    assert item.opts["symbol"] == "o"


def test_the_key_names_validation_only_when_the_run_has_it(qtbot, panel, blobs):
    """A run that holds no samples out draws no validation curve: the key says so (grey, a
    tooltip says how to get one), and says "validation" again for a run with a split."""
    from dataclasses import replace

    key = panel.curves.plotKey
    assert "■ validation" in key.text()  # nothing trained yet: every key
    with qtbot.waitSignal(panel.runFinished, timeout=TIMEOUT):
        panel.start(RunRequest(Session(CLASSIFIER), blobs,
                               replace(_config(2), validation_split=0.0)))
    assert "no validation" in key.text() and "■ validation" not in key.text()
    assert "validation split" in key.toolTip()
    assert not _curve(panel.lossPlot, "validation loss")
    with qtbot.waitSignal(panel.runFinished, timeout=TIMEOUT):
        panel.start(RunRequest(Session(CLASSIFIER), blobs,
                               replace(_config(2), validation_split=0.25)))
    assert "■ validation" in key.text() and key.toolTip() == ""
    assert _curve(panel.lossPlot, "validation loss")
    panel.curves.load_history({"loss": [0.5, 0.4]})  # an opened run without validation
    assert "no validation" in key.text()
    panel.reset(CLASSIFIER)  # a new network: the key follows the run to come's settings
    panel.plan_epochs(5, validation=False)
    assert "no validation" in key.text()
    panel.plan_epochs(5, validation=True)
    assert "■ validation" in key.text()
