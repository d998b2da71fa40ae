"""A new model leaves nothing behind in TensorFlow's process-wide state, and trains as Keras does.

Keras' TensorFlow optimizer all-reduces gradients even on one device; each trace of that
registers a ``tf.custom_gradient`` in TensorFlow's global gradient registry, never removed,
which keeps the traced train step alive (MBs per new network). nngui's optimizers skip that
one-replica sum; the updates must stay exactly Keras' own.
"""

from __future__ import annotations

import threading

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nngui.core.data.adapt import prepare
from nngui.core.data.datasets import load_dataset
from nngui.core.model import builder
from nngui.core.network.spec import TrainConfig
from nngui.core.training.observer import Observer
from nngui.core.training.presets import get_preset
from nngui.core.training.session import RunRequest, Session
from nngui.core.training.train import run_request


def _custom_gradients() -> int:
    from tensorflow.python.framework import ops

    return sum(key.startswith("CustomGradient") for key in ops._gradient_registry._registry)


def test_new_models_register_no_custom_gradients():
    spec = get_preset("mnist-784-20-10").spec()
    data = prepare(load_dataset("digits"), spec)
    session = Session(spec)
    cfg = TrainConfig(epochs=1, batch_size=256, seed=0, device="cpu", jit_compile=False)
    assert run_request(RunRequest(session, data, cfg, restart=True), Observer()).ok  # warm-up
    before = _custom_gradients()
    for _ in range(2):  # a new network: a new model, a new train step traced (a restart of
        # the same session would keep its model and its traced step: training/reinit.py)
        assert run_request(RunRequest(Session(spec), data, cfg, restart=True), Observer(),
                           threading.Event()).ok
    assert _custom_gradients() == before


@settings(max_examples=6, deadline=None)
@given(name=st.sampled_from(["sgd", "adam", "rmsprop", "adagrad", "adadelta"]),
       lr=st.floats(1e-3, 0.5))
def test_updates_equal_keras_own_optimizer(name, lr):
    spec = get_preset("xor-3-4-1").spec()
    spec.optimizer, spec.learning_rate = name, lr
    spec.optimizer_params = {"momentum": 0.5, "nesterov": False} if name == "sgd" else {}
    data = prepare(load_dataset("xor"), spec)
    weights = []
    for ours in (True, False):
        model = builder.build_model(spec, 0)
        opt = builder.make_optimizer(spec)
        if not ours:  # the same optimizer with Keras' own gradient all-reduce
            del opt._all_reduce_sum_gradients
        model.compile(optimizer=opt, loss=builder.make_loss(spec), steps_per_execution=2)
        model.fit(data.x_train, data.y_train, batch_size=2, epochs=2, shuffle=False, verbose=0)
        weights.append(model.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(*weights, strict=True))
