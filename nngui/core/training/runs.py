"""The run list: every training run kept with its settings, curves and final numbers.

A run is a ``RunRecord`` (a value); the run list itself is the session state's
(core/files/state.py: ``SessionState.runs`` and its transitions).
Sweeps (the course's "how do you choose the learning rate?") are lists of (label, spec)
that differ in one setting; the GUI trains them one after another and overlays their curves.
"""

from __future__ import annotations

import itertools
import math
import numbers
import re
from dataclasses import dataclass, field
from typing import Any

from nngui.core.network.spec import NetworkSpec, TrainConfig

LR_FACTORS = (0.1, 0.3, 1.0, 3.0, 10.0)
TEST_PREFIX = "test_"  # history keys of the test curve: test_loss, test_accuracy, …
TEST_NOTE = "test_curve"  # the settings entry that says those are on a subset of the test set
SWEEP_OPTIMIZERS = ("sgd", "rmsprop", "adam", "adagrad")


_uids = itertools.count(1)


@dataclass(frozen=True)
class RunRecord:
    """One run: what was trained how, and its per-epoch history. A value: a change is a new
    record (``dataclasses.replace``), which keeps ``uid``, the run it is (not compared)."""

    name: str
    settings: dict[str, Any]
    history: dict[str, list[float]] = field(default_factory=dict)
    reason: str = ""
    replay: Any = None  # its live views epoch by epoch (core.training.replay.Replay), if kept
    uid: int = field(default_factory=lambda: next(_uids), compare=False, repr=False)

    def final(self) -> dict[str, float]:
        """The last known value of every logged quantity: a stopped epoch's part has no
        validation (NaN), so the last finite value stands for it."""
        return {k: next((x for x in reversed(v) if math.isfinite(x)), v[-1])
                for k, v in self.history.items() if v and k not in ("epoch",)}

    def epochs_done(self) -> tuple[int, int]:
        """(complete epochs, stopped parts of an epoch) in the history."""
        xs = self.history.get("epoch", [])
        n = len(self.history.get("loss", []))
        if len(xs) != n:
            return n, 0
        whole = sum(1 for x in xs if float(x).is_integer())
        return whole, n - whole

    def summary(self) -> str:
        """'val_loss 0.31 · val_accuracy 88.2 %' (or the training numbers without validation)."""
        fin = self.final()
        keys = [k for k in ("val_loss", "val_accuracy", "loss", "accuracy") if k in fin][:2]
        return " · ".join(f"{k} {100 * fin[k]:.1f} %" if "accuracy" in k else
                          f"{k} {fin[k]:.4g}" for k in keys)

    def as_dict(self) -> dict[str, Any]:
        """The run as runs.json holds it (its replay goes to replays.npz)."""
        return {"name": self.name, "settings": self.settings, "history": self.history,
                "reason": self.reason}

    @classmethod
    def from_dict(cls, d: dict[str, Any], replay: Any = None) -> RunRecord:
        """A run as runs.json holds it (checked by core/files/project.py), with its replay."""
        return cls(d["name"], d["settings"], d["history"], d["reason"], replay)


DEFAULT_INITIALIZER = "glorot_uniform"  # Keras' own, and every preset's


def initializers_of(spec: NetworkSpec) -> str:
    """The kernel initializers of the network's layers, each named once in layer order
    ("zeros" or "he_normal, glorot_uniform")."""
    names = [str(lay.params["kernel_initializer"]) for lay in spec.layers
             if "kernel_initializer" in lay.params]
    return ", ".join(dict.fromkeys(names)) or DEFAULT_INITIALIZER


def init_note(spec: NetworkSpec) -> str:
    """' · zeros init' for a run name, when the network's initializers are not Keras'
    default: two runs of one network told apart only by their initializer (the course's
    comparison) had the same name, "mlp_2_8_2 · adam lr 0.05", and the same settings."""
    names = initializers_of(spec)
    return "" if names == DEFAULT_INITIALIZER else f" · {names} init"


def settings_of(spec: NetworkSpec, config: TrainConfig) -> dict[str, Any]:
    """The settings a run list shows and compares."""
    return {"network": spec.name, "optimizer": spec.optimizer, "lr": spec.lr,
            "batch_size": config.batch_size, "epochs": config.epochs,
            "layers": [lay.describe() for lay in spec.layers],
            "initializer": initializers_of(spec), "loss": spec.loss}


def numbered(records: list[RunRecord], name: str) -> str:
    """``name`` with the next run number: "#4 mlp · adam lr 0.01" (one past the highest
    number in ``records``, so a removed run's number is not given twice in a row)."""
    numbers = [int(m.group(1)) for r in records if (m := _NUMBER.match(r.name))]
    return f"#{max([len(records), *numbers]) + 1} {name}"


_NUMBER = re.compile(r"#(\d{1,9}) ")


def with_epochs(history: dict[str, list[float]],
                epochs: list[tuple[int, dict]]) -> dict[str, list[float]]:
    """``history`` and then ``epochs`` ((0-based epoch, logs) as a run reports them), every
    curve as long as the others (NaN where an epoch has no value for it)."""
    out = {k: [float(v) for v in vals] for k, vals in history.items()}
    n = len(out.get("loss", next(iter(out.values()), [])))
    if n and len(out.get("epoch", [])) != n:  # a record from before positions were kept
        out["epoch"] = [float(e) for e in range(1, n + 1)]
    for epoch, logs in epochs:
        values = {k: float(v) for k, v in logs.items() if isinstance(v, numbers.Real)}
        values["epoch"] = float(epoch + 1)
        for key in out.keys() | values.keys():
            curve = out.setdefault(key, [])
            curve.extend([math.nan] * (n - len(curve)))
            curve.append(values.get(key, math.nan))
        n += 1
    return out


def with_test_curve(history: dict[str, list[float]], earlier: dict[str, list[float]],
                    run_epochs: int, points: list[dict[str, float]]) -> dict[str, list[float]]:
    """``history`` plus ``test_<metric>`` curves with one value per epoch it holds.

    ``history`` is a session's (every run so far) and ends with this run's ``run_epochs``
    epochs; ``points`` are this run's test-curve logs in order (the probe runs once after each
    epoch's logs, so the n-th point is the n-th epoch). Epochs before this run keep
    ``earlier``'s values (the run list's record of the session); a missing value is NaN.
    """
    out = {k: list(v) for k, v in history.items()}
    start = max(0, len(history.get("loss", [])) - run_epochs)
    metrics = {m for p in points[:run_epochs] for m in p}
    metrics |= {k[len(TEST_PREFIX):] for k in earlier if k.startswith(TEST_PREFIX)}
    for metric in sorted(metrics):
        before = [float(v) for v in earlier.get(TEST_PREFIX + metric, [])[:start]]
        now = [float(p.get(metric, math.nan)) for p in points[:run_epochs]]
        out[TEST_PREFIX + metric] = (before + [math.nan] * (start - len(before)) +
                                     now + [math.nan] * (run_epochs - len(now)))
    return out


def lr_sweep(spec: NetworkSpec, factors: tuple[float, ...] = LR_FACTORS
             ) -> list[tuple[str, NetworkSpec]]:
    """The same network at learning rates around the current one."""
    out = []
    for f in factors:
        s = spec.copy()
        s.learning_rate = float(f"{spec.lr * f:.3g}")
        out.append((f"lr {s.learning_rate:g}", s))
    return out


def optimizer_sweep(spec: NetworkSpec, names: tuple[str, ...] = SWEEP_OPTIMIZERS
                    ) -> list[tuple[str, NetworkSpec]]:
    """The same network with each optimizer at its own default learning rate."""
    out = []
    for name in names:
        s = spec.copy()
        s.optimizer, s.learning_rate, s.optimizer_params = name, None, {}
        s.__post_init__()  # the new optimizer's default parameters
        out.append((f"{name} lr {s.lr:g}", s))
    return out


def best_index(history: dict[str, list[float]]) -> int | None:
    """Where in the history lists the validation loss is lowest (NaN entries, a stopped
    epoch's part, skipped); None without validation."""
    val = history.get("val_loss", [])
    finite = [i for i, v in enumerate(val) if math.isfinite(v)]
    return min(finite, key=val.__getitem__) if finite else None


def no_validation_note(history: dict[str, list[float]]) -> str:
    """Why a run's history has no validation loss to read, from the history alone.

    Validation is measured at the end of each complete epoch: a run stopped inside its first
    epoch has none (its part has NaN or no val_* keys) though it had a split. A run with
    complete epochs and no val_* keys had no split, or one too small to hold a sample (0.1 of
    XOR's 4 samples): the history cannot tell which, so the note names both.
    """
    n = len(history.get("loss", []))
    xs = history.get("epoch", [])
    whole = sum(1 for x in xs if float(x).is_integer()) if len(xs) == n else n
    if not n:
        return ("No epoch trained yet: the validation loss is measured at the end of each "
                "epoch.")
    if not whole:
        return ("Stopped before the end of its first epoch, where the validation loss is "
                "first measured: train a whole epoch to see when the network starts to "
                "overfit.")
    if any(key.startswith("val_") for key in history):
        return ("The validation loss was never a finite number (NaN or inf): lower the "
                "learning rate, or check the data for extreme values.")
    return ("No validation in this run: its validation split was 0, or too small to hold "
            "one sample of this data. Set a larger one to see when the network starts to "
            "overfit.")


def overfit_note(history: dict[str, list[float]]) -> tuple[int | None, str]:
    """(best validation epoch (1-based), a plain-words note on train vs validation loss)."""
    best = best_index(history)
    if best is None:
        return None, no_validation_note(history)
    val, train = history["val_loss"], history.get("loss", [])
    xs = history.get("epoch", [])
    best_epoch = int(round(xs[best])) if len(xs) == len(val) else best + 1
    last = max(i for i, v in enumerate(val) if math.isfinite(v))
    if last - best >= 2 and val[last] > val[best] * 1.05 and train and train[-1] < train[best]:
        return best_epoch, (f"Overfitting: the training loss still falls but the validation loss "
                            f"has risen since epoch {best_epoch} (best {val[best]:.4g}, now "
                            f"{val[last]:.4g}). Early stopping would keep epoch {best_epoch}.")
    return best_epoch, (f"Best validation loss {val[best]:.4g} at epoch {best_epoch}; "
                        "training and validation still agree.")
