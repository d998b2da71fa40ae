"""What one press of Train asks for: a ``Session`` (a model and its history across runs, what
Continue and Restart act on) and a ``RunRequest`` (the session with its data, settings and
probes). ``train.run_request`` carries a request out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from nngui.core.data.adapt import Prepared
from nngui.core.network.spec import NetworkSpec, TrainConfig
from nngui.core.training.controls import Change, Controls, last_values
from nngui.core.training.history import extended
from nngui.core.training.observer import Probe, RunResult


def optimizer_key(spec: NetworkSpec) -> tuple:
    """The settings a compile gives the optimizer: a change of one starts it anew."""
    return (spec.loss, spec.optimizer, float(spec.lr),
            tuple(sorted(spec.optimizer_params.items())))


@dataclass
class Session:
    """A model and its history across runs: what Continue and Restart act on."""

    spec: NetworkSpec
    model: Any = None
    epochs_done: int = 0  # complete epochs
    history: dict[str, list[float]] = field(default_factory=dict)
    target_epochs: int = 0  # what the last run was asked to reach (Stop leaves some undone)
    changes: list[Change] = field(default_factory=list)  # live changes (controls.py)
    # what the model was trained with ({"loss", "optimizer", "seed"}: the seed it was built
    # with); None before a run trained it. A loss or optimizer changed in the builder applies
    # to the next run: until then, the model is still the one trained with these.
    trained: dict[str, Any] | None = None
    # optimizer_key of the spec the model last trained with (a restore sets the opened one's):
    # while the builder's is the same, the next run trains on with the live changes' values
    trained_with: tuple | None = None
    _built: tuple[int | None] | None = field(default=None, repr=False, compare=False)

    def ensure_model(self, seed: int | None, restart: bool = False, reuse: bool = True) -> Any:
        """The model a run trains: the session's, or with ``restart`` (or none yet) one as
        ``build_model(spec, seed)`` builds it. With ``reuse`` a restart keeps the same model
        object when it is that network, its variables set to the fresh build's
        (``reinit.fresh_weights``): its compiled training call is not traced again."""
        from nngui.core.model.builder import build_model
        from nngui.core.training.reinit import fresh_weights

        if self.model is None or restart:
            self.adopt(fresh_weights(self.model, self.spec, seed)
                       if reuse and self.model is not None else build_model(self.spec, seed),
                       seed)
        return self.model

    def adopt(self, model: Any, seed: int | None) -> None:
        """``model``, as ``build_model(spec, seed)`` built it, is this session's from now
        on, untrained (a fresh build, or a prepared one: ``prebuild.py``)."""
        self.model = model
        self._built = (seed,)  # built with this seed
        self.trained = None
        self.trained_with = None
        self.epochs_done = 0
        self.target_epochs = 0
        self.history = {}
        self.changes = []

    def epochs_for_next_run(self, asked: int, restart: bool = False) -> int:
        """The epochs a press of Train runs: the rest of a stopped run, else ``asked``."""
        left = self.target_epochs - self.epochs_done
        return left if (left > 0 and not restart and self.model is not None) else asked

    def start_values(self) -> dict[str, float]:
        """What the next Continue starts with where it is not the spec's own: the values the
        live changes left (learning rate, momentum), unless the builder's optimizer settings
        changed since the model trained (the model is compiled anew with the builder's)."""
        if self.model is None or self.trained_with != optimizer_key(self.spec):
            return {}
        return last_values(self.changes)

    def record(self, result: RunResult, changes: Sequence[Change] = ()) -> None:
        """The run's end: its epochs join the history, every list one value per entry (a
        stopped epoch's part, or a run without validation, has NaN where others have one),
        and the learning rate or momentum changes made while it trained."""
        self.changes.extend(changes)
        start = self.epochs_done
        self.epochs_done = result.epochs_done
        self.target_epochs = result.target_epochs
        run = dict(result.history)
        n = len(run.get("loss", []))
        if "epoch" not in run and n:  # a history from before positions were kept
            run["epoch"] = [float(start + i + 1) for i in range(n)]
        whole = extended(self.history, run)
        self.history.clear()  # the same dict: whoever holds it sees the run
        self.history.update(whole)
        if n or result.epochs_done > start:  # the weights moved: trained with these now
            before = self.trained or ({"seed": self._built[0]} if self._built else {})
            self.trained_with = optimizer_key(self.spec)
            self.trained = {"loss": self.spec.loss, "optimizer": self.spec.optimizer,
                            **({"seed": before["seed"]} if "seed" in before else {})}


@dataclass
class RunRequest:
    """What one press of Train (or a fine-tune) asks for: the session, its data and settings."""

    session: Session
    data: Prepared
    config: TrainConfig
    restart: bool = False
    probes: Sequence[Probe] = ()
    controls: Controls | None = None  # Pause, Step, live learning rate (the GUI's run)
    prebuilt: Any = None  # the window's prebuild.Shelf: a model prepared before the click

    def for_next_run(self) -> RunRequest:
        """The same request with the epochs Continue should run (the rest of a stopped run)."""
        epochs = self.session.epochs_for_next_run(self.config.epochs, self.restart)
        return replace(self, config=replace(self.config, epochs=epochs))
