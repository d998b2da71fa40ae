"""nngui's Adam runs TensorFlow's fused kernel, and its updates stay Keras' own Adam's.

``builder._fused_adam`` swaps Keras 3's ~12 element-wise ops per weight tensor for one
``ResourceApplyAdam`` on the same slots. The formula is the same; only float rounding may
differ, so the weights, both moments and the step count are held to Keras' own optimizer
over random networks, rates, decays, batch sizes and step counts, with and without XLA.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nngui.core.model import builder
from nngui.core.network.spec import LayerSpec, NetworkSpec
from nngui.core.platform.runtime import keras, tf


def _spec(widths: list[int], activation: str, lr: float, decay: float) -> NetworkSpec:
    layers = [LayerSpec("Dense", {"units": w, "activation": activation}) for w in widths]
    layers.append(LayerSpec("Dense", {"units": 3, "activation": "softmax"}))
    return NetworkSpec((5,), layers, "categorical_crossentropy", "adam", lr,
                       optimizer_params={"decay": decay})


def _train(spec: NetworkSpec, fused: bool, x, y, batch: int, epochs: int, jit: bool):
    model = builder.build_model(spec, 0)
    opt = builder.make_optimizer(spec)
    if not fused:  # Keras' own update_step, the class method
        del opt.update_step
    model.compile(optimizer=opt, loss=builder.make_loss(spec), steps_per_execution=2,
                  jit_compile=jit)
    model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0)
    return model, opt


@pytest.mark.parametrize("jit", [False, True])
def test_a_whole_run_stays_on_keras_adams_path(jit):
    """Three epochs of small batches: the fused run ends where Keras' own Adam run ends.

    A smooth network (tanh) on fixed data: with ReLU a unit at the kink can flip on a last-bit
    difference and the runs part ways for a reason that is not the optimizer. The update
    itself is held to Keras' over random inputs in ``test_one_update_equals_keras_update``.
    """
    rng = np.random.default_rng(7)
    x = rng.normal(size=(24, 5)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 24)]
    spec = _spec([8, 6], "tanh", 0.01, 0.01)
    ours, ours_opt = _train(spec, True, x, y, 4, 3, jit)
    theirs, their_opt = _train(spec, False, x, y, 4, 3, jit)
    assert int(ours_opt.iterations) == int(their_opt.iterations) == 18
    pairs = [*zip(ours.get_weights(), theirs.get_weights(), strict=True),
             *zip(ours_opt.variables, their_opt.variables, strict=True)]
    for a, b in pairs:
        a, b = np.asarray(a), np.asarray(b)
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * float(np.abs(b).max()) + 1e-9)


@settings(max_examples=25, deadline=None)
@given(shapes=st.lists(st.lists(st.integers(1, 7), min_size=1, max_size=2).map(tuple),
                       min_size=1, max_size=3),
       lr=st.floats(1e-4, 0.5), decay=st.sampled_from([0.0, 0.1]), t=st.integers(0, 5000),
       jit=st.booleans(), seed=st.integers(0, 2**16))
def test_one_update_equals_keras_update(shapes, lr, decay, t, jit, seed):
    """From the same weights, moments, step and gradient, one update matches Keras' own."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=s).astype(np.float32) for s in shapes]
    grads = [rng.normal(scale=rng.choice([1e-4, 1.0, 30.0]), size=s).astype(np.float32)
             for s in shapes]
    moments = [rng.normal(scale=0.1, size=s).astype(np.float32) for s in shapes]
    velocities = [np.abs(rng.normal(scale=0.01, size=s)).astype(np.float32) for s in shapes]
    spec = _spec([2], "relu", lr, decay)
    results = []
    for fused in (True, False):
        variables = [keras().Variable(w) for w in weights]
        opt = builder.make_optimizer(spec)
        if not fused:
            del opt.update_step
        opt.build(variables)
        opt.iterations.assign(t)
        for i in range(len(shapes)):
            opt._momentums[i].assign(moments[i])
            opt._velocities[i].assign(velocities[i])
        def apply(gs, opt=opt, variables=variables):
            opt.apply_gradients(zip(gs, variables, strict=True))

        tf().function(lambda gs: apply(gs), jit_compile=jit)([tf().constant(g) for g in grads])
        steps = [np.asarray(v) - w for v, w in zip(variables, weights, strict=True)]
        results.append(steps + [np.asarray(v) for v in opt._momentums + opt._velocities])
        assert int(opt.iterations) == t + 1
    # TensorFlow's kernel forms 1 - beta in float32 and Keras in double: 1 - 0.999 differs by
    # 1.3e-5 relative, so the second moment (and the step through its root) may differ by
    # that much; a wrong formula (a lost bias correction, a swapped beta) is far above it.
    # A step is read back as new - old weight, so it carries the weights' own float32 rounding.
    rounding = [4 * np.finfo(np.float32).eps * float(np.abs(w).max()) for w in weights]
    rounding += [0.0] * (len(results[0]) - len(weights))
    for a, b, r in zip(*results, rounding, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6 * float(np.abs(b).max()) + r)


def test_one_step_is_the_adam_formula():
    spec = _spec([4], "tanh", 0.05, 0.0)
    model = builder.build_model(spec, 0)
    opt = builder.make_optimizer(spec)
    opt.build(model.trainable_variables)
    opt.iterations.assign(6)  # t = 7 in the bias correction
    grads = [tf().constant(np.full(v.shape, 0.3, np.float32) * (i + 1))
             for i, v in enumerate(model.trainable_variables)]
    before = [np.asarray(v) for v in model.trainable_variables]
    opt.apply_gradients(zip(grads, model.trainable_variables, strict=True))
    b1, b2, eps, t = 0.9, 0.999, 1e-7, 7
    for w0, v, g in zip(before, model.trainable_variables, grads, strict=True):
        g = np.asarray(g, np.float64)
        m, s = (1 - b1) * g, (1 - b2) * g * g
        step = 0.05 * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(s) + eps)
        # float32's 1 - 0.999^7 carries ~1e-5 relative error, Keras' own path as well
        np.testing.assert_allclose(np.asarray(v) - w0, -step, rtol=1e-4,
                                   atol=4 * np.finfo(np.float32).eps * np.abs(w0).max())


def test_the_train_step_uses_the_fused_kernel(monkeypatch):
    calls = []
    real = tf().raw_ops.ResourceApplyAdam

    def spy(**kwargs):
        calls.append(kwargs["var"].shape)
        return real(**kwargs)

    monkeypatch.setattr(tf().raw_ops, "ResourceApplyAdam", spy)
    spec = _spec([6, 4], "relu", 1e-3, 0.0)
    x = np.zeros((8, 5), np.float32)
    y = np.eye(3, dtype=np.float32)[np.zeros(8, int)]
    _train(spec, True, x, y, 4, 1, False)
    # one kernel per weight tensor (3 kernels, 3 biases) in each trace of the step
    assert calls and len(calls) % 6 == 0


def test_the_saved_optimizer_is_plain_adam_and_trains_on_after_loading(tmp_path):
    from nngui.core.model.saving import load_model, save_model

    spec = _spec([4], "relu", 1e-2, 0.0)
    x = np.random.default_rng(0).normal(size=(16, 5)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[np.arange(16) % 3]
    model, opt = _train(spec, True, x, y, 4, 1, False)
    assert type(opt) is keras().optimizers.Adam
    plain = keras().optimizers.Adam(learning_rate=1e-2).get_config()
    assert {**opt.get_config(), "name": None} == {**plain, "name": None}
    path = save_model(model, tmp_path / "m.keras")
    loaded = load_model(path)
    moments = [np.asarray(v) for v in loaded.optimizer.variables]
    assert int(loaded.optimizer.iterations) == 4
    loaded.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert int(loaded.optimizer.iterations) == 8
    assert not all(np.array_equal(a, np.asarray(b))
                   for a, b in zip(moments, loaded.optimizer.variables, strict=True))


def test_amsgrad_keeps_keras_path():
    opt = builder._fused_adam(keras().optimizers.Adam(amsgrad=True))
    model = keras().Sequential([keras().Input((2,)), keras().layers.Dense(1)])
    model.compile(optimizer=opt, loss="mse")
    model.fit(np.ones((4, 2), np.float32), np.ones((4, 1), np.float32), verbose=0)
    assert all(np.isfinite(w).all() for w in model.get_weights())


@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adagrad", "adadelta"])
def test_other_optimizers_are_untouched(name):
    spec = _spec([3], "relu", 1e-2, 0.0)
    spec.optimizer = name
    spec.optimizer_params = {"momentum": 0.0, "nesterov": False} if name == "sgd" else {}
    opt = builder.make_optimizer(spec)
    assert "update_step" not in vars(opt)
