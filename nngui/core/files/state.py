"""One observable session state: what a project is, as plain values, and its transitions.

``SessionState`` holds the network and training settings, the preset it came from, the data
selection, the runs with their full histories, the current network's epochs and history, the
models by role (as references: a title and where each came from; the network's Keras model
itself rides along in ``model``), the training status (phase, epoch, message), the lab state,
the samples and the project's file. It never imports Qt: the window keeps one, observes it
(``subscribe``) and derives its title and the training status line from it.

Transitions are methods, each written once: ``new``, ``preset_picked``, ``data_changed``,
``train_started`` (a Continue says so), ``stop_requested``, ``train_ended`` (finished,
stopped or failed), the run list's (``run_began``, ``run_progressed``, ``run_ended``,
``run_renamed``, ``run_removed``, ``run_restored``, ``run_listed``: core/files/run_state.py),
``lab_edited``, ``edited``, ``saved_to``. Every one notifies the observers
with what changed. A project file is this state serialised: ``save_state`` writes it whole
(through core/files/project.py) and ``open_state`` builds a new one from a file, off the GUI
thread; the window swaps the new state in at once (``adopt_observers``), so a failed open
changes nothing. ``snapshot`` is the state as comparable plain values (NaN-safe): two states
are equal when their snapshots are.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nngui.core.files.project import Project, ProjectError, load_project, save_project
from nngui.core.files.run_state import LiveRun, RunListState
from nngui.core.network.spec import NetworkSpec, TrainConfig
from nngui.core.training.runs import RunRecord

IDLE, RUNNING, STOPPING = "idle", "running", "stopping"
FINISHED, STOPPED, FAILED = "finished", "stopped", "failed"
PHASES = (IDLE, RUNNING, STOPPING, FINISHED, STOPPED, FAILED)
ROLES = ("network", "drawing", "autoencoder")  # the models a session uses, by role
SOURCES = ("trained", "opened", "project", "bundled", "")
MAX_TEXT = 2000
STATE_VERSION = 1

Observer = Callable[["SessionState", str], None]


@dataclass(frozen=True)
class ModelRef:
    """A model a role uses: its title as the window names it and where it came from
    ("trained" here, "opened" from a file, "project", "bundled", or "")."""

    title: str
    source: str = ""


@dataclass
class Training:
    """The training status: phase (idle, running, stopping, finished, stopped, failed), the
    epochs done, and the words the last run ended with (``continued``: a Continue run)."""

    phase: str = IDLE
    epoch: int = 0
    message: str = ""
    continued: bool = False

    def line(self) -> str:
        """The status line of a session with no run of its own this time (a reopened one)."""
        if self.phase in (IDLE,) or not self.message:
            return ""
        return f"{self.message} (saved with the project.)" if self.phase in (
            FINISHED, STOPPED) else self.message


@dataclass
class SessionState(RunListState):
    """What a project is (see the module docstring)."""

    spec: NetworkSpec
    config: TrainConfig = field(default_factory=TrainConfig)
    preset: str | None = None  # the preset the network came from (None: an own design)
    dataset: str = "mnist"
    data_path: str | None = None
    epochs_done: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)
    runs: list[RunRecord] = field(default_factory=list)  # the run list, replays included
    samples: list[dict[str, Any]] = field(default_factory=list)  # id, image, label, created
    lab: dict[str, Any] | None = None
    models: dict[str, ModelRef] = field(default_factory=dict)  # role -> reference
    training: Training = field(default_factory=Training)
    path: Path | None = None  # the project's file (None: not saved yet)
    modified: bool = False
    edits: int = 0  # edits counted (an open asks again about those made meanwhile)
    created: float = field(default_factory=time.time)
    model: Any = None  # the network's Keras model (role "network"), not compared
    migrated_from: int | None = None
    lessons: dict[str, Any] | None = None  # the lesson in progress (core/lessons/progress)
    changes: list[Any] = field(default_factory=list)  # live LR/momentum changes (controls)
    live: LiveRun | None = field(default=None, compare=False)  # the run in progress
    _run_keys: dict[int, Callable[[], Any]] = field(default_factory=dict, repr=False,
                                                    compare=False)  # run uid -> its maker
    _observers: list[Observer] = field(default_factory=list, repr=False, compare=False)

    # ---- observers -------------------------------------------------------------------
    def subscribe(self, observer: Observer) -> None:
        """``observer(state, what)`` after every transition."""
        self._observers.append(observer)

    def adopt_observers(self, old: SessionState) -> None:
        """This state replaces ``old``: its observers watch this one now, and hear of it."""
        self._observers = list(old._observers)
        old._observers = []
        self._notify("swapped")

    def _notify(self, what: str) -> None:
        for observer in list(self._observers):
            observer(self, what)

    # ---- derived ---------------------------------------------------------------------
    def name(self) -> str:
        """The project's file name, or "Untitled"."""
        return self.path.name if self.path else "Untitled"

    def title(self) -> str:
        """The window title; Qt shows ``[*]`` as "*" while the window is modified."""
        return f"{self.name()}[*] — nngui"

    def status_line(self, live: tuple[str, bool] | None = None) -> tuple[str, bool]:
        """(the training status line, whether it is an error): a run of this session says
        its own words (``live``: RunStatus.status_line()); else how the saved run ended."""
        if live is not None and live[0]:
            return live
        return self.training.line(), self.training.phase == FAILED and bool(
            self.training.message)

    # ---- transitions -----------------------------------------------------------------
    def new(self, spec: NetworkSpec, config: TrainConfig, preset: str | None = None) -> None:
        """File → New: an untitled project of ``spec``; no runs, models or status."""
        self.spec, self.config, self.preset = spec, config, preset
        self.epochs_done, self.history, self.runs = 0, {}, []
        self.live, self._run_keys = None, {}
        self.models, self.training, self.model = {}, Training(), None
        self.path, self.modified, self.created = None, False, time.time()
        self.migrated_from = None
        self._notify("new")

    def preset_picked(self, name: str | None, spec: NetworkSpec, config: TrainConfig,
                      dataset: str | None = None) -> None:
        """A preset (or an own design, ``name`` None) replaced the network: untrained."""
        self.spec, self.config, self.preset = spec, config, name
        self.epochs_done, self.history, self.model, self.training = 0, {}, None, Training()
        self.models.pop("network", None)
        if dataset is not None:
            self.dataset = dataset
        self._notify("preset")

    def network_edited(self, spec: NetworkSpec, config: TrainConfig) -> None:
        """The builder's network or settings changed."""
        self.spec, self.config = spec, config
        self.edited("network")

    def data_changed(self, name: str, path: str | None = None) -> None:
        """Another data set was picked or loaded."""
        if (name, path) != (self.dataset, self.data_path):
            self.dataset, self.data_path = name, path
            self._notify("data")

    def train_started(self, continued: bool = False) -> None:
        """A run started (``continued``: it goes on from the current weights)."""
        self.training = Training(RUNNING, self.epochs_done, "", continued)
        self.edited("training")

    def stop_requested(self) -> None:
        if self.training.phase == RUNNING:
            self.training.phase = STOPPING
            self._notify("training")

    def train_ended(self, reason: str, epochs_done: int, message: str,
                    history: dict[str, list[float]] | None = None, model: Any = None,
                    continued: bool | None = None) -> None:
        """The run's result: "finished", "stopped" or anything else (failed); ``continued``:
        it went on from earlier epochs (None: as train_started said)."""
        phase = {"finished": FINISHED, "stopped": STOPPED}.get(reason, FAILED)
        self.training = Training(phase, epochs_done, message, self.training.continued
                                 if continued is None else continued)
        self.epochs_done = epochs_done
        if history is not None:
            self.history = history
        if model is not None:
            self.model = model
            self.models["network"] = ModelRef(self.spec.name or "network", "trained")
        self.edited("training")

    def model_used(self, role: str, ref: ModelRef | None) -> None:
        """The model a role uses (None: none)."""
        if role not in ROLES:
            raise ValueError(f"unknown model role {role!r}")
        if ref is None:
            self.models.pop(role, None)
        else:
            self.models[role] = ref
        self._notify("models")

    def edited(self, what: str = "edit") -> None:
        """Something the project holds changed: it is modified."""
        self.edits += 1
        self.modified = True
        self._notify(what)

    def gather(self, project: Project, models: dict[str, ModelRef] | None = None,
               with_model: bool = True) -> None:
        """What the views hold now (a save gathers them first; not a change, so quiet):
        the network, data, samples, the models' roles (given: drawing and autoencoder) and,
        ``with_model``, the session (model, epochs, history). (Not the runs nor the lab:
        those are the state's own, ``run_*`` and ``lab_edited``.)"""
        self.spec, self.config = project.spec, project.config
        self.dataset, self.data_path = project.dataset, project.data_path
        self.samples = list(project.samples)
        self.lessons = project.lessons
        if models is not None:
            self.models = {**{r: m for r, m in self.models.items() if r == "network"},
                           **{r: m for r, m in models.items() if r != "network"}}
        if with_model:
            self.epochs_done, self.history = project.epochs_done, dict(project.history)
            self.changes = list(project.changes)
            self.model = project.model
            if self.model is None:
                self.models.pop("network", None)
            elif "network" not in self.models:
                self.models["network"] = ModelRef(self.spec.name or "network", "opened")

    def lab_edited(self, lab: dict[str, Any] | None) -> None:
        """The backprop lab changed: ``lab`` is it as a project holds it (core/lab/state.py's
        ``lab_state``; None: untouched, the lab's defaults)."""
        self.lab = lab
        self.edited("lab")

    def mark_clean(self, modified: bool = False) -> None:
        """Saved, discarded or just opened: nothing (or, ``modified``, something) unsaved."""
        self.modified = modified
        self._notify("modified")

    def saved_to(self, path: Path | None) -> None:
        """The state was written to ``path`` (its file from now on)."""
        self.path, self.modified = (Path(path) if path is not None else None), False
        self._notify("saved")

    # ---- serialisation ---------------------------------------------------------------
    def to_project(self, with_model: bool = True) -> Project:
        """The state as a Project (the model only ``with_model``; no weights, no epochs)."""
        model = self.model if with_model else None
        epochs, history = (self.epochs_done, dict(self.history)) if model is not None \
            else (0, {})  # no weights: the network starts untrained when it is opened
        runs = self.runs_with_live()
        return Project(self.spec, self.config, self.dataset, self.data_path, epochs, history,
                       [r.as_dict() for r in runs], list(self.samples), self.lab, model,
                       created=self.created, lessons=self.lessons,
                       replays={i: r.replay for i, r in enumerate(runs) if r.replay},
                       changes=list(self.changes) if model is not None else [],
                       state=self.extras(with_model=model is not None))

    def extras(self, with_model: bool = True) -> dict[str, Any]:
        """state.json: what the other members do not hold."""
        t = self.training
        phase = t.phase if t.phase in (IDLE, FINISHED, STOPPED, FAILED) else STOPPED
        message = t.message if t.phase not in (RUNNING, STOPPING) else \
            "The run was in progress when this was saved."
        models = {role: {"title": ref.title, "source": ref.source}
                  for role, ref in self.models.items() if with_model or role != "network"}
        return {"version": STATE_VERSION, "preset": self.preset, "models": models,
                "training": {"phase": phase, "epoch": t.epoch, "message": message,
                             "continued": t.continued}}

    @classmethod
    def from_project(cls, project: Project, path: Path | None = None) -> SessionState:
        """The state a read Project describes (state.json checked; a file without it gets
        the defaults). Raises ProjectError for a bad state.json."""
        where = path.name if path is not None else "the project"
        extras = check_extras(project.state, where)
        models = {role: ModelRef(d["title"], d["source"])
                  for role, d in extras["models"].items()}
        if project.model is None:
            models.pop("network", None)
        t = extras["training"]
        return cls(project.spec, project.config, extras["preset"], project.dataset,
                   project.data_path, project.epochs_done, dict(project.history),
                   [RunRecord.from_dict(d, project.replays.get(i))
                    for i, d in enumerate(project.runs)], list(project.samples), project.lab,
                   models,
                   Training(t["phase"], t["epoch"], t["message"], t["continued"]),
                   path=path, created=project.created, model=project.model,
                   migrated_from=project.migrated_from,
                   modified=project.migrated_from is not None,
                   lessons=project.lessons, changes=list(project.changes))

    def snapshot(self) -> dict[str, Any]:
        """The state as plain, comparable values (NaN compares equal to NaN, images by
        content); the model by whether there is one; the runs as a save writes them (the run
        in progress too); observers, edits, times and replays left out."""
        return _plain({
            "spec": self.spec.to_dict(), "config": _config(self.config), "preset": self.preset,
            "dataset": self.dataset, "data_path": self.data_path,
            "epochs_done": self.epochs_done, "history": self.history,
            "runs": [r.as_dict() for r in self.runs_with_live()],
            "samples": self.samples, "lab": self.lab,
            "models": {r: (m.title, m.source) for r, m in sorted(self.models.items())},
            "training": (self.training.phase, self.training.epoch, self.training.message,
                         self.training.continued),
            "has_model": self.model is not None})


def save_state(state: SessionState, path: str | os.PathLike, with_model: bool = True) -> Path:
    """Write ``state`` whole to ``path`` (atomically); raises ProjectError or OSError."""
    return save_project(state.to_project(with_model), path)


def open_state(path: str | os.PathLike, with_model: bool = True) -> SessionState:
    """A new state read from ``path`` (safe off the GUI thread); raises ProjectError."""
    path = Path(path)
    return SessionState.from_project(load_project(path, with_model), path)


def check_extras(d: Any, where: str = "the project") -> dict[str, Any]:
    """state.json checked field by field (None: a file from before it, the defaults)."""
    if d is None:
        return {"preset": None, "models": {},
                "training": {"phase": IDLE, "epoch": 0, "message": "", "continued": False}}
    from nngui.core.training.presets import PRESETS

    bad = f"{where}: state.json is damaged"
    if not isinstance(d, dict):
        raise ProjectError(f"{bad} (not an object).")
    preset = d.get("preset")
    if preset is not None and preset not in PRESETS:
        preset = None  # a preset this version does not have: an own design
    models = d.get("models", {})
    if not isinstance(models, dict) or not all(
            role in ROLES and isinstance(m, dict) and _text(m.get("title"))
            and m.get("source") in SOURCES for role, m in models.items()):
        raise ProjectError(f"{bad} (its models).")
    t = d.get("training", {})
    ok = (isinstance(t, dict) and t.get("phase", IDLE) in PHASES
          and _count(t.get("epoch", 0)) and _text(t.get("message", ""))
          and isinstance(t.get("continued", False), bool))
    if not ok:
        raise ProjectError(f"{bad} (its training status).")
    return {"preset": preset,
            "models": {r: {"title": m["title"], "source": m["source"]}
                       for r, m in models.items()},
            "training": {"phase": t.get("phase", IDLE), "epoch": t.get("epoch", 0),
                         "message": t.get("message", ""),
                         "continued": t.get("continued", False)}}


def _text(v: Any) -> bool:
    return isinstance(v, str) and len(v) <= MAX_TEXT


def _count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 10**9


def _config(config: TrainConfig) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(config)


def _plain(v: Any) -> Any:
    """JSON-like values with NaN as the string "nan" and arrays as nested lists."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.ndarray):
        return _plain(v.tolist())
    if isinstance(v, (float, np.floating)):
        return "nan" if math.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v
