"""choose_compile: XLA only where the run is long enough to pay its compile back."""

from __future__ import annotations

from nngui.core.presets import get_preset
from nngui.core.spec import TrainConfig
from nngui.core.training import choose_compile

MNIST_FIT = 54_000  # 60,000 with a 10% validation split


def test_short_mlp_runs_skip_xla_long_runs_use_it():
    spec = get_preset("mnist-mlp-512").spec()
    for batch in (32, 128):
        assert choose_compile(spec, TrainConfig(epochs=2, batch_size=batch), MNIST_FIT)[1] is False
        assert choose_compile(spec, TrainConfig(epochs=10, batch_size=batch), MNIST_FIT)[1] is True


def test_conv_nets_never_compile_with_xla():
    # measured: mnist-cnn epochs 10-15x slower under XLA on CPU than with TensorFlow's kernels
    spec = get_preset("mnist-cnn").spec()
    assert choose_compile(spec, TrainConfig(epochs=50, batch_size=128), MNIST_FIT)[1] is False


def test_toy_data_never_compiles_with_xla():
    spec = get_preset("xor-3-4-1").spec()
    assert choose_compile(spec, TrainConfig(epochs=100_000, batch_size=4), 4)[1] is False


def test_an_explicit_choice_wins():
    spec = get_preset("mnist-mlp-512").spec()
    assert choose_compile(spec, TrainConfig(epochs=1, jit_compile=True), MNIST_FIT)[1] is True
    assert choose_compile(spec, TrainConfig(epochs=50, jit_compile=False), MNIST_FIT)[1] is False


def test_chunks_still_give_the_live_curve_twenty_points_an_epoch():
    spec = get_preset("mnist-784-20-10").spec()
    steps, _ = choose_compile(spec, TrainConfig(epochs=2, batch_size=32), MNIST_FIT)
    assert 1 <= steps <= MNIST_FIT // 32 // 20
