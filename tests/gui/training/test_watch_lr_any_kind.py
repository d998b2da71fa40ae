"""The Watch tab's learning-rate plot follows every run, not only a classifier's: an
autoencoder's step schedule shows as it halves (issue 23 leftovers, item 1)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np


def test_an_autoencoder_run_plots_its_learning_rate_schedule(window, qtbot):
    w = window
    w.apply_preset("ae-2d")  # on the bundled digits (MNIST declined)
    qtbot.waitUntil(lambda: w.data.dataset is not None and not w.data.is_loading(),
                    timeout=30000)
    assert w.session.spec.kind == "autoencoder"
    lr = w.builder.spec().lr
    w.builder.set_config(replace(w.builder.config(), epochs=3, batch_size=256,
                                 validation_split=0.0, lr_schedule="step", lr_step_epochs=1))
    with qtbot.waitSignal(w.training.runFinished, timeout=120000) as run:
        assert w.train()
    assert run.args[0].reason == "finished"
    curve = w.watch.live._lr_curve
    qtbot.waitUntil(lambda: curve.getData()[0] is not None and len(curve.getData()[0]) == 3,
                    timeout=10000)
    xs, ys = curve.getData()
    np.testing.assert_allclose(xs, [1, 2, 3])
    np.testing.assert_allclose(ys, [lr, lr / 2, lr / 4], rtol=1e-3)  # halved every epoch
