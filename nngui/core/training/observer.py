"""What a run tells while it trains and when it ends: ``RunInfo`` at the start, the
``Observer``'s calls (batch losses, epoch logs, probe results, status notes) and ``RunResult``.

Every observer method is called from the training thread; ``EventObserver`` turns them into
one ``emit`` channel for a task runner. A ``Probe`` computes arrays from the model after an
epoch in that same thread (the thread that owns the model), so a view never calls into a model
a job holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass
class RunInfo:
    epochs: int  # epochs in this run
    initial_epoch: int  # epochs already trained before this run
    steps_per_epoch: int
    steps_per_execution: int
    jit_compile: bool
    n_train: int
    n_val: int


@dataclass
class RunResult:
    reason: str  # "finished", "stopped", "nan" or "error"
    epochs_done: int  # complete epochs trained, counting earlier runs
    history: dict[str, list[float]]  # per-epoch values; "epoch" holds each entry's x position
    seconds: float
    message: str = ""
    partial: float = 0.0  # fraction of an interrupted epoch that was trained (Stop mid-epoch)
    target_epochs: int = 0  # the epoch count this run was asked to reach

    @property
    def ok(self) -> bool:
        return self.reason in ("finished", "stopped")


class Observer:
    """Receives training progress; every method is optional. Called from the training thread."""

    def on_begin(self, info: RunInfo) -> None: ...

    def on_batches(self, epoch: int, step: int, points: list[tuple[int, float]],
                   logs: dict[str, float]) -> None:
        """``points`` are (global step, loss of the batches since the previous point)."""

    def on_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        """``logs["epoch"]`` is where the point belongs: epoch + 1, or less for a partial one."""

    def on_probe(self, name: str, epoch: int, payload: Any) -> None:
        """A probe's arrays after ``epoch`` (computed in the training thread)."""

    def on_status(self, text: str) -> None:
        """A short note ("Building the model…")."""

    def on_control(self, kind: str, payload: Any) -> None:
        """Hands on the run (``controls.Controls``): ``"paused"`` with (epoch, batch, whole
        epochs per call), ``"resumed"`` with the seconds it was paused, ``"changed"`` with
        (``Change``, why it was not applied or ''), and before the first batch ``"values"``
        with the learning rate and momentum the run starts with (those that can change)."""

    def on_end(self, result: RunResult) -> None: ...


class EventObserver(Observer):
    """Turns every observer call into ``emit(kind, payload)``: one channel for a task runner."""

    def __init__(self, emit: Callable[[tuple], None]) -> None:
        self.emit = emit

    def on_begin(self, info: RunInfo) -> None:
        self.emit(("begin", info))

    def on_batches(self, epoch: int, step: int, points: list[tuple[int, float]],
                   logs: dict[str, float]) -> None:
        self.emit(("batches", epoch, step, points, logs))

    def on_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        self.emit(("epoch", epoch, logs))

    def on_probe(self, name: str, epoch: int, payload: Any) -> None:
        self.emit(("probe", name, epoch, payload))

    def on_status(self, text: str) -> None:
        self.emit(("status", text))

    def on_control(self, kind: str, payload: Any) -> None:
        self.emit(("control", kind, payload))


class Probe(Protocol):
    """Computes arrays from the model after an epoch, in the training thread.

    On Keras' path ``train`` calls every probe after every epoch. On the fast path for small
    data (``fast.py``: many epochs per compiled call) a probe is called after a call when
    its time budget allows, with the epoch the model has reached, unless it has a
    ``from_epoch(values)`` method: that one gets each epoch's values, read inside the call
    at the epoch's end, and returns the payload ``__call__`` would have. ``values`` holds
    ``"learning_rate"`` and, for a probe with an ``eval_data`` attribute ``(x, y, batch)``,
    ``"eval"``: the model's loss and metrics over it as ``model.evaluate`` gives them.
    """

    name: str

    def __call__(self, model: Any) -> Any: ...
