"""choose_compile: XLA only where the run is long enough to pay its compile back."""

from __future__ import annotations

from nngui.core.network.spec import TrainConfig
from nngui.core.training.presets import get_preset
from nngui.core.training.train import choose_compile

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


def test_validation_runs_at_a_large_batch_within_memory():
    from nngui.core.network.spec import LayerSpec, NetworkSpec
    from nngui.core.training.pipeline import validation_batch

    mlp = get_preset("mnist-mlp-512").spec()
    assert validation_batch(mlp, 32) == 512
    assert validation_batch(mlp, 2048) == 2048  # never smaller than the training batch
    assert validation_batch(get_preset("mnist-cnn").spec(), 128) == 512
    big = NetworkSpec((224, 224, 3), [LayerSpec("Conv2D", {"filters": 64, "kernel_size": 3,
                                                           "padding": "same"}),
                                      LayerSpec("Flatten", {}),
                                      LayerSpec("Dense", {"units": 10})], "mse", "sgd", 0.01)
    assert validation_batch(big, 8) == 8  # 3.2M floats a sample: 64 MB allows 5


def test_fit_validates_at_that_batch(monkeypatch):
    import numpy as np

    from nngui.core.data.adapt import Prepared
    from nngui.core.model.builder import build_model
    from nngui.core.training.train import train

    preset = get_preset("mnist-784-20-10")
    spec = preset.spec()
    model = build_model(spec, 0)
    seen = {}
    fit = model.fit

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return fit(*args, **kwargs)

    monkeypatch.setattr(model, "fit", spy)
    rng = np.random.default_rng(0)
    x = rng.random((400, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 400)]
    result = train(model, Prepared(x, y, x[:10], y[:10], None), spec,  # Keras' fit, not
                   TrainConfig(epochs=1, batch_size=16, seed=0, steps_per_execution=1))  # fast.py
    assert result.ok, result.message
    assert seen["validation_batch_size"] == 512


def _compiled_with_xla(function) -> list[bool]:
    """Per traced graph of a Keras train/test function: does it hold an XLA-compiled call?"""
    tf_functions = [cell.cell_contents for cell in function.__closure__ or ()
                    if hasattr(cell.cell_contents, "_list_all_concrete_functions")]
    assert tf_functions, "Keras' step functions changed shape: update this helper"
    found = []
    for concrete in tf_functions[0]._list_all_concrete_functions():
        graph = concrete.graph.as_graph_def()
        nodes = [*graph.node, *(n for f in graph.library.function for n in f.node_def)]
        found.append(any(n.attr["_XlaMustCompile"].b for n in nodes
                         if "_XlaMustCompile" in n.attr))
    return found


def test_an_xla_run_validates_and_evaluates_without_xla():
    """XLA pays for the many small training steps, not for a few large validation batches."""
    import numpy as np

    from nngui.core.data.adapt import Prepared
    from nngui.core.model.builder import build_model
    from nngui.core.network.spec import LayerSpec, NetworkSpec
    from nngui.core.training.train import evaluate, train

    rng = np.random.default_rng(0)
    x = rng.random((256, 4), dtype=np.float32)
    y = (x.sum(1) > 2).astype(int)
    spec = NetworkSpec((4,), [LayerSpec("Dense", {"units": 8, "activation": "tanh"}),
                              LayerSpec("Dense", {"units": 2, "activation": "softmax"})],
                       "sparse_categorical_crossentropy", "sgd", 0.1)
    data = Prepared(x, y, x[:32], y[:32], y[:32])
    model = build_model(spec, 0)
    result = train(model, data, spec, TrainConfig(epochs=2, batch_size=16, seed=0,
                                                  validation_split=0.25, steps_per_execution=2,
                                                  jit_compile=True, device="cpu"))
    assert result.reason == "finished", result.message
    evaluate(model, data)
    assert _compiled_with_xla(model.train_function) == [True]
    assert _compiled_with_xla(model.test_function) and not any(
        _compiled_with_xla(model.test_function))
    assert model.jit_compile is True  # the next run's train function still uses XLA
