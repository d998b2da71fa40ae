"""Inputs blank in every training sample, left out of NumPy's steps (``numpy_compact.py``):
which kernel rows train, the compact buffers' round trip, and a model whose earlier run
moved those rows' optimizer slots (they must go on moving, as in Keras). The property test
in ``test_fast_path.py`` draws blank inputs too."""

from __future__ import annotations

import numpy as np
import pytest

from nngui.core.data.adapt import Prepared
from nngui.core.network.spec import TrainConfig
from nngui.core.training import fast, numpy_compact
from nngui.core.training.numpy_compact import Compact, live_inputs, plan
from nngui.core.training.numpy_optimizer import Flat
from tests.core.training.test_fast_path import _close, _engine, _spec


def test_live_inputs_are_those_nonzero_in_some_sample():
    x = np.zeros((5, 2, 3), np.float32)
    x[1, 0, 2] = 0.5
    x[4, 1, 0] = np.nan  # NaN is not blank: Keras' product spreads it
    x[2, 1, 1] = -0.0  # a signed zero is blank: it adds nothing to a product
    assert live_inputs(x).tolist() == [False, False, True, True, False, False]


def test_plan_trains_live_inputs_and_rows_whose_slots_moved():
    kernel = np.ones((32, 4), np.float32)
    live = np.zeros(32, bool)
    live[:20] = True
    m = np.zeros((32, 4), np.float32)
    assert plan(live, kernel, [m]).tolist() == list(range(20))
    m[25, 3] = 1e-9  # an earlier run moved row 25: it must go on training
    assert plan(live, kernel, [m]).tolist() == [*range(20), 25]
    live[:31] = True  # one blank input in 32: below MIN_DEAD, the full step
    assert plan(live, kernel, [np.zeros_like(m)]) is None
    live[:20], live[20:] = True, False
    kernel[30, 0] = np.inf  # 0·inf is NaN in Keras' product: never skipped
    assert plan(live, kernel, []) is None
    assert plan(live[:31], np.ones((32, 4), np.float32), []) is None  # another input width


def test_compact_buffers_gather_and_put_back_only_the_trained_rows():
    full = Flat([(6, 3), (3,), (3, 2)])
    full.buffer[...] = np.arange(full.buffer.size)
    slot = np.arange(full.buffer.size, dtype=np.float32) * 10
    rows = np.array([0, 2, 5])
    c = Compact(full, rows, ["m"])
    c.gather(full, {"m": slot})
    np.testing.assert_array_equal(c.w.views[0], full.views[0][rows])
    np.testing.assert_array_equal(c.w.views[1], full.views[1])
    np.testing.assert_array_equal(c.w.views[2], full.views[2])
    np.testing.assert_array_equal(c.slots["m"][:9].reshape(3, 3), slot[:18].reshape(6, 3)[rows])
    before = full.buffer.copy()
    c.w.buffer += 1000
    c.slots["m"] -= 1
    c.put_all(full, {"m": slot})
    kernel = full.views[0]
    np.testing.assert_array_equal(kernel[rows], before[:18].reshape(6, 3)[rows] + 1000)
    np.testing.assert_array_equal(kernel[[1, 3, 4]], before[:18].reshape(6, 3)[[1, 3, 4]])
    np.testing.assert_array_equal(full.buffer[18:], before[18:] + 1000)
    np.testing.assert_array_equal(slot.reshape(-1)[:18].reshape(6, 3)[[1, 3, 4]],
                                  (np.arange(18, dtype=np.float32) * 10).reshape(6, 3)[[1, 3, 4]])


def _blank_data(n: int, inputs: int, blank: slice, seed: int) -> Prepared:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, inputs)).astype(np.float32)
    x[:, blank] = 0
    y = rng.integers(0, 3, n)
    return Prepared(x, y, x[:4].copy(), y[:4], None)


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd"])
def test_a_run_on_blank_inputs_after_one_that_moved_them_trains_as_keras(optimizer):
    """First a run where every input is live (the slots of every kernel row move), then one
    where half the inputs are blank: their rows' slots are not zero, so Keras still moves
    them (Adam's momentum, RMSprop's decaying average, SGD's momentum) and so must NumPy."""
    from nngui.core.model.builder import build_model

    spec = _spec("sparse", 8, [(5, "tanh")], 0.0, optimizer, 0.05)
    if optimizer == "sgd":
        spec.optimizer_params.update({"momentum": 0.9, "nesterov": False})
    first, second = _blank_data(40, 8, slice(0, 0), 1), _blank_data(40, 8, slice(0, 4), 2)
    cfg = TrainConfig(epochs=2, batch_size=8, validation_split=0.25, seed=3, device="cpu")
    keras_cfg = TrainConfig(**{**cfg.to_dict(), "steps_per_execution": 1})
    got = []
    for c in (cfg, keras_cfg):
        model = build_model(spec, 3)
        from nngui.core.training.train import train

        for data in (first, second):
            result = train(model, data, spec, c)
            assert result.reason == "finished", result.message
        got.append(model)
    assert _engine(got[0]) == "numpy"
    _close(got[0].get_weights(), got[1].get_weights(), "weights vs the Keras path")
    _close(got[0].optimizer.variables, got[1].optimizer.variables, "optimizer state")


def test_a_new_model_on_blank_inputs_trains_compact(monkeypatch):
    """The compact step is what trains a new model on data with blank inputs (the property
    test holds it equal to Keras), and the blank rows come back unchanged."""
    from nngui.core.model.builder import build_model
    from nngui.core.training.train import train

    made = []
    real = numpy_compact.Compact

    class Spy(real):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            made.append(self)

    monkeypatch.setattr("nngui.core.training.fast_numpy.Compact", Spy)
    spec = _spec("sparse", 8, [(5, "relu")], 0.0, "adam", 0.05)
    data = _blank_data(40, 8, slice(2, 6), 4)
    model = build_model(spec, 3)
    before = model.get_weights()[0].copy()
    result = train(model, data, spec, TrainConfig(epochs=3, batch_size=8, seed=3,
                                                  device="cpu"))
    assert result.reason == "finished", result.message
    assert fast.NumpyLoop is not None and _engine(model) == "numpy"
    assert len(made) == 1 and made[0].rows.tolist() == [0, 1, 6, 7]
    after = model.get_weights()[0]
    np.testing.assert_array_equal(after[2:6], before[2:6])
    assert not np.allclose(after[[0, 1, 6, 7]], before[[0, 1, 6, 7]])


def test_the_window_finds_the_blank_inputs_while_it_prepares_a_run(monkeypatch):
    """``prebuild.warm_up`` (the window prepares the network while the student looks) finds
    the blank inputs and cuts the columns; the run that follows finds them kept."""
    from nngui.core.model.builder import build_model
    from nngui.core.training.prebuild import warm_up
    from nngui.core.training.train import train

    calls: list[int] = []
    real = numpy_compact.live_inputs
    monkeypatch.setattr(numpy_compact, "live_inputs", lambda x: calls.append(1) or real(x))
    monkeypatch.setattr(numpy_compact, "_last", [None] * 4)
    spec = _spec("sparse", 8, [(5, "relu")], 0.0, "adam", 0.05)
    data = _blank_data(40, 8, slice(2, 6), 5)
    cfg = TrainConfig(epochs=2, batch_size=8, validation_split=0.25, seed=3, device="cpu")
    model = build_model(spec, 3)
    assert warm_up(model, data, spec, cfg) == "fast+numpy"
    assert calls == [1] and numpy_compact._last[3] is not None
    assert numpy_compact._last[3].shape == (30, 4)  # the 30 training rows' 4 live inputs
    result = train(model, data, spec, cfg)
    assert result.reason == "finished", result.message
    assert calls == [1]
