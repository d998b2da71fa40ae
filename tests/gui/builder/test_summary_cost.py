"""The summary's cost beside the total: multiply-adds a prediction at once, the measured time
an epoch once a run has one (from the session's history), gone for a new network."""

import pytest

from nngui.core.network.spec import LayerSpec, NetworkSpec
from nngui.core.training.cost import epoch_seconds, seconds_text


def test_cost_beside_the_total_params(digits_reader, qtbot):
    w = digits_reader
    table = w.summary
    assert table.cost_text() == "12,704 multiply-adds a prediction"  # 784*16 + 16*10
    assert table.total_text() == "Total params: 12,730"
    with qtbot.waitSignal(w.training.runFinished, timeout=120000):
        assert w.train()
    times = w.session.history["epoch_time"]
    assert len(times) == 1 and times[0] > 0
    assert table.cost_text() == ("12,704 multiply-adds a prediction · "
                                 f"{seconds_text(epoch_seconds(w.session.history))} an epoch")
    w.builder.set_spec(NetworkSpec((28, 28), [LayerSpec("Flatten", {}),
                                              LayerSpec("Dense", {"units": 10,
                                                                  "activation": "softmax"})]))
    assert table.cost_text() == "7,840 multiply-adds a prediction"  # untrained: no time yet


def test_the_cost_never_covers_the_total_and_is_elided_when_narrow(qtbot):
    from nngui.gui.builder.summary import SummaryTable

    table = SummaryTable()
    qtbot.addWidget(table)
    table.set_spec(NetworkSpec((784,), [LayerSpec("Dense", {"units": 512}),
                                        LayerSpec("Dense", {"units": 10,
                                                            "activation": "softmax"})]))
    table.show_history({"epoch": [1.0, 2.0], "epoch_time": [3.0, 5.0]})
    full = "406,528 multiply-adds a prediction · 4.0 s an epoch"
    for width in (700, 330):
        table.resize(width, 200)
        table.show()
        qtbot.waitExposed(table)
        table.updateGeometries()
        footer, cost = table.footer, table.cost
        total_right = footer.x() + footer.contentsMargins().left() + \
            footer.fontMetrics().horizontalAdvance(footer.text())
        assert cost.x() >= total_right
        assert cost.fontMetrics().horizontalAdvance(cost.text()) <= cost.contentsRect().width()
        assert table.cost_text() == full
        assert (cost.text() == full) == (width == 700)


@pytest.mark.parametrize(("times", "text"), [([0.0021, 0.0019, 0.002], "2.0 ms"),
                                             ([0.00042], "0.4 ms"), ([0.0123], "12 ms"),
                                             ([0.42], "0.42 s"), ([4.0], "4.0 s")])
def test_a_toy_sets_epoch_time_is_never_zero(qtbot, times, text):
    """XOR's 150 epochs took 0.3 s: the summary said "0.00 s an epoch"."""
    from nngui.gui.builder.summary import SummaryTable

    table = SummaryTable()
    qtbot.addWidget(table)
    table.set_spec(NetworkSpec((2,), [LayerSpec("Dense", {"units": 1,
                                                          "activation": "sigmoid"})]))
    table.show_history({"epoch": [float(i + 1) for i in range(len(times))],
                        "epoch_time": times})
    assert table.cost_text() == f"2 multiply-adds a prediction · {text} an epoch"
