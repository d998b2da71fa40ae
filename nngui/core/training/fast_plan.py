"""Which path a run takes: the fast path (``core/training/fast.py``: many epochs per compiled
call) or Keras' ``fit`` (``why_not`` says why); on the fast path, whether NumPy trains it
(``fast_numpy.py``: a small dense network on the CPU, unless ``jit_compile`` is set either
way) or TensorFlow, and whether its steps are compiled by XLA (``use_xla``: a cost model of a
step's time against the compile's)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from nngui.core.network.shapes import forward_macs
from nngui.core.network.spec import NetworkSpec, TrainConfig
from nngui.core.platform import runtime
from nngui.core.training import fast_numpy

MAX_SAMPLES = 10_000  # training samples: above this an epoch is long enough for fit
MAX_PARAMS = 100_000  # parameters: above this a step's own work dwarfs fit's overhead

# Measured on the 2-core development VM (load 4-5), MLP 2-2-2 on 720 moons points, batch 16:
# a step in TensorFlow's executor 200-440 µs, in one XLA program 6-9 µs; compiling that
# program 1.5-3.0 s more than tracing it. XLA's CPU matrix products keep fewer cores busy
# than TensorFlow's own (README, Performance): a step's arithmetic counts ~40 % dearer there.
GRAPH_STEP_S = 2.5e-4
XLA_STEP_S = 1e-5
XLA_COMPILE_S = 2.0
MACS_PER_S = 2.5e10  # multiply-adds a second of a small model's step on 2 cores
XLA_COMPUTE_PENALTY = 0.4
# NumPy's loop (fast_numpy.py), same machine, load 3-4: a step of the MLP 2-2-2 on moons,
# batch 16, ~100 µs (its ~60 NumPy calls; nothing to compile); 784-100-10 at batch 32 ~450 µs.
NUMPY_STEP_S = 1e-4
NUMPY_MACS_PER_S = 2e10


@dataclass(frozen=True)
class Plan:
    """How a run goes through the fast path."""

    xla: bool
    group: int  # steps per live-curve point (what the Keras path's chunk would be)
    numpy: bool = False  # NumPy trains it (fast_numpy.py): a small dense network


def why_not(spec: NetworkSpec, config: TrainConfig, model: Any, n_fit: int, copies: int,
            options: list) -> str:
    """Why this run trains with Keras' ``fit`` ('' when it takes the fast path)."""
    if n_fit > MAX_SAMPLES:
        return f"more than {MAX_SAMPLES:,} training samples"
    if model.count_params() > MAX_PARAMS:
        return f"more than {MAX_PARAMS:,} parameters"
    if config.steps_per_execution > 0:
        return "steps_per_execution asked for"
    if copies > 1 or runtime.tf().distribute.has_strategy():
        return "trains on several devices"
    if options:
        return "early stopping, LR schedules and checkpoints run as Keras callbacks"
    if not callable(getattr(model, "train_step", None)) or \
            not callable(getattr(model, "_symbolic_build", None)):
        return "not a Keras model"
    if getattr(model, "optimizer", None) is None:
        return "not compiled"
    return ""


def use_xla(spec: NetworkSpec, config: TrainConfig, n_fit: int, n_val: int,
            evals: int = 0) -> bool:
    """Whether one XLA program for the run's calls pays for its compile (the cost model)."""
    if config.jit_compile is not None:
        return bool(config.jit_compile)
    if any(layer.type.endswith("2D") for layer in spec.layers):
        return False  # XLA's CPU convolutions skip oneDNN: many times slower (train.py)
    steps = config.epochs * (math.ceil(n_fit / config.batch_size) + (n_val > 0) + evals)
    macs = 3 * forward_macs(spec) * config.batch_size
    saved = GRAPH_STEP_S - XLA_STEP_S - XLA_COMPUTE_PENALTY * macs / MACS_PER_S
    return steps * saved > XLA_COMPILE_S


def numpy_pays(spec: NetworkSpec, config: TrainConfig, n_fit: int, n_val: int,
               evals: int = 0) -> bool:
    """Whether NumPy's steps (``fast_numpy``) cost less than XLA's compile and steps."""
    steps = config.epochs * math.ceil(n_fit / config.batch_size)
    macs = 3 * forward_macs(spec) * config.batch_size
    numpy_s = steps * (NUMPY_STEP_S + macs / NUMPY_MACS_PER_S)
    xla_s = XLA_COMPILE_S + steps * (XLA_STEP_S + (1 + XLA_COMPUTE_PENALTY) * macs / MACS_PER_S)
    return numpy_s < xla_s


def plan(spec: NetworkSpec, config: TrainConfig, model: Any, n_fit: int, n_val: int,
         copies: int, options: list, group: int, evals: int = 0, ahead: bool = False
         ) -> Plan | None:
    """The fast path's plan for this run, or None when it trains with ``fit``.

    NumPy trains a network it can (``fast_numpy.why_not``) on the CPU when ``jit_compile`` is
    left to choose, unless XLA's steps pay for their compile and the compile is paid anyway:
    ahead of the click (``ahead``: the window's preparation, ``prebuild.py``), or already,
    by an earlier run of this model (Train from scratch), or when it costs less than NumPy's
    steps (``numpy_pays``).
    """
    if why_not(spec, config, model, n_fit, copies, options):
        return None
    xla = use_xla(spec, config, n_fit, n_val, evals)
    if config.jit_compile is None and runtime.resolve_device(config.device) == "cpu" and \
            not fast_numpy.why_not(model):
        compiled = any(getattr(loop, "xla", False)
                       for loop in model.__dict__.get("_nngui_fast", {}).values())
        if not xla or not (ahead or compiled) and numpy_pays(spec, config, n_fit, n_val,
                                                              evals):
            return Plan(False, max(1, group), numpy=True)
    return Plan(xla, max(1, group))
