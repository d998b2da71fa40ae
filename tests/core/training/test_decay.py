"""The course's SGD(lr, decay=...): lr / (1 + decay * t) per batch, as Keras' InverseTimeDecay."""

from __future__ import annotations

import numpy as np
import pytest

from nngui.core.data.adapt import Prepared
from nngui.core.files.python_export import export_python
from nngui.core.insight.probes import LearningRateProbe
from nngui.core.model.builder import build_model, make_optimizer
from nngui.core.model.saving import load_model, save_model, spec_from_model
from nngui.core.network import catalog
from nngui.core.network.spec import LayerSpec, NetworkSpec, SpecError, TrainConfig
from nngui.core.platform.runtime import tf
from nngui.core.training.observer import Observer
from nngui.core.training.train import train


def _spec(decay: float, optimizer: str = "sgd", lr: float = 0.1) -> NetworkSpec:
    return NetworkSpec((2,), [LayerSpec("Dense", {"units": 1, "activation": "linear"})],
                       "mse", optimizer, lr, optimizer_params={"decay": decay})


@pytest.mark.parametrize("step", [0, 1, 100])
def test_the_rate_is_the_old_formula_at_steps_0_1_100(step: int) -> None:
    opt = make_optimizer(_spec(0.5, lr=0.1))
    opt.iterations.assign(step)
    assert float(np.asarray(opt.learning_rate)) == pytest.approx(0.1 / (1 + 0.5 * step),
                                                                 rel=1e-6)


def test_an_sgd_step_at_batch_100_moves_the_weights_by_the_decayed_rate() -> None:
    spec = _spec(0.01, lr=0.2)
    model = build_model(spec, 0)
    opt = make_optimizer(spec)
    opt.build(model.trainable_variables)
    opt.iterations.assign(100)
    x = np.array([[1.0, 2.0], [0.5, -1.0]], np.float32)
    y = np.array([[1.0], [0.0]], np.float32)
    with tf().GradientTape() as tape:
        loss = tf().reduce_mean(tf().square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    before = [np.asarray(v) for v in model.trainable_variables]
    opt.apply_gradients(zip(grads, model.trainable_variables, strict=True))
    for b, v, g in zip(before, model.trainable_variables, grads, strict=True):
        np.testing.assert_allclose(np.asarray(v), b - 0.2 / (1 + 0.01 * 100) * np.asarray(g),
                                   rtol=1e-5, atol=1e-7)


def test_the_lr_plot_shows_the_decayed_rate_after_each_epoch() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2)).astype(np.float32)
    y = x[:, :1] - x[:, 1:]
    data = Prepared(x, y, x[:8], y[:8], None)
    spec = _spec(0.05, lr=0.1)
    seen: list[float] = []

    class Obs(Observer):
        def on_probe(self, name, epoch, payload):
            seen.append(payload["lr"])

    cfg = TrainConfig(epochs=3, batch_size=16, validation_split=0.0, jit_compile=False)
    result = train(build_model(spec, 0), data, spec, cfg, Obs(), probes=[LearningRateProbe()])
    assert result.ok, result.message
    assert seen == pytest.approx([0.1 / (1 + 0.05 * 4 * (e + 1)) for e in range(3)], rel=1e-5)


def test_every_optimizer_offers_decay_and_it_is_validated() -> None:
    assert all("decay" in {f.name for f in info.fields} for info in catalog.OPTIMIZERS.values())
    assert float(np.asarray(make_optimizer(_spec(0.1, "adam", 0.01)).learning_rate)) \
        == pytest.approx(0.01)
    for bad in (-1e-3, float("nan"), 2.0):
        with pytest.raises(SpecError, match="decay|Decay"):
            NetworkSpec.from_dict({**_spec(0.0).to_dict(),
                                   "optimizer_params": {"decay": bad}})


def test_decay_with_a_schedule_is_a_message_not_a_crash() -> None:
    x = np.zeros((8, 2), np.float32)
    data = Prepared(x, x[:, :1], x, x[:, :1], None)
    spec = _spec(0.01)
    cfg = TrainConfig(epochs=1, lr_schedule="cosine", validation_split=0.0)
    result = train(build_model(spec, 0), data, spec, cfg)
    assert result.reason == "error" and "decay" in result.message


def test_decay_is_exported_and_read_back_from_a_saved_model(tmp_path) -> None:
    spec = _spec(1e-6, lr=0.01)
    text = export_python(spec, TrainConfig(), "moons")
    assert "InverseTimeDecay(initial_learning_rate=0.01, decay_steps=1, decay_rate=1e-06" in text
    model = build_model(spec, 0)
    model.compile(optimizer=make_optimizer(spec), loss="mse")
    back = spec_from_model(load_model(save_model(model, tmp_path / "d.keras")))
    assert back.lr == pytest.approx(0.01) and back.optimizer_params["decay"] == 1e-6
