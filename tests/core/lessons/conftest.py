"""Train a preset headless into a Situation, as a student's session would be."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nngui.core.lessons.checks import Situation


class _Quiet:
    def on_begin(self, info) -> None: ...
    def on_batches(self, *a) -> None: ...
    def on_epoch(self, *a) -> None: ...
    def on_end(self, result) -> None: ...


def trained(preset: str, change: Callable | None = None, **train) -> Situation:
    """The preset trained with its own data and settings (``change(spec, cfg)`` first)."""
    from nngui.core.data.adapt import prepare
    from nngui.core.data.datasets import load_dataset
    from nngui.core.model.builder import build_model
    from nngui.core.training.presets import get_preset
    from nngui.core.training.runs import settings_of
    from nngui.core.training.train import train as fit

    p = get_preset(preset)
    spec, cfg = p.spec(), p.train_config()
    for k, v in train.items():
        setattr(cfg, k, v)
    if change is not None:
        change(spec, cfg)
    ds = load_dataset(p.dataset, seed=cfg.seed or 0)
    model = build_model(spec, cfg.seed)
    result = fit(model, prepare(ds, spec), spec, cfg, _Quiet())
    assert result.ok, result.message
    run = {"name": f"#1 {spec.name}", "settings": settings_of(spec, cfg),
           "history": result.history, "reason": "finished"}
    return Situation(spec, cfg, p.dataset, None, model, result.history, [run], data=ds)


@pytest.fixture(scope="session")
def xor_sessions() -> dict[str, Situation]:
    """The XOR lesson's presets, each trained once for the whole test session."""
    return {name: trained(name) for name in ("perceptron-xor", "perceptron-xor-x1x2",
                                             "xor-2-2-1", "xor-3-4-1")}


@pytest.fixture(scope="session")
def train_preset() -> Callable[..., Situation]:
    """``trained`` as a fixture, for tests that train a preset of their own."""
    return trained
