"""Train from scratch without a new trace: the same model object, its weights as a fresh build.

"Train from scratch" (and any new start of the same architecture) used to build a new Keras
model: its compiled training call (``fast.py``'s loop, or fit's train function) then had to
be traced and optimised again before the first batch, ~40 % of a 5-epoch run of a small net
and most of the time to the first batch-loss point. Here the session keeps its model and
puts into its variables exactly what a fresh build with that seed holds: the fresh model is
built (tens of ms; no compile, no trace) and its variables, the dropout layers' random-generator
states included, are assigned to the old ones (same objects: every compiled call that reads
them stays valid). The optimizer's state goes back to a fresh optimizer's the same way (step
count, slots, learning rate, momentum), so a run that changed the rate live starts at the
builder's again, as after a new build.

Reuse only where it is the same network: the same Keras config (layers, units, activations,
names, dtypes) and the same variables in shape and dtype. Anything else, or a model an
abandoned fit still works on (``abandon.is_busy``), gets the fresh model as before. Called
in the job that trains (the model's owner), before ``train``.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from nngui.core.network.spec import NetworkSpec
from nngui.core.platform import abandon, runtime


def _signature(variables: list[Any]) -> list[tuple[tuple[int, ...], str]]:
    return [(tuple(v.shape), str(v.dtype)) for v in variables]


def same_network(old: Any, fresh: Any) -> bool:
    """Whether ``old`` is ``fresh``'s architecture exactly (config and variables)."""
    try:
        if old.get_config() != fresh.get_config():
            return False
    except (NotImplementedError, TypeError, ValueError, AttributeError):
        return False
    return _signature(old.variables) == _signature(fresh.variables)


# The optimizers ``builder.make_optimizer`` makes, and what a fresh one's slots start at:
# zeros, but Adagrad's accumulators at its ``initial_accumulator_value``. A new optimizer is
# not made to read them: each Keras optimizer made and built stayed in memory (~0.35 MB).
_OPTIMIZERS = {"SGD": "sgd", "Adam": "adam", "RMSprop": "rmsprop", "Adagrad": "adagrad",
               "Adadelta": "adadelta"}


def _reset_optimizer(model: Any, spec: NetworkSpec) -> bool:
    """The optimizer's variables as a fresh one's (step count, slots, learning rate) and its
    momentum as the builder's; False where another optimizer than the spec's trains it
    (``train`` compiles a new one then)."""
    opt = getattr(model, "optimizer", None)
    if opt is None or not getattr(opt, "built", False):
        return True  # nothing trained it yet: the first run builds it fresh
    if _OPTIMIZERS.get(type(opt).__name__) != spec.optimizer:
        return False
    rate = getattr(opt, "_learning_rate", None)
    for var in opt.variables:
        if var is opt.iterations:
            value = 0
        elif var is rate:  # a schedule's rate is no variable: it follows the step count
            value = spec.lr
        else:
            value = getattr(opt, "initial_accumulator_value", 0.0)  # Adagrad's, else 0
        var.assign(np.full(tuple(var.shape), value, dtype=np.dtype(str(var.dtype))))
    if isinstance(getattr(opt, "momentum", None), float):  # a live change left its value
        opt.momentum = float(spec.optimizer_params.get("momentum", 0.0))
    return True


def seed_keeping_kernels(seed: int | None) -> None:
    """``keras.utils.set_random_seed(seed)``, TensorFlow's part only where its seed differs.

    Setting TensorFlow's global seed clears its kernel cache, so a compiled call kept across
    the restart would be instantiated (graph-optimised) anew at its next call: 0.17 s of a
    0.3 s XOR restart. With the same seed already set, what a build reads is set as Keras
    sets it (Python's and NumPy's generators, Keras' global seed and seed generator); the
    initial weights are the same (``tests/core/training/test_reinit.py``).
    """
    if seed is None:
        return
    k, tf = runtime.keras(), runtime.tf()
    if tf.compat.v1.random.get_seed(1)[0] != seed:
        k.utils.set_random_seed(seed)
        return
    try:
        from keras.src.backend.common import global_state
        from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR
        from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED
    except ImportError:  # another Keras: its own call, kernels cleared
        k.utils.set_random_seed(seed)
        return
    global_state.set_global_attribute(GLOBAL_RANDOM_SEED, seed)
    global_state.set_global_attribute(GLOBAL_SEED_GENERATOR, None)
    random.seed(seed)
    np.random.seed(seed)


def fresh_weights(old: Any, spec: NetworkSpec, seed: int | None) -> Any:
    """``old`` re-initialised as ``build_model(spec, seed)`` would build it, or that fresh
    model where ``old`` cannot be (another network, busy, another optimizer)."""
    from nngui.core.model.builder import build_model

    if old is None or abandon.is_busy(old):
        return build_model(spec, seed)
    from nngui.core.model.builder import BUILDING

    with BUILDING:  # the seed and the build's draws together (builder.BUILDING)
        seed_keeping_kernels(seed)
        fresh = build_model(spec, None)  # seeded just above, as build_model would
    if not same_network(old, fresh):
        return fresh
    try:
        if not _reset_optimizer(old, spec):
            return fresh
        for var, value in zip(old.variables, fresh.variables, strict=True):
            var.assign(value)
        if hasattr(old, "reset_metrics"):
            old.reset_metrics()
    except Exception:  # noqa: BLE001 - anything unforeseen: the new model, as before
        return fresh
    return old
