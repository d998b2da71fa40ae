"""A lesson's goals checked against a session: the network, its data, its model and its runs.

:class:`Situation` is what a check reads, the same whether it comes from the app's live
session or from a project file. Goals about the model re-evaluate it on the data (accuracy,
SSE, test loss, the hidden space): a number written into a file is never trusted. Goals about
training (overfitting, the run list) read the histories. Every goal first checks its
``where`` conditions (and the lesson's constraints): a perceptron goal is not met by an MLP,
and a goal on a fixed seed is not met with another one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nngui.core.lessons.format import Goal, Lesson
from nngui.core.network.spec import NetworkSpec, TrainConfig


@dataclass
class Result:
    """One goal's outcome: met or not, its value (None when it could not be measured), why."""

    id: str
    met: bool
    value: float | None
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "met": self.met, "value": self.value, "detail": self.detail}


@dataclass
class Situation:
    """What the checks read. ``data`` may hold the loaded Dataset (the app has it already)."""

    spec: NetworkSpec | None
    config: TrainConfig | None = None
    dataset: str | None = None
    data_path: str | None = None
    model: Any = None
    history: dict[str, list[float]] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)
    data: Any = None
    # what the model was trained with ({"loss", "optimizer", "seed"}, any may be missing;
    # None: unknown, the settings above count): a loss changed after the run is not yet the
    # loss the model learnt with
    trained: dict[str, Any] | None = None
    _prepared: Any = None

    @classmethod
    def of_project(cls, project: Any) -> Situation:
        return cls(project.spec, project.config, project.dataset, project.data_path,
                   project.model, dict(project.history), list(project.runs),
                   trained=trained_of(project.lessons))

    def trained_with(self, key: str) -> Any:
        """The model's ``key`` setting when it was trained, if known and there is a model
        (else the string "unknown")."""
        if self.model is None or not self.trained or key not in self.trained:
            return "unknown"
        return self.trained[key]

    def seed(self) -> int:
        return int(self.config.seed or 0) if self.config is not None else 0

    def loaded(self) -> Any:
        """The Dataset, loaded once (never downloaded: a check must not reach the network)."""
        if self.data is None:
            from nngui.core.data.datasets import REGISTRY, load_dataset

            offer = REGISTRY[self.dataset].download if self.dataset in REGISTRY else None
            if offer is not None and not self.data_path:  # MNIST, CIFAR-10: what is here
                self.data = offer.offline()
            else:
                self.data = load_dataset(self.dataset or "", self.data_path, seed=self.seed())
        return self.data

    def prepared(self) -> Any:
        if self._prepared is None:
            from nngui.core.data.adapt import prepare

            self._prepared = prepare(self.loaded(), self.spec)
        return self._prepared


def trained_of(lessons: Any) -> dict[str, Any] | None:
    """The ``trained`` entry of a project's ``lessons.json`` (core/lessons/progress), checked;
    None when absent or unusable (then the project's own settings count, as in files from
    before it was kept)."""
    t = lessons.get("trained") if isinstance(lessons, dict) else None
    if not isinstance(t, dict):
        return None
    out: dict[str, Any] = {}
    for key in ("loss", "optimizer"):
        if isinstance(t.get(key), str):
            out[key] = t[key][:100]
    seed = t.get("seed", "absent")
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool)):
        out["seed"] = seed
    return out or None


def data_name(name: str | None) -> str:
    """A data set as the Data list shows it ("Two moons", not "moons"); the whole title where
    the short one is shared (the two XORs)."""
    if not name:
        return "no data"
    if name == "file":
        return "a data file"
    from nngui.core.data.datasets import REGISTRY

    if name not in REGISTRY:
        return name
    short = {n: e.title.split(" (")[0].strip() for n, e in REGISTRY.items()}
    shared = sum(t == short[name] for t in short.values()) > 1
    return f"“{REGISTRY[name].title}”" if shared else short[name]


# ------------------------------------------------------------------------------- network facts

def dense_units(spec: NetworkSpec) -> list[int]:
    return [int(lay.params["units"]) for lay in spec.layers if lay.type == "Dense"]


def hidden_layers(spec: NetworkSpec) -> int:
    """Dense layers before the output layer (an autoencoder's bottleneck counts)."""
    return max(len(dense_units(spec)) - 1, 0)


def param_count(spec: NetworkSpec) -> int:
    from nngui.core.network.shapes import total_params

    return int(total_params(spec))


def shown(key: str, name: Any) -> str:
    """A loss or optimizer as the builder's combo names it ("Binary CE", not
    "binary_crossentropy"); anything else as it is."""
    from nngui.core.network import catalog

    if key == "loss" and name in catalog.LOSSES:
        return catalog.LOSSES[name].label
    if key == "optimizer" and name in catalog.OPTIMIZERS:
        return catalog.OPTIMIZERS[name].title
    return str(name)


def unmet_condition(where: dict[str, Any], s: Situation) -> str:
    """Why the situation does not fit ``where`` ('' when it does)."""
    spec = s.spec
    if spec is None:
        return "there is no network yet"
    for key, want in where.items():
        if key == "dataset" and s.dataset != want:
            need = ("needs data from a file: File → Load data file…" if want == "file" else
                    f"needs the data {data_name(want)}")
            return f"{need} (this is {data_name(s.dataset)})"
        if key == "hidden_layers" and hidden_layers(spec) != want:
            return f"needs {want} hidden layer{'s' * (want != 1)} (this network has " \
                   f"{hidden_layers(spec)})"
        if key == "features" and sorted(spec.features) != sorted(want):
            have = ", ".join(map(feature_title, spec.features)) or "none"
            return (f"needs the input features {', '.join(map(feature_title, want))} (this has "
                    f"{have})" if want
                    else f"needs no input features (this has {have})")
        if key == "max_params" and param_count(spec) > want:
            return f"needs at most {want:,} parameters (this network has {param_count(spec):,})"
        if key == "loss" and spec.loss != want:
            return f"needs the {shown(key, want)} loss (this network uses " \
                   f"{shown(key, spec.loss)})"
        if key == "optimizer" and spec.optimizer != want:
            return f"needs the {shown(key, want)} optimizer (this network uses " \
                   f"{shown(key, spec.optimizer)})"
        if key == "seed" and s.seed() != want:
            return f"needs seed {want} (this run uses {s.seed()})"
        if key in ("loss", "optimizer", "seed") and s.trained_with(key) not in ("unknown", want):
            what = f"seed {want}" if key == "seed" else f"the {shown(key, want)} {key}"
            was = f"seed {s.trained_with(key)}" if key == "seed" else \
                shown(key, s.trained_with(key))
            return (f"needs a run trained with {what} (the model was trained with {was}: "
                    "train it again)")
        if key == "kind" and spec.kind != want:
            return f"needs {_a(want)} (this network is {_a(spec.kind)})"
        if key == "units" and dense_units(spec) != list(want):
            return (f"needs Dense layers of {'-'.join(map(str, want))} units (this network has "
                    f"{'-'.join(map(str, dense_units(spec))) or 'none'})")
    return ""


def _a(noun: str) -> str:
    """``noun`` with its article: "an autoencoder", "a classifier"."""
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def feature_title(key: str) -> str:
    """An input feature as the builder names it ("x1*x2" → "x1·x2")."""
    from nngui.core.network.features import FEATURES

    return FEATURES[key].title if key in FEATURES else key


# ------------------------------------------------------------------------------- measurements

def _predict(model: Any, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=1024, verbose=0), dtype=np.float64)


def _classes(p: np.ndarray) -> np.ndarray:
    p = p.reshape(len(p), -1)
    return (p[:, 0] > 0.5).astype(np.int64) if p.shape[1] == 1 else p.argmax(axis=1)


def accuracy(model: Any, x: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(_classes(_predict(model, x)) == np.asarray(labels).ravel()))


def sse(model: Any, x: np.ndarray, targets: np.ndarray) -> float:
    p = _predict(model, x)
    return float(np.sum((np.asarray(targets, np.float64).reshape(p.shape) - p) ** 2))


def separable(h: np.ndarray, labels: np.ndarray) -> tuple[bool, float]:
    """(whether one hyperplane separates the two classes of ``h``, the accuracy of the best
    least-squares line as a measure when it does not). An exact linear program decides."""
    from scipy.optimize import linprog

    h = np.asarray(h, np.float64).reshape(len(h), -1)
    y = np.where(np.asarray(labels).ravel() > 0, 1.0, -1.0)
    a = np.column_stack([h, np.ones(len(h))])
    scale = max(float(np.abs(a).max()), 1e-12)
    # y_i (w·h_i + b) >= 1 for all i: feasible exactly when some line separates them
    res = linprog(np.zeros(a.shape[1]), A_ub=-(y[:, None] * a / scale), b_ub=-np.ones(len(h)),
                  bounds=[(None, None)] * a.shape[1], method="highs")
    if res.status == 0:
        return True, 1.0
    w, *_ = np.linalg.lstsq(a, y, rcond=None)
    return False, float(np.mean(np.sign(a @ w) == y))


def overfit_epoch(history: dict[str, list[float]], rise: float) -> int | None:
    """The (1-based) epoch of lowest validation loss, when validation loss later rose more than
    ``rise`` (a fraction) above it while training loss kept falling; None otherwise."""
    val = [v for v in history.get("val_loss", [])]
    loss = history.get("loss", [])
    if len(val) < 3 or len(loss) != len(val) or not all(map(math.isfinite, val)):
        return None
    best = int(np.argmin(val))
    if best >= len(val) - 1:
        return None
    rose = val[-1] > val[best] * (1 + rise) if val[best] > 0 else val[-1] > val[best]
    return best + 1 if rose and loss[-1] < loss[best] else None


# ------------------------------------------------------------------------------- the checks

def check_goal(goal: Goal, s: Situation, constraints: dict[str, Any] | None = None) -> Result:
    """The goal's outcome on ``s``; a failure to measure is a Result that is not met."""
    why = unmet_condition({**(constraints or {}), **goal.where}, s)
    if why:
        return Result(goal.id, False, None, why)
    try:
        return _measure(goal, s)
    except Exception as exc:  # noqa: BLE001 - data or model that cannot be measured: say why
        text = " ".join(str(exc).split())[:200] or exc.__class__.__name__
        return Result(goal.id, False, None, f"could not be measured: {text}")


def _needs_model(goal: Goal, s: Situation) -> Result | None:
    if s.model is None:
        return Result(goal.id, False, None, "there is no trained model yet")
    return None


def _measure(goal: Goal, s: Situation) -> Result:
    kind = goal.kind
    if kind in ("train_sse", "train_accuracy", "test_accuracy", "test_loss", "hidden_separable"):
        missing = _needs_model(goal, s)
        if missing:
            return missing
        data = s.prepared()
    if kind == "train_sse":
        value = sse(s.model, data.x_train, data.y_train)
        return _below(goal, value, f"SSE on the training data {value:.4f}")
    if kind in ("train_accuracy", "test_accuracy"):
        ds = s.loaded()
        x, y = (data.x_train, ds.y_train) if kind == "train_accuracy" else (data.x_test,
                                                                            ds.y_test)
        value = accuracy(s.model, x, y)
        return _at_least(goal, value, f"{kind.split('_')[0]} accuracy {100 * value:.1f} %")
    if kind == "test_loss":
        from nngui.core.training.train import evaluate

        value = float(evaluate(s.model, data)["loss"])
        return _below(goal, value, f"test loss {value:.4g}")
    if kind == "hidden_separable":
        from nngui.core.insight.probes import last_hidden_index, layer_outputs

        idx = last_hidden_index(s.model)
        if idx is None:
            return Result(goal.id, False, None, "the network has no hidden layer")
        labels = s.loaded().y_train
        if int(np.max(labels)) > 1:
            return Result(goal.id, False, None, "only two classes can be checked")
        h = layer_outputs(s.model, data.x_train, idx)[-1]
        ok, acc = separable(h, labels)
        return Result(goal.id, ok, 1.0 if ok else acc,
                      "one line separates the classes in the hidden layer" if ok else
                      f"no line separates them there (the best line gets {100 * acc:.0f} %)")
    if kind == "overfits":
        for name, hist in [("this run", s.history),
                           *[(r.get("name", "a run"), r.get("history") or {}) for r in s.runs]]:
            epoch = overfit_epoch(hist, goal.rise)
            if epoch is not None:
                return Result(goal.id, True, float(epoch),
                              f"in {name}: validation loss lowest at epoch {epoch}, then rose "
                              "while training loss fell")
        return Result(goal.id, False, None, "no run's validation loss has risen again yet "
                      "(train longer, with validation)")
    if kind == "runs":
        # compared on one network: three presets at their own default rates are no sweep;
        # rates compared under one optimizer: "Compare optimizers" gives each its own rate
        same = ("network", "layers", "optimizer") if goal.differ == "lr" else ("network",
                                                                             "layers")
        by_net: dict[str, set[str]] = {}
        for r in s.runs:
            if r.get("history", {}).get("loss"):
                settings = r.get("settings", {})
                net = repr(tuple(settings.get(k) for k in same))
                by_net.setdefault(net, set()).add(repr(settings.get(goal.differ)))
        most = max((len(v) for v in by_net.values()), default=0)
        one = "one network and optimizer" if goal.differ == "lr" else "one network"
        return _at_least(goal, float(most), f"{most} run{'s' * (most != 1)} of {one} "
                         f"with different {goal.differ}")
    raise ValueError(f"unknown goal kind {kind}")


def _below(goal: Goal, value: float, text: str) -> Result:
    ok = math.isfinite(value) and value < float(goal.below)
    return Result(goal.id, ok, value, f"{text} ({'<' if ok else 'not below'} {goal.below:g})")


def _at_least(goal: Goal, value: float, text: str) -> Result:
    ok = math.isfinite(value) and value >= float(goal.at_least) - 1e-9
    need = (f"{100 * goal.at_least:g} %" if "accuracy" in goal.kind else f"{goal.at_least:g}")
    return Result(goal.id, ok, value, f"{text} ({'≥' if ok else 'below'} {need})")


def check_lesson(lesson: Lesson, s: Situation, only: set[str] | None = None) -> list[Result]:
    """Every goal of the lesson (or those in ``only``) checked on ``s``, in lesson order."""
    return [check_goal(g, s, lesson.constraints) for _, g in lesson.goals()
            if only is None or g.id in only]
